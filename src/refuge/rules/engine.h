#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "refuge/domain/event.h"
#include "refuge/rules/calendar.h"
#include "refuge/rules/rule_set.h"

namespace refuge::rules {

inline constexpr char kStatusOpen[] = "open";
inline constexpr char kStatusMet[] = "met";
inline constexpr char kStatusMissed[] = "missed";
inline constexpr char kStatusSuperseded[] = "superseded";

// Another date the rule could be read to give, with the reason.
struct OtherReading {
  std::string due;
  std::string why;
};

// One computed deadline with the counting a lawyer can check by hand.
struct Deadline {
  std::string rule;
  std::string title;
  // YYYY-MM-DD, or for a rule counted in hours the instant with the trigger's
  // UTC offset ("2026-09-03T10:00:00-04:00").
  std::string due;
  std::string citation;
  std::string trigger_event;  // event id
  std::string matter;         // the trigger's matter id, or ""
  std::string subject;
  std::string status;        // kStatusOpen, kStatusMet, kStatusMissed, kStatusSuperseded
  bool approximate = false;  // the trigger date is partial; counted from its earliest day
  std::vector<std::string> steps;
  std::vector<OtherReading> other_readings;
  std::string satisfied_by;  // the satisfying event's id when met, else ""
  std::string as_of;
};

// Computes every deadline the rules derive from one person's events, sorted by
// due date (then rule id, then trigger id). Retracted events only ever appear as
// superseded triggers; they never satisfy or supersede anything. `now_unix`
// decides "missed": a due date is missed once that day has ended everywhere
// (UTC-12), a due instant once it has passed. Deterministic: the same input
// gives the same output.
std::vector<Deadline> ComputeDeadlines(const std::vector<domain::Event>& events,
                                       const RuleSet& rules, const Calendar& calendar,
                                       int64_t now_unix);

// The deadline as a JSON object with exactly the keys of Deadline.
domain::Json ToJson(const Deadline& deadline);
domain::Json ToJson(const std::vector<Deadline>& deadlines);

}  // namespace refuge::rules
