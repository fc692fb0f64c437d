#include "refuge/rules/calendar.h"

#include <gtest/gtest.h>

namespace refuge::rules {
namespace {

CivilDate D(int y, int m, int d) { return CivilDate{y, m, d}; }

TEST(CalendarTest, FederalHolidaysOf2026AsObserved) {
  const std::vector<Holiday> h = Calendar::FederalHolidays(2026);
  ASSERT_EQ(h.size(), 11u);
  EXPECT_EQ(h[0].date, D(2026, 1, 1));
  EXPECT_EQ(h[0].name, "New Year's Day");
  EXPECT_EQ(h[1].date, D(2026, 1, 19));  // 3rd Monday in January
  EXPECT_EQ(h[1].name, "Birthday of Martin Luther King, Jr.");
  EXPECT_EQ(h[2].date, D(2026, 2, 16));  // Washington's Birthday
  EXPECT_EQ(h[3].date, D(2026, 5, 25));  // last Monday in May
  EXPECT_EQ(h[4].date, D(2026, 6, 19));
  EXPECT_EQ(h[4].name, "Juneteenth National Independence Day");
  // July 4, 2026 is a Saturday: observed Friday July 3.
  EXPECT_EQ(h[5].date, D(2026, 7, 3));
  EXPECT_EQ(h[5].name, "Independence Day (observed)");
  EXPECT_EQ(h[6].date, D(2026, 9, 7));    // Labor Day
  EXPECT_EQ(h[7].date, D(2026, 10, 12));  // Columbus Day
  EXPECT_EQ(h[8].date, D(2026, 11, 11));  // Veterans Day, a Wednesday
  EXPECT_EQ(h[9].date, D(2026, 11, 26));  // 4th Thursday in November
  EXPECT_EQ(h[10].date, D(2026, 12, 25));
}

TEST(CalendarTest, SundayHolidayIsObservedOnMonday) {
  // Christmas 2022 was a Sunday.
  EXPECT_EQ(Calendar::FederalHolidayName(D(2022, 12, 26)), "Christmas Day (observed)");
  EXPECT_EQ(Calendar::FederalHolidayName(D(2022, 12, 25)), std::nullopt);
}

TEST(CalendarTest, JuneteenthOnlyFrom2021) {
  EXPECT_EQ(Calendar::FederalHolidayName(D(2020, 6, 19)), std::nullopt);  // a Friday
  // June 19, 2021 was a Saturday: observed Friday June 18, the first year.
  EXPECT_EQ(Calendar::FederalHolidayName(D(2021, 6, 18)),
            "Juneteenth National Independence Day (observed)");
  EXPECT_EQ(Calendar::FederalHolidayName(D(2027, 6, 18)),
            "Juneteenth National Independence Day (observed)");
}

TEST(CalendarTest, NewYearOnSaturdayIsObservedOnDecember31OfTheYearBefore) {
  // January 1, 2022 was a Saturday.
  EXPECT_EQ(Calendar::FederalHolidayName(D(2021, 12, 31)), "New Year's Day (observed)");
  const std::vector<Holiday> h2021 = Calendar::FederalHolidays(2021);
  EXPECT_EQ(h2021.back().date, D(2021, 12, 31));
  const std::vector<Holiday> h2022 = Calendar::FederalHolidays(2022);
  EXPECT_EQ(h2022.front().name, "Birthday of Martin Luther King, Jr.");  // no Jan 1 entry
  EXPECT_EQ(h2022.size(), 10u);
  Calendar cal;
  EXPECT_FALSE(cal.IsBusinessDay(D(2021, 12, 31)));
  EXPECT_EQ(cal.RollForward(D(2021, 12, 31)), D(2022, 1, 3));
}

TEST(CalendarTest, MartinLutherKingDayOnlyFrom1986) {
  EXPECT_EQ(Calendar::FederalHolidayName(D(1985, 1, 21)), std::nullopt);
  EXPECT_EQ(Calendar::FederalHolidayName(D(1986, 1, 20)), "Birthday of Martin Luther King, Jr.");
}

TEST(CalendarTest, BusinessDaysAndRolls) {
  Calendar cal;
  EXPECT_TRUE(cal.IsBusinessDay(D(2026, 12, 7)));
  EXPECT_FALSE(cal.IsBusinessDay(D(2026, 12, 5)));  // Saturday
  EXPECT_FALSE(cal.IsBusinessDay(D(2026, 12, 6)));  // Sunday
  EXPECT_EQ(cal.RollForward(D(2026, 12, 5)), D(2026, 12, 7));
  EXPECT_EQ(cal.RollForward(D(2026, 12, 7)), D(2026, 12, 7));
  // Friday July 3, 2026 (observed) through the weekend to Monday.
  EXPECT_EQ(cal.RollForward(D(2026, 7, 3)), D(2026, 7, 6));
  // Backward from a Monday holiday crosses the weekend to Friday.
  EXPECT_EQ(cal.RollBackward(D(2027, 1, 18)), D(2027, 1, 15));
  EXPECT_EQ(cal.RollBackward(D(2027, 1, 17)), D(2027, 1, 15));
  EXPECT_EQ(cal.NonBusinessReason(D(2026, 12, 5)), "Saturday");
  EXPECT_EQ(cal.NonBusinessReason(D(2026, 11, 26)), "Thanksgiving Day, a federal holiday");
  EXPECT_EQ(cal.NonBusinessReason(D(2026, 11, 27)), "");
}

TEST(CalendarTest, ClosureDaysAreNotBusinessDays) {
  Calendar cal;
  ASSERT_TRUE(cal.AddClosure(D(2026, 12, 24), "Executive order closing federal offices").ok());
  EXPECT_FALSE(cal.IsBusinessDay(D(2026, 12, 24)));
  EXPECT_EQ(cal.HolidayName(D(2026, 12, 24)), "Executive order closing federal offices");
  EXPECT_EQ(cal.NonBusinessReason(D(2026, 12, 24)),
            "a closure day (Executive order closing federal offices)");
  // Wed Dec 23 is open; Thursday closed, Friday Christmas, then the weekend.
  EXPECT_EQ(cal.RollForward(D(2026, 12, 24)), D(2026, 12, 28));
  ASSERT_TRUE(cal.AddClosure(D(2026, 12, 24), "Court closed for repairs").ok());
  EXPECT_EQ(cal.HolidayName(D(2026, 12, 24)),
            "Executive order closing federal offices; Court closed for repairs");
  EXPECT_FALSE(cal.AddClosure(D(2026, 12, 23), "").ok());
}

}  // namespace
}  // namespace refuge::rules
