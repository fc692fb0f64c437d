#include "refuge/app/cursor.h"

#include <gtest/gtest.h>

namespace refuge::app {
namespace {

const std::string kKey(32, 'k');

TEST(CursorCodec, SealsAPositionOnlyItsUserAndListCanOpen) {
  CursorCodec codec(kKey);
  const std::string c = codec.Seal("maya", "people", "per_hidden_0042");
  EXPECT_EQ(c.find("per_"), std::string::npos) << c;
  EXPECT_EQ(c.find("hidden"), std::string::npos) << c;
  EXPECT_EQ(*codec.Open("maya", "people", c), "per_hidden_0042");
  // Another user, another list, another key, or a changed byte: refused alike.
  for (auto r : {codec.Open("lena", "people", c), codec.Open("maya", "events", c),
                 CursorCodec(std::string(32, 'x')).Open("maya", "people", c),
                 codec.Open("maya", "people", c.substr(0, c.size() - 1) + (c.back() == 'A' ? "B" : "A")),
                 codec.Open("maya", "people", "per_hidden_0042")}) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kInvalid);
    EXPECT_EQ(r.status().field(), "after");
  }
  EXPECT_EQ(*codec.Open("maya", "people", ""), "");
  EXPECT_EQ(codec.Seal("maya", "people", ""), "");
  // Two seals of one position differ, so equal positions cannot be told apart.
  EXPECT_NE(codec.Seal("maya", "people", "per_a"), codec.Seal("maya", "people", "per_a"));
}

}  // namespace
}  // namespace refuge::app
