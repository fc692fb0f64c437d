#include "refuge/rules/engine.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <unordered_map>

namespace refuge::rules {

using domain::Event;
using domain::Json;

namespace {

constexpr int64_t kDay = 86400;
// A due day is missed only once it has ended everywhere: midnight at UTC-12.
constexpr int64_t kEndOfDayEverywhere = kDay + 12 * 3600;

int64_t FloorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

std::string Label(const CivilDate& d) {
  return std::string(WeekdayShortName(Weekday(d))) + " " + FormatCivil(d);
}
std::string Label(int64_t day) { return Label(CivilFromDays(day)); }

// "removal_designation_withdrawn" -> "removal designation withdrawn".
std::string Words(const std::string& s) {
  std::string out = s;
  std::replace(out.begin(), out.end(), '_', ' ');
  return out;
}

std::string Plural(int n, const char* unit) {
  std::string u = unit;  // "days"
  if (n == 1) u.pop_back();
  return std::to_string(n) + " " + u;
}

// An event's time as the rules see it.
struct When {
  int64_t first = 0;  // day number of the earliest possible day (the local day of a date-time)
  int64_t last = 0;   // day number of the latest possible day
  bool timed = false;
  int64_t instant = 0;
  int offset = 0;  // minutes east of UTC
  bool partial = false;
  std::string text;
};

When WhenOf(const PartialDate& d) {
  When w;
  const CivilDate f = d.FirstDay();
  w.first = DaysFromCivil(f);
  w.last = w.first;
  w.text = d.ToString();
  switch (d.precision()) {
    case PartialDate::Precision::kYear:
      w.last = DaysFromCivil(CivilDate{f.year, 12, 31});
      w.partial = true;
      break;
    case PartialDate::Precision::kMonth:
      w.last = DaysFromCivil(CivilDate{f.year, f.month, DaysInMonth(f.year, f.month)});
      w.partial = true;
      break;
    case PartialDate::Precision::kDay:
      break;
    case PartialDate::Precision::kDateTime:
      w.timed = true;
      w.instant = d.UnixSeconds();
      w.offset = d.offset_minutes();
      break;
  }
  return w;
}

// The date a rule counts from: `date_field` of the body when it holds a valid
// date (a hearing's `datetime`), else the event date.
When EffectiveWhen(const Event& e, const std::string& date_field, const When& own) {
  if (date_field.empty()) return own;
  auto it = e.body.find(date_field);
  if (it == e.body.end() || !it->is_string()) return own;
  auto d = PartialDate::Parse(it->get_ref<const std::string&>(), date_field);
  return d.ok() ? WhenOf(*d) : own;
}

struct Item {
  const Event* event = nullptr;
  When when;
  size_t rank = 0;  // chronological position
};

struct Due {
  bool timed = false;
  int64_t day = 0;  // day number; for a timed due, its local day
  int64_t instant = 0;
  std::string text;

  int64_t SortKey() const { return timed ? instant : day * kDay; }
};

Due DayDue(int64_t day) {
  Due d;
  d.day = day;
  d.text = FormatCivil(CivilFromDays(day));
  return d;
}

std::string RollStep(const Calendar& cal, const CivilDate& land, const CivilDate& due,
                     bool forward) {
  const int w = Weekday(land);
  std::string out = (w == 0 || w == 6) ? cal.NonBusinessReason(land) + ","
                                       : Label(land) + " is " + cal.NonBusinessReason(land) + ";";
  out += forward ? " rolled forward to " : " rolled back to ";
  out += Label(due);
  // Name any holiday or closure the roll also stepped over.
  std::vector<std::string> skipped;
  for (CivilDate d = AddDays(land, forward ? 1 : -1); d != due; d = AddDays(d, forward ? 1 : -1)) {
    const int wd = Weekday(d);
    if (wd != 0 && wd != 6) skipped.push_back(Label(d) + ", " + cal.NonBusinessReason(d));
  }
  if (!skipped.empty()) {
    out += " (also skipped ";
    for (size_t i = 0; i < skipped.size(); ++i) out += (i ? "; " : "") + skipped[i];
    out += ")";
  }
  return out;
}

CivilDate ApplyRoll(Roll roll, const Calendar& cal, const CivilDate& d) {
  if (roll == Roll::kForward) return cal.RollForward(d);
  if (roll == Roll::kBackward) return cal.RollBackward(d);
  return d;
}

// Counts a period in days, months or years from `start` and applies the roll.
// `clamped` is set when the target month lacks the start's day (Feb 29 + 1 year).
Due CountDays(const Rule& r, const CivilDate& start, int amount, Unit unit, const Calendar& cal,
              std::vector<std::string>* steps, bool* clamped) {
  const int sign = r.direction == Direction::kForward ? 1 : -1;
  CivilDate land;
  std::string words;
  *clamped = false;
  if (unit == Unit::kMonths || unit == Unit::kYears) {
    const int months = unit == Unit::kYears ? 12 * amount : amount;
    land = AddMonths(start, sign * months);
    words = Plural(amount, UnitName(unit));
    *clamped = land.day != start.day;
  } else {
    const int n = amount - (r.trigger_day_counted ? 1 : 0);
    land = AddDays(start, static_cast<int64_t>(sign) * n);
    words = Plural(amount, "days");
  }
  if (steps != nullptr) {
    std::string s = FormatCivil(start) + (sign > 0 ? " + " : " - ") + words + " = " + Label(land);
    if (*clamped) {
      char ym[16];
      std::snprintf(ym, sizeof ym, "%04d-%02d", land.year, land.month);
      s += " (" + std::string(ym) + " has no day " + std::to_string(start.day) +
           "; the earliest reading, the month's last day, is used)";
    }
    steps->push_back(std::move(s));
  }
  const CivilDate due = ApplyRoll(r.roll, cal, land);
  if (steps != nullptr) {
    if (r.roll == Roll::kNone) {
      if (!r.milestone && !cal.IsBusinessDay(land)) {
        steps->push_back(Label(land) + " is " +
                         (Weekday(land) % 6 == 0 ? "a weekend day" : cal.NonBusinessReason(land)) +
                         "; this rule does not roll");
      }
    } else if (due == land) {
      steps->push_back(Label(land) + " is a business day; no roll needed");
    } else {
      steps->push_back(RollStep(cal, land, due, r.roll == Roll::kForward));
    }
  }
  return DayDue(DaysFromCivil(due));
}

// Counts a period in hours. A trigger without a time of day is counted from the
// start of its day, which gives the earliest close.
Due CountHours(const Rule& r, const When& from, int amount, std::vector<std::string>* steps) {
  const int64_t sign = r.direction == Direction::kForward ? 1 : -1;
  const int64_t delta = sign * amount * 3600;
  Due due;
  if (from.timed) {
    due.timed = true;
    due.instant = from.instant + delta;
    due.text = FormatOffsetDateTime(due.instant, from.offset);
    due.day = FloorDiv(due.instant + from.offset * 60, kDay);
    if (steps != nullptr) {
      steps->push_back(from.text + (sign > 0 ? " + " : " - ") + Plural(amount, "hours") + " = " +
                       due.text);
    }
    return due;
  }
  const int64_t close = from.first * kDay + delta;
  due = DayDue(sign > 0 ? FloorDiv(close - 1, kDay) : FloorDiv(close, kDay));
  if (steps != nullptr) {
    steps->push_back("The trigger has no time of day; counted from the start of " +
                     FormatCivil(CivilFromDays(from.first)) + ", the " + Plural(amount, "hours") +
                     " may end as early as the end of " + Label(due.day));
  }
  return due;
}

std::string ValueText(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return v.dump();
}

// "decision evt_7 of 2026-11-05 (body ij, outcome bond_set)".
std::string Describe(const Item& item, const std::vector<std::string>& fields) {
  const Event& e = *item.event;
  std::string out = Words(e.type) + " " + e.id + " of " + item.when.text;
  std::string detail;
  for (const std::string& f : fields) {
    auto it = e.body.find(f);
    if (it == e.body.end() || it->is_null()) continue;
    detail += (detail.empty() ? "" : ", ") + f + " " + ValueText(*it);
  }
  if (!detail.empty()) out += " (" + detail + ")";
  return out;
}

std::vector<std::string> ConditionFields(const EventMatch& m) {
  std::vector<std::string> out;
  for (const Condition& c : m.when) out.push_back(c.field);
  return out;
}

// "filing (asylum_application)", "fear screening".
std::string Wanted(const Rule& r) {
  std::string out;
  for (size_t i = 0; i < r.satisfied_by.size(); ++i) {
    const EventMatch& m = r.satisfied_by[i].match;
    if (i > 0) out += i + 1 == r.satisfied_by.size() ? " or " : ", ";
    out += Words(m.type);
    std::vector<std::string> vals;
    for (const Condition& c : m.when) {
      for (const FieldValue& v : c.values) {
        if (v.kind == FieldValue::Kind::kAbsent) continue;
        std::string t = v.kind == FieldValue::Kind::kBool ? (v.flag ? "true" : "false") : v.text;
        vals.push_back((c.negate ? "not " : "") + t);
      }
    }
    if (!vals.empty()) {
      out += " (";
      for (size_t k = 0; k < vals.size(); ++k) {
        if (k > 0) out += k + 1 == vals.size() ? " or " : ", ";
        out += vals[k];
      }
      out += ")";
    }
  }
  return out.empty() ? "satisfying event" : out;
}

bool SameMatter(const Event& a, const Event& b) {
  return a.matter.empty() || b.matter.empty() || a.matter == b.matter;
}

class Computation {
 public:
  Computation(const std::vector<Event>& events, const RuleSet& rules, const Calendar& cal,
              int64_t now)
      : rules_(rules), cal_(cal), now_(now) {
    items_.reserve(events.size());
    for (const Event& e : events) items_.push_back(Item{&e, WhenOf(e.date), 0});
    std::stable_sort(items_.begin(), items_.end(), [](const Item& a, const Item& b) {
      if (a.when.first != b.when.first) return a.when.first < b.when.first;
      const PartialDate &da = a.event->date, &db = b.event->date;
      if (da.precision() != db.precision()) return da.precision() < db.precision();
      const int ta = da.hour() * 3600 + da.minute() * 60 + da.second();
      const int tb = db.hour() * 3600 + db.minute() * 60 + db.second();
      if (ta != tb) return ta < tb;
      return a.event->id < b.event->id;
    });
    for (size_t i = 0; i < items_.size(); ++i) {
      items_[i].rank = i;
      const Event& e = *items_[i].event;
      if (e.retracted) continue;
      live_[e.type].push_back(&items_[i]);
      // Custody as of the latest custody event: a release or removal ends it.
      if (e.type == "detention" || e.type == "transfer") detained_ = true;
      if (e.type == "release" || e.type == "removal") detained_ = false;
    }
  }

  std::vector<Deadline> Run() {
    std::vector<std::pair<int64_t, Deadline>> out;
    last_trigger_.assign(rules_.rules().size(), nullptr);
    for (size_t ri = 0; ri < rules_.rules().size(); ++ri) {
      if (rules_.rules()[ri].last_only) last_trigger_[ri] = LastTrigger(rules_.rules()[ri]);
    }
    for (const Item& item : items_) {
      for (size_t ri : rules_.TriggeredBy(item.event->type)) {
        const Rule& r = rules_.rules()[ri];
        if (!r.trigger.Matches(*item.event)) continue;
        int64_t key = 0;
        if (auto d = Compute(r, ri, item, &key)) out.emplace_back(key, std::move(*d));
      }
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      if (a.first != b.first) return a.first < b.first;
      if (a.second.rule != b.second.rule) return a.second.rule < b.second.rule;
      return a.second.trigger_event < b.second.trigger_event;
    });
    std::vector<Deadline> result;
    result.reserve(out.size());
    for (auto& [key, d] : out) result.push_back(std::move(d));
    return result;
  }

 private:
  const std::vector<const Item*>& Live(const std::string& type) const {
    static const std::vector<const Item*> kNone;
    auto it = live_.find(type);
    return it == live_.end() ? kNone : it->second;
  }

  const Item* LastTrigger(const Rule& r) const {
    const Item* last = nullptr;
    for (const Item* it : Live(r.trigger.type)) {
      if (r.trigger.Matches(*it->event)) last = it;
    }
    return last;
  }

  std::optional<Deadline> Compute(const Rule& r, size_t ri, const Item& item, int64_t* key) {
    const Event& e = *item.event;
    int amount = r.amount;
    if (!r.amount_field.empty()) {
      auto a = r.amounts.find(e.Str(r.amount_field.c_str()));
      if (a == r.amounts.end()) return std::nullopt;  // no period for this value
      amount = a->second;
    }
    const When t = EffectiveWhen(e, r.date_field, item.when);

    Deadline d;
    d.rule = r.id;
    d.title = r.title;
    d.citation = r.citation;
    d.trigger_event = e.id;
    d.matter = e.matter;
    d.subject = e.subject;
    d.as_of = r.as_of;
    d.approximate = t.partial;
    std::vector<std::string>& steps = d.steps;

    std::string trig = "Trigger: " + Describe(Item{&e, t, item.rank}, ConditionFields(r.trigger));
    if (r.last_only && last_trigger_[ri] == &item) trig += ", the last one recorded";
    steps.push_back(std::move(trig));
    if (t.partial) {
      steps.push_back(t.text + " is a partial date: counted from its earliest possible day, " +
                      FormatCivil(CivilFromDays(t.first)) + "; the due date is approximate");
    }

    Due due;
    if (r.unit == Unit::kHours) {
      steps.push_back("Hours run continuously, through nights, weekends and holidays");
      due = CountHours(r, t, amount, &steps);
      if (!t.timed) {
        d.approximate = true;
        d.other_readings.push_back(
            OtherReading{FormatCivil(CivilFromDays(due.day + 1)),
                         "if the trigger came late in the day, the window runs into the next day"});
      }
    } else {
      CivilDate start = CivilFromDays(t.first);
      const bool floored = r.not_before && start < *r.not_before;
      if (floored) {
        steps.push_back(FormatCivil(start) + " is before " + FormatCivil(*r.not_before) +
                        "; the period runs from " + FormatCivil(*r.not_before));
        start = *r.not_before;
      }
      steps.push_back(CountingWords(r, amount));
      bool clamped = false;
      due = CountDays(r, start, amount, r.unit, cal_, &steps, &clamped);
      if (r.milestone) {
        steps.push_back("A milestone, the earliest day to act: no weekend or holiday roll");
      }
      if (clamped && r.direction == Direction::kForward) {
        // Feb 29 + 1 year: the earliest reading is Feb 28; the other is Mar 1.
        const int months = r.unit == Unit::kYears ? 12 * amount : amount;
        const CivilDate land = AddMonths(start, months);
        const CivilDate next = AddDays(land, 1);
        const CivilDate rolled = ApplyRoll(r.roll, cal_, next);
        if (FormatCivil(rolled) != due.text) {
          std::string why = "reading the period as ending on " + Label(next) + " instead, since " +
                            FormatCivil(land).substr(0, 7) + " has no day " +
                            std::to_string(start.day);
          if (rolled != next) why += " (rolled to " + Label(rolled) + ")";
          d.other_readings.push_back(OtherReading{FormatCivil(rolled), std::move(why)});
        } else {
          steps.push_back("Read as ending on " + Label(next) +
                          " instead, the due date is the same");
        }
      }
      if (t.partial && !(r.not_before && CivilFromDays(t.last) <= *r.not_before)) {
        CivilDate late = CivilFromDays(t.last);
        if (r.not_before && late < *r.not_before) late = *r.not_before;
        bool unused = false;
        Due other = CountDays(r, late, amount, r.unit, cal_, nullptr, &unused);
        if (other.text != due.text) {
          d.other_readings.push_back(OtherReading{
              other.text, "if the " + Words(e.type) + " was on the last possible day of " + t.text +
                              " (" + FormatCivil(late) + ")"});
        }
      }
    }
    for (const OtherOffset& o : r.other_offsets) {
      Due other;
      if (o.unit == Unit::kHours) {
        other = CountHours(r, t, o.amount, nullptr);
      } else {
        bool unused = false;
        other = CountDays(r, CivilFromDays(t.first), o.amount, o.unit, cal_, nullptr, &unused);
      }
      d.other_readings.push_back(OtherReading{other.text, o.why});
    }
    d.due = due.text;
    *key = due.SortKey();

    DecideStatus(r, ri, item, t, due, &d);

    for (const std::string& n : r.notes) steps.push_back("Note: " + n);
    if (detained_ && !r.note_if_detained.empty()) steps.push_back("Note: " + r.note_if_detained);
    return d;
  }

  static std::string CountingWords(const Rule& r, int amount) {
    if (r.method == Method::kFrap26a) {
      return "FRAP 26(a)(1) counting: leave out the day of the trigger, count every day "
             "including weekends and holidays, and if the last day is a Saturday, Sunday or "
             "legal holiday, continue to the next day that is not; the same as calendar-day "
             "counting";
    }
    if (r.unit == Unit::kMonths || r.unit == Unit::kYears) {
      return "Counted to the same calendar day " + Plural(amount, UnitName(r.unit)) +
             (r.direction == Direction::kForward ? " later" : " earlier");
    }
    return r.trigger_day_counted ? "Calendar days, counting the day of the trigger"
                                 : "Calendar days; the day of the trigger is not counted";
  }

  // Whether `s` is on or before the due (or on or after it, for a milestone).
  static bool InTime(const Satisfier& spec, const When& s, const Due& due, bool* untimed_same_day) {
    *untimed_same_day = false;
    if (spec.timing == Timing::kOnOrAfterDue) {
      if (due.timed && s.timed) return s.instant >= due.instant;
      return s.first >= (due.timed ? due.day + 1 : due.day);
    }
    if (due.timed) {
      if (s.timed) return s.instant <= due.instant;
      // A day without a time on the due day itself: counted, with a caveat.
      *untimed_same_day = s.last == due.day;
      return s.last <= due.day;
    }
    return s.last <= due.day;  // a partial date counts only if all of it is in time
  }

  // Whether `s` is late enough: on or after the trigger, or strictly after the
  // previous event of the given type (the previous hearing), per the rule.
  bool AfterLowerBound(const Satisfier& spec, const Item& trigger, const When& t,
                       const When& s) const {
    switch (spec.not_before) {
      case LowerBound::kNone:
        return true;
      case LowerBound::kTrigger: {
        const When& own = trigger.when;
        if (own.timed && s.timed) return s.instant >= own.instant;
        return s.first >= own.first;
      }
      case LowerBound::kPreviousOfType: {
        const Item* prev = nullptr;
        for (const Item* p : Live(spec.previous_type)) {
          if (p->event == trigger.event || p->when.first >= t.first) continue;
          if (!SameMatter(*p->event, *trigger.event)) continue;
          prev = p;
        }
        return prev == nullptr || s.first > prev->when.last;
      }
    }
    return true;
  }

  void DecideStatus(const Rule& r, size_t ri, const Item& item, const When& t, const Due& due,
                    Deadline* d) {
    const Event& e = *item.event;
    std::vector<std::string>& steps = d->steps;
    if (e.retracted) {
      d->status = kStatusSuperseded;
      steps.push_back("Superseded: the trigger event " + e.id + " was retracted");
      return;
    }

    const Item* met = nullptr;
    const Satisfier* met_spec = nullptr;
    bool caveat = false;
    const Item* late = nullptr;
    for (const Satisfier& spec : r.satisfied_by) {
      for (const Item* s : Live(spec.match.type)) {
        if (s->event == &e || !spec.match.Matches(*s->event)) continue;
        if (!SameMatter(*s->event, e) || !AfterLowerBound(spec, item, t, s->when)) continue;
        bool same_day = false;
        if (InTime(spec, s->when, due, &same_day)) {
          if (met == nullptr || s->rank < met->rank) {
            met = s;
            met_spec = &spec;
            caveat = same_day;
          }
        } else if (late == nullptr || s->rank < late->rank) {
          late = s;
        }
      }
    }

    const Item* superseder = nullptr;
    const Superseder* sup_spec = nullptr;
    if (r.last_only && last_trigger_[ri] != nullptr && last_trigger_[ri] != &item) {
      superseder = last_trigger_[ri];
    }
    if (superseder == nullptr) {
      for (const Superseder& spec : r.superseded_by) {
        for (const Item* s : Live(spec.match.type)) {
          if (s->event == &e || !spec.match.Matches(*s->event)) continue;
          if (!SameMatter(*s->event, e)) continue;
          const When sw = EffectiveWhen(*s->event, spec.date_field, s->when);
          if (spec.same_day ? sw.first != t.first : s->when.first < item.when.first) continue;
          bool same = true;
          for (const std::string& f : spec.same_fields) {
            auto a = e.body.find(f), b = s->event->body.find(f);
            same = same && a != e.body.end() && b != s->event->body.end() && *a == *b;
          }
          if (!same) continue;
          superseder = s;
          sup_spec = &spec;
          break;
        }
        if (superseder != nullptr) break;
      }
    }

    auto superseded_words = [&]() {
      if (sup_spec == nullptr) {
        return "the later " + Describe(*superseder, ConditionFields(r.trigger)) +
               ": only the last one counts";
      }
      std::vector<std::string> fields = sup_spec->same_fields;
      for (const std::string& f : ConditionFields(sup_spec->match)) fields.push_back(f);
      std::string out = Describe(*superseder, fields);
      if (sup_spec->same_day) out += ", for the same day";
      return out;
    };

    if (met != nullptr) {
      d->status = kStatusMet;
      d->satisfied_by = met->event->id;
      std::string s = "Met by " + Describe(*met, ConditionFields(met_spec->match));
      s += met_spec->timing == Timing::kOnOrAfterDue ? ", on or after this day"
                                                     : ", on or before the due date";
      if (caveat) s += " (it has no time of day; check it was before " + due.text + ")";
      steps.push_back(std::move(s));
      if (superseder != nullptr) {
        steps.push_back("Later superseded by " + superseded_words() +
                        "; the timely response is what counts");
      }
      return;
    }
    if (superseder != nullptr) {
      d->status = kStatusSuperseded;
      steps.push_back("Superseded by " + superseded_words());
      return;
    }
    const bool past = due.timed ? now_ > due.instant : now_ >= due.day * kDay + kEndOfDayEverywhere;
    if (past && !r.milestone) {
      d->status = kStatusMissed;
      steps.push_back("Missed: the due date has passed and no " + Wanted(r) +
                      " is recorded in time");
    } else {
      d->status = kStatusOpen;
      steps.push_back(r.milestone ? "Open: no " + Wanted(r) + " recorded on or after this day yet"
                                  : "Open: no " + Wanted(r) + " recorded yet");
    }
    if (late != nullptr) {
      steps.push_back(Describe(*late, {}) + (r.milestone
                                                 ? " came before this day and does not count"
                                                 : " came after the due date"));
    }
  }

  const RuleSet& rules_;
  const Calendar& cal_;
  const int64_t now_;
  std::vector<Item> items_;
  std::unordered_map<std::string, std::vector<const Item*>> live_;
  std::vector<const Item*> last_trigger_;  // per rule, for rules that use only the last trigger
  bool detained_ = false;
};

}  // namespace

std::vector<Deadline> ComputeDeadlines(const std::vector<Event>& events, const RuleSet& rules,
                                       const Calendar& calendar, int64_t now_unix) {
  return Computation(events, rules, calendar, now_unix).Run();
}

Json ToJson(const Deadline& d) {
  Json readings = Json::array();
  for (const OtherReading& o : d.other_readings) {
    readings.push_back(Json{{"due", o.due}, {"why", o.why}});
  }
  return Json{{"rule", d.rule},
              {"title", d.title},
              {"due", d.due},
              {"citation", d.citation},
              {"trigger_event", d.trigger_event},
              {"matter", d.matter},
              {"subject", d.subject},
              {"status", d.status},
              {"approximate", d.approximate},
              {"steps", d.steps},
              {"other_readings", std::move(readings)},
              {"satisfied_by", d.satisfied_by},
              {"as_of", d.as_of}};
}

Json ToJson(const std::vector<Deadline>& deadlines) {
  Json out = Json::array();
  for (const Deadline& d : deadlines) out.push_back(ToJson(d));
  return out;
}

}  // namespace refuge::rules
