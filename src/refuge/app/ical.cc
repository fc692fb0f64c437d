#include "refuge/app/ical.h"

#include <cstdio>

#include "refuge/base/date.h"

namespace refuge::app {
namespace {

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case ';': out += "\\;"; break;
      case ',': out += "\\,"; break;
      case '\n': out += "\\n"; break;
      case '\r': break;
      default: out += c;
    }
  }
  return out;
}

// Folds a content line at 75 octets, continuing with CRLF + space (RFC 5545 3.1).
void AddLine(const std::string& line, std::string* out) {
  size_t pos = 0, limit = 75;
  while (line.size() - pos > limit) {
    size_t cut = pos + limit;
    while (cut > pos && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    *out += line.substr(pos, cut - pos) + "\r\n ";
    pos = cut;
    limit = 74;  // the leading space counts
  }
  *out += line.substr(pos) + "\r\n";
}

std::string UtcStamp(int64_t t) {
  std::string iso = FormatUtcTimestamp(t);  // 2026-11-30T07:30:00Z
  std::string out;
  for (char c : iso) {
    if (c != '-' && c != ':') out += c;
  }
  return out;  // 20261130T073000Z
}

}  // namespace

std::string RenderICalendar(const std::vector<CalendarEntry>& entries, int64_t now_unix,
                            const std::string& calendar_name) {
  std::string out;
  AddLine("BEGIN:VCALENDAR", &out);
  AddLine("VERSION:2.0", &out);
  AddLine("PRODID:-//Refuge//Refuge 0.1//EN", &out);
  AddLine("CALSCALE:GREGORIAN", &out);
  AddLine("METHOD:PUBLISH", &out);
  AddLine("X-WR-CALNAME:" + Escape(calendar_name), &out);
  for (const auto& e : entries) {
    auto start = PartialDate::Parse(e.start);
    if (!start.ok() || start->is_partial()) continue;
    AddLine("BEGIN:VEVENT", &out);
    AddLine("UID:" + e.uid, &out);
    AddLine("DTSTAMP:" + UtcStamp(now_unix), &out);
    if (start->has_time()) {
      AddLine("DTSTART:" + UtcStamp(start->UnixSeconds()), &out);
      AddLine("DTEND:" + UtcStamp(start->UnixSeconds() + e.duration_minutes * 60), &out);
    } else {
      CivilDate d = start->FirstDay();
      char buf[16];
      std::snprintf(buf, sizeof buf, "%04d%02d%02d", d.year, d.month, d.day);
      AddLine(std::string("DTSTART;VALUE=DATE:") + buf, &out);
      CivilDate next = AddDays(d, 1);
      std::snprintf(buf, sizeof buf, "%04d%02d%02d", next.year, next.month, next.day);
      AddLine(std::string("DTEND;VALUE=DATE:") + buf, &out);
    }
    AddLine("SUMMARY:" + Escape(e.summary), &out);
    if (!e.description.empty()) AddLine("DESCRIPTION:" + Escape(e.description), &out);
    if (!e.location.empty()) AddLine("LOCATION:" + Escape(e.location), &out);
    AddLine("END:VEVENT", &out);
  }
  AddLine("END:VCALENDAR", &out);
  return out;
}

}  // namespace refuge::app
