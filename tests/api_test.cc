// The API as a client sees it: the real binary, a real data dir, HTTP on loopback.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

#include "refuge_process.h"

namespace refuge::testing {
namespace {

class DemoServer : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = RunRefuge({"demo", "--data", dir_.path()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    server_ = std::make_unique<ServerProcess>(dir_.path());
    api_ = std::make_unique<ApiClient>(*server_, kMaya, kMayaPassword);
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<ApiClient> api_;
};

std::vector<std::string> Field(const Json& events, const char* name) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.value(name, ""));
  return out;
}

TEST_F(DemoServer, ChronologyHasEveryScenarioEventInTimeOrder) {
  auto r = api_->Get("/api/v1/people/per_wen_hao/chronology");
  ASSERT_EQ(r.status, 200) << r.raw;
  const Json& events = r.body["events"];
  ASSERT_EQ(events.size(), 27u);
  std::vector<std::string> dates = Field(events, "date");
  EXPECT_EQ(dates.front(), "2020-06");
  EXPECT_EQ(dates[1], "2021-03-02");
  EXPECT_EQ(dates.back(), "2027-02-16T09:00:00-05:00");
  // The doxxing known only as "2021-11" sorts by its first day, between Oct 20 and Dec 9.
  auto pos = [&](const std::string& d) {
    return std::find(dates.begin(), dates.end(), d) - dates.begin();
  };
  EXPECT_LT(pos("2021-10-20"), pos("2021-11"));
  EXPECT_LT(pos("2021-11"), pos("2021-12-09"));
  // On 2026-09-02 the notice given at 10:00 comes before the fear claim known only by its day.
  EXPECT_LT(pos("2026-09-02T10:00:00-04:00"), pos("2026-09-02"));
  for (size_t i = 1; i < events.size(); ++i) {
    EXPECT_EQ(events[i]["subject"], "per_wen_hao");
  }
}

TEST_F(DemoServer, CustodyMatchesTheScenario) {
  auto r = api_->Get("/api/v1/people/per_wen_hao/custody");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_FALSE(r.body["in_custody"].get<bool>());
  EXPECT_EQ(r.body["since"], "2026-11-09");
  EXPECT_EQ(r.body["release_reason"], "bond");
  const Json& h = r.body["history"];
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0]["facility"]["name"], "Mohawk Valley Processing Center");
  EXPECT_EQ(h[0]["facility"]["detloc"], "MVPCNY");
  EXPECT_EQ(h[0]["from"], "2026-08-12");
  EXPECT_EQ(h[0]["to"], "2026-08-19");
  EXPECT_EQ(h[0]["ended_by"], "transfer");
  EXPECT_EQ(h[1]["facility"]["name"], "Hudson Correctional Annex");
  EXPECT_EQ(h[1]["from"], "2026-08-19");
  EXPECT_EQ(h[1]["to"], "2026-11-09");
  EXPECT_EQ(h[1]["release_reason"], "bond");
}

TEST_F(DemoServer, JourneyMatchesTheScenario) {
  auto r = api_->Get("/api/v1/people/per_wen_hao/journey");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["countries"], Json({"CN", "HK", "EC", "BS", "US"}));
  EXPECT_EQ(r.body["last_us_arrival"], "2021-10-03");
  const Json& legs = r.body["legs"];
  ASSERT_FALSE(legs.empty());
  EXPECT_EQ(legs.back()["from_country"], "BS");
  EXPECT_EQ(legs.back()["to_country"], "US");
  EXPECT_EQ(legs.back()["departed"], "2021-10-02");
  EXPECT_EQ(legs.back()["arrived"], "2021-10-03");
  EXPECT_EQ(legs.back()["mode"], "sea");
  EXPECT_EQ(legs.back()["manner"], "without_inspection");
}

TEST_F(DemoServer, MatterChronologyHoldsOnlyItsEvents) {
  auto r = api_->Get("/api/v1/matters/mat_wen_bond/chronology");
  ASSERT_EQ(r.status, 200) << r.raw;
  std::vector<std::string> types = Field(r.body["events"], "type");
  EXPECT_EQ(types, (std::vector<std::string>{"filing", "hearing", "decision", "bond", "bond", "release"}));
}

TEST_F(DemoServer, SearchFindsTheClientByEveryWrittenForm) {
  for (std::string q : {"%E6%B8%A9%E6%B5%A9" /* 温浩 */, "Wen", "wen%20hao", "214-587-903",
                        "A214587903", "A-214-587-903"}) {
    auto r = api_->Get("/api/v1/search?q=" + q);
    ASSERT_EQ(r.status, 200) << q << ": " << r.raw;
    bool found = false;
    for (const auto& hit : r.body["results"]) {
      if (hit["kind"] == "person" && hit["id"] == "per_wen_hao") found = true;
    }
    EXPECT_TRUE(found) << "query " << q << " gave " << r.raw;
  }
  // Matters, organizations, facilities and event notes are searched too.
  auto notes = api_->Get("/api/v1/search?q=inflatable");
  ASSERT_EQ(notes.status, 200);
  ASSERT_EQ(notes.body["results"].size(), 1u);
  EXPECT_EQ(notes.body["results"][0]["kind"], "event");
  auto fac = api_->Get("/api/v1/search?q=MVPCNY&kind=facility");
  ASSERT_EQ(fac.body["results"].size(), 1u);
  EXPECT_EQ(fac.body["results"][0]["id"], "fac_mohawk_valley");
  auto none = api_->Get("/api/v1/search?q=%E6%B8%A9%E6%98%8E");  // 温明: shares one character only
  EXPECT_TRUE(none.body["results"].empty()) << none.raw;
}

TEST_F(DemoServer, RequiresLogin) {
  ApiClient anonymous(*server_);
  auto r = anonymous.Get("/api/v1/people");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body["error"]["code"], "unauthenticated");
  auto bad = anonymous.Post("/api/v1/session", Json{{"username", "maya"}, {"password", "wrong password!"}});
  EXPECT_EQ(bad.status, 401);
}

TEST_F(DemoServer, LogoutRevokesTheToken) {
  ApiClient other(*server_, kMaya, kMayaPassword);
  EXPECT_EQ(other.Get("/api/v1/me").status, 200);
  EXPECT_EQ(other.Send("DELETE", "/api/v1/session", "", "").status, 204);
  EXPECT_EQ(other.Get("/api/v1/me").status, 401);
  EXPECT_EQ(api_->Get("/api/v1/me").status, 200);  // other sessions live on
}

TEST_F(DemoServer, CreateReadUpdateWithOptimisticConcurrency) {
  auto created = api_->Post("/api/v1/people", Json{{"name", "Amara Okafor"}, {"a_number", "A-098-765-432"},
                                                   {"citizenship", {"ng"}}});
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string id = created.body["id"];
  EXPECT_EQ(created.body["a_number"], "098765432");
  EXPECT_EQ(created.body["citizenship"], Json({"NG"}));
  EXPECT_EQ(created.body["version"], 1);
  auto read = api_->Get("/api/v1/people/" + id);
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(read.Header("ETag"), "\"1\"");

  auto updated = api_->Patch("/api/v1/people/" + id, Json{{"languages", {"Igbo", "English"}}}, "\"1\"");
  ASSERT_EQ(updated.status, 200) << updated.raw;
  EXPECT_EQ(updated.body["version"], 2);
  EXPECT_EQ(updated.body["name"], "Amara Okafor");

  // A second writer who still holds version 1 loses, and nothing changes.
  auto stale = api_->Put("/api/v1/people/" + id, Json{{"name", "Someone Else"}}, "\"1\"");
  EXPECT_EQ(stale.status, 409) << stale.raw;
  EXPECT_EQ(stale.body["error"]["code"], "conflict");
  auto stale_body = api_->Put("/api/v1/people/" + id, Json{{"name", "Someone Else"}, {"version", 1}});
  EXPECT_EQ(stale_body.status, 409);
  EXPECT_EQ(api_->Get("/api/v1/people/" + id).body["name"], "Amara Okafor");
}

TEST_F(DemoServer, EventCorrectionAndRetractionKeepHistory) {
  auto created = api_->Post("/api/v1/events", Json{{"type", "hearing"}, {"subject", "per_wen_hao"},
                                                   {"date", "2027-03-01"}, {"kind", "master"},
                                                   {"matter", "mat_wen_removal"}});
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string id = created.body["id"];
  auto moved = api_->Patch("/api/v1/events/" + id, Json{{"date", "2027-03-08"}}, "\"1\"");
  ASSERT_EQ(moved.status, 200) << moved.raw;
  EXPECT_EQ(moved.body["date"], "2027-03-08");
  auto retracted = api_->Send("POST", "/api/v1/events/" + id + "/retract",
                              R"({"reason":"entered twice"})", "application/json", {{"If-Match", "\"2\""}});
  ASSERT_EQ(retracted.status, 200) << retracted.raw;
  EXPECT_TRUE(retracted.body["retracted"].get<bool>());
  auto history = api_->Get("/api/v1/events/" + id + "/history");
  ASSERT_EQ(history.status, 200);
  const Json& v = history.body["versions"];
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0]["date"], "2027-03-01");
  EXPECT_EQ(v[1]["date"], "2027-03-08");
  EXPECT_TRUE(v[2]["retracted"].get<bool>());
  // Gone from the chronology, still in the one that shows retractions.
  auto chron = api_->Get("/api/v1/people/per_wen_hao/chronology");
  EXPECT_EQ(chron.body["events"].size(), 27u);
  auto all = api_->Get("/api/v1/people/per_wen_hao/chronology?retracted=true");
  EXPECT_EQ(all.body["events"].size(), 28u);
}

// Chronologies are answered from a cache while the data stays the same. A write
// by another process (here a second server on the same database) shows at once,
// and every read is in the audit log, answered from the cache or not.
TEST_F(DemoServer, ChronologiesShowEveryWriteWhicheverServerMadeIt) {
  const std::string path = "/api/v1/matters/mat_wen_bond/chronology";
  auto first = api_->Get(path);
  ASSERT_EQ(first.status, 200) << first.raw;
  ASSERT_EQ(first.body["events"].size(), 6u);
  EXPECT_EQ(api_->Get(path).raw, first.raw);

  ServerProcess two(dir_.path());
  ApiClient other(two, kMaya, kMayaPassword);
  auto created = other.Post("/api/v1/events", Json{{"type", "note"}, {"subject", "per_wen_hao"},
                                                   {"date", "2026-11-20"}, {"matter", "mat_wen_bond"},
                                                   {"note", "Bond receipt sent to the family."}});
  ASSERT_EQ(created.status, 201) << created.raw;
  const std::string id = created.body["id"];
  auto note_of = [&](const Json& events) -> std::string {
    for (const auto& e : events) {
      if (e["id"] == id) return e.value("note", "");
    }
    return "(absent)";
  };
  auto added = api_->Get(path);
  ASSERT_EQ(added.body["events"].size(), 7u) << added.raw;
  EXPECT_EQ(note_of(added.body["events"]), "Bond receipt sent to the family.");

  auto corrected = other.Patch("/api/v1/events/" + id, Json{{"note", "Bond receipt sent to his sister."}}, "\"1\"");
  ASSERT_EQ(corrected.status, 200) << corrected.raw;
  EXPECT_EQ(note_of(api_->Get(path).body["events"]), "Bond receipt sent to his sister.");

  auto retracted = other.Send("POST", "/api/v1/events/" + id + "/retract", R"({"reason":"wrong matter"})",
                              "application/json", {{"If-Match", "\"2\""}});
  ASSERT_EQ(retracted.status, 200) << retracted.raw;
  auto after = api_->Get(path);
  EXPECT_EQ(after.raw, first.raw);
  EXPECT_EQ(api_->Get(path + "?retracted=true").body["events"].size(), 7u);

  // Six reads of this chronology by maya on the first server: all audited.
  server_->Stop();
  two.Stop();
  auto shown = RunRefuge({"audit", "show", "--person", "per_wen_hao", "--data", dir_.path()});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  size_t reads = 0;
  for (size_t at = shown.out.find("maya  matter.chronology  mat_wen_bond"); at != std::string::npos;
       at = shown.out.find("maya  matter.chronology  mat_wen_bond", at + 1)) {
    ++reads;
  }
  EXPECT_EQ(reads, 6u) << shown.out;
}

TEST_F(DemoServer, ListsPaginate) {
  std::set<std::string> seen;
  std::string after;
  int pages = 0;
  while (true) {
    auto r = api_->Get("/api/v1/events?limit=10" + (after.empty() ? "" : "&after=" + after));
    ASSERT_EQ(r.status, 200);
    for (const auto& e : r.body["items"]) seen.insert(e["id"].get<std::string>());
    ++pages;
    if (r.body["next"].is_null()) break;
    after = r.body["next"];
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen.size(), 27u);
}

TEST_F(DemoServer, NextHearingIsTheScheduledOne) {
  auto r = api_->Get("/api/v1/people/per_wen_hao/next-hearing");
  ASSERT_EQ(r.status, 200);
  // The demo clock is the real one; the individual hearing is the only one not held.
  if (!r.body["hearing"].is_null()) {
    EXPECT_EQ(r.body["hearing"]["kind"], "individual");
  }
}

// --- bad input: a clear 4xx naming the problem, and nothing written ---

struct BadCase {
  const char* name;
  std::string path;
  std::string body;
  std::string content_type;
  int status;
  std::string field;
};

TEST_F(DemoServer, BadInputGetsAClearErrorAndWritesNothing) {
  const std::vector<BadCase> cases = {
      {"malformed json", "/api/v1/events", R"({"type": "note", )", "application/json", 400, ""},
      {"unknown type", "/api/v1/events",
       R"({"type":"teleport","subject":"per_wen_hao","date":"2026-01-01"})", "application/json", 422, "type"},
      {"unknown field", "/api/v1/events",
       R"({"type":"note","subject":"per_wen_hao","date":"2026-01-01","colour":"red"})",
       "application/json", 422, "colour"},
      {"impossible date", "/api/v1/events",
       R"({"type":"note","subject":"per_wen_hao","date":"2026-02-30"})", "application/json", 422, "date"},
      {"date-time without offset", "/api/v1/events",
       R"({"type":"note","subject":"per_wen_hao","date":"2026-02-03T10:00"})", "application/json", 422, "date"},
      {"bad enum", "/api/v1/events",
       R"({"type":"release","subject":"per_wen_hao","date":"2026-01-01","reason":"escaped"})",
       "application/json", 422, "reason"},
      {"bad country", "/api/v1/events",
       R"({"type":"arrival","subject":"per_wen_hao","date":"2026-01-01","country":"XX"})",
       "application/json", 422, "country"},
      {"dangling subject", "/api/v1/events",
       R"({"type":"note","subject":"per_nobody","date":"2026-01-01"})", "application/json", 422, "subject"},
      {"dangling facility", "/api/v1/events",
       R"({"type":"detention","subject":"per_wen_hao","date":"2026-01-01","facility":"fac_nowhere"})",
       "application/json", 422, "facility"},
      {"wrong kind of reference", "/api/v1/events",
       R"({"type":"detention","subject":"per_wen_hao","date":"2026-01-01","facility":"org_dhs"})",
       "application/json", 422, "facility"},
      {"missing required field", "/api/v1/events",
       R"({"type":"detention","subject":"per_wen_hao","date":"2026-01-01"})", "application/json", 422, "facility"},
      {"invalid A-number", "/api/v1/people", R"({"name":"Test Person","a_number":"A12-34"})",
       "application/json", 422, "a_number"},
      {"A-number with letters", "/api/v1/people", R"({"name":"Test Person","a_number":"A12345678X"})",
       "application/json", 422, "a_number"},
      {"wrong type", "/api/v1/people", R"({"name":"Test Person","protected":"yes"})",
       "application/json", 422, "protected"},
      {"matter for a missing client", "/api/v1/matters", R"({"client":"per_nobody","kind":"bond"})",
       "application/json", 422, "client"},
      {"team member who is no user", "/api/v1/matters",
       R"({"client":"per_wen_hao","kind":"bond","team":["nobody"]})", "application/json", 422, "team[0]"},
      {"wrong content type", "/api/v1/events",
       R"({"type":"note","subject":"per_wen_hao","date":"2026-01-01"})", "text/plain", 415, "Content-Type"},
      {"not an object", "/api/v1/people", R"(["a"])", "application/json", 400, ""},
  };
  auto before = api_->Get("/api/v1/events?limit=1000").body["items"].size();
  auto people_before = api_->Get("/api/v1/people?limit=1000").body["items"].size();
  for (const auto& c : cases) {
    auto r = api_->Send("POST", c.path, c.body, c.content_type);
    EXPECT_EQ(r.status, c.status) << c.name << ": " << r.raw;
    ASSERT_TRUE(r.body.contains("error")) << c.name << ": " << r.raw;
    EXPECT_FALSE(r.body["error"]["message"].get<std::string>().empty()) << c.name;
    if (!c.field.empty()) EXPECT_EQ(r.body["error"].value("field", ""), c.field) << c.name << ": " << r.raw;
  }
  EXPECT_EQ(api_->Get("/api/v1/events?limit=1000").body["items"].size(), before);
  EXPECT_EQ(api_->Get("/api/v1/people?limit=1000").body["items"].size(), people_before);
}

TEST_F(DemoServer, OversizedBodyIsRefusedWith413) {
  std::string big = R"({"type":"note","subject":"per_wen_hao","date":"2026-01-01","note":")" +
                    std::string(50 * 1024 * 1024, 'x') + "\"}";
  auto r = api_->Send("POST", "/api/v1/events", big, "application/json");
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.body["error"]["code"], "too_large") << r.raw.substr(0, 200);
  EXPECT_EQ(api_->Get("/api/v1/people/per_wen_hao/chronology").body["events"].size(), 27u);
}

TEST_F(DemoServer, UnknownEndpointAndObjectAreJson404) {
  auto r = api_->Get("/api/v1/nothing-here");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body["error"]["code"], "not_found");
  auto p = api_->Get("/api/v1/people/per_nobody");
  EXPECT_EQ(p.status, 404);
  EXPECT_EQ(p.body["error"]["code"], "not_found");
}

// --- durability and backups ---

TEST_F(DemoServer, AnAcknowledgedWriteSurvivesAKilledServer) {
  auto created = api_->Post("/api/v1/events", Json{{"type", "note"}, {"subject", "per_wen_hao"},
                                                   {"date", "2026-11-30"}, {"note", "Called the family."}});
  ASSERT_EQ(created.status, 201);
  server_->Stop(/*kill=*/true);
  server_ = std::make_unique<ServerProcess>(dir_.path());
  ApiClient again(*server_, kMaya, kMayaPassword);
  auto r = again.Get("/api/v1/events/" + created.body["id"].get<std::string>());
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["note"], "Called the family.");
  EXPECT_EQ(again.Get("/api/v1/people/per_wen_hao/chronology").body["events"].size(), 28u);
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_F(DemoServer, ExportImportRoundTripsByteForByte) {
  // Give the data a corrected event and a retracted one, so history travels too.
  auto e = api_->Post("/api/v1/events", Json{{"type", "note"}, {"subject", "per_wen_hao"},
                                             {"date", "2026-12"}, {"note", "first"}});
  std::string id = e.body["id"];
  ASSERT_EQ(api_->Patch("/api/v1/events/" + id, Json{{"note", "second"}}).status, 200);
  ASSERT_EQ(api_->Send("POST", "/api/v1/events/" + id + "/retract", "", "").status, 200);
  server_->Stop();

  TempDir other;
  auto first = RunRefuge({"export", "--data", dir_.path(), "--out", other.File("a.json")});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto imported = RunRefuge({"import", other.File("a.json"), "--data", other.File("copy")});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  auto second = RunRefuge({"export", "--data", other.File("copy"), "--out", other.File("b.json")});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  std::string a = Slurp(other.File("a.json")), b = Slurp(other.File("b.json"));
  ASSERT_GT(a.size(), 1000u);
  EXPECT_TRUE(a == b) << "exports differ";
  Json doc = Json::parse(a);
  EXPECT_EQ(doc["events"].size(), 28u);
  EXPECT_EQ(doc["users"].size(), 2u);
  // Importing the same file again changes nothing.
  auto again = RunRefuge({"import", other.File("a.json"), "--data", other.File("copy")});
  EXPECT_EQ(again.exit_code, 0) << again.err;
}

TEST_F(DemoServer, ServerRestartKeepsAllData) {
  auto before = api_->Get("/api/v1/people/per_wen_hao/chronology").raw;
  server_->Stop();
  server_ = std::make_unique<ServerProcess>(dir_.path());
  ApiClient again(*server_, kMaya, kMayaPassword);
  EXPECT_EQ(again.Get("/api/v1/people/per_wen_hao/chronology").raw, before);
}

// A path served with other methods answers 405 and says which (RFC 9110), not 404.
TEST_F(DemoServer, AWrongMethodIs405WithAllow) {
  auto del = api_->Send("DELETE", "/api/v1/people/per_wen_hao", "", "");
  EXPECT_EQ(del.status, 405) << del.raw;
  EXPECT_EQ(del.Header("Allow"), "GET, HEAD, PATCH, PUT") << del.raw;
  EXPECT_EQ(del.body["error"]["code"], "method_not_allowed");
  auto get = api_->Get("/api/v1/matters/mat_wen_bond/bags");
  EXPECT_EQ(get.status, 405) << get.raw;
  EXPECT_EQ(get.Header("Allow"), "POST");
  // Nothing at all is served here: 404, as before.
  EXPECT_EQ(api_->Send("DELETE", "/api/v1/nothing", "", "").status, 404);
  EXPECT_EQ(api_->Get("/api/v1/nothing").status, 404);
  EXPECT_EQ(api_->Get("/api/v1/people/per_wen_hao").status, 200);
}

// The documented `curl -X POST` calls carry no body: none is needed, so none is
// demanded (they answered 400 before).
TEST_F(DemoServer, APostThatNeedsNoBodyTakesNone) {
  // curl itself: it sends no Content-Length and no Content-Type for a bare -X POST.
  auto curl = [&](const std::string& path) {
    const std::string cmd = "curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Authorization: Bearer " +
                            api_->token() + "' http://127.0.0.1:" + std::to_string(server_->port()) + path;
    std::FILE* p = ::popen(cmd.c_str(), "r");
    char buf[16] = {0};
    const size_t n = std::fread(buf, 1, sizeof buf - 1, p);
    ::pclose(p);
    return std::string(buf, n);
  };
  EXPECT_EQ(curl("/api/v1/calendar/feed"), "201");
  EXPECT_EQ(curl("/api/v1/events/evt_demo_23/retract"), "200");
  EXPECT_EQ(api_->Get("/api/v1/events/evt_demo_23").body["retracted"], true);
}

// A second server on a port in use fails at start: it must never share the port
// and split requests with another installation.
TEST(ServerStart, ASecondServerOnAPortInUseFailsWithAClearMessage) {
  TempDir first, second;
  ASSERT_EQ(RunRefuge({"demo", "--data", first.path()}).exit_code, 0);
  ASSERT_EQ(RunRefuge({"demo", "--data", second.path()}).exit_code, 0);
  ServerProcess running(first.path());
  const std::string log = second.File("serve.log");
  std::string env = OnPostgres() ? "REFUGE_DB='" + DatabaseFor(second.path()) + "' " : "";
  // `timeout` ends a server that wrongly started, so the test cannot hang.
  const std::string cmd = env + "timeout 20 " + std::string(REFUGE_BINARY) + " serve --data " + second.path() +
                          " --listen 127.0.0.1:" + std::to_string(running.port()) + " >" + log + " 2>&1";
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_NE(WEXITSTATUS(status), 0);
  EXPECT_NE(WEXITSTATUS(status), 124) << "the second server started and ran until killed";
  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("cannot listen on 127.0.0.1:" + std::to_string(running.port())), std::string::npos) << text;
}

}  // namespace

}  // namespace refuge::testing
