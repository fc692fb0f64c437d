#include "refuge/vault/keyring.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <fstream>

#include "refuge/vault/test_support.h"

namespace refuge::vault {
namespace {

using testing::FastKdf;
using testing::ScratchDir;

std::string Sha256(const std::string& s) {
  std::string out(32, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(out.data()),
                     reinterpret_cast<const unsigned char*>(s.data()), s.size());
  return out;
}

TEST(KeyringTest, CreateThenUnlockGivesTheSameKeys) {
  ScratchDir dir;
  auto made = Keyring::Create(PosixDisk(), dir.path(), "correct horse battery", FastKdf());
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  auto again = Keyring::Unlock(dir.path(), "correct horse battery");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(made->vault_id(), again->vault_id());
  const std::string sha = Sha256("footage");
  EXPECT_EQ(made->ObjectName(sha), again->ObjectName(sha));
  // A value sealed by one opens with the other.
  auto opened = again->Unseal(made->Seal("secret", "evi_1"), "evi_1");
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, "secret");
}

TEST(KeyringTest, WrongPassphraseIsUnauthenticated) {
  ScratchDir dir;
  ASSERT_TRUE(Keyring::Create(PosixDisk(), dir.path(), "correct horse battery", FastKdf()).ok());
  auto wrong = Keyring::Unlock(dir.path(), "correct horse batterz");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), Code::kUnauthenticated);
  EXPECT_NE(wrong.status().message().find("wrong passphrase"), std::string::npos);
}

TEST(KeyringTest, CreateRefusesToReplaceAVault) {
  ScratchDir dir;
  ASSERT_TRUE(Keyring::Create(PosixDisk(), dir.path(), "first passphrase", FastKdf()).ok());
  auto second = Keyring::Create(PosixDisk(), dir.path(), "second passphrase", FastKdf());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kConflict);
  EXPECT_TRUE(Keyring::Unlock(dir.path(), "first passphrase").ok());
}

TEST(KeyringTest, PassphraseChangeKeepsTheMasterKey) {
  ScratchDir dir;
  auto before = Keyring::Create(PosixDisk(), dir.path(), "old passphrase here", FastKdf());
  ASSERT_TRUE(before.ok());
  const std::string sealed = before->Seal("record", "evi_2");
  ASSERT_TRUE(Keyring::ChangePassphrase(PosixDisk(), dir.path(), "old passphrase here",
                                        "new passphrase here", FastKdf()).ok());
  EXPECT_EQ(Keyring::Unlock(dir.path(), "old passphrase here").status().code(), Code::kUnauthenticated);
  auto after = Keyring::Unlock(dir.path(), "new passphrase here");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after->Unseal(sealed, "evi_2"), "record");
  // A wrong old passphrase changes nothing.
  EXPECT_EQ(Keyring::ChangePassphrase(PosixDisk(), dir.path(), "guess", "attacker's choice", FastKdf()).code(),
            Code::kUnauthenticated);
  EXPECT_TRUE(Keyring::Unlock(dir.path(), "new passphrase here").ok());
}

TEST(KeyringTest, ObjectNamesAreNotThePlaintextHash) {
  ScratchDir a, b;
  auto ka = Keyring::Create(PosixDisk(), a.path(), "passphrase one", FastKdf());
  auto kb = Keyring::Create(PosixDisk(), b.path(), "passphrase one", FastKdf());
  ASSERT_TRUE(ka.ok() && kb.ok());
  const std::string sha = Sha256("a known leaked video");
  const std::string name = ka->ObjectName(sha);
  EXPECT_EQ(name.size(), 64u);
  std::string plain_hex(64, '\0');
  sodium_bin2hex(plain_hex.data(), 65, reinterpret_cast<const unsigned char*>(sha.data()), 32);
  EXPECT_NE(name, plain_hex.c_str());
  // Two vaults name the same file differently: a name says nothing without the key.
  EXPECT_NE(name, kb->ObjectName(sha));
}

TEST(KeyringTest, SealedValuesAreBoundToTheirContext) {
  ScratchDir dir;
  auto k = Keyring::Create(PosixDisk(), dir.path(), "a passphrase", FastKdf());
  ASSERT_TRUE(k.ok());
  const std::string sealed = k->Seal("sha256 and filename", "evi_a");
  EXPECT_FALSE(k->Unseal(sealed, "evi_b").ok());  // moved to another record
  std::string flipped = sealed;
  flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(k->Unseal(flipped, "evi_a").ok());
}

TEST(KeyringTest, DamagedKeyFileIsAnIoErrorNotAWrongPassphrase) {
  ScratchDir dir;
  ASSERT_TRUE(Keyring::Create(PosixDisk(), dir.path(), "a passphrase", FastKdf()).ok());
  const std::string path = Keyring::KeyFilePath(dir.path());
  std::filesystem::permissions(path, std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
  std::ofstream(path, std::ios::trunc) << "{\"format\": \"refuge-vault-key\", \"version\": 1}";
  auto r = Keyring::Unlock(dir.path(), "a passphrase");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kIo);
  EXPECT_NE(r.status().message().find("damaged"), std::string::npos);
}

}  // namespace
}  // namespace refuge::vault
