// Sessions, logins, second factor and API tokens, on a real SQLite store with a
// clock the test moves.
#include <gtest/gtest.h>

#include "refuge/app/service_test_support.h"
#include "refuge/auth/passwords.h"
#include "refuge/auth/totp.h"

namespace refuge::app {
namespace {

constexpr int64_t kStart = kServiceTestStart;
constexpr const char* kPass = "correct horse battery";

class AccountsTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(svc_->AddUser(Actor::Operator(), "ines", "lawyer", kPass).ok());
    ASSERT_TRUE(svc_->AddUser(Actor::Operator(), "root", "admin", kPass).ok());
  }
  Actor Ines() { return Actor{"ines", "lawyer", "192.0.2.7"}; }
};

TEST_F(AccountsTest, SessionsExpireWhenIdleAndAtTheirAbsoluteEnd) {
  auto login = svc_->Login("ines", kPass, "", "192.0.2.7");
  ASSERT_TRUE(login.ok()) << login.status().ToString();
  const std::string token = login->token;
  EXPECT_TRUE(svc_->Authenticate(token).ok());
  // Used every 20 minutes, it lives on ...
  for (int i = 0; i < 10; ++i) {
    clock_.Advance(20 * 60);
    ASSERT_TRUE(svc_->Authenticate(token).ok()) << "after " << (i + 1) * 20 << " minutes";
  }
  // ... until 12 hours after the login, whatever the activity.
  clock_.Set(kStart + 12 * 3600);
  EXPECT_EQ(svc_->Authenticate(token).status().code(), Code::kUnauthenticated);

  auto second = svc_->Login("ines", kPass, "", "192.0.2.7");
  ASSERT_TRUE(second.ok());
  clock_.Advance(31 * 60);  // unused for longer than the idle limit
  EXPECT_EQ(svc_->Authenticate(second->token).status().code(), Code::kUnauthenticated);
}

TEST_F(AccountsTest, LogoutRevokes) {
  auto login = svc_->Login("ines", kPass, "", "192.0.2.7");
  ASSERT_TRUE(login.ok());
  ASSERT_TRUE(svc_->Logout(Ines(), login->token).ok());
  EXPECT_FALSE(svc_->Authenticate(login->token).ok());
}

TEST_F(AccountsTest, FailedLoginsAreLimitedPerAccountAndPerAddress) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(svc_->Login("ines", "wrong password!", "", "192.0.2.7").status().code(),
              Code::kUnauthenticated);
  }
  // The sixth try is refused even with the right password ...
  EXPECT_EQ(svc_->Login("ines", kPass, "", "192.0.2.99").status().code(), Code::kRateLimited);
  // ... until the window has passed.
  clock_.Advance(16 * 60);
  EXPECT_TRUE(svc_->Login("ines", kPass, "", "192.0.2.7").ok());

  // One address guessing many names is limited too.
  for (int i = 0; i < 20; ++i) (void)svc_->Login("guess" + std::to_string(i), "x", "", "198.51.100.1");
  EXPECT_EQ(svc_->Login("root", kPass, "", "198.51.100.1").status().code(), Code::kRateLimited);
  EXPECT_TRUE(svc_->Login("root", kPass, "", "198.51.100.2").ok());
}

TEST_F(AccountsTest, SecondFactor) {
  auto begun = svc_->BeginTotp(Ines());
  ASSERT_TRUE(begun.ok());
  const std::string secret = (*begun)["secret"];
  EXPECT_EQ(svc_->ConfirmTotp(Ines(), "000000").code(), Code::kInvalid);
  ASSERT_TRUE(svc_->ConfirmTotp(Ines(), auth::TotpCode(secret, kStart).value()).ok());

  auto without = svc_->Login("ines", kPass, "", "192.0.2.7");
  EXPECT_EQ(without.status().code(), Code::kUnauthenticated);
  EXPECT_NE(without.status().message().find("totp_required"), std::string::npos);
  EXPECT_FALSE(svc_->Login("ines", kPass, "123456", "192.0.2.7").ok());
  // The code that turned it on does not log in: each code works once.
  EXPECT_FALSE(svc_->Login("ines", kPass, auth::TotpCode(secret, kStart).value(), "192.0.2.7").ok());
  clock_.Advance(30);
  EXPECT_TRUE(svc_->Login("ines", kPass, auth::TotpCode(secret, kStart + 30).value(), "192.0.2.7").ok());
  EXPECT_EQ(svc_->DisableTotp(Ines(), auth::TotpCode(secret, kStart + 30).value()).code(), Code::kInvalid);

  clock_.Advance(30);
  ASSERT_TRUE(svc_->DisableTotp(Ines(), auth::TotpCode(secret, kStart + 60).value()).ok());
  EXPECT_TRUE(svc_->Login("ines", kPass, "", "192.0.2.7").ok());
}

TEST_F(AccountsTest, EveryFailedLoginDoesTheSameArgon2Work) {
  ASSERT_TRUE(svc_->AddUser(Actor::Operator(), "paused", "lawyer", kPass).ok());
  ASSERT_TRUE(svc_->UpdateUser(Actor::Operator(), "paused", Json{{"disabled", true}}).ok());
  struct Try {
    const char* what;
    const char* user;
    const char* password;
  };
  for (const Try& t : {Try{"unknown user", "nobody", kPass}, Try{"disabled user", "paused", kPass},
                       Try{"wrong password", "ines", "wrong password!"}, Try{"right password", "ines", kPass}}) {
    const uint64_t before = auth::PasswordVerifications();
    (void)svc_->Login(t.user, t.password, "", "192.0.2." + std::to_string(before % 200));
    EXPECT_EQ(auth::PasswordVerifications() - before, 1u) << t.what;
  }
}

TEST_F(AccountsTest, ARefusedSecondFactorCodeCountsTowardsTheLoginLimit) {
  auto begun = svc_->BeginTotp(Ines());
  ASSERT_TRUE(begun.ok());
  const std::string secret = (*begun)["secret"];
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(svc_->ConfirmTotp(Ines(), "000000").code(), Code::kInvalid);
  }
  EXPECT_EQ(svc_->ConfirmTotp(Ines(), auth::TotpCode(secret, kStart).value()).code(), Code::kRateLimited);
  EXPECT_EQ(svc_->Login("ines", kPass, "", "192.0.2.99").status().code(), Code::kRateLimited);
  EXPECT_GT(svc_->LoginRetryAfter("ines", ""), 0);
}

TEST_F(AccountsTest, AdminsCanBeRequiredToUseASecondFactor) {
  SessionPolicy policy;
  policy.require_admin_totp = true;
  svc_->set_session_policy(policy);
  auto refused = svc_->Login("root", kPass, "", "192.0.2.7");
  EXPECT_EQ(refused.status().code(), Code::kUnauthenticated);
  EXPECT_NE(refused.status().message().find("refuge user totp root"), std::string::npos);
  EXPECT_TRUE(svc_->Login("ines", kPass, "", "192.0.2.7").ok()) << "lawyers are not affected";
  auto enrolled = svc_->EnrolTotp("root");
  ASSERT_TRUE(enrolled.ok());
  EXPECT_TRUE(svc_->Login("root", kPass, auth::TotpCode((*enrolled)["secret"], kStart).value(),
                          "192.0.2.7").ok());
}

TEST_F(AccountsTest, ApiTokensAreNamedOwnedAndRevocable) {
  auto created = svc_->CreateApiToken(Ines(), "nightly report");
  ASSERT_TRUE(created.ok());
  const std::string token = (*created)["token"];
  EXPECT_EQ(token.rfind("rft_", 0), 0u);
  auto who = svc_->Authenticate(token);
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->name, "ines");
  auto listed = svc_->ListApiTokens(Ines());
  ASSERT_EQ((*listed)["items"].size(), 1u);
  EXPECT_FALSE((*listed)["items"][0].contains("token")) << "the secret is shown once only";
  // Another user cannot revoke it, or even learn that it exists.
  EXPECT_EQ(svc_->RevokeApiToken(Actor{"root", "admin", "x"}, (*created)["id"]).code(), Code::kNotFound);
  ASSERT_TRUE(svc_->RevokeApiToken(Ines(), (*created)["id"]).ok());
  EXPECT_FALSE(svc_->Authenticate(token).ok());
}

TEST_F(AccountsTest, ADisabledUserIsLockedOutEverywhere) {
  auto login = svc_->Login("ines", kPass, "", "192.0.2.7");
  auto token = svc_->CreateApiToken(Ines(), "script");
  ASSERT_TRUE(login.ok() && token.ok());
  auto updated = svc_->UpdateUser(Actor{"root", "admin", "x"}, "ines", Json{{"disabled", true}});
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_FALSE(svc_->Authenticate(login->token).ok());
  EXPECT_FALSE(svc_->Authenticate((*token)["token"]).ok());
  EXPECT_FALSE(svc_->Login("ines", kPass, "", "192.0.2.8").ok());
  EXPECT_EQ(svc_->UpdateUser(Ines(), "root", Json{{"disabled", true}}).status().code(), Code::kForbidden);
}

TEST_F(AccountsTest, EveryLoginAndChangeIsInTheAuditLogAndTheLogVerifies) {
  (void)svc_->Login("ines", "wrong password!", "", "192.0.2.7");
  ASSERT_TRUE(svc_->Login("ines", kPass, "", "192.0.2.7").ok());
  ASSERT_TRUE(svc_->CreateApiToken(Ines(), "x").ok());
  auto entries = svc_->AuditEntries(Actor::Operator(), "", "", 0, 100);
  ASSERT_TRUE(entries.ok());
  std::vector<std::string> actions;
  for (const auto& e : (*entries)["items"]) actions.push_back(e["action"]);
  EXPECT_EQ(actions, (std::vector<std::string>{"user.create", "user.create", "login.failed", "login",
                                               "token.create"}));
  EXPECT_EQ((*entries)["items"][2]["address"], "192.0.2.7");
  auto verified = svc_->audit().Verify();
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE((*verified)["ok"].get<bool>()) << verified->dump();
}

}  // namespace
}  // namespace refuge::app
