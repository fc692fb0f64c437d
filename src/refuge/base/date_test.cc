#include "refuge/base/date.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace refuge {
namespace {

using Precision = PartialDate::Precision;

PartialDate MustParse(const std::string& text) {
  auto d = PartialDate::Parse(text);
  EXPECT_TRUE(d.ok()) << text << ": " << d.status().ToString();
  return d.ok() ? *d : PartialDate();
}

// --- PartialDate::Parse ------------------------------------------------------

TEST(PartialDateParseTest, AcceptsYearMonthAndDay) {
  PartialDate year = MustParse("2020");
  EXPECT_EQ(year.precision(), Precision::kYear);
  EXPECT_TRUE(year.is_partial());
  EXPECT_FALSE(year.has_time());

  PartialDate month = MustParse("2021-08");
  EXPECT_EQ(month.precision(), Precision::kMonth);
  EXPECT_TRUE(month.is_partial());

  PartialDate day = MustParse("2021-10-03");
  EXPECT_EQ(day.precision(), Precision::kDay);
  EXPECT_FALSE(day.is_partial());
  EXPECT_FALSE(day.has_time());
}

TEST(PartialDateParseTest, AcceptsDateTimeWithUtcDesignator) {
  PartialDate d = MustParse("2026-11-30T07:30Z");
  EXPECT_EQ(d.precision(), Precision::kDateTime);
  EXPECT_TRUE(d.has_time());
  EXPECT_FALSE(d.is_partial());
  EXPECT_EQ(d.hour(), 7);
  EXPECT_EQ(d.minute(), 30);
  EXPECT_EQ(d.second(), 0);
  EXPECT_EQ(d.offset_minutes(), 0);
}

TEST(PartialDateParseTest, AcceptsNegativeAndPositiveOffsets) {
  PartialDate miami = MustParse("2026-09-02T10:00-04:00");
  EXPECT_EQ(miami.offset_minutes(), -240);
  PartialDate delhi = MustParse("2026-09-02T10:00+05:30");
  EXPECT_EQ(delhi.offset_minutes(), 330);
}

TEST(PartialDateParseTest, AcceptsSecondsAndDropsFraction) {
  PartialDate d = MustParse("2026-09-02T10:15:42-04:00");
  EXPECT_EQ(d.second(), 42);
  PartialDate frac = MustParse("2026-09-02T10:15:42.123456Z");
  EXPECT_EQ(frac.second(), 42);
  EXPECT_EQ(frac.ToString(), "2026-09-02T10:15:42+00:00");
}

TEST(PartialDateParseTest, LeapDays) {
  EXPECT_TRUE(PartialDate::Parse("2024-02-29").ok());
  EXPECT_TRUE(PartialDate::Parse("2000-02-29").ok());
  EXPECT_FALSE(PartialDate::Parse("2025-02-29").ok());
  EXPECT_FALSE(PartialDate::Parse("1900-02-29").ok());
  EXPECT_FALSE(PartialDate::Parse("2026-02-30").ok());
  EXPECT_FALSE(PartialDate::Parse("2026-04-31").ok());
}

TEST(PartialDateParseTest, RejectsMalformedDates) {
  for (const char* bad : {
           "",                           // nothing
           "202",                        // three-digit year
           "0999",                       // year out of range
           "2026-13",                    // month 13
           "2026-00",                    // month 0
           "2026-13-01",                 // month 13 with a day
           "2026-01-00",                 // day 0
           "2026-1-05",                  // one-digit month
           "2026/01/05",                 // wrong separator
           "2026-09-02T10:00",           // date-time without an offset
           "2026-09-02T10:00:00",        // with seconds, still no offset
           "2026-09-02T25:00Z",          // hour out of range
           "2026-09-02T10:60Z",          // minute out of range
           "2026-09-02T10:00+0400",      // offset without colon
           "2026-09-02T10:00Zjunk",      // trailing junk after a date-time
           "2026-09-02 ",                // trailing space
           "2026-09-02x",                // trailing junk after a day
           "2026-09-02T10:00:00.Z",      // empty fraction
       }) {
    auto d = PartialDate::Parse(bad);
    EXPECT_FALSE(d.ok()) << "'" << bad << "' parsed as " << (d.ok() ? d->ToString() : "");
  }
}

TEST(PartialDateParseTest, ErrorNamesTheField) {
  auto d = PartialDate::Parse("2026-02-30", "birth_date");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), Code::kInvalid);
  EXPECT_EQ(d.status().field(), "birth_date");
  EXPECT_NE(d.status().message().find("2026-02-30"), std::string::npos);
}

// --- ToString and FirstDay ---------------------------------------------------

TEST(PartialDateTest, ToStringIsCanonical) {
  EXPECT_EQ(MustParse("2021").ToString(), "2021");
  EXPECT_EQ(MustParse("2021-11").ToString(), "2021-11");
  EXPECT_EQ(MustParse("2021-11-03").ToString(), "2021-11-03");
  EXPECT_EQ(MustParse("2026-09-02T10:00-04:00").ToString(), "2026-09-02T10:00:00-04:00");
  EXPECT_EQ(MustParse("2026-09-02T10:00Z").ToString(), "2026-09-02T10:00:00+00:00");
  EXPECT_EQ(MustParse("2026-09-02t10:00z").ToString(), "2026-09-02T10:00:00+00:00");
  EXPECT_EQ(MustParse("2026-09-02T10:00+05:30").ToString(), "2026-09-02T10:00:00+05:30");
}

TEST(PartialDateTest, ToStringRoundTrips) {
  for (const char* text : {"2021", "2021-11", "2021-11-03", "2026-09-02T10:00:00-04:00",
                           "2026-12-31T23:59:59+14:00"}) {
    PartialDate d = MustParse(text);
    EXPECT_EQ(d.ToString(), text);
    EXPECT_EQ(MustParse(d.ToString()), d);
  }
}

TEST(PartialDateTest, FirstDayIsTheEarliestDayDenoted) {
  EXPECT_EQ(MustParse("2020").FirstDay(), (CivilDate{2020, 1, 1}));
  EXPECT_EQ(MustParse("2021-11").FirstDay(), (CivilDate{2021, 11, 1}));
  EXPECT_EQ(MustParse("2021-11-03").FirstDay(), (CivilDate{2021, 11, 3}));
  // A date-time's local calendar day, even when UTC is already the next day.
  EXPECT_EQ(MustParse("2026-09-02T22:00-04:00").FirstDay(), (CivilDate{2026, 9, 2}));
}

TEST(PartialDateTest, FromCivilIsADay) {
  PartialDate d = PartialDate::FromCivil(CivilDate{2021, 10, 3});
  EXPECT_EQ(d.precision(), Precision::kDay);
  EXPECT_EQ(d.ToString(), "2021-10-03");
  EXPECT_EQ(d, MustParse("2021-10-03"));
}

TEST(ParseCivilTest, RequiresAFullDay) {
  auto ok = ParseCivil("2024-02-29");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, (CivilDate{2024, 2, 29}));
  EXPECT_FALSE(ParseCivil("2024-02").ok());
  EXPECT_FALSE(ParseCivil("2024").ok());
  EXPECT_FALSE(ParseCivil("2024-02-29T10:00Z").ok());
}

// --- UnixSeconds --------------------------------------------------------------

TEST(PartialDateTest, UnixSecondsAppliesTheOffset) {
  // 10:00 in Miami (UTC-4) is 14:00 UTC.
  EXPECT_EQ(MustParse("2026-09-02T10:00-04:00").UnixSeconds(), 1788357600);
  EXPECT_EQ(MustParse("2026-09-02T14:00Z").UnixSeconds(), 1788357600);
  EXPECT_EQ(MustParse("2026-09-02T19:30+05:30").UnixSeconds(), 1788357600);
  EXPECT_EQ(MustParse("2026-09-02T14:00:07Z").UnixSeconds(), 1788357607);
}

TEST(PartialDateTest, UnixSecondsOfADayIsMidnightUtc) {
  EXPECT_EQ(MustParse("1970-01-01").UnixSeconds(), 0);
  EXPECT_EQ(MustParse("2021-03-02").UnixSeconds(), 1614643200);
  EXPECT_EQ(MustParse("2021-03").UnixSeconds(), MustParse("2021-03-01").UnixSeconds());
  EXPECT_EQ(MustParse("2021").UnixSeconds(), MustParse("2021-01-01").UnixSeconds());
}

// --- SortKey ------------------------------------------------------------------

TEST(PartialDateSortKeyTest, OnOneFirstDayYearThenMonthThenTimesThenDay) {
  // All of these begin on 2026-01-01.
  const std::vector<std::string> expected = {
      "2026", "2026-01", "2026-01-01T08:00-05:00", "2026-01-01T13:30-05:00", "2026-01-01"};
  std::vector<std::string> shuffled = {expected[4], expected[2], expected[0], expected[3],
                                       expected[1]};
  std::sort(shuffled.begin(), shuffled.end(), [](const std::string& a, const std::string& b) {
    return MustParse(a).SortKey() < MustParse(b).SortKey();
  });
  EXPECT_EQ(shuffled, expected);
}

TEST(PartialDateSortKeyTest, AHearingAtATimeSortsBeforeTheDecisionOfThatDay) {
  EXPECT_LT(MustParse("2026-11-05T13:30-05:00").SortKey(), MustParse("2026-11-05").SortKey());
}

TEST(PartialDateSortKeyTest, DifferentDaysSortByDay) {
  EXPECT_LT(MustParse("2026-11-04").SortKey(), MustParse("2026-11-05T00:00-05:00").SortKey());
  EXPECT_LT(MustParse("2026-11-04T23:59-05:00").SortKey(), MustParse("2026-11-05").SortKey());
  // A month sorts by its first day: before the 2nd, after the previous month's days.
  EXPECT_LT(MustParse("2026-10-31").SortKey(), MustParse("2026-11").SortKey());
  EXPECT_LT(MustParse("2026-11").SortKey(), MustParse("2026-11-02").SortKey());
  // A year sorts by January 1st.
  EXPECT_LT(MustParse("2025-12-31").SortKey(), MustParse("2026").SortKey());
  EXPECT_LT(MustParse("2026").SortKey(), MustParse("2026-01-02").SortKey());
}

TEST(PartialDateSortKeyTest, SecondsBreakTies) {
  EXPECT_LT(MustParse("2026-11-05T13:30:00Z").SortKey(), MustParse("2026-11-05T13:30:01Z").SortKey());
}

// --- Civil day arithmetic -----------------------------------------------------

TEST(CivilDateTest, KnownDayNumbers) {
  EXPECT_EQ(DaysFromCivil(CivilDate{1970, 1, 1}), 0);
  EXPECT_EQ(DaysFromCivil(CivilDate{1970, 1, 2}), 1);
  EXPECT_EQ(DaysFromCivil(CivilDate{1969, 12, 31}), -1);
  EXPECT_EQ(DaysFromCivil(CivilDate{2000, 3, 1}), 11017);
  EXPECT_EQ(CivilFromDays(11017), (CivilDate{2000, 3, 1}));
  EXPECT_EQ(CivilFromDays(11016), (CivilDate{2000, 2, 29}));
}

TEST(CivilDateTest, RoundTripsEveryDayFrom1900To2100) {
  const int64_t first = DaysFromCivil(CivilDate{1900, 1, 1});
  const int64_t last = DaysFromCivil(CivilDate{2100, 12, 31});
  CivilDate expected{1900, 1, 1};
  for (int64_t n = first; n <= last; ++n) {
    CivilDate c = CivilFromDays(n);
    ASSERT_EQ(c, expected) << "day " << n;
    ASSERT_EQ(DaysFromCivil(c), n);
    // Step the expected date by hand, independently of the algorithm.
    if (++expected.day > DaysInMonth(expected.year, expected.month)) {
      expected.day = 1;
      if (++expected.month > 12) {
        expected.month = 1;
        ++expected.year;
      }
    }
  }
  EXPECT_EQ(expected, (CivilDate{2101, 1, 1}));
}

TEST(CivilDateTest, LeapYearsAndMonthLengths) {
  EXPECT_TRUE(IsLeapYear(2024));
  EXPECT_TRUE(IsLeapYear(2000));
  EXPECT_FALSE(IsLeapYear(1900));
  EXPECT_FALSE(IsLeapYear(2025));
  EXPECT_EQ(DaysInMonth(2024, 2), 29);
  EXPECT_EQ(DaysInMonth(2025, 2), 28);
  EXPECT_EQ(DaysInMonth(2025, 4), 30);
  EXPECT_EQ(DaysInMonth(2025, 12), 31);
}

TEST(CivilDateTest, Weekday) {
  EXPECT_EQ(Weekday(CivilDate{2026, 12, 5}), 6);  // Saturday
  EXPECT_STREQ(WeekdayShortName(Weekday(CivilDate{2026, 12, 5})), "Sat");
  EXPECT_EQ(Weekday(CivilDate{1970, 1, 1}), 4);   // Thursday
  EXPECT_EQ(Weekday(CivilDate{1969, 12, 28}), 0);  // Sunday
  EXPECT_EQ(Weekday(CivilDate{2021, 10, 3}), 0);  // Sunday
  EXPECT_STREQ(WeekdayShortName(1), "Mon");
}

TEST(CivilDateTest, AddDaysCrossesYearEnds) {
  EXPECT_EQ(AddDays(CivilDate{2025, 12, 31}, 1), (CivilDate{2026, 1, 1}));
  EXPECT_EQ(AddDays(CivilDate{2024, 2, 28}, 1), (CivilDate{2024, 2, 29}));
  EXPECT_EQ(AddDays(CivilDate{2026, 3, 1}, -1), (CivilDate{2026, 2, 28}));
  EXPECT_EQ(AddDays(CivilDate{2026, 11, 5}, 30), (CivilDate{2026, 12, 5}));
}

TEST(CivilDateTest, AddMonthsClampsToTheLastDay) {
  EXPECT_EQ(AddMonths(CivilDate{2026, 1, 31}, 1), (CivilDate{2026, 2, 28}));
  EXPECT_EQ(AddMonths(CivilDate{2024, 1, 31}, 1), (CivilDate{2024, 2, 29}));
  EXPECT_EQ(AddMonths(CivilDate{2026, 3, 31}, 1), (CivilDate{2026, 4, 30}));
  EXPECT_EQ(AddMonths(CivilDate{2024, 2, 29}, 12), (CivilDate{2025, 2, 28}));
  EXPECT_EQ(AddMonths(CivilDate{2021, 10, 3}, 12), (CivilDate{2022, 10, 3}));
  EXPECT_EQ(AddMonths(CivilDate{2026, 11, 15}, 2), (CivilDate{2027, 1, 15}));
  EXPECT_EQ(AddMonths(CivilDate{2026, 1, 15}, -1), (CivilDate{2025, 12, 15}));
  EXPECT_EQ(AddMonths(CivilDate{2026, 3, 31}, -1), (CivilDate{2026, 2, 28}));
}

TEST(CivilDateTest, FormatCivil) {
  EXPECT_EQ(FormatCivil(CivilDate{2021, 3, 2}), "2021-03-02");
}

// --- Timestamps ---------------------------------------------------------------

TEST(TimestampTest, FormatUtcTimestamp) {
  EXPECT_EQ(FormatUtcTimestamp(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatUtcTimestamp(1796023800), "2026-11-30T07:30:00Z");
  EXPECT_EQ(FormatUtcTimestamp(-1), "1969-12-31T23:59:59Z");
}

TEST(TimestampTest, FormatOffsetDateTime) {
  // 14:00 UTC is 10:00 in Miami (UTC-4).
  EXPECT_EQ(FormatOffsetDateTime(1788357600, -240), "2026-09-02T10:00:00-04:00");
  EXPECT_EQ(FormatOffsetDateTime(1788357600, 0), "2026-09-02T14:00:00+00:00");
  EXPECT_EQ(FormatOffsetDateTime(1788357600, 330), "2026-09-02T19:30:00+05:30");
  // An offset that moves the instant to the previous local day.
  EXPECT_EQ(FormatOffsetDateTime(MustParse("2026-09-03T02:00Z").UnixSeconds(), -240),
            "2026-09-02T22:00:00-04:00");
}

TEST(TimestampTest, FormatOffsetDateTimeRoundTripsThroughParse) {
  const std::string text = "2026-09-03T10:00:00-04:00";
  PartialDate d = MustParse(text);
  EXPECT_EQ(FormatOffsetDateTime(d.UnixSeconds(), d.offset_minutes()), text);
}

}  // namespace
}  // namespace refuge
