#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace refuge::app {

// One calendar entry. `start` is YYYY-MM-DD (an all-day entry) or a date-time
// with offset; `uid` must stay the same for the same thing across fetches, so a
// calendar app replaces the entry instead of adding a second one.
struct CalendarEntry {
  std::string uid;
  std::string start;
  std::string summary;
  std::string description;
  std::string location;
  int duration_minutes = 60;  // for timed entries
};

// An iCalendar (RFC 5545) VCALENDAR: CRLF line ends, lines folded at 75 octets
// (never inside a UTF-8 sequence), text escaped, times in UTC.
std::string RenderICalendar(const std::vector<CalendarEntry>& entries, int64_t now_unix,
                            const std::string& calendar_name);

}  // namespace refuge::app
