#include "refuge/auth/totp.h"

#include <gtest/gtest.h>

namespace refuge::auth {
namespace {

// RFC 6238 appendix B: the SHA-1 secret "12345678901234567890", in base32.
constexpr const char* kRfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

TEST(Totp, MatchesTheRfc6238TestVectors) {
  // The RFC lists 8-digit codes; authenticator apps show their last 6 digits.
  EXPECT_EQ(TotpCode(kRfcSecret, 59).value(), "287082");
  EXPECT_EQ(TotpCode(kRfcSecret, 1111111109).value(), "081804");
  EXPECT_EQ(TotpCode(kRfcSecret, 1234567890).value(), "005924");
  EXPECT_EQ(TotpCode(kRfcSecret, 2000000000).value(), "279037");
}

TEST(Totp, AcceptsOneStepOfClockDriftAndNoMore) {
  const int64_t now = 1796040000;
  const std::string code = TotpCode(kRfcSecret, now).value();
  EXPECT_TRUE(CheckTotp(kRfcSecret, code, now));
  EXPECT_TRUE(CheckTotp(kRfcSecret, code, now + 30));
  EXPECT_TRUE(CheckTotp(kRfcSecret, code, now - 30));
  EXPECT_FALSE(CheckTotp(kRfcSecret, code, now + 90));
  EXPECT_FALSE(CheckTotp(kRfcSecret, "12345", now));
  EXPECT_FALSE(CheckTotp(kRfcSecret, "", now));
}

TEST(Totp, AStepIsMatchedOnlyWhenLaterThanTheLastOneAccepted) {
  const int64_t now = 1796040000;  // a step boundary: step 59868000
  const int64_t step = now / 30;
  const std::string code = TotpCode(kRfcSecret, now).value();
  EXPECT_EQ(MatchTotpStep(kRfcSecret, code, now, 0), step);
  EXPECT_EQ(MatchTotpStep(kRfcSecret, code, now + 30, step - 1), step) << "one step of drift";
  EXPECT_EQ(MatchTotpStep(kRfcSecret, code, now, step), std::nullopt) << "the same code again";
  EXPECT_EQ(MatchTotpStep(kRfcSecret, code, now + 30, step + 1), std::nullopt) << "an older code";
  EXPECT_EQ(MatchTotpStep(kRfcSecret, TotpCode(kRfcSecret, now + 30).value(), now, step), step + 1);
  EXPECT_EQ(MatchTotpStep(kRfcSecret, code, now + 90, 0), std::nullopt);
  EXPECT_EQ(MatchTotpStep(kRfcSecret, "12345", now, 0), std::nullopt);
}

TEST(Totp, NewSecretsAreBase32AndDifferent) {
  const std::string a = NewTotpSecret(), b = NewTotpSecret();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), std::string::npos);
  EXPECT_TRUE(TotpCode(a, 0).ok());
  EXPECT_FALSE(TotpCode("not base32!", 0).ok());
  EXPECT_NE(TotpUri(a, "maya").find("secret=" + a), std::string::npos);
}

}  // namespace
}  // namespace refuge::auth
