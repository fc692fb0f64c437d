// The command line as an operator uses it.
#include <gtest/gtest.h>

#include <fstream>

#include "refuge_process.h"

namespace refuge::testing {
namespace {

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST(Cli, HelpForEverySubcommand) {
  auto top = RunRefuge({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  for (const char* cmd : {"serve", "demo", "user", "export", "import", "facilities", "deadlines"}) {
    EXPECT_NE(top.out.find(cmd), std::string::npos) << cmd;
    auto r = RunRefuge({cmd, "--help"});
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_FALSE(r.out.empty()) << cmd;
  }
  auto user_add = RunRefuge({"user", "add", "--help"});
  EXPECT_NE(user_add.out.find("--password-stdin"), std::string::npos);
  auto unknown = RunRefuge({"frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2);
}

TEST(Cli, UserAddChecksRoleAndPasswordAndRefusesDuplicates) {
  TempDir dir;
  auto weak = RunRefuge({"user", "add", "ines", "--role", "lawyer", "--password-stdin", "--data", dir.File("d")},
                        "short\n");
  EXPECT_EQ(weak.exit_code, 2);
  EXPECT_NE(weak.err.find("at least 12"), std::string::npos) << weak.err;
  auto common = RunRefuge({"user", "add", "ines", "--role", "lawyer", "--password-stdin", "--data", dir.File("d")},
                          "password1234\n");
  EXPECT_EQ(common.exit_code, 2);
  auto role = RunRefuge({"user", "add", "ines", "--role", "judge", "--password-stdin", "--data", dir.File("d")},
                        "a long enough passphrase\n");
  EXPECT_EQ(role.exit_code, 2);
  EXPECT_NE(role.err.find("role"), std::string::npos);
  auto ok = RunRefuge({"user", "add", "ines", "--role", "lawyer", "--password-stdin", "--data", dir.File("d")},
                      "a long enough passphrase\n");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  auto dup = RunRefuge({"user", "add", "ines", "--role", "viewer", "--password-stdin", "--data", dir.File("d")},
                       "another long passphrase\n");
  EXPECT_EQ(dup.exit_code, 4) << dup.err;

  // The new user can log in over HTTP.
  ServerProcess server(dir.File("d"));
  ApiClient api(server, "ines", "a long enough passphrase");
  EXPECT_EQ(api.Get("/api/v1/me").body["role"], "lawyer");
}

TEST(Cli, ImportIsAllOrNothing) {
  TempDir dir;
  ASSERT_EQ(RunRefuge({"demo", "--data", dir.File("d")}).exit_code, 0);
  auto before = RunRefuge({"export", "--data", dir.File("d"), "--out", "-"});
  ASSERT_EQ(before.exit_code, 0);

  Write(dir.File("syntax.json"), "{\n  \"format\": \"refuge-backup\",\n  \"people\": [\n    {\"id\": }\n");
  auto syntax = RunRefuge({"import", dir.File("syntax.json"), "--data", dir.File("d")});
  EXPECT_EQ(syntax.exit_code, 2);
  EXPECT_NE(syntax.err.find("line 4"), std::string::npos) << syntax.err;

  // A good person followed by an event with an impossible date: neither is written.
  Write(dir.File("bad.json"), R"({"format": "refuge-backup", "format_version": 1,
    "people": [{"id": "per_amara", "name": "Amara Okafor"}],
    "events": [{"id": "evt_x1", "type": "note", "subject": "per_amara", "date": "2026-02-30"}]})");
  auto bad = RunRefuge({"import", dir.File("bad.json"), "--data", dir.File("d")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("events[0].date"), std::string::npos) << bad.err;

  Write(dir.File("dangling.json"), R"({"format": "refuge-backup", "format_version": 1,
    "events": [{"id": "evt_x2", "type": "transfer", "subject": "per_wen_hao", "date": "2026-01-02", "facility": "fac_nowhere"}]})");
  auto dangling = RunRefuge({"import", dir.File("dangling.json"), "--data", dir.File("d")});
  EXPECT_EQ(dangling.exit_code, 2);
  EXPECT_NE(dangling.err.find("fac_nowhere"), std::string::npos) << dangling.err;

  Write(dir.File("other.json"), R"({"format": "something-else"})");
  EXPECT_EQ(RunRefuge({"import", dir.File("other.json"), "--data", dir.File("d")}).exit_code, 2);
  EXPECT_EQ(RunRefuge({"import", dir.File("missing.json"), "--data", dir.File("d")}).exit_code, 74);

  auto after = RunRefuge({"export", "--data", dir.File("d"), "--out", "-"});
  EXPECT_TRUE(before.out == after.out) << "a failed import changed the data";
}

TEST(Cli, ServeRefusesABadListenAddress) {
  TempDir dir;
  auto r = RunRefuge({"serve", "--data", dir.File("d"), "--listen", "nonsense"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("HOST:PORT"), std::string::npos);
}

TEST(Cli, ADataDirThatIsAFileIsAnError) {
  TempDir dir;
  Write(dir.File("file"), "x");
  auto r = RunRefuge({"demo", "--data", dir.File("file")});
  EXPECT_EQ(r.exit_code, 74);
  EXPECT_NE(r.err.find("not a directory"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace refuge::testing
