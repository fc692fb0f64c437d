#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "refuge/base/status.h"

namespace refuge {

// A day in the proleptic Gregorian calendar. Arithmetic is done on day numbers
// (days since 1970-01-01), which keeps year ends and leap days exact.
struct CivilDate {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31

  friend bool operator==(const CivilDate&, const CivilDate&) = default;
  friend auto operator<=>(const CivilDate&, const CivilDate&) = default;
};

bool IsLeapYear(int year);
int DaysInMonth(int year, int month);
int64_t DaysFromCivil(const CivilDate& d);
CivilDate CivilFromDays(int64_t days);
// 0 = Sunday ... 6 = Saturday.
int Weekday(const CivilDate& d);
const char* WeekdayShortName(int weekday);  // "Sun".."Sat"
CivilDate AddDays(const CivilDate& d, int64_t n);
// Adds months; a day that does not exist in the target month is clamped to its
// last day (Jan 31 + 1 month = Feb 28/29). Callers that must name the other
// reading (Mar 1) do so themselves.
CivilDate AddMonths(const CivilDate& d, int months);
std::string FormatCivil(const CivilDate& d);  // YYYY-MM-DD
Result<CivilDate> ParseCivil(std::string_view text, const std::string& field = "date");

// An event date as people know it: a year, a month, a day, or an exact moment
// (ISO 8601 date-time with a UTC offset). The EDTF level-0 forms.
class PartialDate {
 public:
  enum class Precision { kYear, kMonth, kDay, kDateTime };

  PartialDate() = default;
  static Result<PartialDate> Parse(std::string_view text, const std::string& field = "date");
  static PartialDate FromCivil(const CivilDate& d);

  Precision precision() const { return precision_; }
  bool is_partial() const { return precision_ == Precision::kYear || precision_ == Precision::kMonth; }
  bool has_time() const { return precision_ == Precision::kDateTime; }

  // The earliest day the date may denote (2021-11 -> 2021-11-01). For a date-time,
  // its local calendar day.
  CivilDate FirstDay() const;
  // Seconds since the epoch (UTC) of a date-time; for other forms, midnight UTC of FirstDay().
  int64_t UnixSeconds() const;
  int offset_minutes() const { return offset_minutes_; }
  int hour() const { return hour_; }
  int minute() const { return minute_; }
  int second() const { return second_; }

  // Canonical text: "2021", "2021-11", "2021-11-03", "2026-09-02T10:00:00-04:00".
  std::string ToString() const;
  // A key that sorts events in time order: first day; on that day a year or month
  // first, then date-times by local time of day, then plain days.
  std::string SortKey() const;

  friend bool operator==(const PartialDate&, const PartialDate&) = default;

 private:
  Precision precision_ = Precision::kDay;
  int year_ = 1970, month_ = 1, day_ = 1;
  int hour_ = 0, minute_ = 0, second_ = 0;
  int offset_minutes_ = 0;
};

// RFC 3339 UTC timestamp ("2026-11-30T07:30:00Z") for seconds since the epoch.
std::string FormatUtcTimestamp(int64_t unix_seconds);
// Formats an instant at a given UTC offset: "2026-09-03T10:00:00-04:00".
std::string FormatOffsetDateTime(int64_t unix_seconds, int offset_minutes);

}  // namespace refuge
