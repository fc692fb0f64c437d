#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "refuge/base/date.h"
#include "refuge/base/status.h"
#include "refuge/domain/event.h"
#include "refuge/rules/calendar.h"

namespace refuge::rules {

// A value a condition compares an event field with. kAbsent matches a field the
// event does not have (JSON null in the rule file).
struct FieldValue {
  enum class Kind { kString, kBool, kAbsent };
  Kind kind = Kind::kString;
  std::string text;
  bool flag = false;
};

// "field is one of values" (or, negated, "is none of them").
struct Condition {
  std::string field;
  std::vector<FieldValue> values;
  bool negate = false;
};

// An event type plus conditions on its fields, all of which must hold.
struct EventMatch {
  std::string type;
  std::vector<Condition> when;

  bool Matches(const domain::Event& e) const;
};

enum class Unit { kHours, kDays, kMonths, kYears };
enum class Direction { kForward, kBackward };
enum class Roll { kForward, kBackward, kNone };
enum class Method { kCalendarDays, kFrap26a };
// When a satisfying event counts, relative to the due date.
enum class Timing { kOnOrBeforeDue, kOnOrAfterDue };
// The earliest a satisfying event may be: any time, on or after the trigger, or
// after the latest earlier event of a given type (e.g. the previous hearing).
enum class LowerBound { kNone, kTrigger, kPreviousOfType };

struct OtherOffset {
  int amount = 0;
  Unit unit = Unit::kDays;
  std::string why;
};

struct Satisfier {
  EventMatch match;
  Timing timing = Timing::kOnOrBeforeDue;
  LowerBound not_before = LowerBound::kTrigger;
  std::string previous_type;  // for kPreviousOfType
};

// A later event that makes the deadline moot.
struct Superseder {
  EventMatch match;
  std::vector<std::string> same_fields;  // must equal the trigger's values
  bool same_day = false;                 // on the same (effective) day as the trigger
  std::string date_field;                // the superseding event's own date field, if any
};

struct Rule {
  std::string id;
  std::string title;

  EventMatch trigger;
  std::string date_field;               // a field of the trigger holding its date (e.g. "datetime")
  bool last_only = false;               // only the latest matching trigger counts
  std::optional<CivilDate> not_before;  // the count starts no earlier than this day

  int amount = 0;
  std::string amount_field;  // when set, the amount depends on this field's value
  std::map<std::string, int> amounts;
  Unit unit = Unit::kDays;
  Direction direction = Direction::kForward;
  std::vector<OtherOffset> other_offsets;

  Method method = Method::kCalendarDays;
  bool trigger_day_counted = false;
  Roll roll = Roll::kForward;
  bool milestone = false;  // an earliest day to act: never missed, no roll

  std::vector<Satisfier> satisfied_by;
  std::vector<Superseder> superseded_by;

  std::string citation;
  std::string as_of;  // YYYY-MM-DD the rule was last checked against the law
  std::vector<std::string> notes;
  std::string note_if_detained;  // shown when the person is in custody
  std::string source;            // the file the rule came from
};

// The deadline rules, indexed by the event type that triggers them.
class RuleSet {
 public:
  RuleSet() = default;

  // Parses a rules file ({"rules": [...]}). `source` names the file in errors,
  // which give the line of a syntax error or the rule index and field of a
  // semantic one. Nothing is returned from a file with any error.
  static Result<RuleSet> Parse(std::string_view json_text, const std::string& source);
  // The rules compiled into the binary (data/rules.json).
  static Result<RuleSet> BuiltIn();

  // Adds `other`'s rules; one whose id is already present replaces it in place.
  void Merge(const RuleSet& other);

  const std::vector<Rule>& rules() const { return rules_; }
  const Rule* Find(std::string_view id) const;
  // Indexes into rules() of the rules `type` triggers, in file order.
  const std::vector<size_t>& TriggeredBy(const std::string& type) const;

 private:
  void Reindex();

  std::vector<Rule> rules_;
  std::unordered_map<std::string, std::vector<size_t>> by_trigger_;
};

// Parses a closures file ({"closures": [{"date": "YYYY-MM-DD", "reason": "..."}]})
// into `calendar`. On any error the calendar is left unchanged.
Status ParseClosures(std::string_view json_text, const std::string& source, Calendar* calendar);

// The rules and calendar in force: the built-in rules, then every
// `<data_dir>/rules.d/*.json` in name order (adding rules or replacing them by
// id), and the closure days of `<data_dir>/closures.json`. Missing files are
// fine; a file with an error fails the whole load with a message naming it.
struct RuleConfig {
  RuleSet rules;
  Calendar calendar;
  std::vector<std::string> files;  // the administrator files that were read
};
Result<RuleConfig> LoadRuleConfig(const std::string& data_dir);

// Words for the enums, as they appear in rule files.
const char* UnitName(Unit unit);
const char* RollName(Roll roll);

}  // namespace refuge::rules
