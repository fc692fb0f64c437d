#include "refuge/rules/rule_set.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>

#include "refuge/base/assets.h"
#include "refuge/domain/schema.h"

namespace refuge::rules {

using domain::FieldKind;
using domain::FieldSpec;
using domain::Json;
using domain::TypeSpec;

namespace {

constexpr int kMaxAmount = 100000;

bool ConditionHolds(const Condition& c, const Json& body) {
  auto it = body.find(c.field);
  const bool present = it != body.end() && !it->is_null();
  bool any = false;
  for (const FieldValue& v : c.values) {
    switch (v.kind) {
      case FieldValue::Kind::kAbsent:
        any = any || !present;
        break;
      case FieldValue::Kind::kString:
        any = any || (present && it->is_string() && it->get_ref<const std::string&>() == v.text);
        break;
      case FieldValue::Kind::kBool:
        any = any || (present && it->is_boolean() && it->get<bool>() == v.flag);
        break;
    }
  }
  return c.negate ? !any : any;
}

// 1-based line of the byte at `byte` (nlohmann counts bytes from 1).
int LineOfByte(std::string_view text, size_t byte) {
  const size_t end = std::min(byte == 0 ? 0 : byte - 1, text.size());
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + end, '\n'));
}

// nlohmann's message without its "[json.exception.parse_error.101] parse error at
// line 3, column 5: " prefix, which the caller states in its own words.
std::string ParseErrorDetail(const std::string& what) {
  std::string s = what;
  if (!s.empty() && s[0] == '[') {
    size_t close = s.find("] ");
    if (close != std::string::npos) s = s.substr(close + 2);
  }
  size_t col = s.find("column ");
  if (col != std::string::npos) {
    size_t colon = s.find(": ", col);
    if (colon != std::string::npos) s = s.substr(colon + 2);
  }
  return s;
}

// Parses a whole file, turning a syntax error into "<source>, line N: ...".
Result<Json> ParseJsonText(std::string_view text, const std::string& source) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    return Malformed(source + ", line " + std::to_string(LineOfByte(text, e.byte)) +
                     ": invalid JSON: " + ParseErrorDetail(e.what()));
  } catch (const Json::exception& e) {
    return Malformed(source + ": invalid JSON: " + ParseErrorDetail(e.what()));
  }
}

std::string Join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += sep;
    out += items[i];
  }
  return out;
}

// Reads one rule file. Every error names the source and the field path
// ("rules[2].offset.unit"), so an administrator can find it.
class RuleParser {
 public:
  explicit RuleParser(std::string source) : source_(std::move(source)) {}

  Status Error(const std::string& field, const std::string& msg) const {
    return Invalid(field, source_ + ": " + field + ": " + msg);
  }

  Status CheckKeys(const Json& obj, const std::string& where,
                   std::initializer_list<const char*> allowed) const {
    if (!obj.is_object()) return Error(where, "must be an object");
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      bool ok = false;
      for (const char* a : allowed) ok = ok || it.key() == a;
      if (!ok) {
        std::vector<std::string> names(allowed.begin(), allowed.end());
        const std::string field = where.empty() ? it.key() : where + "." + it.key();
        return Error(field, "unknown field (allowed: " + Join(names, ", ") + ")");
      }
    }
    return Status::Ok();
  }

  Result<std::string> String(const Json& obj, const std::string& where, const char* key,
                             bool required) const {
    auto it = obj.find(key);
    if (it == obj.end()) {
      if (required) return Error(where + "." + key, "is required");
      return std::string();
    }
    if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
      return Error(where + "." + key, "must be a non-empty string");
    }
    return it->get<std::string>();
  }

  Result<int> Amount(const Json& v, const std::string& field) const {
    if (!v.is_number_integer() || v.get<int64_t>() <= 0 || v.get<int64_t>() > kMaxAmount) {
      return Error(field, "must be a whole number from 1 to " + std::to_string(kMaxAmount));
    }
    return static_cast<int>(v.get<int64_t>());
  }

  Result<Unit> ParseUnit(const Json& obj, const std::string& where) const {
    REFUGE_ASSIGN_OR_RETURN(std::string s, String(obj, where, "unit", true));
    if (s == "hours") return Unit::kHours;
    if (s == "days") return Unit::kDays;
    if (s == "months") return Unit::kMonths;
    if (s == "years") return Unit::kYears;
    return Error(where + ".unit", "'" + s + "' is not one of hours, days, months, years");
  }

  Result<const TypeSpec*> EventType(const Json& obj, const std::string& where) const {
    REFUGE_ASSIGN_OR_RETURN(std::string type, String(obj, where, "type", true));
    const TypeSpec* spec = domain::FindEventType(type);
    if (spec == nullptr) return Error(where + ".type", "unknown event type '" + type + "'");
    return spec;
  }

  Result<const FieldSpec*> Field(const TypeSpec& spec, const std::string& name,
                                 const std::string& field) const {
    const FieldSpec* f = spec.Find(name);
    if (f == nullptr) {
      return Error(field, "'" + spec.name + "' events have no field '" + name + "'");
    }
    return f;
  }

  Result<FieldValue> Value(const FieldSpec& f, const Json& v, const std::string& field) const {
    FieldValue out;
    if (v.is_null()) {
      out.kind = FieldValue::Kind::kAbsent;
      return out;
    }
    if (f.kind == FieldKind::kBool) {
      if (!v.is_boolean()) return Error(field, "'" + f.name + "' is true or false");
      out.kind = FieldValue::Kind::kBool;
      out.flag = v.get<bool>();
      return out;
    }
    if (!v.is_string()) return Error(field, "must be a string, or null for 'absent'");
    out.text = v.get<std::string>();
    if (f.kind == FieldKind::kEnum &&
        std::find(f.values.begin(), f.values.end(), out.text) == f.values.end()) {
      return Error(field, "'" + out.text + "' is not one of " + Join(f.values, ", "));
    }
    return out;
  }

  // "when": {"field": value | [values] | {"not": value | [values]}}.
  Result<std::vector<Condition>> When(const TypeSpec& spec, const Json& obj,
                                      const std::string& where) const {
    std::vector<Condition> out;
    auto it = obj.find("when");
    if (it == obj.end()) return out;
    const std::string base = where + ".when";
    if (!it->is_object()) return Error(base, "must be an object of field conditions");
    for (auto c = it->begin(); c != it->end(); ++c) {
      const std::string field = base + "." + c.key();
      REFUGE_ASSIGN_OR_RETURN(const FieldSpec* f, Field(spec, c.key(), field));
      Condition cond;
      cond.field = c.key();
      const Json* values = &c.value();
      if (values->is_object()) {
        REFUGE_RETURN_IF_ERROR(CheckKeys(*values, field, {"not"}));
        if (!values->contains("not")) return Error(field + ".not", "is required");
        cond.negate = true;
        values = &(*values)["not"];
      }
      if (values->is_array()) {
        if (values->empty()) return Error(field, "needs at least one value");
        for (size_t i = 0; i < values->size(); ++i) {
          REFUGE_ASSIGN_OR_RETURN(FieldValue v,
                                  Value(*f, (*values)[i], field + "[" + std::to_string(i) + "]"));
          cond.values.push_back(std::move(v));
        }
      } else {
        REFUGE_ASSIGN_OR_RETURN(FieldValue v, Value(*f, *values, field));
        cond.values.push_back(std::move(v));
      }
      out.push_back(std::move(cond));
    }
    return out;
  }

  Result<std::string> DateField(const TypeSpec& spec, const Json& obj,
                                const std::string& where) const {
    REFUGE_ASSIGN_OR_RETURN(std::string name, String(obj, where, "date_field", false));
    if (name.empty()) return name;
    REFUGE_ASSIGN_OR_RETURN(const FieldSpec* f, Field(spec, name, where + ".date_field"));
    if (f->kind != FieldKind::kDateTime && f->kind != FieldKind::kPartialDate) {
      return Error(where + ".date_field", "'" + name + "' is not a date field");
    }
    return name;
  }

  Status Trigger(const Json& rj, const std::string& where, Rule* r) const {
    auto it = rj.find("trigger");
    if (it == rj.end()) return Error(where + ".trigger", "is required");
    const std::string base = where + ".trigger";
    REFUGE_RETURN_IF_ERROR(
        CheckKeys(*it, base, {"type", "when", "select", "not_before", "date_field"}));
    REFUGE_ASSIGN_OR_RETURN(const TypeSpec* spec, EventType(*it, base));
    r->trigger.type = spec->name;
    REFUGE_ASSIGN_OR_RETURN(r->trigger.when, When(*spec, *it, base));
    REFUGE_ASSIGN_OR_RETURN(std::string select, String(*it, base, "select", false));
    if (!select.empty() && select != "each" && select != "last") {
      return Error(base + ".select", "'" + select + "' is not one of each, last");
    }
    r->last_only = select == "last";
    REFUGE_ASSIGN_OR_RETURN(std::string floor, String(*it, base, "not_before", false));
    if (!floor.empty()) {
      auto day = ParseCivil(floor, base + ".not_before");
      if (!day.ok()) return Error(base + ".not_before", day.status().message());
      r->not_before = *day;
    }
    REFUGE_ASSIGN_OR_RETURN(r->date_field, DateField(*spec, *it, base));
    return Status::Ok();
  }

  Status Offset(const Json& rj, const std::string& where, Rule* r) const {
    auto it = rj.find("offset");
    if (it == rj.end()) return Error(where + ".offset", "is required");
    const std::string base = where + ".offset";
    REFUGE_RETURN_IF_ERROR(CheckKeys(*it, base, {"amount", "amount_by", "unit", "direction"}));
    const bool has_amount = it->contains("amount"), has_by = it->contains("amount_by");
    if (has_amount == has_by) return Error(base, "give exactly one of amount, amount_by");
    if (has_amount) {
      REFUGE_ASSIGN_OR_RETURN(r->amount, Amount((*it)["amount"], base + ".amount"));
    } else {
      const Json& by = (*it)["amount_by"];
      const std::string bw = base + ".amount_by";
      REFUGE_RETURN_IF_ERROR(CheckKeys(by, bw, {"field", "values"}));
      REFUGE_ASSIGN_OR_RETURN(r->amount_field, String(by, bw, "field", true));
      const TypeSpec* spec = domain::FindEventType(r->trigger.type);
      REFUGE_ASSIGN_OR_RETURN(const FieldSpec* f, Field(*spec, r->amount_field, bw + ".field"));
      auto values = by.find("values");
      if (values == by.end() || !values->is_object() || values->empty()) {
        return Error(bw + ".values", "must map field values to amounts");
      }
      for (auto v = values->begin(); v != values->end(); ++v) {
        const std::string vf = bw + ".values." + v.key();
        REFUGE_ASSIGN_OR_RETURN(FieldValue fv, Value(*f, Json(v.key()), vf));
        REFUGE_ASSIGN_OR_RETURN(int amount, Amount(v.value(), vf));
        r->amounts[fv.text] = amount;
      }
    }
    REFUGE_ASSIGN_OR_RETURN(r->unit, ParseUnit(*it, base));
    REFUGE_ASSIGN_OR_RETURN(std::string dir, String(*it, base, "direction", true));
    if (dir == "forward") {
      r->direction = Direction::kForward;
    } else if (dir == "backward") {
      r->direction = Direction::kBackward;
    } else {
      return Error(base + ".direction", "'" + dir + "' is not one of forward, backward");
    }
    return Status::Ok();
  }

  Status OtherOffsets(const Json& rj, const std::string& where, Rule* r) const {
    auto it = rj.find("other_offsets");
    if (it == rj.end()) return Status::Ok();
    const std::string base = where + ".other_offsets";
    if (!it->is_array()) return Error(base, "must be an array");
    for (size_t i = 0; i < it->size(); ++i) {
      const std::string w = base + "[" + std::to_string(i) + "]";
      const Json& o = (*it)[i];
      REFUGE_RETURN_IF_ERROR(CheckKeys(o, w, {"amount", "unit", "why"}));
      OtherOffset oo;
      if (!o.contains("amount")) return Error(w + ".amount", "is required");
      REFUGE_ASSIGN_OR_RETURN(oo.amount, Amount(o["amount"], w + ".amount"));
      REFUGE_ASSIGN_OR_RETURN(oo.unit, ParseUnit(o, w));
      REFUGE_ASSIGN_OR_RETURN(oo.why, String(o, w, "why", true));
      r->other_offsets.push_back(std::move(oo));
    }
    return Status::Ok();
  }

  Status Counting(const Json& rj, const std::string& where, Rule* r) const {
    auto it = rj.find("counting");
    if (it == rj.end()) return Error(where + ".counting", "is required");
    const std::string base = where + ".counting";
    REFUGE_RETURN_IF_ERROR(CheckKeys(*it, base, {"method", "trigger_day_counted", "roll"}));
    REFUGE_ASSIGN_OR_RETURN(std::string method, String(*it, base, "method", false));
    if (method.empty() || method == "calendar_days") {
      r->method = Method::kCalendarDays;
    } else if (method == "frap_26a") {
      r->method = Method::kFrap26a;
    } else {
      return Error(base + ".method", "'" + method + "' is not one of calendar_days, frap_26a");
    }
    if (it->contains("trigger_day_counted")) {
      const Json& v = (*it)["trigger_day_counted"];
      if (!v.is_boolean()) return Error(base + ".trigger_day_counted", "must be true or false");
      r->trigger_day_counted = v.get<bool>();
    }
    REFUGE_ASSIGN_OR_RETURN(std::string roll, String(*it, base, "roll", true));
    if (roll == "forward") {
      r->roll = Roll::kForward;
    } else if (roll == "backward") {
      r->roll = Roll::kBackward;
    } else if (roll == "none") {
      r->roll = Roll::kNone;
    } else {
      return Error(base + ".roll", "'" + roll + "' is not one of forward, backward, none");
    }
    if (r->unit == Unit::kHours && r->roll != Roll::kNone) {
      return Error(base + ".roll", "a period in hours runs continuously; use \"none\"");
    }
    return Status::Ok();
  }

  Status Satisfiers(const Json& rj, const std::string& where, Rule* r) const {
    auto it = rj.find("satisfied_by");
    if (it == rj.end()) return Status::Ok();
    const std::string base = where + ".satisfied_by";
    if (!it->is_array()) return Error(base, "must be an array");
    for (size_t i = 0; i < it->size(); ++i) {
      const std::string w = base + "[" + std::to_string(i) + "]";
      const Json& o = (*it)[i];
      REFUGE_RETURN_IF_ERROR(CheckKeys(o, w, {"type", "when", "timing", "not_before"}));
      Satisfier s;
      REFUGE_ASSIGN_OR_RETURN(const TypeSpec* spec, EventType(o, w));
      s.match.type = spec->name;
      REFUGE_ASSIGN_OR_RETURN(s.match.when, When(*spec, o, w));
      REFUGE_ASSIGN_OR_RETURN(std::string timing, String(o, w, "timing", false));
      if (timing.empty() || timing == "on_or_before_due") {
        s.timing = Timing::kOnOrBeforeDue;
      } else if (timing == "on_or_after_due") {
        s.timing = Timing::kOnOrAfterDue;
      } else {
        return Error(w + ".timing",
                     "'" + timing + "' is not one of on_or_before_due, on_or_after_due");
      }
      auto nb = o.find("not_before");
      if (nb == o.end() || (nb->is_string() && nb->get<std::string>() == "trigger")) {
        s.not_before = LowerBound::kTrigger;
      } else if (nb->is_string() && nb->get<std::string>() == "none") {
        s.not_before = LowerBound::kNone;
      } else if (nb->is_object()) {
        REFUGE_RETURN_IF_ERROR(CheckKeys(*nb, w + ".not_before", {"previous"}));
        REFUGE_ASSIGN_OR_RETURN(std::string prev, String(*nb, w + ".not_before", "previous", true));
        if (domain::FindEventType(prev) == nullptr) {
          return Error(w + ".not_before.previous", "unknown event type '" + prev + "'");
        }
        s.not_before = LowerBound::kPreviousOfType;
        s.previous_type = prev;
      } else {
        return Error(w + ".not_before",
                     "must be \"trigger\", \"none\" or {\"previous\": \"<event type>\"}");
      }
      r->satisfied_by.push_back(std::move(s));
    }
    return Status::Ok();
  }

  Status Superseders(const Json& rj, const std::string& where, Rule* r) const {
    auto it = rj.find("superseded_by");
    if (it == rj.end()) return Status::Ok();
    const std::string base = where + ".superseded_by";
    if (!it->is_array()) return Error(base, "must be an array");
    const TypeSpec* trigger_spec = domain::FindEventType(r->trigger.type);
    for (size_t i = 0; i < it->size(); ++i) {
      const std::string w = base + "[" + std::to_string(i) + "]";
      const Json& o = (*it)[i];
      REFUGE_RETURN_IF_ERROR(CheckKeys(o, w, {"type", "when", "same", "same_day", "date_field"}));
      Superseder s;
      REFUGE_ASSIGN_OR_RETURN(const TypeSpec* spec, EventType(o, w));
      s.match.type = spec->name;
      REFUGE_ASSIGN_OR_RETURN(s.match.when, When(*spec, o, w));
      if (auto same = o.find("same"); same != o.end()) {
        if (!same->is_array()) return Error(w + ".same", "must be an array of field names");
        for (size_t k = 0; k < same->size(); ++k) {
          const std::string sf = w + ".same[" + std::to_string(k) + "]";
          if (!(*same)[k].is_string()) return Error(sf, "must be a field name");
          const std::string name = (*same)[k].get<std::string>();
          REFUGE_RETURN_IF_ERROR(Field(*spec, name, sf).status());
          REFUGE_RETURN_IF_ERROR(Field(*trigger_spec, name, sf).status());
          s.same_fields.push_back(name);
        }
      }
      if (auto sd = o.find("same_day"); sd != o.end()) {
        if (!sd->is_boolean()) return Error(w + ".same_day", "must be true or false");
        s.same_day = sd->get<bool>();
      }
      REFUGE_ASSIGN_OR_RETURN(s.date_field, DateField(*spec, o, w));
      r->superseded_by.push_back(std::move(s));
    }
    return Status::Ok();
  }

  Result<Rule> ParseRule(const Json& rj, const std::string& where) const {
    REFUGE_RETURN_IF_ERROR(CheckKeys(
        rj, where,
        {"id", "title", "trigger", "offset", "other_offsets", "counting", "milestone",
         "satisfied_by", "superseded_by", "citation", "as_of", "notes", "note_if_detained"}));
    Rule r;
    r.source = source_;
    REFUGE_ASSIGN_OR_RETURN(r.id, String(rj, where, "id", true));
    for (char c : r.id) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
        return Error(where + ".id", "use lower-case letters, digits and '_' only");
      }
    }
    REFUGE_ASSIGN_OR_RETURN(r.title, String(rj, where, "title", true));
    REFUGE_RETURN_IF_ERROR(Trigger(rj, where, &r));
    REFUGE_RETURN_IF_ERROR(Offset(rj, where, &r));
    REFUGE_RETURN_IF_ERROR(OtherOffsets(rj, where, &r));
    REFUGE_RETURN_IF_ERROR(Counting(rj, where, &r));
    if (auto m = rj.find("milestone"); m != rj.end()) {
      if (!m->is_boolean()) return Error(where + ".milestone", "must be true or false");
      r.milestone = m->get<bool>();
    }
    REFUGE_RETURN_IF_ERROR(Satisfiers(rj, where, &r));
    REFUGE_RETURN_IF_ERROR(Superseders(rj, where, &r));
    REFUGE_ASSIGN_OR_RETURN(r.citation, String(rj, where, "citation", true));
    REFUGE_ASSIGN_OR_RETURN(r.as_of, String(rj, where, "as_of", true));
    if (auto d = ParseCivil(r.as_of, where + ".as_of"); !d.ok()) {
      return Error(where + ".as_of", d.status().message());
    }
    if (auto n = rj.find("notes"); n != rj.end()) {
      if (!n->is_array()) return Error(where + ".notes", "must be an array of strings");
      for (size_t i = 0; i < n->size(); ++i) {
        const Json& t = (*n)[i];
        if (!t.is_string() || t.get_ref<const std::string&>().empty()) {
          return Error(where + ".notes[" + std::to_string(i) + "]", "must be a non-empty string");
        }
        r.notes.push_back(t.get<std::string>());
      }
    }
    REFUGE_ASSIGN_OR_RETURN(r.note_if_detained, String(rj, where, "note_if_detained", false));
    return r;
  }

 private:
  std::string source_;
};

Result<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError(path.string() + ": cannot be read");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return IoError(path.string() + ": read failed");
  return ss.str();
}

}  // namespace

bool EventMatch::Matches(const domain::Event& e) const {
  if (e.type != type) return false;
  for (const Condition& c : when) {
    if (!ConditionHolds(c, e.body)) return false;
  }
  return true;
}

Result<RuleSet> RuleSet::Parse(std::string_view json_text, const std::string& source) {
  REFUGE_ASSIGN_OR_RETURN(Json root, ParseJsonText(json_text, source));
  RuleParser parser(source);
  if (!root.is_object() || !root.contains("rules")) {
    return parser.Error("rules", "the file must be an object {\"rules\": [...]}");
  }
  REFUGE_RETURN_IF_ERROR(parser.CheckKeys(root, "", {"rules"}));
  const Json& list = root["rules"];
  if (!list.is_array()) return parser.Error("rules", "must be an array of rules");
  RuleSet set;
  std::set<std::string> ids;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string where = "rules[" + std::to_string(i) + "]";
    REFUGE_ASSIGN_OR_RETURN(Rule r, parser.ParseRule(list[i], where));
    if (!ids.insert(r.id).second) {
      return parser.Error(where + ".id", "'" + r.id + "' appears twice in this file");
    }
    set.rules_.push_back(std::move(r));
  }
  set.Reindex();
  return set;
}

Result<RuleSet> RuleSet::BuiltIn() {
  // Parsed once; the embedded file cannot change while the program runs.
  static const Result<RuleSet> kBuiltIn = []() -> Result<RuleSet> {
    auto text = Asset("rules_json");
    if (!text) return Internal("the built-in rules (data/rules.json) are missing from the binary");
    return Parse(*text, "built-in rules (data/rules.json)");
  }();
  return kBuiltIn;
}

void RuleSet::Merge(const RuleSet& other) {
  for (const Rule& r : other.rules_) {
    auto it = std::find_if(rules_.begin(), rules_.end(),
                           [&](const Rule& mine) { return mine.id == r.id; });
    if (it != rules_.end()) {
      *it = r;
    } else {
      rules_.push_back(r);
    }
  }
  Reindex();
}

const Rule* RuleSet::Find(std::string_view id) const {
  for (const Rule& r : rules_) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

const std::vector<size_t>& RuleSet::TriggeredBy(const std::string& type) const {
  static const std::vector<size_t> kNone;
  auto it = by_trigger_.find(type);
  return it == by_trigger_.end() ? kNone : it->second;
}

void RuleSet::Reindex() {
  by_trigger_.clear();
  for (size_t i = 0; i < rules_.size(); ++i) by_trigger_[rules_[i].trigger.type].push_back(i);
}

Status ParseClosures(std::string_view json_text, const std::string& source, Calendar* calendar) {
  auto root = ParseJsonText(json_text, source);
  if (!root.ok()) return root.status();
  RuleParser parser(source);
  if (!root->is_object() || !root->contains("closures")) {
    return parser.Error("closures", "the file must be an object {\"closures\": [...]}");
  }
  REFUGE_RETURN_IF_ERROR(parser.CheckKeys(*root, "", {"closures"}));
  const Json& list = (*root)["closures"];
  if (!list.is_array()) return parser.Error("closures", "must be an array");
  Calendar updated = *calendar;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string where = "closures[" + std::to_string(i) + "]";
    REFUGE_RETURN_IF_ERROR(parser.CheckKeys(list[i], where, {"date", "reason"}));
    auto date_text = parser.String(list[i], where, "date", true);
    if (!date_text.ok()) return date_text.status();
    auto day = ParseCivil(*date_text, where + ".date");
    if (!day.ok()) return parser.Error(where + ".date", day.status().message());
    auto reason = parser.String(list[i], where, "reason", true);
    if (!reason.ok()) return reason.status();
    REFUGE_RETURN_IF_ERROR(updated.AddClosure(*day, *reason));
  }
  *calendar = std::move(updated);
  return Status::Ok();
}

Result<RuleConfig> LoadRuleConfig(const std::string& data_dir) {
  RuleConfig config;
  REFUGE_ASSIGN_OR_RETURN(config.rules, RuleSet::BuiltIn());
  if (data_dir.empty()) return config;
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path rules_dir = fs::path(data_dir) / "rules.d";
  if (fs::is_directory(rules_dir, ec)) {
    std::vector<fs::path> files;
    for (fs::directory_iterator it(rules_dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().extension() == ".json" && it->is_regular_file(ec)) files.push_back(it->path());
    }
    if (ec) return IoError(rules_dir.string() + ": cannot be listed: " + ec.message());
    std::sort(files.begin(), files.end());
    for (const fs::path& p : files) {
      REFUGE_ASSIGN_OR_RETURN(std::string text, ReadFile(p));
      REFUGE_ASSIGN_OR_RETURN(RuleSet extra, RuleSet::Parse(text, p.string()));
      config.rules.Merge(extra);
      config.files.push_back(p.string());
    }
  }
  const fs::path closures = fs::path(data_dir) / "closures.json";
  if (fs::exists(closures, ec)) {
    REFUGE_ASSIGN_OR_RETURN(std::string text, ReadFile(closures));
    REFUGE_RETURN_IF_ERROR(ParseClosures(text, closures.string(), &config.calendar));
    config.files.push_back(closures.string());
  }
  return config;
}

const char* UnitName(Unit unit) {
  switch (unit) {
    case Unit::kHours:
      return "hours";
    case Unit::kDays:
      return "days";
    case Unit::kMonths:
      return "months";
    case Unit::kYears:
      return "years";
  }
  return "days";
}

const char* RollName(Roll roll) {
  switch (roll) {
    case Roll::kForward:
      return "forward";
    case Roll::kBackward:
      return "backward";
    case Roll::kNone:
      return "none";
  }
  return "none";
}

}  // namespace refuge::rules
