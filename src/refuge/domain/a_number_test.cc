#include "refuge/domain/a_number.h"

#include <gtest/gtest.h>

#include <string>

namespace refuge::domain {
namespace {

std::string Normalized(std::string_view text) {
  auto a = NormalizeANumber(text);
  EXPECT_TRUE(a.ok()) << "'" << text << "': " << a.status().ToString();
  return a.ok() ? *a : std::string();
}

TEST(NormalizeANumberTest, AcceptsTheWaysPeopleWriteIt) {
  EXPECT_EQ(Normalized("A123456789"), "123456789");
  EXPECT_EQ(Normalized("A-123-456-789"), "123456789");
  EXPECT_EQ(Normalized("123 456 789"), "123456789");
  EXPECT_EQ(Normalized("123456789"), "123456789");
  EXPECT_EQ(Normalized("a123456789"), "123456789");
  EXPECT_EQ(Normalized("A#123456789"), "123456789");
  EXPECT_EQ(Normalized("123.456.789"), "123456789");
}

TEST(NormalizeANumberTest, EightDigitsGetALeadingZero) {
  EXPECT_EQ(Normalized("a12345678"), "012345678");
  EXPECT_EQ(Normalized("A-12-345-678"), "012345678");
}

TEST(NormalizeANumberTest, RejectsWhatIsNotAnANumber) {
  for (const char* bad : {"A12-34", "A12345678X", "1234567890", "000000000", "00000000", "",
                          "A", "1234567", "AB123456789", "A 123 456 78x"}) {
    auto a = NormalizeANumber(bad);
    EXPECT_FALSE(a.ok()) << "'" << bad << "' normalized to " << (a.ok() ? *a : "");
  }
}

TEST(NormalizeANumberTest, ErrorIsInvalidAndNamesTheField) {
  auto a = NormalizeANumber("A12-34", "people[0].a_number");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), Code::kInvalid);
  EXPECT_EQ(a.status().field(), "people[0].a_number");
  EXPECT_NE(a.status().message().find("A12-34"), std::string::npos);

  EXPECT_EQ(NormalizeANumber("A12-34").status().field(), "a_number");
}

TEST(LooksLikeANumberTest, RecognizesAnyWrittenForm) {
  EXPECT_EQ(LooksLikeANumber("A-214-587-903"), "214587903");
  EXPECT_EQ(LooksLikeANumber("214587903"), "214587903");
  EXPECT_EQ(LooksLikeANumber("214 587 903"), "214587903");
  EXPECT_EQ(LooksLikeANumber(" a214587903"), "214587903");
  EXPECT_EQ(LooksLikeANumber("A14587903"), "014587903");
}

TEST(LooksLikeANumberTest, NameSearchesAreNotANumbers) {
  EXPECT_EQ(LooksLikeANumber("Wen Hao"), std::nullopt);
  EXPECT_EQ(LooksLikeANumber("Amara"), std::nullopt);
  EXPECT_EQ(LooksLikeANumber("温浩"), std::nullopt);
  EXPECT_EQ(LooksLikeANumber("2021"), std::nullopt);
  EXPECT_EQ(LooksLikeANumber(""), std::nullopt);
  EXPECT_EQ(LooksLikeANumber("A"), std::nullopt);
}

TEST(FormatANumberTest, ShowsTheDashedForm) {
  EXPECT_EQ(FormatANumber("214587903"), "A-214-587-903");
  EXPECT_EQ(FormatANumber("012345678"), "A-012-345-678");
}

TEST(FormatANumberTest, LeavesOtherTextAlone) {
  EXPECT_EQ(FormatANumber("12345"), "12345");
  EXPECT_EQ(FormatANumber(""), "");
}

TEST(FormatANumberTest, RoundTripsThroughNormalize) {
  EXPECT_EQ(Normalized(FormatANumber("214587903")), "214587903");
}

}  // namespace
}  // namespace refuge::domain

namespace refuge::domain {
namespace {

TEST(LooksLikeANumberGrouping, ADateIsNotAnANumber) {
  EXPECT_FALSE(LooksLikeANumber("2021-10-03").has_value());
  EXPECT_FALSE(LooksLikeANumber("1234-56789").has_value());
  EXPECT_EQ(LooksLikeANumber("21-458-790").value(), "021458790");
  EXPECT_EQ(LooksLikeANumber("214.587.903").value(), "214587903");
}

}  // namespace
}  // namespace refuge::domain
