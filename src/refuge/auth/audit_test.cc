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

TEST(AuditWitness, ALogAheadOfTheWitnessHoldsItOneBehindOrRewrittenDoesNot) {
  SigningKey key = SigningKey::Ephemeral();
  Chain c = Build(key, 5);
  Chain older = Build(key, 3);
  const AuditWitness at3{3, older.head.hash, older.head.signature};
  EXPECT_TRUE(CheckAuditWitness(c.entries, at3, "the copy", key).empty()) << "ahead is fine";
  EXPECT_TRUE(CheckAuditWitness(older.entries, at3, "the copy", key).empty());

  const AuditWitness at5{5, c.head.hash, c.head.signature};
  auto behind = CheckAuditWitness(older.entries, at5, "the copy", key);
  ASSERT_EQ(behind.size(), 1u);
  EXPECT_NE(behind[0].what.find("ends at entry 3"), std::string::npos) << behind[0].what;
  EXPECT_EQ(CheckAuditWitness({}, at5, "the copy", key).size(), 1u) << "a wiped log";

  Chain rewritten = Build(key, 5);
  rewritten.entries[2].actor = "someone_else";
  // Rewritten consistently from entry 3 on, as someone without the key can.
  for (size_t i = 2; i < rewritten.entries.size(); ++i) {
    if (i > 2) rewritten.entries[i].prev_hash = rewritten.entries[i - 1].hash;
    rewritten.entries[i].hash = AuditEntryHash(rewritten.entries[i]);
  }
  auto diverged = CheckAuditWitness(rewritten.entries, at5, "the copy", key);
  ASSERT_EQ(diverged.size(), 1u);
  EXPECT_EQ(diverged[0].seq, 5);

  const AuditWitness forged{5, c.head.hash, SigningKey::Ephemeral().Sign(AuditHeadMessage(5, c.head.hash))};
  EXPECT_EQ(CheckAuditWitness(c.entries, forged, "the copy", key).size(), 1u);
}

}  // namespace
}  // namespace refuge::auth
