#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "refuge/base/date.h"
#include "refuge/base/status.h"

namespace refuge::rules {

// A day offices are closed, as it is observed (a holiday on a Saturday appears on
// the Friday before).
struct Holiday {
  CivilDate date;
  std::string name;  // "Independence Day (observed)", or a closure's reason
};

// Business days for counting deadlines: Monday to Friday, minus the federal
// holidays of 5 U.S.C. 6103 and any closure days an administrator adds.
class Calendar {
 public:
  Calendar() = default;

  // The federal holidays observed in `year`, in date order. Uses the definitions
  // of 5 U.S.C. 6103(a) (Martin Luther King, Jr. from 1986, Juneteenth from 2021)
  // and the observance rule of 6103(b) and E.O. 11582: Saturday -> Friday before,
  // Sunday -> Monday after. New Year's Day on a Saturday is observed on Dec 31 of
  // the year before, so that day is listed under the earlier year.
  static std::vector<Holiday> FederalHolidays(int year);
  // The name of the federal holiday observed on `day`, or nullopt.
  static std::optional<std::string> FederalHolidayName(const CivilDate& day);

  // Adds a closure day (an executive order, a court's own closure). A second
  // closure on the same day keeps both reasons.
  Status AddClosure(const CivilDate& day, const std::string& reason);
  const std::map<int64_t, std::string>& closures() const { return closures_; }

  bool IsBusinessDay(const CivilDate& day) const;
  // The federal holiday or closure observed on `day`, or nullopt.
  std::optional<std::string> HolidayName(const CivilDate& day) const;
  // Why `day` is not a business day, in words: "Saturday", "Sunday",
  // "Thanksgiving Day, a federal holiday", "a closure day (<reason>)"; "" for a
  // business day.
  std::string NonBusinessReason(const CivilDate& day) const;

  // The first business day on or after `day`.
  CivilDate RollForward(const CivilDate& day) const;
  // The last business day on or before `day`.
  CivilDate RollBackward(const CivilDate& day) const;

 private:
  std::map<int64_t, std::string> closures_;  // day number -> reason
};

}  // namespace refuge::rules
