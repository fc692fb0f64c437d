#include "refuge/domain/search_terms.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace refuge::domain {
namespace {

using Terms = std::vector<std::string>;

bool Contains(const Terms& terms, const std::string& t) {
  return std::find(terms.begin(), terms.end(), t) != terms.end();
}

// Whether an object indexed with `indexed` is found by `query`, by the rule the
// stores apply: every query term matches some indexed term, word terms as prefixes.
bool Finds(std::string_view query, const Terms& indexed) {
  Terms q = QueryTerms(query);
  if (q.empty()) return false;
  for (const std::string& term : q) {
    bool hit = std::any_of(indexed.begin(), indexed.end(), [&](const std::string& t) {
      return IsPrefixTerm(term) ? t.rfind(term, 0) == 0 : t == term;
    });
    if (!hit) return false;
  }
  return true;
}

Terms PersonTerms(const Json& body) { return EntityTerms(EntityKind::kPerson, body); }

// --- queries --------------------------------------------------------------------

TEST(QueryTermsTest, WordsAreLowerCased) {
  EXPECT_EQ(QueryTerms("Wen Hao"), (Terms{"w:hao", "w:wen"}));
  EXPECT_EQ(QueryTerms("AMARA okafor"), (Terms{"w:amara", "w:okafor"}));
}

TEST(QueryTermsTest, PunctuationSeparatesWordsAndRepeatsCollapse) {
  EXPECT_EQ(QueryTerms("Okafor, Amara"), (Terms{"w:amara", "w:okafor"}));
  EXPECT_EQ(QueryTerms("wen WEN Wen"), (Terms{"w:wen"}));
}

TEST(QueryTermsTest, NothingSearchable) {
  EXPECT_TRUE(QueryTerms("").empty());
  EXPECT_TRUE(QueryTerms("  ,.;!? ").empty());
}

TEST(QueryTermsTest, TwoHanCharactersGiveOneBigram) {
  EXPECT_EQ(QueryTerms("温浩"), (Terms{"c:温浩"}));
}

TEST(QueryTermsTest, ASingleHanCharacterIsItsOwnTerm) {
  EXPECT_EQ(QueryTerms("温"), (Terms{"c:温"}));
}

TEST(QueryTermsTest, LongerHanRunsGiveOverlappingBigrams) {
  EXPECT_EQ(QueryTerms("温浩然"), (Terms{"c:浩然", "c:温浩"}));
}

TEST(QueryTermsTest, MixedScripts) {
  EXPECT_EQ(QueryTerms("Li Wei 李伟"), (Terms{"c:李伟", "w:li", "w:wei"}));
  EXPECT_EQ(QueryTerms("温浩Wen"), (Terms{"c:温浩", "w:wen"}));
}

TEST(QueryTermsTest, AccentsAreFolded) {
  EXPECT_EQ(QueryTerms("José Martínez"), (Terms{"w:jose", "w:martinez"}));
  EXPECT_EQ(QueryTerms("JOSÉ"), (Terms{"w:jose"}));
  EXPECT_EQ(QueryTerms("Łukasz Wałęsa"), (Terms{"w:lukasz", "w:walesa"}));
}

TEST(QueryTermsTest, CyrillicIsLowerCased) {
  EXPECT_EQ(QueryTerms("Алексей ИВАНОВ"), (Terms{"w:алексей", "w:иванов"}));
  EXPECT_EQ(QueryTerms("ЁЛКА"), (Terms{"w:ёлка"}));
}

TEST(QueryTermsTest, ANumberInAnyFormIsOneTerm) {
  for (const char* q : {"A-214-587-903", "A214587903", "a214587903", "214587903",
                        "214 587 903", " A-214-587-903 "}) {
    EXPECT_EQ(QueryTerms(q), (Terms{"a:214587903"})) << q;
  }
  EXPECT_EQ(QueryTerms("A14587903"), (Terms{"a:014587903"}));
}

TEST(QueryTermsTest, PrefixTermsAreWordsOnly) {
  EXPECT_TRUE(IsPrefixTerm("w:wen"));
  EXPECT_FALSE(IsPrefixTerm("c:温浩"));
  EXPECT_FALSE(IsPrefixTerm("a:214587903"));
}

// --- entities -------------------------------------------------------------------

TEST(EntityTermsTest, PersonWithAChineseOtherName) {
  Json wen = {{"name", "Wen Hao"},
              {"other_names", Json::array({"温浩"})},
              {"a_number", "214587903"}};
  Terms terms = PersonTerms(wen);
  for (const char* t : {"w:wen", "w:hao", "c:温", "c:浩", "c:温浩", "a:214587903"}) {
    EXPECT_TRUE(Contains(terms, t)) << t;
  }
  EXPECT_TRUE(std::is_sorted(terms.begin(), terms.end()));
  EXPECT_EQ(std::adjacent_find(terms.begin(), terms.end()), terms.end()) << "duplicates";
}

TEST(EntityTermsTest, PersonIsFoundByEachWayOfWritingIt) {
  Json wen = {{"name", "Wen Hao"},
              {"other_names", Json::array({"温浩"})},
              {"a_number", "214587903"}};
  Terms terms = PersonTerms(wen);
  EXPECT_TRUE(Finds("Wen Hao", terms));
  EXPECT_TRUE(Finds("wen", terms));
  EXPECT_TRUE(Finds("We", terms));  // a word matches as a prefix
  EXPECT_TRUE(Finds("温浩", terms));
  EXPECT_TRUE(Finds("温", terms));
  EXPECT_TRUE(Finds("浩", terms));
  EXPECT_TRUE(Finds("A-214-587-903", terms));
  EXPECT_TRUE(Finds("214 587 903", terms));

  EXPECT_FALSE(Finds("Wen Li", terms));
  EXPECT_FALSE(Finds("浩温", terms));
  EXPECT_FALSE(Finds("A-214-587-904", terms));
  EXPECT_FALSE(Finds("ao", terms));  // not a prefix of any word
}

TEST(EntityTermsTest, AccentedNameIsFoundWithoutAccents) {
  Terms terms = PersonTerms({{"name", "José Martínez Peña"}});
  EXPECT_TRUE(Finds("jose", terms));
  EXPECT_TRUE(Finds("Jose Martinez", terms));
  EXPECT_TRUE(Finds("PENA", terms));
  EXPECT_TRUE(Finds("José", terms));
}

TEST(EntityTermsTest, VietnameseNameIsFoundWithoutDiacritics) {
  // Vietnamese letters such as "ễ" (U+1EC5) are word characters but keep their marks.
  Terms terms = PersonTerms({{"name", "Nguyễn Văn An"}});
  EXPECT_TRUE(Finds("Nguyễn", terms));
  EXPECT_TRUE(Finds("van", terms));
  // Vietnamese letters fold to their base letters, as Latin-1 accents do.
  EXPECT_TRUE(Finds("nguyen", terms));
}

TEST(EntityTermsTest, CyrillicNameIsFoundInAnyCase) {
  Terms terms = PersonTerms({{"name", "Алексей Иванов"}});
  EXPECT_TRUE(Finds("алексей", terms));
  EXPECT_TRUE(Finds("ИВАНОВ", terms));
  EXPECT_TRUE(Finds("Ива", terms));
}

TEST(EntityTermsTest, KoreanAndJapaneseAreIndexedLikeHan) {
  Terms korean = PersonTerms({{"name", "김민준"}});
  EXPECT_TRUE(Contains(korean, "c:김민"));
  EXPECT_TRUE(Finds("민준", korean));
  Terms japanese = PersonTerms({{"name", "さくら"}});
  EXPECT_TRUE(Finds("さく", japanese));
}

TEST(EntityTermsTest, FacilityMatterAndOrganization) {
  Terms facility = EntityTerms(EntityKind::kFacility,
                               {{"name", "Krome North Service Processing Center"},
                                {"city", "Miami"},
                                {"state", "FL"},
                                {"detloc", "KRO"},
                                {"aor", "MIA"},
                                {"phone", "305-207-2001"}});
  EXPECT_TRUE(Finds("krome", facility));
  EXPECT_TRUE(Finds("Miami", facility));
  EXPECT_TRUE(Finds("KRO", facility));
  EXPECT_FALSE(Contains(facility, "w:305")) << "the phone is not indexed";

  Terms matter = EntityTerms(EntityKind::kMatter,
                             {{"client", "per_01hx5wenhao"}, {"title", "Wen Hao removal defence"}});
  EXPECT_TRUE(Finds("removal", matter));
  EXPECT_FALSE(Finds("per", matter)) << "the client id is not indexed";

  Terms org = EntityTerms(EntityKind::kOrganization, {{"name", "Uyghur Human Rights Project"}});
  EXPECT_TRUE(Finds("uyghur rights", org));
}

// --- events ---------------------------------------------------------------------

TEST(EventTermsTest, NoteAndPlaceAreIndexed) {
  Json arrival = {{"type", "arrival"},
                  {"subject", "per_01hx5wenhao"},
                  {"date", "2021-10-03"},
                  {"country", "US"},
                  {"place", "near Miami, Florida"},
                  {"note", "Came ashore by boat with two others."}};
  Terms terms = EventTerms(arrival);
  for (const char* t : {"w:near", "w:miami", "w:florida", "w:came", "w:ashore", "w:boat"}) {
    EXPECT_TRUE(Contains(terms, t)) << t;
  }
  EXPECT_FALSE(Contains(terms, "w:arrival")) << "the type is not indexed";
  EXPECT_FALSE(Contains(terms, "w:us")) << "the country code is not indexed";
  EXPECT_TRUE(Finds("Florida boat", terms));
}

TEST(EventTermsTest, QuoteAndChineseNote) {
  Json advocacy = {{"type", "advocacy"},
                   {"kind", "statement"},
                   {"quote", "Wen Hao must not be deported."},
                   {"note", "声明 issued by the campaign"}};
  Terms terms = EventTerms(advocacy);
  EXPECT_TRUE(Finds("deported", terms));
  EXPECT_TRUE(Finds("声明", terms));
  EXPECT_TRUE(Finds("campaign", terms));
}

TEST(EventTermsTest, EventWithoutTextHasNoTerms) {
  Json release = {{"type", "release"}, {"date", "2026-12-01"}, {"reason", "bond"}};
  EXPECT_TRUE(EventTerms(release).empty());
}

}  // namespace
}  // namespace refuge::domain
