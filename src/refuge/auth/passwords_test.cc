#include "refuge/auth/passwords.h"

#include <gtest/gtest.h>

#include <string>

namespace refuge::auth {
namespace {

constexpr const char* kPassphrase = "correct horse battery staple at Krome";

// One hash shared by the tests that only read it: Argon2id is slow on purpose.
const std::string& PassphraseHash() {
  static const std::string kHash = [] {
    auto h = HashPassword(kPassphrase);
    return h.ok() ? *h : std::string();
  }();
  return kHash;
}

TEST(HashPasswordTest, ProducesAnArgon2idEncodedString) {
  const std::string& hash = PassphraseHash();
  ASSERT_FALSE(hash.empty());
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u) << hash;
  EXPECT_EQ(hash.find(kPassphrase), std::string::npos) << "the password must not appear";
}

TEST(HashPasswordTest, TwoHashesOfOnePasswordDiffer) {
  auto again = HashPassword(kPassphrase);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_NE(*again, PassphraseHash()) << "each hash has its own salt";
  EXPECT_TRUE(VerifyPassword(kPassphrase, *again));
}

TEST(VerifyPasswordTest, AcceptsTheRightPasswordOnly) {
  EXPECT_TRUE(VerifyPassword(kPassphrase, PassphraseHash()));
  EXPECT_FALSE(VerifyPassword("correct horse battery staple at krome", PassphraseHash()));
  EXPECT_FALSE(VerifyPassword("", PassphraseHash()));
  EXPECT_FALSE(VerifyPassword(std::string(kPassphrase) + " ", PassphraseHash()));
}

TEST(VerifyPasswordTest, RejectsGarbageHashes) {
  EXPECT_FALSE(VerifyPassword(kPassphrase, ""));
  EXPECT_FALSE(VerifyPassword(kPassphrase, "$argon2id$not-a-hash"));
  EXPECT_FALSE(VerifyPassword(kPassphrase, std::string(1000, 'x')));
}

TEST(CheckPasswordPolicyTest, RejectsShortPasswords) {
  Status s = CheckPasswordPolicy("Okafor2026!");  // 11 characters
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kInvalid);
  EXPECT_EQ(s.field(), "password");
  EXPECT_FALSE(CheckPasswordPolicy("").ok());
}

TEST(CheckPasswordPolicyTest, RejectsCommonPasswords) {
  for (const char* common : {"password1234", "Password1234", "PASSWORD1234", "qwerty123456",
                             "administrator"}) {
    Status s = CheckPasswordPolicy(common);
    ASSERT_FALSE(s.ok()) << common;
    EXPECT_EQ(s.field(), "password") << common;
  }
}

TEST(CheckPasswordPolicyTest, RejectsOneRepeatedCharacter) {
  Status s = CheckPasswordPolicy("aaaaaaaaaaaa");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.field(), "password");
  EXPECT_FALSE(CheckPasswordPolicy("ZZZZZZZZZZZZZZZZZZZZ").ok());
}

TEST(CheckPasswordPolicyTest, AcceptsALongPassphrase) {
  EXPECT_TRUE(CheckPasswordPolicy(kPassphrase).ok());
  EXPECT_TRUE(CheckPasswordPolicy("Amara-Okafor-Miami-2026").ok());
  EXPECT_TRUE(CheckPasswordPolicy("李伟的护照在律师那里很安全").ok());  // 13 characters
}

TEST(CheckPasswordPolicyTest, CountsCharactersNotBytes) {
  // "密码密码" is 4 characters, 12 bytes in UTF-8.
  // Four Chinese characters are twelve bytes but only four characters.
  EXPECT_FALSE(CheckPasswordPolicy("密码密码").ok());
  // Twelve times "é" (U+00E9, two bytes each) is one repeated character.
  EXPECT_FALSE(CheckPasswordPolicy("éééééééééééé").ok());
}

TEST(Passwords, OnlyHashesAsStrongAsOurOwnAreAccepted) {
  EXPECT_TRUE(CheckHashStrength(PassphraseHash()).ok()) << PassphraseHash();
  EXPECT_TRUE(CheckHashStrength("$argon2id$v=19$m=262144,t=3,p=4$c2FsdA$aGFzaA").ok());
  for (const char* weak : {"$argon2id$v=19$m=4096,t=3,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=65536,t=1,p=1$c2FsdA$aGFzaA",
                           "$argon2id$v=19$m=65536,t=2,p=0$c2FsdA$aGFzaA", "$argon2i$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA",
                           "$argon2id$v=16$m=65536,t=2,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$t=2,m=65536,p=1$c2FsdA$aGFzaA",
                           "$argon2id$v=19$m=,t=2,p=1$c2FsdA$aGFzaA", "$2b$12$abcdefghijklmnopqrstuu", ""}) {
    Status s = CheckHashStrength(weak);
    EXPECT_EQ(s.code(), Code::kInvalid) << weak;
    EXPECT_EQ(s.field(), "password_hash") << weak;
  }
  EXPECT_NE(CheckHashStrength("$argon2id$v=19$m=4096,t=3,p=1$c2FsdA$aGFzaA").message().find("m=4096"), std::string::npos);
}

TEST(Passwords, EveryCheckIsCounted) {
  const uint64_t before = PasswordVerifications();
  (void)VerifyPassword("wrong", PassphraseHash());
  (void)VerifyPassword(kPassphrase, PassphraseHash());
  EXPECT_EQ(PasswordVerifications() - before, 2u);
}

}  // namespace
}  // namespace refuge::auth
