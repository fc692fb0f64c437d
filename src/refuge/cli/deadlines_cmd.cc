#include "refuge/cli/deadlines_cmd.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "refuge/domain/event.h"
#include "refuge/rules/calendar.h"
#include "refuge/rules/rule_set.h"

namespace refuge::cli {

namespace {

constexpr int kExitOk = 0;
constexpr int kExitBadInput = 2;

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  });
  return s;
}

std::string ErrorText(const Status& st) {
  const std::string& field = st.field();
  // Validators may already lead with the field; do not say it twice.
  if (field.empty() || st.message().rfind(field, 0) == 0) return st.message();
  return field + ": " + st.message();
}

// nlohmann's message without its "[json.exception...] parse error at line L,
// column C: " prefix; the line is given in our own words.
std::string ParseErrorDetail(const std::string& what) {
  std::string s = what;
  if (size_t close = s.find("] "); !s.empty() && s[0] == '[' && close != std::string::npos) {
    s = s.substr(close + 2);
  }
  if (size_t col = s.find("column "); col != std::string::npos) {
    if (size_t colon = s.find(": ", col); colon != std::string::npos) s = s.substr(colon + 2);
  }
  return s;
}

int LineOfByte(const std::string& text, size_t byte) {
  const size_t end = std::min(byte == 0 ? 0 : byte - 1, text.size());
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + end, '\n'));
}

}  // namespace

void WriteDeadlinesText(const std::vector<rules::Deadline>& deadlines, int64_t now_unix,
                        std::ostream& out) {
  out << deadlines.size() << (deadlines.size() == 1 ? " deadline" : " deadlines") << ", as of "
      << FormatUtcTimestamp(now_unix) << "\n";
  for (const rules::Deadline& d : deadlines) {
    out << "\n" << d.due << "  " << Upper(d.status) << "  " << d.rule << ": " << d.title << "\n";
    out << "  trigger " << d.trigger_event;
    if (!d.subject.empty()) out << ", subject " << d.subject;
    if (!d.matter.empty()) out << ", matter " << d.matter;
    if (!d.satisfied_by.empty()) out << "; met by " << d.satisfied_by;
    out << "\n";
    if (d.approximate) out << "  approximate: counted from the earliest possible day\n";
    out << "  " << d.citation << " (rule as of " << d.as_of << ")\n";
    for (const std::string& s : d.steps) out << "  - " << s << "\n";
    for (const rules::OtherReading& o : d.other_readings) {
      out << "  other reading: " << o.due << ", " << o.why << "\n";
    }
  }
}

int RunDeadlinesCommand(const std::string& events_path, const std::string& format, int64_t now_unix,
                        std::ostream& out, std::ostream& err) {
  if (format != "json" && format != "text") {
    err << "error: unknown format '" << format << "' (use json or text)\n";
    return kExitBadInput;
  }
  std::ifstream in(events_path, std::ios::binary);
  if (!in) {
    err << "error: cannot read the events file '" << events_path << "'\n";
    return kExitBadInput;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) {
    err << "error: cannot read the events file '" << events_path << "'\n";
    return kExitBadInput;
  }
  const std::string text = buf.str();

  domain::Json array;
  try {
    array = domain::Json::parse(text);
  } catch (const domain::Json::parse_error& e) {
    err << "error: " << events_path << ", line " << LineOfByte(text, e.byte)
        << ": not valid JSON: " << ParseErrorDetail(e.what()) << "\n";
    return kExitBadInput;
  } catch (const domain::Json::exception& e) {
    err << "error: " << events_path << ": not valid JSON: " << ParseErrorDetail(e.what()) << "\n";
    return kExitBadInput;
  }
  auto events = domain::EventsFromJsonArray(array, /*subject_optional=*/true);
  if (!events.ok()) {
    err << "error: " << events_path << ": " << ErrorText(events.status()) << "\n";
    return kExitBadInput;
  }

  auto rules = rules::RuleSet::BuiltIn();
  if (!rules.ok()) {
    err << "error: " << rules.status().message() << "\n";
    return 1;
  }
  const rules::Calendar calendar;
  const std::vector<rules::Deadline> deadlines =
      rules::ComputeDeadlines(*events, *rules, calendar, now_unix);

  if (format == "json") {
    out << rules::ToJson(deadlines).dump(2) << "\n";
  } else {
    WriteDeadlinesText(deadlines, now_unix, out);
  }
  return kExitOk;
}

}  // namespace refuge::cli
