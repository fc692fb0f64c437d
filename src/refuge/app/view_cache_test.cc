#include "refuge/app/view_cache.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace refuge::app {
namespace {

ViewText Text(const std::string& s) { return std::make_shared<const std::string>(s); }

TEST(ViewCache, AnswersOnlyAtTheGenerationItWasComputedAt) {
  ViewCache cache(1 << 20);
  cache.Put("maya matter.chronology mat_a", 7, Text("{\"events\":[1]}"));
  ASSERT_NE(cache.Find("maya matter.chronology mat_a", 7), nullptr);
  EXPECT_EQ(*cache.Find("maya matter.chronology mat_a", 7), "{\"events\":[1]}");
  EXPECT_EQ(cache.Find("maya matter.chronology mat_a", 8), nullptr);
  EXPECT_EQ(cache.Find("maya matter.chronology mat_a", 6), nullptr);
  EXPECT_EQ(cache.Find("tenzin matter.chronology mat_a", 7), nullptr);
}

TEST(ViewCache, ANewerGenerationDropsEveryOlderAnswer) {
  ViewCache cache(1 << 20);
  cache.Put("a", 1, Text("one"));
  cache.Put("b", 1, Text("two"));
  EXPECT_EQ(cache.entries(), 2u);
  cache.Put("a", 2, Text("one, changed"));
  EXPECT_EQ(cache.entries(), 1u);
  EXPECT_EQ(cache.Find("b", 1), nullptr);
  EXPECT_EQ(*cache.Find("a", 2), "one, changed");
  // A reader whose snapshot is older computed from older data: not kept.
  cache.Put("b", 1, Text("two"));
  EXPECT_EQ(cache.Find("b", 1), nullptr);
  EXPECT_EQ(cache.entries(), 1u);
}

TEST(ViewCache, DropsTheLeastRecentlyUsedBeyondItsLimit) {
  const std::string big(1000, 'x');
  ViewCache cache(3500);  // room for three answers of this size
  cache.Put("a", 1, Text(big));
  cache.Put("b", 1, Text(big));
  cache.Put("c", 1, Text(big));
  ASSERT_NE(cache.Find("a", 1), nullptr);  // "a" is now the most recent
  cache.Put("d", 1, Text(big));
  EXPECT_EQ(cache.Find("b", 1), nullptr);
  EXPECT_NE(cache.Find("a", 1), nullptr);
  EXPECT_NE(cache.Find("c", 1), nullptr);
  EXPECT_NE(cache.Find("d", 1), nullptr);
  EXPECT_LE(cache.bytes(), 3500u);

  // Putting the same key again replaces it and counts it once.
  const size_t before = cache.bytes();
  cache.Put("d", 1, Text(big));
  EXPECT_EQ(cache.bytes(), before);
  EXPECT_EQ(cache.entries(), 3u);
}

TEST(ViewCache, HoldsNothingWhenOffOrTooLarge) {
  ViewCache off(0);
  off.Put("a", 1, Text("x"));
  EXPECT_EQ(off.Find("a", 1), nullptr);
  ViewCache small(100);
  small.Put("a", 1, Text(std::string(500, 'x')));
  EXPECT_EQ(small.Find("a", 1), nullptr);
  EXPECT_EQ(small.bytes(), 0u);

  ViewCache on(1 << 20);
  on.Put("a", 1, Text("x"));
  on.set_max_bytes(0);
  EXPECT_EQ(on.Find("a", 1), nullptr);
  EXPECT_EQ(on.entries(), 0u);
}

}  // namespace
}  // namespace refuge::app
