#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "refuge/base/status.h"

namespace refuge::domain {

using Json = nlohmann::json;

// What a field holds. Validation and normalization follow from the kind, so every
// entity and every event type is described by data (schema.cc), not by code.
enum class FieldKind {
  kText,         // any non-empty string
  kEnum,         // one of FieldSpec::values
  kBool,
  kNumber,       // finite number
  kCountry,      // ISO 3166-1 alpha-2, upper-cased on input
  kCountryList,
  kTextList,     // list of non-empty strings
  kPartialDate,  // YYYY, YYYY-MM, YYYY-MM-DD or date-time with offset
  kDateTime,     // date-time with offset only
  kANumber,      // normalized to 9 digits
  kUrl,          // http(s) URL
  kRef,          // id of another object, see RefTarget
  kUserList,     // list of user names
};

// What a reference may point to. The kind of an id is known from its prefix.
enum class RefTarget {
  kNone,
  kPerson,
  kOrganization,
  kMatter,
  kFacility,
  kParty,     // a person, an organization or a facility
  kEvidence,  // an evidence record in the vault
};

struct FieldSpec {
  std::string name;
  FieldKind kind;
  bool required = false;
  std::vector<std::string> values;  // for kEnum
  RefTarget ref = RefTarget::kNone;
  bool non_negative = false;  // for kNumber: an amount or a count
};

struct TypeSpec {
  std::string name;
  std::vector<FieldSpec> fields;
  const FieldSpec* Find(std::string_view field) const;
};

enum class EntityKind { kPerson, kOrganization, kFacility, kMatter };
inline constexpr EntityKind kAllEntityKinds[] = {EntityKind::kPerson, EntityKind::kOrganization,
                                                 EntityKind::kFacility, EntityKind::kMatter};

// "person", "organization", "facility", "matter".
const char* EntityName(EntityKind kind);
// The id prefix: "per", "org", "fac", "mat"; events use "evt".
const char* EntityIdPrefix(EntityKind kind);
inline constexpr const char* kEventIdPrefix = "evt";
// The API collection: "people", "organizations", "facilities", "matters".
const char* EntityCollection(EntityKind kind);

const TypeSpec& EntitySpec(EntityKind kind);
// nullptr for an unknown event type.
const TypeSpec* FindEventType(std::string_view type);
const std::vector<TypeSpec>& AllEventTypes();
// The fields every event has: type, subject, date, matter, note.
const TypeSpec& EventCommonSpec();

// A reference found while validating, to be checked against the store.
struct Reference {
  std::string field;
  RefTarget target;
  std::string id;
};

// Fields the server owns. They may appear in input (a client sends back what it
// read) and are ignored there, except `version`, which a caller may use for
// optimistic concurrency.
bool IsServerField(std::string_view field);

// Checks `in` against `spec` plus `common` fields and writes the normalized object
// (only the known, non-null fields, values normalized) to `out`. Collects references
// in `refs`. Unknown fields, wrong types, bad enum values and bad dates are
// kInvalid errors naming the field.
Status ValidateFields(const TypeSpec& spec, const Json& in, Json* out, std::vector<Reference>* refs);

// Validates an entity body. Returns the normalized body (without server fields).
Result<Json> ValidateEntity(EntityKind kind, const Json& in, std::vector<Reference>* refs);

// Validates an event body: `type`, `subject` (unless `subject_optional`), `date`,
// optional `matter` and `note`, and the type's own fields.
Result<Json> ValidateEvent(const Json& in, std::vector<Reference>* refs,
                           bool subject_optional = false);

// The target kind an id's prefix names, or kNone when the prefix is unknown.
RefTarget TargetOfId(std::string_view id);
// Whether an id of kind `actual` may be used where `wanted` is expected.
bool RefAccepts(RefTarget wanted, RefTarget actual);

}  // namespace refuge::domain
