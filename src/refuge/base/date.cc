#include "refuge/base/date.h"

#include <cstdio>

namespace refuge {

bool IsLeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && IsLeapYear(y)) return 29;
  return kDays[m - 1];
}

// Howard Hinnant's days_from_civil algorithm (public domain description).
int64_t DaysFromCivil(const CivilDate& d) {
  int64_t y = d.year - (d.month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t mp = (d.month + 9) % 12;
  const int64_t doy = (153 * mp + 2) / 5 + d.day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilDate CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const int y = static_cast<int>(yoe + era * 400 + (m <= 2 ? 1 : 0));
  return CivilDate{y, m, d};
}

int Weekday(const CivilDate& d) {
  const int64_t z = DaysFromCivil(d);
  return static_cast<int>(z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6);
}

const char* WeekdayShortName(int w) {
  static const char* kNames[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  return kNames[((w % 7) + 7) % 7];
}

CivilDate AddDays(const CivilDate& d, int64_t n) { return CivilFromDays(DaysFromCivil(d) + n); }

CivilDate AddMonths(const CivilDate& d, int months) {
  int64_t total = static_cast<int64_t>(d.year) * 12 + (d.month - 1) + months;
  int y = static_cast<int>(total >= 0 ? total / 12 : (total - 11) / 12);
  int m = static_cast<int>(total - static_cast<int64_t>(y) * 12) + 1;
  int day = d.day;
  if (day > DaysInMonth(y, m)) day = DaysInMonth(y, m);
  return CivilDate{y, m, day};
}

std::string FormatCivil(const CivilDate& d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}

namespace {

bool ReadDigits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

Status BadDate(const std::string& field, std::string_view text, const char* why) {
  return Invalid(field, "'" + std::string(text) + "' is not a valid date: " + why +
                            " (use YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm[:ss]±hh:mm)");
}

}  // namespace

Result<CivilDate> ParseCivil(std::string_view text, const std::string& field) {
  auto pd = PartialDate::Parse(text, field);
  if (!pd.ok()) return pd.status();
  if (pd->precision() != PartialDate::Precision::kDay) {
    return BadDate(field, text, "a full day YYYY-MM-DD is required");
  }
  return pd->FirstDay();
}

Result<PartialDate> PartialDate::Parse(std::string_view s, const std::string& field) {
  PartialDate d;
  if (!ReadDigits(s, 0, 4, &d.year_)) return BadDate(field, s, "year must be four digits");
  if (d.year_ < 1000) return BadDate(field, s, "year out of range");
  if (s.size() == 4) {
    d.precision_ = Precision::kYear;
    return d;
  }
  if (s[4] != '-' || !ReadDigits(s, 5, 2, &d.month_)) return BadDate(field, s, "bad month");
  if (d.month_ < 1 || d.month_ > 12) return BadDate(field, s, "month must be 01-12");
  if (s.size() == 7) {
    d.precision_ = Precision::kMonth;
    return d;
  }
  if (s[7] != '-' || !ReadDigits(s, 8, 2, &d.day_)) return BadDate(field, s, "bad day");
  if (d.day_ < 1 || d.day_ > DaysInMonth(d.year_, d.month_)) {
    return BadDate(field, s, "no such day in that month");
  }
  if (s.size() == 10) {
    d.precision_ = Precision::kDay;
    return d;
  }
  if (s[10] != 'T' && s[10] != 't') return BadDate(field, s, "expected 'T' before the time");
  size_t p = 11;
  if (!ReadDigits(s, p, 2, &d.hour_) || p + 2 >= s.size() || s[p + 2] != ':' ||
      !ReadDigits(s, p + 3, 2, &d.minute_)) {
    return BadDate(field, s, "bad time, expected hh:mm");
  }
  p += 5;
  if (p < s.size() && s[p] == ':') {
    if (!ReadDigits(s, p + 1, 2, &d.second_)) return BadDate(field, s, "bad seconds");
    p += 3;
    if (p < s.size() && s[p] == '.') {  // fractional seconds are accepted and dropped
      ++p;
      size_t start = p;
      while (p < s.size() && s[p] >= '0' && s[p] <= '9') ++p;
      if (p == start) return BadDate(field, s, "bad fractional seconds");
    }
  }
  if (d.hour_ > 23 || d.minute_ > 59 || d.second_ > 59) {
    return BadDate(field, s, "time out of range");
  }
  if (p >= s.size()) return BadDate(field, s, "a date-time needs a UTC offset (Z or ±hh:mm)");
  if (s[p] == 'Z' || s[p] == 'z') {
    d.offset_minutes_ = 0;
    ++p;
  } else if (s[p] == '+' || s[p] == '-') {
    int oh = 0, om = 0;
    if (!ReadDigits(s, p + 1, 2, &oh) || p + 3 >= s.size() || s[p + 3] != ':' ||
        !ReadDigits(s, p + 4, 2, &om) || oh > 14 || om > 59) {
      return BadDate(field, s, "bad UTC offset, expected ±hh:mm");
    }
    d.offset_minutes_ = (s[p] == '-' ? -1 : 1) * (oh * 60 + om);
    p += 6;
  } else {
    return BadDate(field, s, "a date-time needs a UTC offset (Z or ±hh:mm)");
  }
  if (p != s.size()) return BadDate(field, s, "unexpected characters after the date");
  d.precision_ = Precision::kDateTime;
  return d;
}

PartialDate PartialDate::FromCivil(const CivilDate& c) {
  PartialDate d;
  d.precision_ = Precision::kDay;
  d.year_ = c.year;
  d.month_ = c.month;
  d.day_ = c.day;
  return d;
}

CivilDate PartialDate::FirstDay() const {
  switch (precision_) {
    case Precision::kYear: return CivilDate{year_, 1, 1};
    case Precision::kMonth: return CivilDate{year_, month_, 1};
    default: return CivilDate{year_, month_, day_};
  }
}

int64_t PartialDate::UnixSeconds() const {
  int64_t s = DaysFromCivil(FirstDay()) * 86400;
  if (precision_ == Precision::kDateTime) {
    s += hour_ * 3600 + minute_ * 60 + second_ - offset_minutes_ * 60;
  }
  return s;
}

std::string PartialDate::ToString() const {
  char buf[40];
  switch (precision_) {
    case Precision::kYear: std::snprintf(buf, sizeof buf, "%04d", year_); break;
    case Precision::kMonth: std::snprintf(buf, sizeof buf, "%04d-%02d", year_, month_); break;
    case Precision::kDay: std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year_, month_, day_); break;
    case Precision::kDateTime: {
      int off = offset_minutes_ < 0 ? -offset_minutes_ : offset_minutes_;
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", year_, month_,
                    day_, hour_, minute_, second_, offset_minutes_ < 0 ? '-' : '+', off / 60,
                    off % 60);
      break;
    }
  }
  return buf;
}

std::string PartialDate::SortKey() const {
  // "YYYY-MM-DD p hh:mm:ss". On one day, a year or month sorts first (it stands
  // for a span that begins there), then events with a time of day in time order,
  // then those known only by the day: a decision recorded as "2026-11-05" follows
  // the hearing at 13:30 that produced it.
  int rank = precision_ == Precision::kYear ? 0 : precision_ == Precision::kMonth ? 1
             : precision_ == Precision::kDateTime ? 2 : 3;
  char buf[40];
  CivilDate f = FirstDay();
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %d %02d:%02d:%02d", f.year, f.month, f.day, rank,
                hour_, minute_, second_);
  return buf;
}

std::string FormatUtcTimestamp(int64_t t) {
  int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  int64_t secs = t - days * 86400;
  CivilDate d = CivilFromDays(days);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", d.year, d.month, d.day,
                static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                static_cast<int>(secs % 60));
  return buf;
}

std::string FormatOffsetDateTime(int64_t t, int offset_minutes) {
  int64_t local = t + offset_minutes * 60;
  int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  int64_t secs = local - days * 86400;
  CivilDate d = CivilFromDays(days);
  int off = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", d.year, d.month,
                d.day, static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                static_cast<int>(secs % 60), offset_minutes < 0 ? '-' : '+', off / 60, off % 60);
  return buf;
}

}  // namespace refuge
