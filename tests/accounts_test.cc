// Accounts over HTTP and the command line: what ends a session, the second
// factor's limits, the login limiter (parallel guesses, a reverse proxy), user
// names, and the users a backup may bring in.
#include <gtest/gtest.h>

#include <atomic>
#include <ctime>
#include <fstream>
#include <set>
#include <thread>

#include "refuge/auth/passwords.h"
#include "refuge/auth/totp.h"
#include "refuge_process.h"

namespace refuge::testing {
namespace {

constexpr const char* kAdminPassword = "a long enough passphrase";

class DemoAccounts : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(RunRefuge({"demo", "--data", dir_.path()}).exit_code, 0);
    ASSERT_EQ(RunRefuge({"user", "add", "ada", "--role", "admin", "--password-stdin", "--data", dir_.path()},
                        std::string(kAdminPassword) + "\n").exit_code, 0);
    StartServer({});
  }
  void StartServer(const std::vector<std::string>& extra) {
    server_.reset();
    server_ = std::make_unique<ServerProcess>(dir_.path(), "", extra);
    ada_ = std::make_unique<ApiClient>(*server_, "ada", kAdminPassword);
  }
  // The status of GET /me with a bearer token.
  int Me(const std::string& token) {
    ApiClient anonymous(*server_);
    return anonymous.Send("GET", "/api/v1/me", "", "", {{"Authorization", "Bearer " + token}}).status;
  }
  // A session token and an API token of `user`.
  std::pair<std::string, std::string> Credentials(const std::string& user, const std::string& password) {
    ApiClient c(*server_, user, password);
    auto t = c.Post("/api/v1/tokens", Json{{"name", "script"}});
    EXPECT_EQ(t.status, 201) << t.raw;
    return {c.token(), t.body.value("token", "")};
  }
  int64_t Count(const std::string& where) {
    SqlResult r = SqlOnDataDir(dir_.path(), "SELECT count(*) FROM audit_log WHERE " + where);
    EXPECT_TRUE(r.ok) << r.error;
    return std::stoll(r.first.empty() ? "0" : r.first);
  }
  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<ApiClient> ada_;
};

TEST_F(DemoAccounts, PasswordResetDisableAndRoleChangeEndSessionsAndTokens) {
  auto [session, token] = Credentials(kMaya, kMayaPassword);
  ASSERT_EQ(Me(session), 200);
  ASSERT_EQ(Me(token), 200);
  const std::string new_password = "a new and longer passphrase";
  auto reset = ada_->Patch("/api/v1/users/maya", Json{{"password", new_password}});
  ASSERT_EQ(reset.status, 200) << reset.raw;
  EXPECT_EQ(Me(session), 401) << "the session survived a password reset";
  EXPECT_EQ(Me(token), 401) << "the API token survived a password reset";

  std::tie(session, token) = Credentials(kMaya, new_password);
  ASSERT_EQ(ada_->Patch("/api/v1/users/maya", Json{{"disabled", true}}).status, 200);
  ASSERT_EQ(ada_->Patch("/api/v1/users/maya", Json{{"disabled", false}}).status, 200);
  EXPECT_EQ(Me(session), 401) << "disabling and enabling revived the session";
  EXPECT_EQ(Me(token), 401) << "disabling and enabling revived the API token";

  std::tie(session, token) = Credentials(kMaya, new_password);
  ASSERT_EQ(ada_->Patch("/api/v1/users/maya", Json{{"role", "viewer"}}).status, 200);
  EXPECT_EQ(Me(session), 401) << "the session survived a role change";
  EXPECT_EQ(Me(token), 401) << "the API token survived a role change";

  // Changes that do not touch credentials end nothing: Ada's own session lives.
  EXPECT_EQ(ada_->Get("/api/v1/me").status, 200);
}

TEST_F(DemoAccounts, ChangingOnesOwnPasswordEndsEverySessionAndToken) {
  auto [other_session, token] = Credentials(kMaya, kMayaPassword);
  ApiClient maya(*server_, kMaya, kMayaPassword);
  const std::string new_password = "a new and longer passphrase";
  auto wrong = maya.Put("/api/v1/me/password", Json{{"current_password", "not it at all"}, {"password", new_password}});
  EXPECT_EQ(wrong.status, 422) << wrong.raw;
  EXPECT_EQ(wrong.body["error"]["field"], "current_password");
  EXPECT_EQ(Me(other_session), 200);
  auto changed = maya.Put("/api/v1/me/password", Json{{"current_password", kMayaPassword}, {"password", new_password}});
  ASSERT_EQ(changed.status, 204) << changed.raw;
  EXPECT_EQ(Me(maya.token()), 401) << "the session that changed the password";
  EXPECT_EQ(Me(other_session), 401) << "another session";
  EXPECT_EQ(Me(token), 401) << "an API token";
  EXPECT_NO_THROW(ApiClient(*server_, kMaya, new_password));
  EXPECT_EQ(Count("action = 'user.password' AND target = 'maya'"), 1);
  EXPECT_EQ(Count("action = 'login.failed' AND target = 'maya'"), 1) << "the wrong current password";
}

TEST_F(DemoAccounts, AnAdminAndTheOperatorEndAllOfAUsersSessions) {
  auto [session, token] = Credentials(kMaya, kMayaPassword);
  auto revoked = ada_->Post("/api/v1/users/maya/revoke-sessions", Json::object());
  ASSERT_EQ(revoked.status, 200) << revoked.raw;
  EXPECT_EQ(Me(session), 401);
  EXPECT_EQ(Me(token), 401);
  EXPECT_EQ(Count("action = 'user.revoke_sessions' AND target = 'maya' AND actor = 'ada'"), 1);
  // Not for anyone but an admin, and not for a user who does not exist.
  ApiClient tenzin(*server_, "tenzin", "demo-tenzin-dorje");
  EXPECT_EQ(tenzin.Post("/api/v1/users/maya/revoke-sessions", Json::object()).status, 403);
  EXPECT_EQ(ada_->Post("/api/v1/users/nobody/revoke-sessions", Json::object()).status, 404);

  std::tie(session, token) = Credentials(kMaya, kMayaPassword);
  auto cli = RunRefuge({"user", "revoke-sessions", "maya", "--data", dir_.path()});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_EQ(Me(session), 401);
  EXPECT_EQ(Me(token), 401);
  EXPECT_EQ(Count("action = 'user.revoke_sessions' AND target = 'maya' AND actor = 'operator'"), 1);
  EXPECT_NE(RunRefuge({"user", "revoke-sessions", "nobody", "--data", dir_.path()}).exit_code, 0);
}

// A code that none of the steps around now has (the server accepts one step of drift).
std::string WrongCode(const std::string& secret, int i) {
  const int64_t now = std::time(nullptr);
  std::set<std::string> near;
  for (int64_t t = now - 90; t <= now + 90; t += 30) near.insert(auth::TotpCode(secret, t).value());
  for (int n = i;; ++n) {
    char code[8];
    std::snprintf(code, sizeof code, "%06d", n);
    if (!near.count(code)) return code;
  }
}

TEST_F(DemoAccounts, ASecondFactorCodeWorksOnce) {
  ApiClient maya(*server_, kMaya, kMayaPassword);
  auto begun = maya.Post("/api/v1/me/totp", Json::object());
  ASSERT_EQ(begun.status, 201) << begun.raw;
  const std::string secret = begun.body["secret"];
  const std::string code = auth::TotpCode(secret, std::time(nullptr)).value();
  ASSERT_EQ(maya.Post("/api/v1/me/totp/confirm", Json{{"code", code}}).status, 200);

  ApiClient anonymous(*server_);
  auto login = [&](const std::string& totp) {
    return anonymous.Post("/api/v1/session", Json{{"username", kMaya}, {"password", kMayaPassword}, {"totp", totp}});
  };
  auto replayed = login(code);
  EXPECT_EQ(replayed.status, 401) << "the code that turned the factor on opened a session: " << replayed.raw;
  EXPECT_EQ(replayed.body["error"]["field"], "totp");
  const std::string next = auth::TotpCode(secret, std::time(nullptr) + 30).value();
  EXPECT_EQ(login(next).status, 201);
  EXPECT_EQ(login(next).status, 401) << "a code opened a second session";
  // Each refused code is in the audit log.
  EXPECT_EQ(Count("action = 'login.failed' AND target = 'maya'"), 2);
}

TEST_F(DemoAccounts, SecondFactorGuessesAreLimitedAndLogged) {
  ApiClient maya(*server_, kMaya, kMayaPassword);
  auto begun = maya.Post("/api/v1/me/totp", Json::object());
  ASSERT_EQ(begun.status, 201) << begun.raw;
  const std::string secret = begun.body["secret"];
  EXPECT_EQ(maya.Post("/api/v1/me/totp/confirm", Json{{"code", WrongCode(secret, 1)}}).status, 422);
  ASSERT_EQ(maya.Post("/api/v1/me/totp/confirm",
                      Json{{"code", auth::TotpCode(secret, std::time(nullptr)).value()}}).status, 200);
  for (int i = 0; i < 4; ++i) {
    auto guess = maya.Send("DELETE", "/api/v1/me/totp", Json{{"code", WrongCode(secret, 100 + i)}}.dump(),
                           "application/json");
    EXPECT_EQ(guess.status, 422) << guess.raw;
  }
  // Five failures (one at confirmation, four here) and the account is held for
  // a while, even with the right code ...
  auto limited = maya.Send("DELETE", "/api/v1/me/totp",
                           Json{{"code", auth::TotpCode(secret, std::time(nullptr) + 30).value()}}.dump(),
                           "application/json");
  EXPECT_EQ(limited.status, 429) << limited.raw;
  EXPECT_FALSE(limited.Header("Retry-After").empty());
  // ... and the login limit is the same one.
  ApiClient anonymous(*server_);
  EXPECT_EQ(anonymous.Post("/api/v1/session", Json{{"username", kMaya}, {"password", kMayaPassword},
                                                   {"totp", auth::TotpCode(secret, std::time(nullptr) + 30).value()}})
                .status,
            429);
  EXPECT_EQ(Count("action = 'totp.failed' AND target = 'maya'"), 5);
}

TEST_F(DemoAccounts, ParallelGuessesReachThePasswordCheckAtMostFiveTimes) {
  std::atomic<int> checked{0}, limited{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 40; ++i) {
    threads.emplace_back([&, i] {
      // cpp-httplib listens with a backlog of 5, so some of 40 connections made
      // at once are dropped by the kernel before the server sees them: those are
      // sent again. The audit log below counts what reached the check.
      auto send = [&] {
        return server_->Client()->Post("/api/v1/session",
                       Json{{"username", "tenzin"}, {"password", "wrong guess " + std::to_string(i)}}.dump(),
                       "application/json");
      };
      auto r = send();
      for (int attempt = 0; attempt < 5 && !r; ++attempt) r = send();
      if (!r) {
        ADD_FAILURE() << "request " << i << ": " << httplib::to_string(r.error());
        return;
      }
      if (r->status == 401) ++checked;
      if (r->status == 429) ++limited;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(checked.load(), 5);
  EXPECT_EQ(checked.load() + limited.load(), 40);
  EXPECT_LE(Count("action = 'login.failed' AND target = 'tenzin'"), 5);
  // The limit is per account whatever the case of the name.
  ApiClient anonymous(*server_);
  EXPECT_EQ(anonymous.Post("/api/v1/session", Json{{"username", "TENZIN"}, {"password", "x"}}).status, 429);
}

TEST_F(DemoAccounts, BehindATrustedProxyTheForwardedAddressCounts) {
  StartServer({"--trusted-proxy", "127.0.0.1"});
  ApiClient anonymous(*server_);
  auto login = [&](const std::string& user, const std::string& password, const std::string& forwarded) {
    return anonymous.Send("POST", "/api/v1/session", Json{{"username", user}, {"password", password}}.dump(),
                          "application/json", {{"X-Forwarded-For", forwarded}});
  };
  // One address guessing names is held back ...
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(login("guess" + std::to_string(i), "not a password", "203.0.113.5").status, 401);
  }
  EXPECT_EQ(login(kMaya, kMayaPassword, "203.0.113.5").status, 429);
  // ... and no one else. The right-most address that is not the proxy is the
  // client: what the client itself put in front is not believed.
  EXPECT_EQ(login(kMaya, kMayaPassword, "203.0.113.5, 198.51.100.7, 127.0.0.1").status, 201);
  SqlResult address = SqlOnDataDir(dir_.path(),
                                   "SELECT address FROM audit_log WHERE action = 'login' ORDER BY seq DESC LIMIT 1");
  ASSERT_TRUE(address.ok) << address.error;
  EXPECT_EQ(address.first, "198.51.100.7");
}

TEST_F(DemoAccounts, WithoutATrustedProxyTheForwardedHeaderIsIgnored) {
  ApiClient anonymous(*server_);
  auto r = anonymous.Send("POST", "/api/v1/session",
                          Json{{"username", kMaya}, {"password", kMayaPassword}}.dump(), "application/json",
                          {{"X-Forwarded-For", "198.51.100.7"}});
  ASSERT_EQ(r.status, 201);
  SqlResult address = SqlOnDataDir(dir_.path(),
                                   "SELECT address FROM audit_log WHERE action = 'login' ORDER BY seq DESC LIMIT 1");
  ASSERT_TRUE(address.ok) << address.error;
  EXPECT_EQ(address.first, "127.0.0.1");
  // A proxy address that is not one is refused at start.
  auto bad = RunRefuge({"serve", "--data", dir_.path(), "--listen", "127.0.0.1:0", "--trusted-proxy", "nginx"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("--trusted-proxy"), std::string::npos) << bad.err;
}

TEST_F(DemoAccounts, UserNamesAreUniqueWithoutRegardToCase) {
  auto created = ada_->Post("/api/v1/users", Json{{"username", "MAYA"}, {"role", "lawyer"}, {"password", kAdminPassword}});
  EXPECT_EQ(created.status, 409) << created.raw;
  EXPECT_EQ(created.body["error"]["field"], "username");
  auto cli = RunRefuge({"user", "add", "Maya", "--role", "lawyer", "--password-stdin", "--data", dir_.path()},
                       std::string(kAdminPassword) + "\n");
  EXPECT_NE(cli.exit_code, 0);
  EXPECT_NE(cli.err.find("maya"), std::string::npos) << cli.err;
  // The database holds the rule too.
  SqlResult direct = SqlOnDataDir(dir_.path(),
                                  "INSERT INTO users (name, role, password_hash, created_at) "
                                  "VALUES ('mAYA', 'lawyer', 'x', '2026-11-30T12:00:00Z')");
  EXPECT_FALSE(direct.ok) << "the database took a second maya";
  // The reserved name and unsafe characters, whatever their case.
  for (const std::string name : {"Operator", "a/b", "evil\u202Egnp.exe", "tab\tname"}) {
    auto r = ada_->Post("/api/v1/users", Json{{"username", name}, {"role", "lawyer"}, {"password", kAdminPassword}});
    EXPECT_EQ(r.status, 422) << name << ": " << r.raw;
    EXPECT_EQ(r.body["error"]["field"], "username") << name;
  }
  // Logins take the name exactly as it was created.
  ApiClient anonymous(*server_);
  EXPECT_EQ(anonymous.Post("/api/v1/session", Json{{"username", "MAYA"}, {"password", kMayaPassword}}).status, 401);
}

class ImportUsers : public ::testing::Test {
 protected:
  // Imports a backup holding one person and `user`; the result of `refuge import`.
  RunResult Import(const Json& user) {
    data_ = dir_.File("data" + std::to_string(++runs_));
    Json doc = {{"format", "refuge-backup"}, {"format_version", 1}};
    doc["people"] = Json::array({Json{{"id", "per_wen_hao"}, {"version", 1}, {"created_at", "2026-11-30T12:00:00Z"},
                                      {"updated_at", "2026-11-30T12:00:00Z"}, {"name", "Wen Hao"}}});
    doc["users"] = Json::array({user});
    const std::string path = dir_.File("backup.json");
    std::ofstream(path) << doc.dump();
    return RunRefuge({"import", path, "--data", data_});
  }
  int64_t People() {
    SqlResult r = SqlOnDataDir(data_, "SELECT count(*) FROM persons");
    return r.ok ? std::stoll(r.first) : -1;
  }
  Json User(const std::string& name, const std::string& hash) {
    return {{"name", name}, {"role", "lawyer"}, {"password_hash", hash}, {"created_at", "2026-11-30T12:00:00Z"},
            {"disabled", false}};
  }
  TempDir dir_;
  std::string data_;
  int runs_ = 0;
};

TEST_F(ImportUsers, ReservedOrUnsafeNamesAndWeakHashesAreRefusedWhole) {
  const std::string good = auth::HashPassword("a long enough passphrase").value();
  struct Case {
    std::string name, hash, reason, shown = "";
  };
  const std::vector<Case> cases = {
      {"operator", good, "reserved"},
      {"a/b", good, "may contain only"},
      {"evil\u202Egnp", good, "may contain only", "evil\\xE2\\x80\\xAEgnp"},
      {"lena", "$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA", "m=4096"},
      {"lena", "$argon2id$v=19$m=65536,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA", "t=1"},
      {"lena", "$argon2i$v=19$m=65536,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA", "argon2id"},
      {"lena", "$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234", "argon2id"},
  };
  for (const Case& c : cases) {
    auto r = Import(User(c.name, c.hash));
    EXPECT_NE(r.exit_code, 0) << c.name << " " << c.hash;
    EXPECT_NE(r.err.find(c.shown.empty() ? c.name : c.shown), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.reason), std::string::npos) << r.err;
    EXPECT_LE(People(), 0) << c.name << ": the import wrote something";
  }
  auto ok = Import(User("lena", good));
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(People(), 1);
}

}  // namespace
}  // namespace refuge::testing
