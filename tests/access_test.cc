// The access table of docs/security.md, cell by cell: every endpoint, every role,
// on and off the team. Off-team answers 404 so that existence does not leak.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "refuge_process.h"

namespace refuge::testing {
namespace {

constexpr const char* kPassword = "a long enough passphrase";
constexpr const char* kVaultPassphrase = "a long vault passphrase for the access table";

// The demo case, its evidence vault included, with one user per role on and off
// the bond matter's team.
class AccessTable : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    // The demo and the server open the vault with it; the variable is not left set.
    ::setenv("REFUGE_PASSPHRASE", kVaultPassphrase, 1);
    auto demo = RunRefuge({"demo", "--data", dir_->path()});
    ASSERT_EQ(demo.exit_code, 0) << demo.err;
    for (auto [name, role] : std::vector<std::pair<std::string, std::string>>{
             {"lena", "lawyer"}, {"ari", "advocate"}, {"vic", "viewer"}, {"val", "viewer"},
             {"ada", "admin"}, {"adam", "admin"}, {"tess", "advocate"}}) {
      auto r = RunRefuge({"user", "add", name, "--role", role, "--password-stdin", "--data", dir_->path()},
                         std::string(kPassword) + "\n");
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    server_ = new ServerProcess(dir_->path());
    ::unsetenv("REFUGE_PASSPHRASE");
    clients_ = new std::map<std::string, std::unique_ptr<ApiClient>>();
    (*clients_)["maya"] = std::make_unique<ApiClient>(*server_, kMaya, kMayaPassword);
    for (const char* u : {"lena", "ari", "vic", "val", "ada", "adam", "tess"}) {
      (*clients_)[u] = std::make_unique<ApiClient>(*server_, u, kPassword);
    }
    // The admin puts the on-team users on the bond matter: maya (lawyer), tess
    // (advocate), vic (viewer), adam (admin).
    auto team = C("ada").Send("PUT", "/api/v1/matters/mat_wen_bond/team",
                              R"({"team": ["maya", "tess", "vic", "adam"]})", "application/json");
    ASSERT_EQ(team.status, 200) << team.raw;
    EXPECT_FALSE(team.body.contains("title")) << "an admin's team change shows no case data";
    // Maya records a man who threatened Wen Hao's family and names him in an incident.
    auto named = C("maya").Post("/api/v1/people", Json{{"name", "Gao Lin"}, {"a_number", "A-301-555-208"}});
    ASSERT_EQ(named.status, 201) << named.raw;
    named_ = new std::string(named.body["id"].get<std::string>());
    auto incident = C("maya").Post("/api/v1/events", Json{{"type", "incident"}, {"subject", "per_wen_hao"},
                                                         {"matter", "mat_wen_bond"}, {"date", "2026-11-02"},
                                                         {"kind", "threat"}, {"actor", *named_}});
    ASSERT_EQ(incident.status, 201) << incident.raw;
  }
  static void TearDownTestSuite() {
    delete named_;
    delete clients_;
    delete server_;
    delete dir_;
  }
  static ApiClient& C(const std::string& user) { return *(*clients_)[user]; }

  static inline TempDir* dir_ = nullptr;
  static inline std::string* named_ = nullptr;  // the person the incident names
  static inline ServerProcess* server_ = nullptr;
  static inline std::map<std::string, std::unique_ptr<ApiClient>>* clients_ = nullptr;
};

// The users of the table, in its column order.
const std::vector<std::string> kUsers = {"maya", "lena", "tess", "ari", "vic", "val", "adam", "ada"};

struct Cell {
  std::string method;
  std::string path;
  std::string body;
  std::vector<int> expected;  // one status per user of kUsers
};

void CheckRow(const Cell& row, const std::function<ApiClient&(const std::string&)>& client) {
  ASSERT_EQ(row.expected.size(), kUsers.size());
  for (size_t i = 0; i < kUsers.size(); ++i) {
    auto r = client(kUsers[i]).Send(row.method, row.path, row.body,
                                    row.body.empty() ? "" : "application/json");
    EXPECT_EQ(r.status, row.expected[i]) << row.method << " " << row.path << " as " << kUsers[i]
                                         << ": " << r.raw.substr(0, 300);
    if (r.status == 404) {
      // Indistinguishable from an object that does not exist.
      EXPECT_EQ(r.body["error"]["code"], "not_found") << kUsers[i];
    }
  }
}

TEST_F(AccessTable, ReadingTheClientAndTheMatter) {
  //                                                       maya lena tess  ari  vic  val adam  ada
  const std::vector<Cell> rows = {
      {"GET", "/api/v1/people/per_wen_hao", "", {200, 404, 200, 404, 200, 404, 200, 404}},
      {"GET", "/api/v1/people/per_wen_hao/chronology", "", {200, 404, 200, 404, 200, 404, 200, 404}},
      {"GET", "/api/v1/people/per_wen_hao/custody", "", {200, 404, 200, 404, 200, 404, 200, 404}},
      {"GET", "/api/v1/people/per_wen_hao/journey", "", {200, 404, 200, 404, 200, 404, 200, 404}},
      {"GET", "/api/v1/people/per_wen_hao/next-hearing", "", {200, 404, 200, 404, 200, 404, 200, 404}},
      {"GET", "/api/v1/people/per_wen_hao/deadlines", "", {200, 404, 200, 404, 200, 404, 200, 404}},
      {"GET", "/api/v1/matters/mat_wen_bond", "", {200, 404, 200, 404, 200, 404, 200, 404}},
      {"GET", "/api/v1/matters/mat_wen_bond/chronology", "", {200, 404, 200, 404, 200, 404, 200, 404}},
      {"GET", "/api/v1/matters/mat_wen_bond/deadlines", "", {200, 404, 200, 404, 200, 404, 200, 404}},
      // Named by a legal event: the team sees the name, an advocate not even that.
      {"GET", "/api/v1/people/" + *named_, "", {200, 404, 404, 404, 200, 404, 200, 404}},
      {"GET", "/api/v1/people/" + *named_ + "/chronology", "", {200, 404, 404, 404, 404, 404, 404, 404}},
      {"GET", "/api/v1/people/" + *named_ + "/custody", "", {200, 404, 404, 404, 404, 404, 404, 404}},
      // Admins read the whole audit log, so any person's part of it.
      {"GET", "/api/v1/people/" + *named_ + "/audit", "", {200, 404, 404, 404, 404, 404, 200, 200}},
      // The bond decision: a legal event; advocates do not see it.
      {"GET", "/api/v1/events/evt_demo_23", "", {200, 404, 404, 404, 200, 404, 200, 404}},
      {"GET", "/api/v1/events/evt_demo_23/history", "", {200, 404, 404, 404, 200, 404, 200, 404}},
      // Matters the on-team users of the bond matter are not on stay hidden.
      {"GET", "/api/v1/matters/mat_wen_removal", "", {200, 404, 404, 404, 404, 404, 404, 404}},
      {"GET", "/api/v1/events/evt_demo_27", "", {200, 404, 404, 404, 404, 404, 404, 404}},
  };
  for (const auto& row : rows) CheckRow(row, C);
  // Those on the team who are not its maker see only who it is.
  for (const char* u : {"vic", "adam"}) {
    auto card = C(u).Get("/api/v1/people/" + *named_);
    EXPECT_EQ(card.body["named_only"], true) << u << ": " << card.raw;
    EXPECT_FALSE(card.body.contains("a_number")) << u;
  }
  EXPECT_EQ(C("maya").Get("/api/v1/people/" + *named_).body["a_number"], "301555208");
}

TEST_F(AccessTable, AdvocatesSeeTheAdvocacyRecordAndWhatIsShared) {
  // An advocacy event under the bond matter, and a legal event marked shareable.
  auto adv = C("maya").Post("/api/v1/events", Json{{"type", "advocacy"}, {"subject", "per_wen_hao"},
                                                    {"date", "2026-11-12"}, {"kind", "press"},
                                                    {"matter", "mat_wen_bond"}, {"note", "Press call."}});
  ASSERT_EQ(adv.status, 201) << adv.raw;
  std::string adv_id = adv.body["id"];
  CheckRow({"GET", "/api/v1/events/" + adv_id, "", {200, 404, 200, 404, 200, 404, 200, 404}}, C);

  auto chron = C("tess").Get("/api/v1/matters/mat_wen_bond/chronology");
  ASSERT_EQ(chron.status, 200);
  for (const auto& e : chron.body["events"]) EXPECT_EQ(e["type"], "advocacy") << e.dump();
  // The lawyer shares the bond decision with the campaign.
  EXPECT_EQ(C("tess").Get("/api/v1/events/evt_demo_23").status, 404);
  auto shared = C("maya").Patch("/api/v1/events/evt_demo_23", Json{{"shareable", true}});
  ASSERT_EQ(shared.status, 200) << shared.raw;
  EXPECT_EQ(C("tess").Get("/api/v1/events/evt_demo_23").status, 200);
  auto after = C("tess").Get("/api/v1/matters/mat_wen_bond/chronology");
  bool decision = false;
  for (const auto& e : after.body["events"]) decision |= e["id"] == "evt_demo_23";
  EXPECT_TRUE(decision) << after.raw;
  // Shared or not, an advocate does not change a legal event.
  EXPECT_EQ(C("tess").Patch("/api/v1/events/evt_demo_23", Json{{"note", "x"}}).status, 403);
  // The person's privileged note is not shown to advocates.
  EXPECT_FALSE(C("tess").Get("/api/v1/people/per_wen_hao").body.contains("note"));
  EXPECT_TRUE(C("maya").Get("/api/v1/people/per_wen_hao").body.contains("note"));
}

TEST_F(AccessTable, Writing) {
  const std::string hearing =
      R"({"type":"hearing","subject":"per_wen_hao","date":"2027-03-01","kind":"bond","matter":"mat_wen_bond"})";
  const std::string advocacy =
      R"({"type":"advocacy","subject":"per_wen_hao","date":"2027-03-02","kind":"letter","matter":"mat_wen_bond"})";
  //                                                     maya lena tess  ari  vic  val adam  ada
  CheckRow({"POST", "/api/v1/events", hearing, {201, 422, 403, 422, 403, 422, 403, 422}}, C);
  CheckRow({"POST", "/api/v1/events", advocacy, {201, 422, 201, 422, 403, 422, 403, 422}}, C);
  CheckRow({"PATCH", "/api/v1/people/per_wen_hao", R"({"languages":["Mandarin","English"]})",
            {200, 404, 403, 404, 403, 404, 403, 404}}, C);
  CheckRow({"PATCH", "/api/v1/matters/mat_wen_bond", R"({"title":"Wen Hao: bond before the IJ"})",
            {200, 404, 403, 404, 403, 404, 403, 404}}, C);
  CheckRow({"PUT", "/api/v1/matters/mat_wen_bond/team", R"({"team":["maya","tess","vic","adam"]})",
            {200, 404, 403, 404, 403, 404, 200, 200}}, C);
  CheckRow({"POST", "/api/v1/organizations", R"({"name":"Northern Legal Aid","kind":"ngo"})",
            {201, 201, 201, 201, 403, 403, 403, 403}}, C);
  CheckRow({"POST", "/api/v1/matters", R"({"client":"per_wen_hao","kind":"habeas"})",
            {201, 422, 403, 403, 403, 403, 403, 403}}, C);
}

TEST_F(AccessTable, ListsSearchAndAgendaShowOnlyWhatIsVisible) {
  for (const auto& u : kUsers) {
    const bool on = u == "maya" || u == "tess" || u == "vic" || u == "adam";
    auto people = C(u).Get("/api/v1/people?limit=1000");
    ASSERT_EQ(people.status, 200);
    bool listed = false;
    for (const auto& p : people.body["items"]) listed |= p["id"] == "per_wen_hao";
    EXPECT_EQ(listed, on) << u;
    auto search = C(u).Get("/api/v1/search?q=Wen");
    bool found = false;
    for (const auto& h : search.body["results"]) found |= h["id"] == "per_wen_hao";
    EXPECT_EQ(found, on) << u;
    auto matters = C(u).Get("/api/v1/matters");
    bool bond = false;
    for (const auto& m : matters.body["items"]) bond |= m["id"] == "mat_wen_bond";
    EXPECT_EQ(bond, on) << u;
    auto notes = C(u).Get("/api/v1/search?q=inflatable");  // a note on an asylum-matter event
    EXPECT_EQ(!notes.body["results"].empty(), u == "maya") << u;
  }
}

TEST_F(AccessTable, AdministrationAndTheAuditLog) {
  //                                                     maya lena tess  ari  vic  val adam  ada
  CheckRow({"GET", "/api/v1/users", "", {403, 403, 403, 403, 403, 403, 200, 200}}, C);
  CheckRow({"GET", "/api/v1/audit", "", {403, 403, 403, 403, 403, 403, 200, 200}}, C);
  CheckRow({"GET", "/api/v1/people/per_wen_hao/audit", "", {200, 404, 403, 404, 403, 404, 200, 200}}, C);
  CheckRow({"GET", "/api/v1/organizations", "", {200, 200, 200, 200, 200, 200, 200, 200}}, C);
  CheckRow({"GET", "/api/v1/facilities/fac_hudson_annex", "", {200, 200, 200, 200, 200, 200, 200, 200}}, C);

  // Who has looked at Wen Hao's file: the lawyer sees the reads, with who and from where.
  ASSERT_EQ(C("vic").Get("/api/v1/people/per_wen_hao/chronology").status, 200);
  auto log = C("maya").Get("/api/v1/people/per_wen_hao/audit?limit=1000");
  ASSERT_EQ(log.status, 200);
  bool vic_read = false;
  for (const auto& e : log.body["items"]) {
    if (e["actor"] == "vic" && e["action"] == "person.chronology") {
      vic_read = true;
      EXPECT_EQ(e["address"], "127.0.0.1");
    }
  }
  EXPECT_TRUE(vic_read) << log.raw.substr(0, 1000);
}

TEST_F(AccessTable, Evidence) {
  // A photograph filed under the bond matter, and its safe copy.
  std::ifstream in(std::string(REFUGE_SOURCE_DIR) + "/data/demo-evidence/camp-fence.jpg", std::ios::binary);
  std::ostringstream photo;
  photo << in.rdbuf();
  auto original = C("maya").Send("POST", "/api/v1/evidence?subject=per_wen_hao&matter=mat_wen_bond&filename=fence.jpg",
                                 photo.str(), "image/jpeg");
  ASSERT_EQ(original.status, 201) << original.raw;
  const std::string id = original.body["id"];
  auto copy = C("maya").Post("/api/v1/evidence/" + id + "/redactions", Json::object());
  ASSERT_EQ(copy.status, 201) << copy.raw;
  const std::string copy_id = copy.body["id"];
  //                                                     maya lena tess  ari  vic  val adam  ada
  const std::vector<Cell> rows = {
      {"GET", "/api/v1/evidence/" + id, "", {200, 404, 404, 404, 200, 404, 200, 404}},
      {"GET", "/api/v1/evidence/" + id + "/content", "", {200, 404, 404, 404, 200, 404, 200, 404}},
      {"GET", "/api/v1/evidence/" + id + "/custody", "", {200, 404, 404, 404, 200, 404, 200, 404}},
      {"GET", "/api/v1/evidence/" + copy_id, "", {200, 404, 200, 404, 200, 404, 200, 404}},
      {"GET", "/api/v1/evidence/" + copy_id + "/content", "", {200, 404, 200, 404, 200, 404, 200, 404}},
      {"POST", "/api/v1/evidence/" + id + "/redactions", "", {201, 404, 404, 404, 403, 404, 403, 404}},
      {"POST", "/api/v1/matters/mat_wen_bond/bags", "", {200, 404, 403, 404, 403, 404, 403, 404}},
  };
  for (const auto& row : rows) CheckRow(row, C);

  // Lists hold only what each may see: the original for the team but its advocate.
  for (const auto& u : kUsers) {
    auto listed = C(u).Get("/api/v1/evidence?matter=mat_wen_bond&limit=1000");
    ASSERT_EQ(listed.status, 200) << u;
    bool has_original = false, has_copy = false;
    for (const auto& item : listed.body["items"]) {
      has_original |= item["id"] == id;
      has_copy |= item["id"] == copy_id;
    }
    const bool on = u == "maya" || u == "tess" || u == "vic" || u == "adam";
    EXPECT_EQ(has_original, on && u != "tess") << u;
    EXPECT_EQ(has_copy, on) << u;
  }
}

TEST_F(AccessTable, ProtectedNamesAreMaskedForThoseNotOnTheClientsMatters) {
  // A protected relative named by an event of the bond matter: the bond team sees
  // that the person exists (they are named in the matter's record) but only the
  // lawyer who created the record, and teams where they are the client, see the name.
  auto sister = C("maya").Post("/api/v1/people", Json{{"name", "Wen Li"}, {"other_names", {"温丽"}},
                                                      {"protected", true}});
  ASSERT_EQ(sister.status, 201);
  std::string id = sister.body["id"];
  ASSERT_EQ(C("maya").Post("/api/v1/events", Json{{"type", "advocacy"}, {"subject", "per_wen_hao"},
                                                   {"date", "2026-11-20"}, {"kind", "meeting"},
                                                   {"actor", id}, {"matter", "mat_wen_bond"}}).status, 201);
  auto seen = C("vic").Get("/api/v1/people/" + id);
  ASSERT_EQ(seen.status, 200) << seen.raw;
  EXPECT_EQ(seen.body["name"], "(protected person)");
  EXPECT_FALSE(seen.body.contains("other_names"));
  EXPECT_EQ(C("maya").Get("/api/v1/people/" + id).body["name"], "Wen Li");
  EXPECT_EQ(C("lena").Get("/api/v1/people/" + id).status, 404);
  // The masked name cannot be found by searching for it.
  EXPECT_TRUE(C("vic").Get("/api/v1/search?q=%E6%B8%A9%E4%B8%BD").body["results"].empty());
  EXPECT_FALSE(C("maya").Get("/api/v1/search?q=%E6%B8%A9%E4%B8%BD").body["results"].empty());
}

}  // namespace
}  // namespace refuge::testing
