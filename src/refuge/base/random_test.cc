#include "refuge/base/random.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>

namespace refuge {
namespace {

constexpr std::string_view kIdAlphabet = "0123456789abcdefghjkmnpqrstvwxyz";  // Crockford, lower case

bool IsUrlSafeBase64(const std::string& s) {
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

TEST(NewIdTest, HasPrefixUnderscoreAnd26Characters) {
  const std::string id = NewId("per");
  ASSERT_EQ(id.size(), 4u + 26u) << id;
  EXPECT_EQ(id.substr(0, 4), "per_");
  for (char c : id.substr(4)) {
    EXPECT_NE(kIdAlphabet.find(c), std::string_view::npos) << "'" << c << "' in " << id;
  }
}

TEST(NewIdTest, UsesTheGivenPrefix) {
  EXPECT_EQ(NewId("evt").substr(0, 4), "evt_");
  EXPECT_EQ(NewId("fac").substr(0, 4), "fac_");
}

TEST(NewIdTest, TenThousandIdsAreDistinct) {
  std::set<std::string> ids;
  for (int i = 0; i < 10000; ++i) ids.insert(NewId("evt"));
  EXPECT_EQ(ids.size(), 10000u);
}

TEST(NewIdTest, LaterIdsSortAfterEarlierOnes) {
  const std::string first = NewId("evt");
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const std::string second = NewId("evt");
  // The first ten characters after the prefix encode the creation time.
  EXPECT_LT(first.substr(4, 10), second.substr(4, 10));
  EXPECT_LT(first, second);
}

TEST(NewIdTest, TimePartEncodesTheCurrentMillisecond) {
  const auto before = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const std::string id = NewId("per");
  const auto after = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  int64_t ms = 0;
  for (char c : id.substr(4, 10)) ms = ms * 32 + static_cast<int64_t>(kIdAlphabet.find(c));
  EXPECT_GE(ms, before);
  EXPECT_LE(ms, after);
}

TEST(RandomTokenTest, LengthAndCharset) {
  const std::string token = RandomToken();
  EXPECT_EQ(token.size(), 43u);  // 32 bytes, base64 without padding
  EXPECT_TRUE(IsUrlSafeBase64(token)) << token;

  const std::string short_token = RandomToken(16);
  EXPECT_EQ(short_token.size(), 22u);
  EXPECT_TRUE(IsUrlSafeBase64(short_token)) << short_token;
}

TEST(RandomTokenTest, TokensDiffer) {
  std::set<std::string> tokens;
  for (int i = 0; i < 1000; ++i) tokens.insert(RandomToken());
  EXPECT_EQ(tokens.size(), 1000u);
}

TEST(Sha256HexTest, KnownVectors) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256HexTest, HandlesEmbeddedNulBytes) {
  const std::string with_nul("a\0b", 3);
  EXPECT_NE(Sha256Hex(with_nul), Sha256Hex("a"));
  EXPECT_EQ(Sha256Hex(with_nul).size(), 64u);
}

TEST(ConstantTimeEqualsTest, ComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("session-token", "session-token"));
  EXPECT_FALSE(ConstantTimeEquals("session-token", "session-tokeN"));
  EXPECT_FALSE(ConstantTimeEquals("session-token", "session-toke"));
  EXPECT_FALSE(ConstantTimeEquals("", "x"));
}

}  // namespace
}  // namespace refuge
