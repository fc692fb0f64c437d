// Visibility is granted by team membership, never by the person asking for it:
// a write may refer only to what its writer already sees, references to hidden
// records answer exactly like references to missing ones, cursors reveal nothing,
// histories and views show no more than the current rule allows.
#include <gtest/gtest.h>

#include <regex>

#include "refuge_process.h"

namespace refuge::testing {
namespace {

constexpr const char* kPassword = "a long enough passphrase";

// The demo case, plus eve: a lawyer on no demo team with a client of her own,
// vic: a viewer, and ada: an admin.
class References : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(RunRefuge({"demo", "--data", dir_.path()}).exit_code, 0);
    for (auto [name, role] : std::vector<std::pair<std::string, std::string>>{
             {"eve", "lawyer"}, {"vic", "viewer"}, {"ada", "admin"}}) {
      auto r = RunRefuge({"user", "add", name, "--role", role, "--password-stdin", "--data", dir_.path()},
                         std::string(kPassword) + "\n");
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    server_ = std::make_unique<ServerProcess>(dir_.path());
    maya_ = std::make_unique<ApiClient>(*server_, kMaya, kMayaPassword);
    tenzin_ = std::make_unique<ApiClient>(*server_, "tenzin", "demo-tenzin-dorje");
    eve_ = std::make_unique<ApiClient>(*server_, "eve", kPassword);
    vic_ = std::make_unique<ApiClient>(*server_, "vic", kPassword);
    ada_ = std::make_unique<ApiClient>(*server_, "ada", kPassword);
    auto client = eve_->Post("/api/v1/people", Json{{"name", "Amara Osei"}});
    ASSERT_EQ(client.status, 201) << client.raw;
    eve_client_ = client.body["id"];
    auto matter = eve_->Post("/api/v1/matters", Json{{"client", eve_client_}, {"kind", "removal_defense"}});
    ASSERT_EQ(matter.status, 201) << matter.raw;
    eve_matter_ = matter.body["id"];
  }

  // An incident on eve's matter naming `actor`.
  Json IncidentNaming(const std::string& actor) const {
    return Json{{"type", "incident"}, {"subject", eve_client_}, {"matter", eve_matter_},
                {"date", "2026-11-20"}, {"kind", "threat"}, {"actor", actor}};
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<ApiClient> maya_, tenzin_, eve_, vic_, ada_;
  std::string eve_client_, eve_matter_;
};

// The error of a reference, with the id taken out: hidden and missing must match.
std::string WithoutId(const Json& body, const std::string& id) {
  return std::regex_replace(body.dump(), std::regex(id), "ID");
}

TEST_F(References, NamingAHiddenPersonAnswersExactlyLikeNamingNobody) {
  auto hidden = eve_->Post("/api/v1/events", IncidentNaming("per_wen_hao"));
  auto missing = eve_->Post("/api/v1/events", IncidentNaming("per_nobody_at_all"));
  EXPECT_EQ(hidden.status, 422) << hidden.raw;
  EXPECT_EQ(missing.status, 422) << missing.raw;
  EXPECT_EQ(hidden.body["error"]["field"], "actor");
  EXPECT_EQ(WithoutId(hidden.body, "per_wen_hao"), WithoutId(missing.body, "per_nobody_at_all"));

  // Nothing was written, and nothing became visible.
  EXPECT_EQ(eve_->Get("/api/v1/people/per_wen_hao").status, 404);
  auto matter = eve_->Post("/api/v1/matters", Json{{"client", "per_wen_hao"}, {"kind", "habeas"}});
  EXPECT_EQ(matter.status, 422) << matter.raw;
  EXPECT_EQ(matter.body["error"]["field"], "client");
  auto search = eve_->Get("/api/v1/search?q=214587903");
  EXPECT_TRUE(search.body["results"].empty()) << search.raw;
  EXPECT_EQ(eve_->Get("/api/v1/people/per_wen_hao/audit").status, 404);
  auto chronology = eve_->Get("/api/v1/matters/" + eve_matter_ + "/chronology");
  EXPECT_TRUE(chronology.body["events"].empty()) << chronology.raw;

  // The same for a matter, and as a subject.
  Json under_hidden = IncidentNaming(eve_client_);
  under_hidden["matter"] = "mat_wen_bond";
  auto m1 = eve_->Post("/api/v1/events", under_hidden);
  under_hidden["matter"] = "mat_nobody";
  auto m2 = eve_->Post("/api/v1/events", under_hidden);
  EXPECT_EQ(m1.status, 422);
  EXPECT_EQ(WithoutId(m1.body, "mat_wen_bond"), WithoutId(m2.body, "mat_nobody"));
  auto s1 = eve_->Post("/api/v1/events", Json{{"type", "note"}, {"subject", "per_wen_hao"}, {"date", "2026"},
                                              {"note", "x"}, {"matter", eve_matter_}});
  EXPECT_EQ(s1.status, 422);
  EXPECT_EQ(s1.body["error"]["field"], "subject");
}

TEST_F(References, APersonNamedOnATeamsMatterShowsOnlyTheName) {
  // Maya records the wife, and names her as the actor of an incident on the bond matter.
  auto wife = maya_->Post("/api/v1/people", Json{{"name", "Li Na"}, {"a_number", "A-201-555-019"},
                                                 {"birth_date", "1990-04-02"}, {"note", "Lives in Urumqi."}});
  ASSERT_EQ(wife.status, 201) << wife.raw;
  const std::string li_na = wife.body["id"];
  auto named = maya_->Post("/api/v1/events", Json{{"type", "incident"}, {"subject", "per_wen_hao"},
                                                  {"matter", "mat_wen_bond"}, {"date", "2026-11-21"},
                                                  {"kind", "threat"}, {"actor", li_na}});
  ASSERT_EQ(named.status, 201) << named.raw;
  ASSERT_EQ(ada_->Put("/api/v1/matters/mat_wen_bond/team", Json{{"team", {"maya", "vic"}}}).status, 200);

  // Vic, on the bond team, sees who is named and nothing of her file.
  auto card = vic_->Get("/api/v1/people/" + li_na);
  ASSERT_EQ(card.status, 200) << card.raw;
  EXPECT_EQ(card.body["name"], "Li Na");
  EXPECT_EQ(card.body["named_only"], true);
  for (const char* f : {"a_number", "birth_date", "note", "other_names", "version"}) {
    EXPECT_FALSE(card.body.contains(f)) << f << " in " << card.raw;
  }
  for (const char* view : {"/chronology", "/custody", "/journey", "/next-hearing", "/deadlines", "/audit"}) {
    EXPECT_EQ(vic_->Get("/api/v1/people/" + li_na + view).status, 404) << view;
  }
  auto search = vic_->Get("/api/v1/search?q=201555019");
  EXPECT_TRUE(search.body["results"].empty()) << search.raw;
  // The maker of the record still sees all of it.
  EXPECT_EQ(maya_->Get("/api/v1/people/" + li_na).body["a_number"], "201555019");

  // A protected person named the same way stays masked.
  ASSERT_EQ(maya_->Patch("/api/v1/people/" + li_na, Json{{"protected", true}}).status, 200);
  auto masked = vic_->Get("/api/v1/people/" + li_na);
  EXPECT_EQ(masked.body["name"], "(protected person)");
  EXPECT_EQ(masked.body["masked"], true);

  // Off the team, nothing.
  ASSERT_EQ(ada_->Put("/api/v1/matters/mat_wen_bond/team", Json{{"team", {"maya"}}}).status, 200);
  EXPECT_EQ(vic_->Get("/api/v1/people/" + li_na).status, 404);
}

TEST_F(References, ALawyerRemovedFromATeamCannotWriteHerWayBackIn) {
  ASSERT_EQ(ada_->Put("/api/v1/matters/mat_wen_bond/team", Json{{"team", {"maya", "eve"}}}).status, 200);
  // While on the team she may name him on her own matter.
  ASSERT_EQ(eve_->Post("/api/v1/events", IncidentNaming("per_wen_hao")).status, 201);
  ASSERT_EQ(ada_->Put("/api/v1/matters/mat_wen_bond/team", Json{{"team", {"maya"}}}).status, 200);

  // Removed, she keeps the name on her own matter's event and nothing else.
  auto card = eve_->Get("/api/v1/people/per_wen_hao");
  ASSERT_EQ(card.status, 200) << card.raw;
  EXPECT_EQ(card.body["name"], "(protected person)");
  EXPECT_FALSE(card.body.contains("a_number"));
  EXPECT_EQ(eve_->Get("/api/v1/people/per_wen_hao/chronology").status, 404);
  auto matter = eve_->Post("/api/v1/matters", Json{{"client", "per_wen_hao"}, {"kind", "habeas"}});
  EXPECT_EQ(matter.status, 422) << matter.raw;
  EXPECT_EQ(eve_->Get("/api/v1/matters/mat_wen_bond").status, 404);
}

TEST_F(References, CreatingARecordGivesNoLastingAccessOnceAMatterHasIt) {
  // Maya opens a file and a matter for it; the admin then takes her off the team.
  auto p = maya_->Post("/api/v1/people", Json{{"name", "Tariq Haddad"}});
  ASSERT_EQ(p.status, 201);
  const std::string id = p.body["id"];
  EXPECT_EQ(maya_->Get("/api/v1/people/" + id).status, 200) << "the maker sees a file no matter has yet";
  auto m = maya_->Post("/api/v1/matters", Json{{"client", id}, {"kind", "bond"}});
  ASSERT_EQ(m.status, 201);
  ASSERT_EQ(ada_->Put("/api/v1/matters/" + m.body["id"].get<std::string>() + "/team", Json{{"team", {"eve"}}}).status,
            200);
  EXPECT_EQ(maya_->Get("/api/v1/people/" + id).status, 404);
  EXPECT_EQ(eve_->Get("/api/v1/people/" + id).status, 200);
}

TEST_F(References, CursorsAreOpaqueAndBoundToTheirUser) {
  // More people than one page, all of them eve's.
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(eve_->Post("/api/v1/people", Json{{"name", "Osei " + std::to_string(i)}}).status, 201);
  }
  auto page = eve_->Get("/api/v1/people?limit=1");
  ASSERT_EQ(page.status, 200);
  ASSERT_TRUE(page.body["next"].is_string()) << page.raw;
  const std::string next = page.body["next"];
  EXPECT_EQ(next.find("per_"), std::string::npos) << next;
  auto second = eve_->Get("/api/v1/people?limit=1&after=" + next);
  ASSERT_EQ(second.status, 200) << second.raw;
  ASSERT_EQ(second.body["items"].size(), 1u);
  EXPECT_NE(second.body["items"][0]["id"], page.body["items"][0]["id"]);
  // Another user cannot use it, nor can anyone hand in a bare id.
  auto stolen = maya_->Get("/api/v1/people?limit=1&after=" + next);
  EXPECT_EQ(stolen.status, 422) << stolen.raw;
  EXPECT_EQ(stolen.body["error"]["field"], "after");
  EXPECT_EQ(eve_->Get("/api/v1/people?limit=1&after=per_wen_hao").status, 422);

  auto events = maya_->Get("/api/v1/events?limit=2");
  ASSERT_TRUE(events.body["next"].is_string()) << events.raw;
  EXPECT_EQ(events.body["next"].get<std::string>().find("evt_"), std::string::npos);
}

TEST_F(References, AHistoryShowsNoVersionTheReaderMayNotSee) {
  auto note = maya_->Post("/api/v1/events", Json{{"type", "note"}, {"subject", "per_wen_hao"},
                                                 {"matter", "mat_wen_campaign"}, {"date", "2026-11-22"},
                                                 {"note", "Privileged: he fears for his sister."}});
  ASSERT_EQ(note.status, 201) << note.raw;
  const std::string id = note.body["id"];
  EXPECT_EQ(tenzin_->Get("/api/v1/events/" + id).status, 404);
  auto shared = maya_->Patch("/api/v1/events/" + id, Json{{"note", "He asks for press restraint."}, {"shareable", true}});
  ASSERT_EQ(shared.status, 200) << shared.raw;

  auto history = tenzin_->Get("/api/v1/events/" + id + "/history");
  ASSERT_EQ(history.status, 200) << history.raw;
  EXPECT_EQ(history.body["versions"].size(), 1u) << history.raw;
  EXPECT_EQ(history.raw.find("sister"), std::string::npos) << history.raw;
  EXPECT_EQ(maya_->Get("/api/v1/events/" + id + "/history").body["versions"].size(), 2u);
}

TEST_F(References, ViewsSayWhatTheyRestOnAndNeverInventAFact) {
  // The advocate sees only advocacy, publications and what was shared.
  auto custody = tenzin_->Get("/api/v1/people/per_wen_hao/custody");
  ASSERT_EQ(custody.status, 200) << custody.raw;
  EXPECT_EQ(custody.body["based_on"], "shared_events");
  EXPECT_EQ(custody.body["status"], "unknown") << "his detentions are not shared with tenzin";
  EXPECT_TRUE(custody.body["in_custody"].is_null());
  EXPECT_EQ(tenzin_->Get("/api/v1/people/per_wen_hao/next-hearing").body["based_on"], "shared_events");
  EXPECT_EQ(tenzin_->Get("/api/v1/people/per_wen_hao/chronology").body["based_on"], "shared_events");

  // The lawyer's view rests on her matters' events and knows he was released.
  auto lawyer = maya_->Get("/api/v1/people/per_wen_hao/custody");
  EXPECT_EQ(lawyer.body["based_on"], "visible_events");
  EXPECT_EQ(lawyer.body["status"], "not_in_custody");
  EXPECT_EQ(lawyer.body["in_custody"], false);

  // A brand-new person: nothing is known, so nothing is claimed.
  auto fresh = eve_->Get("/api/v1/people/" + eve_client_ + "/custody");
  EXPECT_EQ(fresh.body["status"], "unknown");
  EXPECT_TRUE(fresh.body["in_custody"].is_null());
}

}  // namespace
}  // namespace refuge::testing
