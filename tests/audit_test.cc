// The audit log against someone who can change the database but does not hold the
// keys directory: the copy of the signed head in keys/audit-head.json and anchors
// kept off the machine catch a wiped or rolled-back log.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "refuge_process.h"

namespace refuge::testing {
namespace {

void Sql(const std::string& data_dir, const std::string& sql) {
  SqlResult r = SqlOnDataDir(data_dir, sql);
  ASSERT_TRUE(r.ok) << sql << ": " << r.error;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

class AuditTrust : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(RunRefuge({"demo", "--data", dir_.path()}).exit_code, 0); }

  // Reads Wen Hao's file `n` times through a server, then stops it cleanly.
  void ReadsThroughAServer(int n) {
    ServerProcess server(dir_.path());
    ApiClient maya(server, kMaya, kMayaPassword);
    for (int i = 0; i < n; ++i) ASSERT_EQ(maya.Get("/api/v1/people/per_wen_hao/chronology").status, 200);
    server.Stop();
  }

  std::string Copy(const std::string& name) {
    std::string d = copies_.File(name);
    CopyDataDir(dir_.path(), d);
    return d;
  }

  TempDir dir_;
  TempDir copies_;
};

TEST_F(AuditTrust, VerifyFailsWhenTheLogIsWipedOrRolledBackToAnOlderSignedHead) {
  ReadsThroughAServer(2);
  auto older = RunRefuge({"audit", "anchor", "--out", "-", "--data", dir_.path()});
  ASSERT_EQ(older.exit_code, 0) << older.err;
  Json old_head = Json::parse(older.out);
  const int64_t old_seq = old_head["seq"].get<int64_t>();
  ReadsThroughAServer(3);

  // The head is also kept beside the installation key, and matches the log.
  Json copy = Json::parse(ReadText(dir_.File("keys/audit-head.json")));
  EXPECT_GT(copy["seq"].get<int64_t>(), old_seq);
  auto intact = RunRefuge({"audit", "verify", "--data", dir_.path()});
  EXPECT_EQ(intact.exit_code, 0) << intact.out << intact.err;

  std::string wiped = Copy("wiped");
  Sql(wiped, "DELETE FROM audit_log; DELETE FROM audit_head");
  auto r = RunRefuge({"audit", "verify", "--data", wiped});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("keys/audit-head.json"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("wiped, cut or rolled back"), std::string::npos) << r.out;

  std::string rolled_back = Copy("rolled_back");
  Sql(rolled_back, "UPDATE audit_head SET seq = " + std::to_string(old_seq) + ", hash = '" +
                       old_head["hash"].get<std::string>() + "', signature = '" +
                       old_head["signature"].get<std::string>() + "'; DELETE FROM audit_log WHERE seq > " +
                       std::to_string(old_seq));
  r = RunRefuge({"audit", "verify", "--data", rolled_back});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("the log ends at entry " + std::to_string(old_seq)), std::string::npos) << r.out;

  // Only the head row gone, with the entries after it: still damage.
  std::string headless = Copy("headless");
  Sql(headless, "DELETE FROM audit_head");
  r = RunRefuge({"audit", "verify", "--data", headless});
  EXPECT_EQ(r.exit_code, 1) << r.out;

  // A database AHEAD of the copy (a crash between the commit and the copy's
  // update) is intact as long as its entries chain on from the copy's.
  std::string lagging = Copy("lagging");
  WriteText(lagging + "/keys/audit-head.json", old_head.dump());
  r = RunRefuge({"audit", "verify", "--data", lagging});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST_F(AuditTrust, AMissingHeadRowIsPutBackFromTheCopyOrStopsWritesWithAClearError) {
  ReadsThroughAServer(2);

  // The copy names the log's last entry: the head comes back, signed as it was.
  std::string headless = Copy("headless");
  Sql(headless, "DELETE FROM audit_head");
  {
    ServerProcess server(headless);
    ApiClient maya(server, kMaya, kMayaPassword);  // a login writes an entry
    EXPECT_EQ(maya.Get("/api/v1/people/per_wen_hao").status, 200);
    server.Stop();
  }
  auto r = RunRefuge({"audit", "verify", "--data", headless});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

  // The last entry is gone as well: nothing signs the changed log; writes are
  // refused, naming the damage and what to run.
  std::string cut = Copy("cut");
  Sql(cut, "DELETE FROM audit_head; DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)");
  {
    ServerProcess server(cut);
    ApiClient anonymous(server);
    auto login = anonymous.Post("/api/v1/session", Json{{"username", kMaya}, {"password", kMayaPassword}});
    EXPECT_EQ(login.status, 500) << login.raw;
    EXPECT_NE(login.raw.find("audit_head"), std::string::npos) << login.raw;
    EXPECT_NE(login.raw.find("refuge audit verify"), std::string::npos) << login.raw;
  }
  r = RunRefuge({"audit", "verify", "--data", cut});
  EXPECT_EQ(r.exit_code, 1) << r.out;
}

TEST_F(AuditTrust, AnAnchorKeptElsewhereCatchesALogRewrittenWithTheKeys) {
  ReadsThroughAServer(2);
  const std::string anchor = copies_.File("anchor.json");
  auto made = RunRefuge({"audit", "anchor", "--out", anchor, "--data", dir_.path()});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  Json a = Json::parse(ReadText(anchor));
  for (const char* field : {"seq", "hash", "signature", "public_key", "at"}) EXPECT_TRUE(a.contains(field)) << field;
  ReadsThroughAServer(1);
  auto r = RunRefuge({"audit", "verify", "--anchor", anchor, "--data", dir_.path()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

  // Someone holding the database and the keys dir starts the log over, copy and
  // all: only the anchor still knows.
  std::string rewritten = Copy("rewritten");
  Sql(rewritten, "DELETE FROM audit_log; DELETE FROM audit_head");
  std::filesystem::remove(rewritten + "/keys/audit-head.json");
  r = RunRefuge({"audit", "verify", "--data", rewritten});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  r = RunRefuge({"audit", "verify", "--anchor", anchor, "--data", rewritten});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("the anchor"), std::string::npos) << r.out;

  auto bad = RunRefuge({"audit", "verify", "--anchor", copies_.File("missing.json"), "--data", dir_.path()});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.exit_code, 1) << "a missing anchor file is an error, not a verdict";
}


TEST_F(AuditTrust, MovingToANewDatabaseStartsANewCopyAndKeepsTheOldOne) {
  ReadsThroughAServer(1);
  const std::string backup = copies_.File("backup.json");
  ASSERT_EQ(RunRefuge({"export", "--data", dir_.path(), "--out", backup}).exit_code, 0);
  // The documented move: the same data dir, an import into an empty database.
  std::string db;
  if (OnPostgres()) {
    db = DatabaseFor(copies_.File("other"));
  } else {
    for (const char* f : {"refuge.db", "refuge.db-wal", "refuge.db-shm"}) std::filesystem::remove(dir_.File(f));
  }
  auto imported = RunRefuge({"import", backup, "--data", dir_.path()}, "", db);
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  auto r = RunRefuge({"audit", "verify", "--data", dir_.path()}, "", db);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  int kept = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir_.File("keys"))) {
    kept += f.path().filename().string().rfind("audit-head.json.", 0) == 0 &&
            f.path().string().ends_with(".replaced");
  }
  EXPECT_EQ(kept, 1);
}

// The actions of the audit entries about `person`, as the operator lists them.
std::multiset<std::string> ActionsAbout(const std::string& data_dir, const std::string& person) {
  auto shown = RunRefuge({"audit", "show", "--json", "--person", person, "--data", data_dir});
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  std::multiset<std::string> actions;
  std::istringstream lines(shown.out);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) actions.insert(Json::parse(line)["action"].get<std::string>());
  }
  return actions;
}

constexpr const char* kVaultPassphrase = "a long vault passphrase for the audit tests";

TEST(AuditReads, ListsAgendaFacilityFeedAndEvidenceListAreAuditedPerPerson) {
  TempDir dir;
  ::setenv("REFUGE_PASSPHRASE", kVaultPassphrase, 1);
  ASSERT_EQ(RunRefuge({"demo", "--data", dir.path()}).exit_code, 0);
  {
    ServerProcess server(dir.path());
    ::unsetenv("REFUGE_PASSPHRASE");
    ApiClient maya(server, kMaya, kMayaPassword);
    auto people = maya.Get("/api/v1/people");
    ASSERT_EQ(people.status, 200);
    ASSERT_EQ(maya.Get("/api/v1/events").status, 200);
    ASSERT_EQ(maya.Get("/api/v1/matters").status, 200);
    auto agenda = maya.Get("/api/v1/deadlines");
    ASSERT_EQ(agenda.status, 200);
    ASSERT_FALSE(agenda.body["deadlines"].empty()) << agenda.raw;
    // Detained again after the demo's release.
    ASSERT_EQ(maya.Post("/api/v1/events", Json{{"type", "detention"}, {"subject", "per_wen_hao"},
                                               {"date", "2026-11-20"}, {"facility", "fac_hudson_annex"}}).status,
              201);
    auto facility = maya.Get("/api/v1/facilities/fac_hudson_annex");
    ASSERT_EQ(facility.status, 200);
    ASSERT_EQ(facility.body["held_now"].size(), 1u) << facility.raw;
    auto feed = maya.Post("/api/v1/calendar/feed", Json::object());
    ASSERT_EQ(feed.status, 201) << feed.raw;
    ApiClient calendar(server);
    ASSERT_EQ(calendar.Get(feed.body["url"].get<std::string>()).status, 200);
    auto evidence = maya.Get("/api/v1/evidence?matter=mat_wen_asylum");
    ASSERT_EQ(evidence.status, 200) << evidence.raw;
    ASSERT_FALSE(evidence.body["items"].empty()) << evidence.raw;
    server.Stop();
  }
  auto actions = ActionsAbout(dir.path(), "per_wen_hao");
  for (const char* a : {"person.list", "event.list", "matter.list", "agenda", "facility.held_now",
                        "calendar_feed.read", "evidence.list"}) {
    EXPECT_EQ(actions.count(a), 1u) << a;
  }
}

TEST(AuditSearch, TheAuditKeepsAKeyedHashOfASearchNotItsText) {
  TempDir dir;
  ASSERT_EQ(RunRefuge({"demo", "--data", dir.path()}).exit_code, 0);
  ASSERT_EQ(RunRefuge({"user", "add", "ada", "--role", "admin", "--password-stdin", "--data", dir.path()},
                      "a long enough passphrase\n").exit_code, 0);
  {
    ServerProcess server(dir.path());
    ApiClient maya(server, kMaya, kMayaPassword);
    auto found = maya.Get("/api/v1/search?q=Wen%20Hao");
    ASSERT_EQ(found.status, 200);
    ASSERT_FALSE(found.body["results"].empty());
    server.Stop();  // writes the queued read entries
  }
  ServerProcess server(dir.path());
  ApiClient ada(server, "ada", "a long enough passphrase");
  auto audit = ada.Get("/api/v1/audit?actor=maya");
  ASSERT_EQ(audit.status, 200);
  EXPECT_EQ(audit.raw.find("Wen"), std::string::npos) << audit.raw;
  Json search;
  for (const auto& e : audit.body["items"]) {
    if (e["action"] == "search") search = e;
  }
  ASSERT_TRUE(search.is_object()) << audit.raw;
  EXPECT_FALSE(search["details"].contains("query"));
  EXPECT_EQ(search["details"]["query_length"], 7);

  auto hash = RunRefuge({"audit", "search-hash", "Wen Hao", "--data", dir.path()});
  ASSERT_EQ(hash.exit_code, 0) << hash.err;
  EXPECT_EQ(hash.out, search["details"]["query_hash"].get<std::string>() + "\n");
  auto other = RunRefuge({"audit", "search-hash", "Wen Ha", "--data", dir.path()});
  EXPECT_NE(other.out, hash.out);
}

}  // namespace
}  // namespace refuge::testing
