// PostgreSQL beside SQLite: several app servers on one database, and moving an
// installation from one database to the other with export and import.
#include <gtest/gtest.h>

#include <barrier>
#include <fstream>
#include <sstream>
#include <thread>

#include "dataset.h"
#include "refuge/auth/passwords.h"
#include "postgres_test_db.h"
#include "refuge_process.h"

namespace refuge::testing {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Each test gets its own database. These tests choose their databases
// themselves, so they run once, in the default pass.
class WithPostgres : public ::testing::Test {
 protected:
  void SetUp() override {
    if (TestServerDsn().empty()) GTEST_SKIP() << "REFUGE_TEST_PG_DSN is not set; run under scripts/with-postgres.sh";
    if (OnPostgres()) GTEST_SKIP() << "chooses its own databases; runs in the default pass";
    db_ = std::make_unique<ScratchDatabase>();
  }

  // export | import | export between two databases; returns the two exports.
  std::pair<std::string, std::string> Move(const std::string& from_dir, const std::string& from_db,
                                           const std::string& to_dir, const std::string& to_db,
                                           const std::string& name) {
    const std::string a = dir_.File(name + "-from.json"), b = dir_.File(name + "-to.json");
    auto out = RunRefuge({"export", "--data", from_dir, "--db", from_db, "--out", a});
    EXPECT_EQ(out.exit_code, 0) << out.err;
    auto in = RunRefuge({"import", a, "--data", to_dir, "--db", to_db});
    EXPECT_EQ(in.exit_code, 0) << in.err;
    auto again = RunRefuge({"export", "--data", to_dir, "--db", to_db, "--out", b});
    EXPECT_EQ(again.exit_code, 0) << again.err;
    return {Slurp(a), Slurp(b)};
  }

  TempDir dir_;
  std::unique_ptr<ScratchDatabase> db_;
};

// --- several app servers, one database ---

TEST_F(WithPostgres, AWriteThroughOneServerIsReadThroughTheOther) {
  // Both servers use the same data dir, as app servers on a shared file system do.
  ASSERT_EQ(RunRefuge({"demo", "--data", dir_.path(), "--db", db_->url()}).exit_code, 0);
  ServerProcess one(dir_.path(), db_->url()), two(dir_.path(), db_->url());
  ApiClient a(one, kMaya, kMayaPassword), b(two, kMaya, kMayaPassword);

  auto created = a.Post("/api/v1/events", Json{{"type", "note"}, {"subject", "per_wen_hao"},
                                               {"date", "2026-12-01"}, {"matter", "mat_wen_removal"},
                                               {"note", "Spoke with the consulate about travel papers."}});
  ASSERT_EQ(created.status, 201) << created.raw;
  const std::string id = created.body["id"];
  auto read = b.Get("/api/v1/events/" + id);
  ASSERT_EQ(read.status, 200) << read.raw;
  EXPECT_EQ(read.body["note"], "Spoke with the consulate about travel papers.");
  auto chronology = b.Get("/api/v1/people/per_wen_hao/chronology");
  ASSERT_EQ(chronology.status, 200);
  EXPECT_EQ(chronology.body["events"].size(), 28u);
  auto found = b.Get("/api/v1/search?q=consulate%20travel");
  ASSERT_EQ(found.status, 200) << found.raw;
  ASSERT_EQ(found.body["results"].size(), 1u) << found.raw;
  EXPECT_EQ(found.body["results"][0]["id"], id);

  // A session opened on one server is good on the other, and logging out on the
  // other ends it on both.
  auto http = two.Client();
  auto me = http->Get("/api/v1/me", httplib::Headers{{"Authorization", "Bearer " + a.token()}});
  ASSERT_TRUE(me);
  EXPECT_EQ(me->status, 200);
  auto out = http->Delete("/api/v1/session", httplib::Headers{{"Authorization", "Bearer " + a.token()}});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 204);
  EXPECT_EQ(a.Get("/api/v1/me").status, 401);
}

TEST_F(WithPostgres, ConcurrentEditsOfOneEventOnTwoServersLoseNothing) {
  ASSERT_EQ(RunRefuge({"demo", "--data", dir_.path(), "--db", db_->url()}).exit_code, 0);
  ServerProcess one(dir_.path(), db_->url()), two(dir_.path(), db_->url());
  ApiClient a(one, kMaya, kMayaPassword), b(two, kMaya, kMayaPassword);
  auto created = a.Post("/api/v1/events", Json{{"type", "note"}, {"subject", "per_wen_hao"},
                                               {"date", "2026-12-02"}, {"matter", "mat_wen_removal"},
                                               {"note", "version 1"}});
  ASSERT_EQ(created.status, 201) << created.raw;
  const std::string path = "/api/v1/events/" + created.body["id"].get<std::string>();

  // Each round both servers get an edit made from the same version at the same
  // moment: one wins, the other is told 409 and changes nothing.
  std::vector<std::string> notes = {"version 1"};
  int64_t version = 1;
  for (int round = 0; round < 8; ++round) {
    std::barrier start(2);
    ApiClient::Response ra, rb;
    const std::string etag = "\"" + std::to_string(version) + "\"";
    const std::string note_a = "edit " + std::to_string(round) + " through one";
    const std::string note_b = "edit " + std::to_string(round) + " through two";
    std::thread ta([&] {
      start.arrive_and_wait();
      ra = a.Patch(path, Json{{"note", note_a}}, etag);
    });
    std::thread tb([&] {
      start.arrive_and_wait();
      rb = b.Patch(path, Json{{"note", note_b}}, etag);
    });
    ta.join();
    tb.join();
    ASSERT_TRUE((ra.status == 200 && rb.status == 409) || (ra.status == 409 && rb.status == 200))
        << "round " << round << ": " << ra.status << " " << ra.raw << " / " << rb.status << " " << rb.raw;
    const ApiClient::Response& lost = ra.status == 409 ? ra : rb;
    EXPECT_EQ(lost.body["error"]["code"], "conflict") << lost.raw;
    const std::string won = ra.status == 200 ? note_a : note_b;
    notes.push_back(won);
    ++version;
    EXPECT_EQ((ra.status == 200 ? ra : rb).body["version"], version);
    // Both servers show the winner.
    EXPECT_EQ(a.Get(path).body["note"], won);
    EXPECT_EQ(b.Get(path).body["note"], won);
  }
  // Every accepted edit is in the history, in order; no rejected one is.
  auto history = b.Get(path + "/history");
  ASSERT_EQ(history.status, 200) << history.raw;
  const Json& versions = history.body["versions"];
  ASSERT_EQ(versions.size(), notes.size()) << history.raw;
  for (size_t i = 0; i < notes.size(); ++i) {
    EXPECT_EQ(versions[i]["note"], notes[i]) << "version " << i + 1;
    EXPECT_EQ(versions[i]["version"], static_cast<int64_t>(i + 1));
  }
}

TEST_F(WithPostgres, AServerCarriesOnWhenTheDatabaseDropsItsConnections) {
  ASSERT_EQ(RunRefuge({"demo", "--data", dir_.path(), "--db", db_->url()}).exit_code, 0);
  ServerProcess server(dir_.path(), db_->url());
  ApiClient api(server, kMaya, kMayaPassword);
  ASSERT_EQ(api.Get("/api/v1/people/per_wen_hao/chronology").status, 200);
  // What a database restart or failover does to the server's pooled connections.
  db_->Exec("SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity WHERE datname = '" +
            db_->name() + "' AND pid <> pg_backend_pid()");
  auto read = api.Get("/api/v1/people/per_wen_hao/chronology");
  EXPECT_EQ(read.status, 200) << read.raw;
  auto write = api.Post("/api/v1/events", Json{{"type", "note"}, {"subject", "per_wen_hao"},
                                               {"date", "2026-12-03"}, {"note", "After the restart."}});
  EXPECT_EQ(write.status, 201) << write.raw;
  EXPECT_EQ(api.Get("/api/v1/people/per_wen_hao/chronology").body["events"].size(), 28u);
}

TEST_F(WithPostgres, ABadDatabaseIsAClearErrorFromEveryCommand) {
  auto unreachable = RunRefuge({"export", "--data", dir_.path(), "--db",
                                "postgresql://refuge:hunter22@127.0.0.1:1/refuge?connect_timeout=2", "--out", "-"});
  EXPECT_EQ(unreachable.exit_code, 74);
  EXPECT_NE(unreachable.err.find("cannot connect to PostgreSQL at postgresql://refuge:***@127.0.0.1:1/refuge"),
            std::string::npos) << unreachable.err;
  EXPECT_EQ(unreachable.err.find("hunter22"), std::string::npos);

  auto not_a_url = RunRefuge({"serve", "--data", dir_.path(), "--db", "mysql://db/refuge"});
  EXPECT_EQ(not_a_url.exit_code, 2);
  EXPECT_NE(not_a_url.err.find("postgresql://"), std::string::npos) << not_a_url.err;

  // A database that a newer refuge has migrated.
  ASSERT_EQ(RunRefuge({"demo", "--data", dir_.path(), "--db", db_->url()}).exit_code, 0);
  db_->Exec("INSERT INTO schema_migrations (version, description) VALUES (9999, 'from a newer refuge')");
  auto newer = RunRefuge({"serve", "--data", dir_.path(), "--db", db_->url()});
  EXPECT_EQ(newer.exit_code, 4);
  EXPECT_NE(newer.err.find("newer than this refuge binary knows"), std::string::npos) << newer.err;

  // The environment variable does what --db does.
  auto by_env = RunRefuge({"export", "--data", dir_.File("other"), "--out", "-"}, "", db_->url());
  EXPECT_EQ(by_env.exit_code, 4) << by_env.err;
}

// --- moving between the databases ---

TEST_F(WithPostgres, TheDemoCaseMovesFromSqliteToPostgresAndBackByteForByte) {
  const std::string sqlite_dir = dir_.File("sqlite");
  // With the vault unlocked the demo puts its evidence in, so records and their
  // chains of custody travel too.
  ::setenv("REFUGE_PASSPHRASE", "a long vault passphrase for tests", 1);
  auto demo = RunRefuge({"demo", "--data", sqlite_dir, "--db", "sqlite"});
  ::unsetenv("REFUGE_PASSPHRASE");
  ASSERT_EQ(demo.exit_code, 0) << demo.err;
  ASSERT_NE(demo.out.find("Demo evidence: 3 files"), std::string::npos) << demo.out;
  {
    // A corrected and a retracted event, so that history travels too.
    ServerProcess server(sqlite_dir, "sqlite");
    ApiClient api(server, kMaya, kMayaPassword);
    auto e = api.Post("/api/v1/events", Json{{"type", "note"}, {"subject", "per_wen_hao"},
                                             {"date", "2026-12"}, {"note", "first"}});
    ASSERT_EQ(e.status, 201) << e.raw;
    const std::string id = e.body["id"];
    ASSERT_EQ(api.Patch("/api/v1/events/" + id, Json{{"note", "second"}}).status, 200);
    ASSERT_EQ(api.Send("POST", "/api/v1/events/" + id + "/retract", "", "").status, 200);
  }
  auto [from_sqlite, in_postgres] = Move(sqlite_dir, "sqlite", dir_.File("pg"), db_->url(), "demo");
  ASSERT_GT(from_sqlite.size(), 1000u);
  EXPECT_TRUE(from_sqlite == in_postgres) << "the PostgreSQL export differs from the SQLite one";
  Json doc = Json::parse(from_sqlite);
  EXPECT_GE(doc["events"].size(), 28u);
  ASSERT_EQ(doc["evidence"].size(), 3u) << "the demo evidence records are in the backup";

  auto [from_postgres, back_in_sqlite] = Move(dir_.File("pg"), db_->url(), dir_.File("back"), "sqlite", "back");
  EXPECT_TRUE(from_postgres == from_sqlite);
  EXPECT_TRUE(back_in_sqlite == from_sqlite) << "the way back changed the data";

  // Importing the same backup again changes nothing.
  auto again = RunRefuge({"import", dir_.File("demo-from.json"), "--data", dir_.File("pg"), "--db", db_->url()});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  auto after = RunRefuge({"export", "--data", dir_.File("pg"), "--db", db_->url(), "--out", "-"});
  EXPECT_TRUE(after.out == from_sqlite);
}

TEST_F(WithPostgres, AGeneratedDatasetMovesWithoutLoss) {
  constexpr int kPeople = 150, kEventsEach = 14;
  constexpr const char* kPassword = "a long enough passphrase";
  {
    Json doc = GeneratedBackup(0, kPeople, kEventsEach);
    // gen_lawyer, on the team of about half the matters, can log in.
    ASSERT_EQ(doc["users"][0]["name"], "gen_lawyer");
    doc["users"][0]["password_hash"] = auth::HashPassword(kPassword).value();
    std::ofstream(dir_.File("generated.json"), std::ios::binary) << doc.dump();
  }
  const std::string sqlite_dir = dir_.File("sqlite");
  auto loaded = RunRefuge({"import", dir_.File("generated.json"), "--data", sqlite_dir, "--db", "sqlite"});
  ASSERT_EQ(loaded.exit_code, 0) << loaded.err;

  auto [from_sqlite, in_postgres] = Move(sqlite_dir, "sqlite", dir_.File("pg"), db_->url(), "gen");
  EXPECT_TRUE(from_sqlite == in_postgres) << "the PostgreSQL export differs from the SQLite one";
  Json doc = Json::parse(from_sqlite);
  EXPECT_EQ(doc["people"].size(), static_cast<size_t>(kPeople));
  EXPECT_EQ(doc["matters"].size(), static_cast<size_t>(kPeople));
  EXPECT_EQ(doc["organizations"].size(), 12u);
  EXPECT_EQ(doc["facilities"].size(), 40u);
  EXPECT_EQ(doc["users"].size(), 3u);
  ASSERT_EQ(doc["events"].size(), static_cast<size_t>(kPeople * kEventsEach));
  int corrected = 0, retracted = 0;
  for (const auto& e : doc["events"]) {
    if (e.contains("history")) ++corrected;
    if (e.value("retracted", false)) ++retracted;
  }
  EXPECT_GT(corrected, 100) << "the dataset has corrections with history";
  EXPECT_GT(retracted, 20) << "the dataset has retractions";

  auto [from_postgres, back_in_sqlite] = Move(dir_.File("pg"), db_->url(), dir_.File("back"), "sqlite", "back");
  EXPECT_TRUE(from_postgres == from_sqlite);
  EXPECT_TRUE(back_in_sqlite == from_sqlite) << "the way back changed the data";

  // The same questions get the same answers from both databases.
  ServerProcess on_sqlite(sqlite_dir, "sqlite"), on_postgres(dir_.File("pg"), db_->url());
  ApiClient s(on_sqlite, "gen_lawyer", kPassword), p(on_postgres, "gen_lawyer", kPassword);
  auto hits = s.Get("/api/v1/search?q=okafor&kind=person&limit=200");
  ASSERT_EQ(hits.status, 200) << hits.raw;
  ASSERT_FALSE(hits.body["results"].empty()) << hits.raw;
  const std::string person = hits.body["results"][0]["id"];
  for (const std::string& q :
       {std::string("/api/v1/search?q=okafor&limit=200"), std::string("/api/v1/search?q=%E6%B8%A9&limit=200"),
        std::string("/api/v1/search?q=threatened%20family&limit=200"), std::string("/api/v1/search?q=3000001"),
        "/api/v1/people/" + person, "/api/v1/people/" + person + "/chronology?retracted=true",
        "/api/v1/people/" + person + "/custody", "/api/v1/people/" + person + "/journey",
        "/api/v1/people/" + person + "/deadlines", std::string("/api/v1/facilities/fac_g0000007")}) {
    auto rs = s.Get(q), rp = p.Get(q);
    EXPECT_EQ(rs.status, 200) << q << ": " << rs.raw;
    EXPECT_EQ(rs.raw, rp.raw) << q;
  }
}

}  // namespace
}  // namespace refuge::testing
