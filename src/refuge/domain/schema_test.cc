#include "refuge/domain/schema.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace refuge::domain {
namespace {

constexpr const char* kPerson = "per_01hx5wenhao";
constexpr const char* kMatter = "mat_01hx5removal";
constexpr const char* kFacility = "fac_01hx5krome";
constexpr const char* kOrg = "org_01hx5ice";
constexpr const char* kEvidence = "evi_01hx5video";

// An id of the kind `target` names.
std::string IdFor(RefTarget target) {
  switch (target) {
    case RefTarget::kPerson: return kPerson;
    case RefTarget::kOrganization: return kOrg;
    case RefTarget::kMatter: return kMatter;
    case RefTarget::kFacility: return kFacility;
    case RefTarget::kParty: return kOrg;
    case RefTarget::kEvidence: return kEvidence;
    case RefTarget::kNone: break;
  }
  return "xyz_none";
}

// A valid value for a field, following its kind.
Json ValidValue(const FieldSpec& f) {
  switch (f.kind) {
    case FieldKind::kText: return "Krome North Service Processing Center";
    case FieldKind::kEnum: return f.values.front();
    case FieldKind::kBool: return true;
    case FieldKind::kNumber: return 1500;
    case FieldKind::kCountry: return "US";
    case FieldKind::kCountryList: return Json::array({"CN"});
    case FieldKind::kTextList: return Json::array({"Wen Hao"});
    case FieldKind::kPartialDate: return "2021-10";
    case FieldKind::kDateTime: return "2026-09-02T10:00-04:00";
    case FieldKind::kANumber: return "A-214-587-903";
    case FieldKind::kUrl: return "https://example.org/statement";
    case FieldKind::kRef: return IdFor(f.ref);
    case FieldKind::kUserList: return Json::array({"amara"});
  }
  return nullptr;
}

// The smallest valid body of an event type: the common fields and the required ones.
Json MinimalEvent(const TypeSpec& spec) {
  Json body = {{"type", spec.name}, {"subject", kPerson}, {"date", "2021-10-03"}};
  for (const FieldSpec& f : spec.fields) {
    if (f.required) body[f.name] = ValidValue(f);
  }
  return body;
}

Result<Json> Validate(const Json& in, std::vector<Reference>* refs = nullptr) {
  std::vector<Reference> ignored;
  return ValidateEvent(in, refs != nullptr ? refs : &ignored);
}

Result<Json> ValidatePerson(const Json& in) {
  std::vector<Reference> refs;
  return ValidateEntity(EntityKind::kPerson, in, &refs);
}

// --- every event type ----------------------------------------------------------

TEST(ValidateEventTest, EveryTypeAcceptsAMinimalBody) {
  ASSERT_FALSE(AllEventTypes().empty());
  for (const TypeSpec& spec : AllEventTypes()) {
    Json in = MinimalEvent(spec);
    auto out = Validate(in);
    ASSERT_TRUE(out.ok()) << spec.name << ": " << out.status().ToString() << "\n" << in.dump();
    EXPECT_EQ((*out)["type"], spec.name);
    EXPECT_EQ((*out)["subject"], kPerson);
    EXPECT_EQ((*out)["date"], "2021-10-03");
  }
}

TEST(ValidateEventTest, EveryTypeRejectsABodyMissingARequiredField) {
  int checked = 0;
  for (const TypeSpec& spec : AllEventTypes()) {
    for (const FieldSpec& f : spec.fields) {
      if (!f.required) continue;
      Json in = MinimalEvent(spec);
      in.erase(f.name);
      auto out = Validate(in);
      ASSERT_FALSE(out.ok()) << spec.name << " without " << f.name << " was accepted";
      EXPECT_EQ(out.status().code(), Code::kInvalid) << spec.name;
      EXPECT_EQ(out.status().field(), f.name) << spec.name;
      ++checked;
    }
  }
  EXPECT_GT(checked, 15);
}

TEST(ValidateEventTest, EveryTypeRequiresSubjectAndDate) {
  for (const TypeSpec& spec : AllEventTypes()) {
    for (const char* common : {"subject", "date"}) {
      Json in = MinimalEvent(spec);
      in.erase(common);
      auto out = Validate(in);
      ASSERT_FALSE(out.ok()) << spec.name << " without " << common;
      EXPECT_EQ(out.status().field(), common) << spec.name;
    }
  }
}

TEST(ValidateEventTest, ContractTypesAreAllPresent) {
  for (const char* type :
       {"departure", "arrival", "detention", "transfer", "release", "notice_to_appear", "hearing",
        "decision", "filing", "bond", "fear_screening", "removal_designation",
        "removal_designation_withdrawn", "removal", "correspondence", "incident",
        "evidence_capture", "publication", "advocacy", "note"}) {
    EXPECT_NE(FindEventType(type), nullptr) << type;
  }
  EXPECT_EQ(FindEventType("deportation"), nullptr);
}

// --- type, unknown fields, enums ---------------------------------------------------

TEST(ValidateEventTest, UnknownTypeIsRejected) {
  auto out = Validate({{"type", "deportation"}, {"subject", kPerson}, {"date", "2026"}});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), Code::kInvalid);
  EXPECT_EQ(out.status().field(), "type");
  EXPECT_NE(out.status().message().find("deportation"), std::string::npos);
}

TEST(ValidateEventTest, MissingOrNonStringTypeIsRejected) {
  auto missing = Validate({{"subject", kPerson}, {"date", "2026"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().field(), "type");

  auto number = Validate({{"type", 7}, {"subject", kPerson}, {"date", "2026"}});
  ASSERT_FALSE(number.ok());
  EXPECT_EQ(number.status().field(), "type");
}

TEST(ValidateEventTest, NonObjectIsMalformed) {
  std::vector<Reference> refs;
  auto out = ValidateEvent(Json::array({1, 2}), &refs);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), Code::kMalformed);
}

TEST(ValidateEventTest, UnknownFieldIsRejectedByName) {
  Json in = {{"type", "arrival"}, {"subject", kPerson}, {"date", "2021-10-03"},
             {"country", "US"}, {"boat_name", "Esperanza"}};
  auto out = Validate(in);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), Code::kInvalid);
  EXPECT_EQ(out.status().field(), "boat_name");
  EXPECT_NE(out.status().message().find("boat_name"), std::string::npos);
}

TEST(ValidateEventTest, AFieldOfAnotherTypeIsUnknown) {
  // `facility` belongs to detention, not to arrival.
  Json in = {{"type", "arrival"}, {"subject", kPerson}, {"date", "2021-10-03"},
             {"country", "US"}, {"facility", kFacility}};
  auto out = Validate(in);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().field(), "facility");
}

TEST(ValidateEventTest, EnumValues) {
  Json in = {{"type", "arrival"}, {"subject", kPerson}, {"date", "2021-10-03"},
             {"country", "US"}, {"manner", "without_inspection"}, {"mode", "sea"}};
  auto ok = Validate(in);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ((*ok)["manner"], "without_inspection");

  in["manner"] = "smuggled";
  auto bad = Validate(in);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "manner");
  EXPECT_NE(bad.status().message().find("without_inspection"), std::string::npos)
      << "the error should list the allowed values: " << bad.status().message();

  in["manner"] = "inspected";
  in["mode"] = "bicycle";
  auto bad_mode = Validate(in);
  ASSERT_FALSE(bad_mode.ok());
  EXPECT_EQ(bad_mode.status().field(), "mode");
}

TEST(ValidateEventTest, EnumsAreCaseSensitive) {
  Json in = {{"type", "release"}, {"subject", kPerson}, {"date", "2026-12-01"},
             {"reason", "Bond"}};
  auto out = Validate(in);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().field(), "reason");
}

// --- values and normalization ------------------------------------------------------

TEST(ValidateEventTest, CountriesAreUpperCased) {
  Json in = {{"type", "departure"}, {"subject", kPerson}, {"date", "2021-10-02"},
             {"country", "bs"}, {"to_country", "us"}, {"mode", "sea"}};
  auto out = Validate(in);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)["country"], "BS");
  EXPECT_EQ((*out)["to_country"], "US");
}

TEST(ValidateEventTest, UnknownCountryIsRejected) {
  Json in = {{"type", "removal"}, {"subject", kPerson}, {"date", "2026-12-01"},
             {"country", "XX"}};
  auto out = Validate(in);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), Code::kInvalid);
  EXPECT_EQ(out.status().field(), "country");

  in["country"] = "USA";
  EXPECT_EQ(Validate(in).status().field(), "country");
}

TEST(ValidateEventTest, NullMeansAbsent) {
  Json in = {{"type", "arrival"}, {"subject", kPerson}, {"date", "2021-10-03"},
             {"country", "US"}, {"place", nullptr}, {"matter", nullptr}};
  auto out = Validate(in);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_FALSE(out->contains("place"));
  EXPECT_FALSE(out->contains("matter"));

  // A required field set to null is missing.
  in["country"] = nullptr;
  auto missing = Validate(in);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().field(), "country");
}

TEST(ValidateEventTest, ServerFieldsAreIgnored) {
  Json in = {{"type", "note"},        {"subject", kPerson},
             {"date", "2026-08"},     {"note", "Called the consulate."},
             {"id", "evt_01hx5abc"},  {"version", 3},
             {"created_at", "2026-08-01T10:00:00Z"},
             {"updated_at", "2026-08-02T10:00:00Z"},
             {"retracted", false}};
  auto out = Validate(in);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  for (const char* f : {"id", "version", "created_at", "updated_at", "retracted"}) {
    EXPECT_FALSE(out->contains(f)) << f;
    EXPECT_TRUE(IsServerField(f)) << f;
  }
  EXPECT_EQ((*out)["note"], "Called the consulate.");
  EXPECT_FALSE(IsServerField("note"));
}

TEST(ValidateEventTest, OutputKeepsOnlyKnownNonNullFields) {
  Json in = {{"type", "hearing"}, {"subject", kPerson}, {"date", "2026-09-02"},
             {"kind", "master"},  {"court", "Miami Immigration Court"}, {"judge", nullptr}};
  auto out = Validate(in);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  Json expected = {{"type", "hearing"}, {"subject", kPerson}, {"date", "2026-09-02"},
                   {"kind", "master"},  {"court", "Miami Immigration Court"}};
  EXPECT_EQ(*out, expected);
}

TEST(ValidateEventTest, TextIsTrimmedAndMustNotBeEmpty) {
  Json in = {{"type", "note"}, {"subject", kPerson}, {"date", "2026"},
             {"note", "  Amara Okafor visited.  "}};
  auto out = Validate(in);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)["note"], "Amara Okafor visited.");

  in["note"] = "   ";
  auto empty = Validate(in);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().field(), "note");
}

TEST(ValidateEventTest, WrongJsonTypesAreRejected) {
  Json bond = {{"type", "bond"}, {"subject", kPerson}, {"date", "2026-10-01"},
               {"action", "set"}, {"amount", "7500"}};
  auto amount = Validate(bond);
  ASSERT_FALSE(amount.ok());
  EXPECT_EQ(amount.status().field(), "amount");
  bond["amount"] = 7500;
  EXPECT_TRUE(Validate(bond).ok());

  Json decision = {{"type", "decision"}, {"subject", kPerson}, {"date", "2026-11-05"},
                   {"body", "ij"}, {"outcome", "removal_ordered"}, {"final", "yes"}};
  auto final_flag = Validate(decision);
  ASSERT_FALSE(final_flag.ok());
  EXPECT_EQ(final_flag.status().field(), "final");

  Json note = {{"type", "note"}, {"subject", kPerson}, {"date", "2026"}, {"note", 42}};
  EXPECT_EQ(Validate(note).status().field(), "note");
}

TEST(ValidateEventTest, DateIsNormalized) {
  Json in = {{"type", "hearing"}, {"subject", kPerson}, {"date", "2026-09-02T10:00-04:00"},
             {"kind", "master"}};
  auto out = Validate(in);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)["date"], "2026-09-02T10:00:00-04:00");
}

TEST(ValidateEventTest, BadDateNamesTheField) {
  Json in = {{"type", "note"}, {"subject", kPerson}, {"date", "2026-02-30"}, {"note", "x"}};
  auto out = Validate(in);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), Code::kInvalid);
  EXPECT_EQ(out.status().field(), "date");
}

TEST(ValidateEventTest, HearingDatetimeRequiresATime) {
  Json in = {{"type", "hearing"}, {"subject", kPerson}, {"date", "2026-09-02"},
             {"kind", "individual"}, {"datetime", "2026-09-02"}};
  auto day_only = Validate(in);
  ASSERT_FALSE(day_only.ok());
  EXPECT_EQ(day_only.status().field(), "datetime");

  in["datetime"] = "2026-09-02T10:00-04:00";
  auto out = Validate(in);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)["datetime"], "2026-09-02T10:00:00-04:00");
}

TEST(ValidateEventTest, UrlMustBeHttpOrHttps) {
  Json in = {{"type", "publication"}, {"subject", kPerson}, {"date", "2026-07-14"},
             {"url", "https://news.example.org/wen-hao"}};
  ASSERT_TRUE(Validate(in).ok());
  in["url"] = "http://news.example.org/wen-hao";
  ASSERT_TRUE(Validate(in).ok());

  for (const char* bad : {"ftp://files.example.org/a.mp4", "javascript:alert(1)",
                          "news.example.org/wen-hao"}) {
    in["url"] = bad;
    auto out = Validate(in);
    ASSERT_FALSE(out.ok()) << bad;
    EXPECT_EQ(out.status().field(), "url") << bad;
  }
}

TEST(ValidateEventTest, SubjectOptionalForStandAloneEventFiles) {
  Json in = {{"type", "arrival"}, {"date", "2021-10-03"}, {"country", "US"}};
  std::vector<Reference> refs;
  EXPECT_FALSE(ValidateEvent(in, &refs).ok());
  auto out = ValidateEvent(in, &refs, /*subject_optional=*/true);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_FALSE(out->contains("subject"));

  // A subject that is given is still checked.
  in["subject"] = kMatter;
  auto wrong = ValidateEvent(in, &refs, /*subject_optional=*/true);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().field(), "subject");
}

// --- references --------------------------------------------------------------------

TEST(ValidateEventTest, ReferencesAreCollectedWithTheirTarget) {
  Json in = {{"type", "detention"}, {"subject", kPerson}, {"date", "2026-03-10"},
             {"matter", kMatter}, {"facility", kFacility}, {"agency", "ICE"}};
  std::vector<Reference> refs;
  auto out = ValidateEvent(in, &refs);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(refs.size(), 3u);
  auto find = [&](const std::string& field) -> const Reference* {
    for (const Reference& r : refs) {
      if (r.field == field) return &r;
    }
    return nullptr;
  };
  ASSERT_NE(find("facility"), nullptr);
  EXPECT_EQ(find("facility")->target, RefTarget::kFacility);
  EXPECT_EQ(find("facility")->id, kFacility);
  ASSERT_NE(find("subject"), nullptr);
  EXPECT_EQ(find("subject")->target, RefTarget::kPerson);
  ASSERT_NE(find("matter"), nullptr);
  EXPECT_EQ(find("matter")->target, RefTarget::kMatter);
  EXPECT_EQ(find("matter")->id, kMatter);
}

TEST(ValidateEventTest, DetentionFacilityMustBeAFacility) {
  Json in = {{"type", "detention"}, {"subject", kPerson}, {"date", "2026-03-10"},
             {"facility", kOrg}};
  auto out = Validate(in);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().field(), "facility");
}

TEST(ValidateEventTest, AdvocacyActorIsAnyParty) {
  for (const char* actor : {kPerson, kOrg, kFacility}) {
    Json in = {{"type", "advocacy"}, {"subject", kPerson}, {"date", "2026-07-01"},
               {"kind", "letter"}, {"actor", actor}};
    std::vector<Reference> refs;
    auto out = ValidateEvent(in, &refs);
    ASSERT_TRUE(out.ok()) << actor << ": " << out.status().ToString();
    bool found = false;
    for (const Reference& r : refs) {
      if (r.field == "actor") {
        found = true;
        EXPECT_EQ(r.id, actor);
        EXPECT_EQ(r.target, TargetOfId(actor));
      }
    }
    EXPECT_TRUE(found) << actor;
  }
  Json in = {{"type", "advocacy"}, {"subject", kPerson}, {"date", "2026-07-01"},
             {"kind", "letter"}, {"actor", kMatter}};
  auto out = Validate(in);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().field(), "actor");
}

TEST(ValidateEventTest, MatterMustBeAMatter) {
  Json in = {{"type", "note"}, {"subject", kPerson}, {"date", "2026"}, {"note", "x"},
             {"matter", kPerson}};
  auto out = Validate(in);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().field(), "matter");
}

TEST(ValidateEventTest, MalformedIdsAreRejected) {
  for (const char* bad : {"PER_01HX5", "per-01hx5", "per_", "per_a b", "per_01hx5/../x"}) {
    Json in = {{"type", "note"}, {"subject", bad}, {"date", "2026"}, {"note", "x"}};
    auto out = Validate(in);
    ASSERT_FALSE(out.ok()) << bad;
    EXPECT_EQ(out.status().field(), "subject") << bad;
  }
}

TEST(ValidateEventTest, EvidenceReferences) {
  Json in = {{"type", "evidence_capture"}, {"subject", kPerson}, {"date", "2019-05"},
             {"evidence", kEvidence}, {"place", "Urumqi"}};
  std::vector<Reference> refs;
  auto out = ValidateEvent(in, &refs);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  bool found = false;
  for (const Reference& r : refs) {
    if (r.field == "evidence") {
      found = true;
      EXPECT_EQ(r.target, RefTarget::kEvidence);
    }
  }
  EXPECT_TRUE(found);
}

TEST(RefTargetTest, TargetOfIdAndRefAccepts) {
  EXPECT_EQ(TargetOfId(kPerson), RefTarget::kPerson);
  EXPECT_EQ(TargetOfId(kOrg), RefTarget::kOrganization);
  EXPECT_EQ(TargetOfId(kFacility), RefTarget::kFacility);
  EXPECT_EQ(TargetOfId(kMatter), RefTarget::kMatter);
  EXPECT_EQ(TargetOfId(kEvidence), RefTarget::kEvidence);
  EXPECT_EQ(TargetOfId("evt_01hx5"), RefTarget::kNone);
  EXPECT_EQ(TargetOfId("per"), RefTarget::kNone);

  EXPECT_TRUE(RefAccepts(RefTarget::kParty, RefTarget::kPerson));
  EXPECT_TRUE(RefAccepts(RefTarget::kParty, RefTarget::kOrganization));
  EXPECT_TRUE(RefAccepts(RefTarget::kParty, RefTarget::kFacility));
  EXPECT_FALSE(RefAccepts(RefTarget::kParty, RefTarget::kMatter));
  EXPECT_FALSE(RefAccepts(RefTarget::kParty, RefTarget::kNone));
  EXPECT_TRUE(RefAccepts(RefTarget::kMatter, RefTarget::kMatter));
  EXPECT_FALSE(RefAccepts(RefTarget::kMatter, RefTarget::kPerson));
}

// --- entities ----------------------------------------------------------------------

TEST(ValidateEntityTest, PersonIsNormalized) {
  Json in = {{"name", " Wen Hao "},
             {"other_names", Json::array({"温浩", "Wen Hao", "温浩"})},
             {"a_number", "A-214-587-903"},
             {"birth_date", "1990-04"},
             {"country_of_birth", "cn"},
             {"citizenship", Json::array({"cn", "CN"})},
             {"languages", Json::array({"Mandarin", "Uyghur", "Mandarin"})},
             {"protected", true}};
  auto out = ValidatePerson(in);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)["name"], "Wen Hao");
  EXPECT_EQ((*out)["other_names"], Json::array({"温浩", "Wen Hao"}));
  EXPECT_EQ((*out)["a_number"], "214587903");
  EXPECT_EQ((*out)["birth_date"], "1990-04");
  EXPECT_EQ((*out)["country_of_birth"], "CN");
  EXPECT_EQ((*out)["citizenship"], Json::array({"CN"}));
  EXPECT_EQ((*out)["languages"], Json::array({"Mandarin", "Uyghur"}));
  EXPECT_EQ((*out)["protected"], true);
}

TEST(ValidateEntityTest, EightDigitANumberGetsALeadingZero) {
  auto out = ValidatePerson({{"name", "Amara Okafor"}, {"a_number", "a12345678"}});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)["a_number"], "012345678");
}

TEST(ValidateEntityTest, BadANumberNamesTheField) {
  auto out = ValidatePerson({{"name", "Amara Okafor"}, {"a_number", "A12-34"}});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().field(), "a_number");
}

TEST(ValidateEntityTest, PersonNameIsRequired) {
  auto out = ValidatePerson({{"other_names", Json::array({"Li Wei 李伟"})}});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), Code::kInvalid);
  EXPECT_EQ(out.status().field(), "name");
}

TEST(ValidateEntityTest, ListItemErrorsNameTheItem) {
  auto out = ValidatePerson({{"name", "Li Wei 李伟"}, {"citizenship", Json::array({"CN", "XX"})}});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().field(), "citizenship[1]");

  auto not_list = ValidatePerson({{"name", "Li Wei 李伟"}, {"languages", "Mandarin"}});
  ASSERT_FALSE(not_list.ok());
  EXPECT_EQ(not_list.status().field(), "languages");
}

TEST(ValidateEntityTest, UnknownFieldAndServerFields) {
  auto unknown = ValidatePerson({{"name", "Amara Okafor"}, {"nickname", "Ama"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().field(), "nickname");

  auto server = ValidatePerson({{"name", "Amara Okafor"}, {"id", kPerson}, {"version", 2},
                                {"created_at", "2026-01-01T00:00:00Z"}});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  EXPECT_EQ(*server, (Json{{"name", "Amara Okafor"}}));
}

TEST(ValidateEntityTest, MatterClientIsAPersonReference) {
  std::vector<Reference> refs;
  auto out = ValidateEntity(EntityKind::kMatter,
                            {{"client", kPerson}, {"kind", "removal_defense"},
                             {"team", Json::array({"amara", "amara", "liwei"})}},
                            &refs);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)["team"], Json::array({"amara", "liwei"}));
  ASSERT_EQ(refs.size(), 1u);
  EXPECT_EQ(refs[0].field, "client");
  EXPECT_EQ(refs[0].target, RefTarget::kPerson);
  EXPECT_EQ(refs[0].id, kPerson);

  refs.clear();
  auto missing = ValidateEntity(EntityKind::kMatter, {{"kind", "bond"}}, &refs);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().field(), "client");

  auto wrong = ValidateEntity(EntityKind::kMatter, {{"client", kOrg}}, &refs);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().field(), "client");
}

TEST(ValidateEntityTest, FacilityAndOrganization) {
  std::vector<Reference> refs;
  auto facility = ValidateEntity(EntityKind::kFacility,
                                 {{"name", "Krome North Service Processing Center"},
                                  {"kind", "ice_detention"}, {"detloc", "KRO"},
                                  {"lat", 25.75}, {"lon", -80.49}, {"country", "us"}},
                                 &refs);
  ASSERT_TRUE(facility.ok()) << facility.status().ToString();
  EXPECT_EQ((*facility)["country"], "US");
  EXPECT_DOUBLE_EQ((*facility)["lat"].get<double>(), 25.75);

  auto bad_kind = ValidateEntity(EntityKind::kFacility, {{"name", "X"}, {"kind", "hotel"}}, &refs);
  ASSERT_FALSE(bad_kind.ok());
  EXPECT_EQ(bad_kind.status().field(), "kind");

  auto org = ValidateEntity(EntityKind::kOrganization,
                            {{"name", "Executive Office for Immigration Review"},
                             {"kind", "agency"}, {"country", "US"}},
                            &refs);
  ASSERT_TRUE(org.ok()) << org.status().ToString();
  EXPECT_TRUE(refs.empty());
}

TEST(ValidateEntityTest, EntityNamesAndPrefixes) {
  EXPECT_STREQ(EntityName(EntityKind::kPerson), "person");
  EXPECT_STREQ(EntityIdPrefix(EntityKind::kPerson), "per");
  EXPECT_STREQ(EntityIdPrefix(EntityKind::kOrganization), "org");
  EXPECT_STREQ(EntityIdPrefix(EntityKind::kFacility), "fac");
  EXPECT_STREQ(EntityIdPrefix(EntityKind::kMatter), "mat");
  EXPECT_STREQ(EntityCollection(EntityKind::kPerson), "people");
  EXPECT_STREQ(EntityCollection(EntityKind::kFacility), "facilities");
  for (EntityKind k : kAllEntityKinds) {
    EXPECT_EQ(TargetOfId(std::string(EntityIdPrefix(k)) + "_01hx5"),
              k == EntityKind::kPerson         ? RefTarget::kPerson
              : k == EntityKind::kOrganization ? RefTarget::kOrganization
              : k == EntityKind::kFacility     ? RefTarget::kFacility
                                               : RefTarget::kMatter);
  }
}

}  // namespace
}  // namespace refuge::domain
