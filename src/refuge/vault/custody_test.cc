#include "refuge/vault/custody.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include "refuge/vault/codec.h"

namespace refuge::vault {
namespace {

class ChainOfCustodyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EnsureSodium();
    crypto_sign_keypair(pk_, sk_);
    const char* actions[] = {"received", "viewed", "downloaded", "verified", "exported"};
    for (int i = 0; i < 5; ++i) {
      entries_.push_back(NextEntry(i == 0 ? nullptr : &entries_.back(), kId,
                                   "2026-11-30T08:0" + std::to_string(i) + ":00Z", i % 2 ? "maya" : "operator",
                                   actions[i], Json{{"step", i}}));
    }
  }

  CustodyHead Head(const std::vector<CustodyEntry>& entries) {
    CustodyHead h;
    h.seq = entries.back().seq;
    h.hash = entries.back().hash;
    const std::string msg = HeadMessage(kId, h.seq, h.hash);
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), sk_);
    h.signature = Hex(sig, sizeof sig);
    h.public_key = Hex(pk_, sizeof pk_);
    h.mac = "mac-of-" + msg;
    return h;
  }

  std::vector<std::string> Check(const std::vector<CustodyEntry>& entries, const CustodyHead& head) {
    return VerifyChain(kId, entries, head, [](const std::string& msg, const std::string& mac) {
      return mac == "mac-of-" + msg;
    });
  }

  static std::string Joined(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& p : v) s += p + "\n";
    return s;
  }

  static constexpr const char* kId = "evi_01testcustody";
  unsigned char pk_[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk_[crypto_sign_SECRETKEYBYTES];
  std::vector<CustodyEntry> entries_;
};

TEST_F(ChainOfCustodyTest, AnIntactChainHolds) {
  EXPECT_TRUE(Check(entries_, Head(entries_)).empty()) << Joined(Check(entries_, Head(entries_)));
  EXPECT_EQ(entries_[0].prev, kGenesisHash);
  EXPECT_EQ(entries_[3].prev, entries_[2].hash);
  EXPECT_EQ(entries_[4].seq, 5);
}

TEST_F(ChainOfCustodyTest, CanonicalFormSortsKeysAndHasNoWhitespace) {
  CustodyEntry e = entries_[0];
  e.details = Json{{"zeta", 1}, {"alpha", Json{{"b", true}, {"a", "x y"}}}};
  const std::string c = CanonicalEntry(e);
  EXPECT_EQ(c.find("\n"), std::string::npos);
  EXPECT_LT(c.find("\"action\""), c.find("\"actor\""));
  EXPECT_NE(c.find("{\"a\":\"x y\",\"b\":true}"), std::string::npos) << c;
}

TEST_F(ChainOfCustodyTest, AnEditedEntryIsNamed) {
  const CustodyHead head = Head(entries_);
  auto edited = entries_;
  edited[2].actor = "someone else";
  auto problems = Check(edited, head);
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(Joined(problems).find("custody entry 3"), std::string::npos) << Joined(problems);
  EXPECT_NE(Joined(problems).find("altered"), std::string::npos) << Joined(problems);

  // Re-hashing the edited entry moves the break to the link after it.
  edited[2].hash = EntryHash(edited[2]);
  problems = Check(edited, head);
  EXPECT_NE(Joined(problems).find("custody entry 4"), std::string::npos) << Joined(problems);
  EXPECT_NE(Joined(problems).find("entry before it"), std::string::npos) << Joined(problems);
}

TEST_F(ChainOfCustodyTest, ARemovedEntryIsNamed) {
  const CustodyHead head = Head(entries_);
  auto removed = entries_;
  removed.erase(removed.begin() + 1);
  auto problems = Check(removed, head);
  EXPECT_NE(Joined(problems).find("custody entry 2 is missing"), std::string::npos) << Joined(problems);

  auto last_gone = entries_;
  last_gone.pop_back();
  problems = Check(last_gone, head);
  EXPECT_NE(Joined(problems).find("custody entry 5, the last, is missing"), std::string::npos) << Joined(problems);

  // Re-signing is impossible without the key; a head rolled back by hand fails its signature.
  CustodyHead forged = head;
  forged.seq = 4;
  forged.hash = last_gone.back().hash;
  problems = Check(last_gone, forged);
  EXPECT_NE(Joined(problems).find("signature is invalid"), std::string::npos) << Joined(problems);
}

TEST_F(ChainOfCustodyTest, AReorderedEntryIsNamed) {
  const CustodyHead head = Head(entries_);
  auto reordered = entries_;
  // Entries 2 and 3 swap places, each taking the other's number.
  std::swap(reordered[1], reordered[2]);
  std::swap(reordered[1].seq, reordered[2].seq);
  auto problems = Check(reordered, head);
  const std::string text = Joined(problems);
  EXPECT_NE(text.find("out of order: it was written as entry 3"), std::string::npos) << text;
  EXPECT_NE(text.find("out of order: it was written as entry 2"), std::string::npos) << text;
}

TEST_F(ChainOfCustodyTest, AHeadWithoutTheVaultMacIsRefused) {
  CustodyHead head = Head(entries_);
  head.mac = "forged";
  auto problems = Check(entries_, head);
  EXPECT_NE(Joined(problems).find("vault MAC is invalid"), std::string::npos);
  // Exported bags carry no MAC and are checked by signature alone.
  EXPECT_TRUE(VerifyChain(kId, entries_, head, nullptr).empty());
}

TEST_F(ChainOfCustodyTest, JsonRoundTrip) {
  CustodyEntry back;
  ASSERT_TRUE(CustodyEntryFromJson(CustodyEntryToJson(entries_[3]), &back));
  EXPECT_EQ(back.hash, entries_[3].hash);
  EXPECT_EQ(EntryHash(back), entries_[3].hash);
  EXPECT_FALSE(CustodyEntryFromJson(Json{{"seq", "three"}}, &back));
}

}  // namespace
}  // namespace refuge::vault
