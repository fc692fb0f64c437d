#include "refuge/domain/schema.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cmath>

#include "refuge/base/date.h"
#include "refuge/domain/a_number.h"
#include "refuge/domain/countries.h"

namespace refuge::domain {
namespace {

using K = FieldKind;
using R = RefTarget;

FieldSpec Req(std::string name, FieldKind kind, std::vector<std::string> values = {}) {
  return FieldSpec{std::move(name), kind, true, std::move(values), R::kNone};
}
FieldSpec Opt(std::string name, FieldKind kind, std::vector<std::string> values = {}) {
  return FieldSpec{std::move(name), kind, false, std::move(values), R::kNone};
}
FieldSpec NonNegative(FieldSpec f) {
  f.non_negative = true;
  return f;
}
FieldSpec Ref(std::string name, RefTarget target, bool required = false) {
  return FieldSpec{std::move(name), K::kRef, required, {}, target};
}

const std::vector<std::string> kModes = {"air", "sea", "land"};

// The event contract (docs/api.md), one entry per type. Common fields (subject,
// date, matter, note) are added by ValidateEvent.
const std::vector<TypeSpec>& EventTypes() {
  static const std::vector<TypeSpec> kTypes = {
      {"departure", {Req("country", K::kCountry), Opt("place", K::kText),
                     Opt("to_country", K::kCountry), Opt("mode", K::kEnum, kModes)}},
      {"arrival", {Req("country", K::kCountry), Opt("place", K::kText), Opt("mode", K::kEnum, kModes),
                   Opt("manner", K::kEnum, {"inspected", "without_inspection", "paroled"})}},
      {"detention", {Ref("facility", R::kFacility, true), Opt("agency", K::kText)}},
      {"transfer", {Ref("facility", R::kFacility, true)}},
      {"release", {Req("reason", K::kEnum,
                       {"bond", "parole", "recognizance", "supervision", "removed", "other"}),
                   Opt("conditions", K::kText)}},
      {"notice_to_appear", {Opt("charges", K::kText)}},
      {"hearing", {Req("kind", K::kEnum, {"master", "individual", "bond"}),
                   Opt("datetime", K::kDateTime), Opt("court", K::kText), Opt("judge", K::kText),
                   Opt("status", K::kEnum, {"scheduled", "held", "cancelled", "moved"})}},
      {"decision", {Req("body", K::kEnum, {"ij", "bia", "uscis", "circuit", "district"}),
                    Req("outcome", K::kEnum,
                        {"removal_ordered", "relief_granted", "granted", "denied", "dismissed",
                         "remanded", "bond_set", "bond_denied"}),
                    Opt("relief", K::kEnum, {"asylum", "withholding", "cat"}),
                    Opt("final", K::kBool)}},
      {"filing", {Req("kind", K::kEnum,
                      {"asylum_application", "ead_application", "bia_appeal", "motion_to_reopen",
                       "motion_to_reconsider", "bond_motion", "petition_for_review",
                       "habeas_petition", "brief", "evidence_submission", "other"}),
                  Opt("forum", K::kText), Opt("receipt", K::kText)}},
      {"bond", {Req("action", K::kEnum, {"requested", "set", "denied", "posted"}),
                NonNegative(Opt("amount", K::kNumber)), Opt("by", K::kEnum, {"ice", "ij"})}},
      {"fear_screening", {Req("kind", K::kEnum, {"credible", "reasonable"}),
                          Opt("result", K::kEnum, {"positive", "negative", "pending"})}},
      {"removal_designation", {Req("country", K::kCountry), Req("third_country", K::kBool)}},
      {"removal_designation_withdrawn", {Req("country", K::kCountry)}},
      {"removal", {Req("country", K::kCountry)}},
      {"correspondence", {Req("direction", K::kEnum, {"in", "out"}), Ref("from", R::kParty),
                          Ref("to", R::kParty), Opt("subject_line", K::kText)}},
      {"incident", {Req("kind", K::kEnum,
                        {"doxxing", "family_summoned", "threat", "surveillance", "arrest",
                         "harassment", "detention_abroad"}),
                    Ref("actor", R::kParty), Opt("place", K::kText)}},
      {"evidence_capture", {Ref("evidence", R::kEvidence), Opt("place", K::kText)}},
      {"publication", {Opt("platform", K::kText), Ref("publisher", R::kParty), Opt("url", K::kUrl),
                       Ref("evidence", R::kEvidence)}},
      {"advocacy", {Req("kind", K::kEnum,
                        {"letter", "statement", "social_post", "press", "testimony", "meeting",
                         "petition"}),
                    Ref("actor", R::kParty), Ref("target", R::kParty), Opt("url", K::kUrl),
                    Opt("quote", K::kText)}},
      {"note", {}},
  };
  return kTypes;
}

const TypeSpec kPersonSpec{
    "person",
    {Req("name", K::kText), Opt("other_names", K::kTextList), Opt("a_number", K::kANumber),
     Opt("birth_date", K::kPartialDate), Opt("country_of_birth", K::kCountry),
     Opt("citizenship", K::kCountryList), Opt("languages", K::kTextList),
     Opt("protected", K::kBool), Opt("note", K::kText)}};

const TypeSpec kOrganizationSpec{
    "organization",
    {Req("name", K::kText),
     Opt("kind", K::kEnum,
         {"ngo", "agency", "court", "commission", "law_firm", "media", "legislature", "other"}),
     Opt("country", K::kCountry), Opt("note", K::kText)}};

// Beyond the contract's fields, a facility keeps the ICE list's own columns so an
// import from that list loses nothing.
const TypeSpec kFacilitySpec{
    "facility",
    {Req("name", K::kText),
     Opt("kind", K::kEnum, {"ice_detention", "cbp", "prison", "camp_abroad", "court", "other"}),
     Opt("address", K::kText), Opt("city", K::kText), Opt("county", K::kText),
     Opt("state", K::kText), Opt("zip", K::kText), Opt("country", K::kCountry),
     Opt("lat", K::kNumber), Opt("lon", K::kNumber), Opt("detloc", K::kText), Opt("aor", K::kText),
     Opt("phone", K::kText), Opt("circuit", K::kText), Opt("docket", K::kText),
     Opt("ice_type", K::kText), Opt("ice_type_detailed", K::kText),
     Opt("authorizing_authority", K::kText), NonNegative(Opt("capacity", K::kNumber)),
     Opt("guaranteed_minimum", K::kNumber), Opt("first_use", K::kPartialDate),
     Opt("last_use", K::kPartialDate), Opt("over_72", K::kBool), Opt("note", K::kText)}};

const TypeSpec kMatterSpec{
    "matter",
    {Ref("client", R::kPerson, true),
     Opt("kind", K::kEnum,
         {"removal_defense", "affirmative_asylum", "bond", "appeal", "habeas", "advocacy", "other"}),
     Opt("title", K::kText), Opt("status", K::kEnum, {"open", "closed"}),
     Opt("team", K::kUserList), Opt("note", K::kText)}};

const char* TypeName(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::string: return "a string";
    case Json::value_t::array: return "a list";
    case Json::value_t::object: return "an object";
    default: return "a number";
  }
}

std::string Trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

bool IsValidId(std::string_view id) {
  if (id.size() < 5 || id.size() > 80 || id[3] != '_') return false;
  for (char c : id) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
          c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}

const char* TargetName(RefTarget t) {
  switch (t) {
    case R::kPerson: return "a person";
    case R::kOrganization: return "an organization";
    case R::kMatter: return "a matter";
    case R::kFacility: return "a facility";
    case R::kParty: return "a person, organization or facility";
    case R::kEvidence: return "an evidence record";
    case R::kNone: break;
  }
  return "an object";
}

// A control character (C0, DEL or C1) in text, where it is never meant: NUL cannot
// be stored in PostgreSQL text at all, and the others hide or garble what a reader
// sees. Free text (IsFreeText) may hold tabs and line breaks. Nothing else is stripped
// or replaced: the text is refused whole.
Status CheckControlCharacters(const std::string& name, const std::string& s, bool multiline) {
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const bool c1 = c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
                    static_cast<unsigned char>(s[i + 1]) <= 0x9F;
    if (multiline && (c == '\t' || c == '\n')) continue;
    if (c < 0x20 || c == 0x7F || c1) {
      char code[8];
      std::snprintf(code, sizeof code, "U+%04X", c1 ? static_cast<unsigned char>(s[i + 1]) : c);
      return Invalid(name, std::string("must not contain control characters (found ") + code + " at byte " +
                               std::to_string(i) + ")" +
                               (multiline ? "; only tabs and line breaks are allowed" : ""));
    }
  }
  return Status::Ok();
}

// Fields written as paragraphs, where a line break or a tab is part of the text.
bool IsFreeText(const FieldSpec& f) {
  static const char* const kFreeText[] = {"note", "conditions", "charges", "quote", "address"};
  return f.kind == K::kText && std::find(std::begin(kFreeText), std::end(kFreeText), f.name) != std::end(kFreeText);
}

Result<Json> ValidateValue(const FieldSpec& f, const Json& v, std::vector<Reference>* refs) {
  const std::string& name = f.name;
  auto want = [&](const char* what) {
    return Invalid(name, "must be " + std::string(what) + ", got " + TypeName(v));
  };
  auto text = [&]() -> Result<std::string> {
    if (!v.is_string()) return want("a string");
    REFUGE_RETURN_IF_ERROR(CheckControlCharacters(name, v.get_ref<const std::string&>(), IsFreeText(f)));
    std::string s = Trim(v.get<std::string>());
    if (s.empty()) return Invalid(name, "must not be empty");
    if (s.size() > 100000) return Status(Code::kTooLarge, "is longer than 100000 bytes", name);
    return s;
  };
  switch (f.kind) {
    case K::kText: {
      auto s = text();
      if (!s.ok()) return s.status();
      return Json(*s);
    }
    case K::kEnum: {
      auto s = text();
      if (!s.ok()) return s.status();
      if (std::find(f.values.begin(), f.values.end(), *s) == f.values.end()) {
        std::string all;
        for (const auto& x : f.values) all += (all.empty() ? "" : ", ") + x;
        return Invalid(name, "'" + *s + "' is not one of: " + all);
      }
      return Json(*s);
    }
    case K::kBool:
      if (!v.is_boolean()) return want("true or false");
      return v;
    case K::kNumber:
      if (!v.is_number() || !std::isfinite(v.get<double>())) return want("a number");
      if (f.non_negative && v.get<double>() < 0) return Invalid(name, "must not be negative");
      return v;
    case K::kCountry: {
      auto s = text();
      if (!s.ok()) return s.status();
      std::string up = *s;
      for (char& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (!IsCountryCode(up)) {
        return Invalid(name, "'" + *s + "' is not an ISO 3166-1 alpha-2 country code");
      }
      return Json(up);
    }
    case K::kCountryList:
    case K::kTextList:
    case K::kUserList: {
      if (!v.is_array()) return want("a list");
      Json out = Json::array();
      FieldSpec item = f;
      item.kind = f.kind == K::kCountryList ? K::kCountry : K::kText;
      for (size_t i = 0; i < v.size(); ++i) {
        item.name = name + "[" + std::to_string(i) + "]";
        auto r = ValidateValue(item, v[i], refs);
        if (!r.ok()) return r.status();
        if (std::find(out.begin(), out.end(), *r) == out.end()) out.push_back(*r);
      }
      return out;
    }
    case K::kPartialDate:
    case K::kDateTime: {
      auto s = text();
      if (!s.ok()) return s.status();
      auto d = PartialDate::Parse(*s, name);
      if (!d.ok()) return d.status();
      if (f.kind == K::kDateTime && !d->has_time()) {
        return Invalid(name, "must be a date-time with a UTC offset, e.g. 2026-09-10T09:00-04:00");
      }
      return Json(d->ToString());
    }
    case K::kANumber: {
      auto s = text();
      if (!s.ok()) return s.status();
      auto a = NormalizeANumber(*s, name);
      if (!a.ok()) return a.status();
      return Json(*a);
    }
    case K::kUrl: {
      auto s = text();
      if (!s.ok()) return s.status();
      if (s->rfind("http://", 0) != 0 && s->rfind("https://", 0) != 0) {
        return Invalid(name, "must be an http:// or https:// URL");
      }
      return Json(*s);
    }
    case K::kRef: {
      auto s = text();
      if (!s.ok()) return s.status();
      if (!IsValidId(*s)) return Invalid(name, "'" + *s + "' is not a valid id");
      RefTarget actual = TargetOfId(*s);
      if (!RefAccepts(f.ref, actual)) {
        return Invalid(name, "'" + *s + "' must refer to " + TargetName(f.ref));
      }
      refs->push_back(Reference{name, actual, *s});
      return Json(*s);
    }
  }
  return Internal("unhandled field kind");
}

const TypeSpec kEventCommon{
    "event",
    {Req("type", K::kText), Ref("subject", R::kPerson, true), Req("date", K::kPartialDate),
     Ref("matter", R::kMatter), Opt("note", K::kText),
     // A lawyer marks an event shareable to let advocates on the team see it.
     Opt("shareable", K::kBool)}};

}  // namespace

const FieldSpec* TypeSpec::Find(std::string_view field) const {
  for (const auto& f : fields) {
    if (f.name == field) return &f;
  }
  return nullptr;
}

const char* EntityName(EntityKind k) {
  switch (k) {
    case EntityKind::kPerson: return "person";
    case EntityKind::kOrganization: return "organization";
    case EntityKind::kFacility: return "facility";
    case EntityKind::kMatter: return "matter";
  }
  return "?";
}

const char* EntityIdPrefix(EntityKind k) {
  switch (k) {
    case EntityKind::kPerson: return "per";
    case EntityKind::kOrganization: return "org";
    case EntityKind::kFacility: return "fac";
    case EntityKind::kMatter: return "mat";
  }
  return "?";
}

const char* EntityCollection(EntityKind k) {
  switch (k) {
    case EntityKind::kPerson: return "people";
    case EntityKind::kOrganization: return "organizations";
    case EntityKind::kFacility: return "facilities";
    case EntityKind::kMatter: return "matters";
  }
  return "?";
}

const TypeSpec& EntitySpec(EntityKind k) {
  switch (k) {
    case EntityKind::kPerson: return kPersonSpec;
    case EntityKind::kOrganization: return kOrganizationSpec;
    case EntityKind::kFacility: return kFacilitySpec;
    case EntityKind::kMatter: return kMatterSpec;
  }
  return kPersonSpec;
}

const TypeSpec* FindEventType(std::string_view type) {
  for (const auto& t : EventTypes()) {
    if (t.name == type) return &t;
  }
  return nullptr;
}

const std::vector<TypeSpec>& AllEventTypes() { return EventTypes(); }

const TypeSpec& EventCommonSpec() { return kEventCommon; }

bool IsServerField(std::string_view f) {
  return f == "id" || f == "version" || f == "created_at" || f == "updated_at" ||
         f == "retracted" || f == "created_by" || f == "updated_by" || f == "masked";
}

RefTarget TargetOfId(std::string_view id) {
  if (id.size() < 4 || id[3] != '_') return R::kNone;
  std::string_view p = id.substr(0, 3);
  if (p == "per") return R::kPerson;
  if (p == "org") return R::kOrganization;
  if (p == "fac") return R::kFacility;
  if (p == "mat") return R::kMatter;
  if (p == "evi") return R::kEvidence;
  return R::kNone;
}

bool RefAccepts(RefTarget wanted, RefTarget actual) {
  if (actual == R::kNone) return false;
  if (wanted == R::kParty) {
    return actual == R::kPerson || actual == R::kOrganization || actual == R::kFacility;
  }
  return wanted == actual;
}

Status ValidateFields(const TypeSpec& spec, const Json& in, Json* out,
                      std::vector<Reference>* refs) {
  if (!in.is_object()) return Malformed("expected a JSON object");
  for (const auto& [key, value] : in.items()) {
    if (IsServerField(key)) continue;
    const FieldSpec* f = spec.Find(key);
    if (f == nullptr) {
      return Invalid(key, "unknown field '" + key + "' for " + spec.name);
    }
    if (value.is_null()) continue;  // null means "not set"
    auto v = ValidateValue(*f, value, refs);
    if (!v.ok()) return v.status();
    (*out)[key] = std::move(v).value();
  }
  for (const auto& f : spec.fields) {
    if (f.required && !out->contains(f.name)) {
      return Invalid(f.name, "'" + f.name + "' is required for " + spec.name);
    }
  }
  return Status::Ok();
}

Result<Json> ValidateEntity(EntityKind kind, const Json& in, std::vector<Reference>* refs) {
  Json out = Json::object();
  REFUGE_RETURN_IF_ERROR(ValidateFields(EntitySpec(kind), in, &out, refs));
  return out;
}

Result<Json> ValidateEvent(const Json& in, std::vector<Reference>* refs, bool subject_optional) {
  if (!in.is_object()) return Malformed("an event must be a JSON object");
  auto type_it = in.find("type");
  if (type_it == in.end() || !type_it->is_string()) {
    return Invalid("type", "'type' is required and must be a string");
  }
  const std::string type = type_it->get<std::string>();
  const TypeSpec* spec = FindEventType(type);
  if (spec == nullptr) return Invalid("type", "unknown event type '" + type + "'");

  // Common fields first, then the type's own; one combined spec keeps the unknown-field
  // check in one place.
  TypeSpec combined{"event '" + type + "'", kEventCommon.fields};
  if (subject_optional) combined.fields[1].required = false;
  combined.fields.insert(combined.fields.end(), spec->fields.begin(), spec->fields.end());
  Json out = Json::object();
  REFUGE_RETURN_IF_ERROR(ValidateFields(combined, in, &out, refs));
  return out;
}

}  // namespace refuge::domain
