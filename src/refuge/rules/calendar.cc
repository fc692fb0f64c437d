#include "refuge/rules/calendar.h"

#include <array>

namespace refuge::rules {

namespace {

// One holiday as 5 U.S.C. 6103(a) defines it, on the day it is observed.
struct Observed {
  CivilDate date;
  const char* name;
  bool shifted;  // observed on another day than the statutory one
};

constexpr int kMaxPerYear = 12;

CivilDate NthWeekday(int year, int month, int weekday, int n) {
  const int first = Weekday(CivilDate{year, month, 1});
  return CivilDate{year, month, 1 + (weekday - first + 7) % 7 + 7 * (n - 1)};
}

CivilDate LastWeekday(int year, int month, int weekday) {
  const int last_day = DaysInMonth(year, month);
  const int last = Weekday(CivilDate{year, month, last_day});
  return CivilDate{year, month, last_day - (last - weekday + 7) % 7};
}

// 6103(b): a Saturday holiday is observed the Friday before, a Sunday one the
// Monday after.
Observed Observe(const CivilDate& d, const char* name) {
  const int w = Weekday(d);
  if (w == 6) return Observed{AddDays(d, -1), name, true};
  if (w == 0) return Observed{AddDays(d, 1), name, true};
  return Observed{d, name, false};
}

// The holidays whose observed day falls in `year`, in date order. Fixed-size
// storage keeps the business-day check free of allocations.
int HolidaysObservedIn(int year, std::array<Observed, kMaxPerYear>* out) {
  constexpr int kMon = 1, kThu = 4;
  int n = 0;
  auto add = [&](const Observed& o) {
    if (o.date.year == year) (*out)[n++] = o;
  };
  add(Observe(CivilDate{year, 1, 1}, "New Year's Day"));
  if (year >= 1986) {
    add(Observed{NthWeekday(year, 1, kMon, 3), "Birthday of Martin Luther King, Jr.", false});
  }
  add(Observed{NthWeekday(year, 2, kMon, 3), "Washington's Birthday", false});
  add(Observed{LastWeekday(year, 5, kMon), "Memorial Day", false});
  if (year >= 2021) add(Observe(CivilDate{year, 6, 19}, "Juneteenth National Independence Day"));
  add(Observe(CivilDate{year, 7, 4}, "Independence Day"));
  add(Observed{NthWeekday(year, 9, kMon, 1), "Labor Day", false});
  add(Observed{NthWeekday(year, 10, kMon, 2), "Columbus Day", false});
  add(Observe(CivilDate{year, 11, 11}, "Veterans Day"));
  add(Observed{NthWeekday(year, 11, kThu, 4), "Thanksgiving Day", false});
  add(Observe(CivilDate{year, 12, 25}, "Christmas Day"));
  // Next year's New Year's Day, when it falls on a Saturday.
  add(Observe(CivilDate{year + 1, 1, 1}, "New Year's Day"));
  return n;
}

const Observed* FindObserved(const CivilDate& day, std::array<Observed, kMaxPerYear>* buf) {
  const int n = HolidaysObservedIn(day.year, buf);
  for (int i = 0; i < n; ++i) {
    if ((*buf)[i].date == day) return &(*buf)[i];
  }
  return nullptr;
}

std::string NameOf(const Observed& o) {
  std::string name = o.name;
  if (o.shifted) name += " (observed)";
  return name;
}

}  // namespace

std::vector<Holiday> Calendar::FederalHolidays(int year) {
  std::array<Observed, kMaxPerYear> buf;
  const int n = HolidaysObservedIn(year, &buf);
  std::vector<Holiday> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) out.push_back(Holiday{buf[i].date, NameOf(buf[i])});
  return out;
}

std::optional<std::string> Calendar::FederalHolidayName(const CivilDate& day) {
  std::array<Observed, kMaxPerYear> buf;
  const Observed* o = FindObserved(day, &buf);
  if (o == nullptr) return std::nullopt;
  return NameOf(*o);
}

Status Calendar::AddClosure(const CivilDate& day, const std::string& reason) {
  if (reason.empty()) return Invalid("reason", "a closure day needs a reason");
  std::string& slot = closures_[DaysFromCivil(day)];
  if (slot.empty()) {
    slot = reason;
  } else if (slot != reason) {
    slot += "; " + reason;
  }
  return Status::Ok();
}

bool Calendar::IsBusinessDay(const CivilDate& day) const {
  const int w = Weekday(day);
  if (w == 0 || w == 6) return false;
  if (!closures_.empty() && closures_.count(DaysFromCivil(day)) > 0) return false;
  std::array<Observed, kMaxPerYear> buf;
  return FindObserved(day, &buf) == nullptr;
}

std::optional<std::string> Calendar::HolidayName(const CivilDate& day) const {
  if (auto federal = FederalHolidayName(day)) return federal;
  auto it = closures_.find(DaysFromCivil(day));
  if (it != closures_.end()) return it->second;
  return std::nullopt;
}

std::string Calendar::NonBusinessReason(const CivilDate& day) const {
  const int w = Weekday(day);
  if (w == 6) return "Saturday";
  if (w == 0) return "Sunday";
  if (auto federal = FederalHolidayName(day)) return *federal + ", a federal holiday";
  auto it = closures_.find(DaysFromCivil(day));
  if (it != closures_.end()) return "a closure day (" + it->second + ")";
  return {};
}

CivilDate Calendar::RollForward(const CivilDate& day) const {
  CivilDate d = day;
  while (!IsBusinessDay(d)) d = AddDays(d, 1);
  return d;
}

CivilDate Calendar::RollBackward(const CivilDate& day) const {
  CivilDate d = day;
  while (!IsBusinessDay(d)) d = AddDays(d, -1);
  return d;
}

}  // namespace refuge::rules
