#include "refuge/auth/audit.h"

#include <gtest/gtest.h>

namespace refuge::auth {
namespace {

// A chain of n entries and its signed head, as the audit log writes them.
struct Chain {
  std::vector<store::AuditEntry> entries;
  store::AuditHead head;
};

Chain Build(const SigningKey& key, int n) {
  Chain c;
  std::string prev = kGenesisHash;
  for (int i = 1; i <= n; ++i) {
    store::AuditEntry e;
    e.seq = i;
    e.at = "2026-11-30T08:00:0" + std::to_string(i % 10) + "Z";
    e.actor = i % 2 ? "maya" : "vic";
    e.action = "person.read";
    e.target = "per_wen_hao";
    e.person = "per_wen_hao";
    e.address = "127.0.0.1";
    e.details = "{}";
    e.prev_hash = prev;
    e.hash = AuditEntryHash(e);
    prev = e.hash;
    c.entries.push_back(e);
  }
  c.head = {n, prev, key.Sign(AuditHeadMessage(n, prev))};
  return c;
}

TEST(AuditChain, AnIntactLogVerifies) {
  SigningKey key = SigningKey::Ephemeral();
  Chain c = Build(key, 5);
  EXPECT_TRUE(VerifyAuditChain(c.entries, &c.head, key).empty());
  EXPECT_TRUE(VerifyAuditChain({}, nullptr, key).empty());
}

TEST(AuditChain, AnEditedEntryIsNamed) {
  SigningKey key = SigningKey::Ephemeral();
  Chain c = Build(key, 5);
  c.entries[2].actor = "someone_else";
  auto problems = VerifyAuditChain(c.entries, &c.head, key);
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems[0].seq, 3);
}

TEST(AuditChain, ARemovedEntryIsNamed) {
  SigningKey key = SigningKey::Ephemeral();
  Chain c = Build(key, 5);
  c.entries.erase(c.entries.begin() + 1);
  auto problems = VerifyAuditChain(c.entries, &c.head, key);
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(problems[0].what.find("entry 2 is missing"), std::string::npos) << problems[0].what;
}

TEST(AuditChain, ReorderedEntriesAreFound) {
  SigningKey key = SigningKey::Ephemeral();
  Chain c = Build(key, 5);
  std::swap(c.entries[1], c.entries[2]);
  std::swap(c.entries[1].seq, c.entries[2].seq);
  EXPECT_FALSE(VerifyAuditChain(c.entries, &c.head, key).empty());
}

TEST(AuditChain, EntriesCutOffTheEndAreFoundByTheSignedHead) {
  SigningKey key = SigningKey::Ephemeral();
  Chain c = Build(key, 5);
  c.entries.pop_back();
  auto problems = VerifyAuditChain(c.entries, &c.head, key);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].seq, 0);
}

TEST(AuditChain, AHeadSignedByAnotherKeyIsRefused) {
  SigningKey key = SigningKey::Ephemeral(), other = SigningKey::Ephemeral();
  Chain c = Build(other, 3);
  auto problems = VerifyAuditChain(c.entries, &c.head, key);
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(problems[0].what.find("signature"), std::string::npos);
}

}  // namespace
}  // namespace refuge::auth
