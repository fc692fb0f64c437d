#include "refuge/api/http.h"
#include "refuge/domain/schema.h"

namespace refuge::api {

namespace {

const char* KindName(domain::FieldKind k) {
  using K = domain::FieldKind;
  switch (k) {
    case K::kText: return "text";
    case K::kEnum: return "enum";
    case K::kBool: return "bool";
    case K::kNumber: return "number";
    case K::kCountry: return "country";
    case K::kCountryList: return "country_list";
    case K::kTextList: return "text_list";
    case K::kPartialDate: return "partial_date";
    case K::kDateTime: return "date_time";
    case K::kANumber: return "a_number";
    case K::kUrl: return "url";
    case K::kRef: return "ref";
    case K::kUserList: return "user_list";
  }
  return "text";
}

const char* TargetName(domain::RefTarget t) {
  using R = domain::RefTarget;
  switch (t) {
    case R::kPerson: return "person";
    case R::kOrganization: return "organization";
    case R::kMatter: return "matter";
    case R::kFacility: return "facility";
    case R::kParty: return "party";
    case R::kEvidence: return "evidence";
    case R::kNone: break;
  }
  return "";
}

Json FieldsJson(const std::vector<domain::FieldSpec>& fields) {
  Json out = Json::array();
  for (const auto& f : fields) {
    Json j = {{"name", f.name}, {"kind", KindName(f.kind)}, {"required", f.required}};
    if (!f.values.empty()) j["values"] = f.values;
    if (f.kind == domain::FieldKind::kRef) j["ref"] = TargetName(f.ref);
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace

void RegisterSchemaRoutes(Router& server, app::Service& svc) {
  // The contract as data, built from the same tables that validate every write,
  // so a client (the web UI's event forms) never drifts from the server.
  server.Get("/api/v1/schema", Authed(svc, [](const httplib::Request&, httplib::Response& res,
                                              const app::Actor&) {
    Json events = Json::array();
    for (const auto& t : domain::AllEventTypes()) {
      events.push_back(Json{{"type", t.name}, {"fields", FieldsJson(t.fields)}});
    }
    Json entities = Json::object();
    for (domain::EntityKind k : domain::kAllEntityKinds) {
      entities[domain::EntityCollection(k)] = FieldsJson(domain::EntitySpec(k).fields);
    }
    std::vector<domain::FieldSpec> common;
    for (const auto& f : domain::EventCommonSpec().fields) {
      if (f.name != "type") common.push_back(f);
    }
    SendJson(res, 200, Json{{"event_common", FieldsJson(common)}, {"events", events},
                            {"entities", entities}});
  }));
}

}  // namespace refuge::api
