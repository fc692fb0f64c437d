#include "refuge/app/service.h"

#include <algorithm>
#include <map>
#include <set>

#include "refuge/auth/passwords.h"
#include "refuge/base/date.h"
#include "refuge/base/random.h"
#include "refuge/domain/event.h"
#include "refuge/domain/search_terms.h"
#include "refuge/views/chronology.h"
#include "refuge/views/custody.h"
#include "refuge/views/hearings.h"
#include "refuge/views/journey.h"

namespace refuge::app {

using domain::Event;
using domain::RefTarget;
using store::Db;
using store::Record;

namespace {

constexpr int kMaxPage = 1000;

const char* RefName(RefTarget t) {
  switch (t) {
    case RefTarget::kPerson: return "person";
    case RefTarget::kOrganization: return "organization";
    case RefTarget::kFacility: return "facility";
    case RefTarget::kMatter: return "matter";
    case RefTarget::kEvidence: return "evidence record";
    default: return "object";
  }
}

// The version a write must match: If-Match wins over a `version` field in the body.
Result<ExpectedVersion> ExpectedFrom(const Json& in, ExpectedVersion header) {
  if (header) return header;
  auto it = in.find("version");
  if (it == in.end() || it->is_null()) return ExpectedVersion();
  if (!it->is_number_integer()) return Invalid("version", "must be an integer");
  return ExpectedVersion(it->get<int64_t>());
}

Status CheckVersion(ExpectedVersion expected, int64_t current, const char* what) {
  if (expected && *expected != current) {
    return Conflict("version " + std::to_string(*expected) + " is stale; the " + what +
                        " is at version " + std::to_string(current) + "; reload and retry",
                    "version");
  }
  return Status::Ok();
}

Json StripServerFields(Json j) {
  for (const char* f : {"id", "version", "created_at", "updated_at", "retracted"}) j.erase(f);
  return j;
}

int ClampLimit(int limit) { return limit <= 0 ? 50 : std::min(limit, kMaxPage); }

const std::set<std::string> kRoles = {"admin", "lawyer", "advocate", "viewer"};

Status ValidUserName(const std::string& name) {
  if (name.empty() || name.size() > 64) return Invalid("username", "must be 1 to 64 characters");
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) {
      return Invalid("username", "may contain only letters, digits, '.', '_' and '-'");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<ExpectedVersion> ParseIfMatch(const std::string& header) {
  if (header.empty()) return ExpectedVersion();
  std::string v = header;
  if (v.rfind("W/", 0) == 0) v = v.substr(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  if (v.empty() || v.size() > 18 || !std::all_of(v.begin(), v.end(), ::isdigit)) {
    return Malformed("If-Match must be an ETag this server gave out, e.g. \"3\"", "If-Match");
  }
  return ExpectedVersion(std::stoll(v));
}

std::string ETagFor(int64_t version) { return "\"" + std::to_string(version) + "\""; }

Service::Service(std::unique_ptr<store::Store> store, const Clock& clock, rules::RuleConfig rules)
    : store_(std::move(store)), clock_(clock), rules_(std::move(rules)) {}

std::string Service::Now() const { return FormatUtcTimestamp(clock_.NowUnixSeconds()); }

Status Service::CheckReferences(Db& db, const std::vector<domain::Reference>& refs) {
  for (const auto& r : refs) {
    REFUGE_ASSIGN_OR_RETURN(bool found, db.Exists(r.target, r.id));
    if (!found) {
      return Invalid(r.field, "refers to " + std::string(RefName(r.target)) + " '" + r.id +
                                  "', which does not exist");
    }
  }
  return Status::Ok();
}

Status Service::CheckTeam(Db& db, const Json& body) {
  auto it = body.find("team");
  if (it == body.end()) return Status::Ok();
  for (size_t i = 0; i < it->size(); ++i) {
    auto u = db.GetUser((*it)[i].get<std::string>());
    if (!u.ok()) {
      return Invalid("team[" + std::to_string(i) + "]",
                     "no user '" + (*it)[i].get<std::string>() + "'");
    }
  }
  return Status::Ok();
}

// --- entities ---

Result<Json> Service::CreateEntity(EntityKind kind, const Json& in) {
  if (!in.is_object()) return Malformed("expected a JSON object");
  std::vector<domain::Reference> refs;
  REFUGE_ASSIGN_OR_RETURN(Json body, domain::ValidateEntity(kind, in, &refs));
  Record r;
  r.kind = kind;
  r.id = NewId(domain::EntityIdPrefix(kind));
  r.body = std::move(body);
  r.version = 1;
  r.created_at = r.updated_at = Now();
  REFUGE_RETURN_IF_ERROR(store_->Write([&](Db& db) -> Status {
    REFUGE_RETURN_IF_ERROR(CheckReferences(db, refs));
    REFUGE_RETURN_IF_ERROR(CheckTeam(db, r.body));
    Status s = db.InsertEntity(r);
    if (s.code() == Code::kConflict && kind == EntityKind::kFacility) {
      return Conflict("a facility with detloc '" + r.body.value("detloc", "") + "' exists",
                      "detloc");
    }
    return s;
  }));
  return store::RecordToJson(r);
}

Result<Json> Service::GetEntity(EntityKind kind, const std::string& id) {
  Result<Record> rec = NotFound("");
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) {
    rec = db.GetEntity(kind, id);
    return rec.status();
  }));
  return store::RecordToJson(*rec);
}

Result<Json> Service::UpdateEntity(EntityKind kind, const std::string& id, const Json& in,
                                   ExpectedVersion header, bool merge) {
  if (!in.is_object()) return Malformed("expected a JSON object");
  REFUGE_ASSIGN_OR_RETURN(ExpectedVersion expected, ExpectedFrom(in, header));
  Record out;
  REFUGE_RETURN_IF_ERROR(store_->Write([&](Db& db) -> Status {
    REFUGE_ASSIGN_OR_RETURN(Record cur, db.GetEntity(kind, id));
    REFUGE_RETURN_IF_ERROR(CheckVersion(expected, cur.version, domain::EntityName(kind)));
    Json next = StripServerFields(in);
    if (merge) {
      Json merged = cur.body;
      merged.merge_patch(next);
      next = std::move(merged);
    }
    std::vector<domain::Reference> refs;
    REFUGE_ASSIGN_OR_RETURN(Json body, domain::ValidateEntity(kind, next, &refs));
    REFUGE_RETURN_IF_ERROR(CheckReferences(db, refs));
    REFUGE_RETURN_IF_ERROR(CheckTeam(db, body));
    out = cur;
    out.body = std::move(body);
    out.version = cur.version + 1;
    out.updated_at = Now();
    return db.UpdateEntity(out, cur.version);
  }));
  return store::RecordToJson(out);
}

Result<Page> Service::ListEntities(EntityKind kind, const std::string& after, int limit) {
  limit = ClampLimit(limit);
  Page page;
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) -> Status {
    REFUGE_ASSIGN_OR_RETURN(auto recs, db.ListEntities(kind, after, limit + 1));
    for (int i = 0; i < static_cast<int>(recs.size()) && i < limit; ++i) {
      page.items.push_back(store::RecordToJson(recs[i]));
    }
    if (static_cast<int>(recs.size()) > limit) page.next = recs[limit - 1].id;
    return Status::Ok();
  }));
  return page;
}

// --- events ---

Result<Json> Service::CreateEvent(const Json& in) {
  std::vector<domain::Reference> refs;
  REFUGE_ASSIGN_OR_RETURN(Json body, domain::ValidateEvent(in, &refs));
  REFUGE_ASSIGN_OR_RETURN(Event e, domain::EventFromBody(std::move(body)));
  e.id = NewId(domain::kEventIdPrefix);
  e.version = 1;
  e.created_at = e.updated_at = Now();
  REFUGE_RETURN_IF_ERROR(store_->Write([&](Db& db) -> Status {
    REFUGE_RETURN_IF_ERROR(CheckReferences(db, refs));
    return db.InsertEvent(e);
  }));
  return domain::EventToJson(e);
}

Result<Json> Service::GetEvent(const std::string& id) {
  Result<Event> e = NotFound("");
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) {
    e = db.GetEvent(id);
    return e.status();
  }));
  return domain::EventToJson(*e);
}

Result<Json> Service::UpdateEvent(const std::string& id, const Json& in, ExpectedVersion header,
                                  bool merge) {
  if (!in.is_object()) return Malformed("expected a JSON object");
  REFUGE_ASSIGN_OR_RETURN(ExpectedVersion expected, ExpectedFrom(in, header));
  Event out;
  REFUGE_RETURN_IF_ERROR(store_->Write([&](Db& db) -> Status {
    REFUGE_ASSIGN_OR_RETURN(Event cur, db.GetEvent(id));
    REFUGE_RETURN_IF_ERROR(CheckVersion(expected, cur.version, "event"));
    if (cur.retracted) return Conflict("the event is retracted; create a new event instead");
    Json next = StripServerFields(in);
    if (merge) {
      Json merged = cur.body;
      merged.merge_patch(next);
      next = std::move(merged);
    }
    std::vector<domain::Reference> refs;
    REFUGE_ASSIGN_OR_RETURN(Json body, domain::ValidateEvent(next, &refs));
    REFUGE_RETURN_IF_ERROR(CheckReferences(db, refs));
    REFUGE_ASSIGN_OR_RETURN(out, domain::EventFromBody(std::move(body)));
    out.id = cur.id;
    out.version = cur.version + 1;
    out.created_at = cur.created_at;
    out.updated_at = Now();
    return db.UpdateEvent(out, cur.version);
  }));
  return domain::EventToJson(out);
}

Result<Json> Service::RetractEvent(const std::string& id, ExpectedVersion expected,
                                   const std::string& reason) {
  Event out;
  REFUGE_RETURN_IF_ERROR(store_->Write([&](Db& db) -> Status {
    REFUGE_ASSIGN_OR_RETURN(Event cur, db.GetEvent(id));
    REFUGE_RETURN_IF_ERROR(CheckVersion(expected, cur.version, "event"));
    if (cur.retracted) return Conflict("the event is already retracted");
    out = cur;
    out.retracted = true;
    out.version = cur.version + 1;
    out.updated_at = Now();
    if (!reason.empty()) out.body["retraction_reason"] = reason;
    return db.UpdateEvent(out, cur.version);
  }));
  return domain::EventToJson(out);
}

Result<Json> Service::EventHistory(const std::string& id) {
  Json versions = Json::array();
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) -> Status {
    REFUGE_ASSIGN_OR_RETURN(Event cur, db.GetEvent(id));
    REFUGE_ASSIGN_OR_RETURN(auto older, db.EventHistory(id));
    for (const auto& e : older) versions.push_back(domain::EventToJson(e));
    versions.push_back(domain::EventToJson(cur));
    return Status::Ok();
  }));
  return Json{{"id", id}, {"versions", std::move(versions)}};
}

Result<Page> Service::ListEvents(const std::string& after, int limit) {
  limit = ClampLimit(limit);
  Page page;
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) -> Status {
    REFUGE_ASSIGN_OR_RETURN(auto evs, db.ListEvents(after, limit + 1));
    for (int i = 0; i < static_cast<int>(evs.size()) && i < limit; ++i) {
      page.items.push_back(domain::EventToJson(evs[i]));
    }
    if (static_cast<int>(evs.size()) > limit) page.next = evs[limit - 1].id;
    return Status::Ok();
  }));
  return page;
}

// --- views ---

namespace {

Json EventsJson(const std::vector<Event>& events) {
  Json out = Json::array();
  for (const auto& e : events) out.push_back(domain::EventToJson(e));
  return out;
}

}  // namespace

Result<Json> Service::PersonChronology(const std::string& person_id, bool include_retracted) {
  Json out;
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) -> Status {
    REFUGE_ASSIGN_OR_RETURN(Record p, db.GetEntity(EntityKind::kPerson, person_id));
    REFUGE_ASSIGN_OR_RETURN(auto events, db.EventsOfSubject(person_id, include_retracted));
    out = {{"person", person_id},
           {"events", EventsJson(views::Chronology(std::move(events), include_retracted))}};
    return Status::Ok();
  }));
  return out;
}

Result<Json> Service::MatterChronology(const std::string& matter_id, bool include_retracted) {
  Json out;
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) -> Status {
    REFUGE_ASSIGN_OR_RETURN(Record m, db.GetEntity(EntityKind::kMatter, matter_id));
    REFUGE_ASSIGN_OR_RETURN(auto events, db.EventsOfMatter(matter_id, include_retracted));
    out = {{"matter", matter_id},
           {"events", EventsJson(views::Chronology(std::move(events), include_retracted))}};
    return Status::Ok();
  }));
  return out;
}

Result<Json> Service::FacilitySummary(Db& db, const std::string& id) {
  auto rec = db.GetEntity(EntityKind::kFacility, id);
  if (!rec.ok()) {
    if (rec.status().code() == Code::kNotFound) return Json{{"id", id}};
    return rec.status();
  }
  Json j = {{"id", id}, {"name", rec->body.value("name", "")}};
  for (const char* f : {"detloc", "aor", "phone", "address", "city", "state"}) {
    if (rec->body.contains(f)) j[f] = rec->body[f];
  }
  return j;
}

Result<Json> Service::Custody(const std::string& person_id) {
  Json out;
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) -> Status {
    REFUGE_ASSIGN_OR_RETURN(Record p, db.GetEntity(EntityKind::kPerson, person_id));
    REFUGE_ASSIGN_OR_RETURN(auto events, db.EventsOfSubject(person_id, false));
    views::CustodyStatus c = views::Custody(events);
    out = views::ToJson(c);
    // Facilities are shown with their names, field office and phone: what a team calls.
    std::map<std::string, Json> cache;
    auto summary = [&](const std::string& id) -> Result<Json> {
      auto it = cache.find(id);
      if (it != cache.end()) return it->second;
      REFUGE_ASSIGN_OR_RETURN(Json s, FacilitySummary(db, id));
      cache[id] = s;
      return s;
    };
    if (!c.facility.empty()) {
      REFUGE_ASSIGN_OR_RETURN(out["facility"], summary(c.facility));
    }
    for (auto& stay : out["history"]) {
      REFUGE_ASSIGN_OR_RETURN(stay["facility"], summary(stay["facility"].get<std::string>()));
    }
    out["person"] = person_id;
    return Status::Ok();
  }));
  return out;
}

// A view of one person's current (not retracted) events; 404 for an unknown person.
Result<Json> Service::PersonView(const std::string& person_id,
                                 const std::function<Json(const std::vector<Event>&)>& view) {
  Json out;
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) -> Status {
    REFUGE_ASSIGN_OR_RETURN(Record p, db.GetEntity(EntityKind::kPerson, person_id));
    REFUGE_ASSIGN_OR_RETURN(auto events, db.EventsOfSubject(person_id, false));
    out = view(events);
    out["person"] = person_id;
    return Status::Ok();
  }));
  return out;
}

Result<Json> Service::Journey(const std::string& person_id) {
  return PersonView(person_id, [](const std::vector<Event>& events) {
    return views::ToJson(views::BuildJourney(events));
  });
}

Result<Json> Service::NextHearing(const std::string& person_id) {
  const int64_t now = clock_.NowUnixSeconds();
  return PersonView(person_id, [now](const std::vector<Event>& events) {
    auto next = views::NextHearing(events, now);
    return Json{{"hearing", next ? domain::EventToJson(*next) : Json()}};
  });
}

Result<Json> Service::FacilityDetail(const std::string& facility_id) {
  Json out;
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) -> Status {
    REFUGE_ASSIGN_OR_RETURN(Record f, db.GetEntity(EntityKind::kFacility, facility_id));
    out = store::RecordToJson(f);
    Json held = Json::array();
    REFUGE_ASSIGN_OR_RETURN(auto subjects, db.SubjectsPlacedAt(facility_id));
    for (const auto& person_id : subjects) {
      REFUGE_ASSIGN_OR_RETURN(auto events, db.EventsOfSubject(person_id, false));
      views::CustodyStatus c = views::Custody(events);
      if (!c.in_custody || c.facility != facility_id) continue;
      REFUGE_ASSIGN_OR_RETURN(Record p, db.GetEntity(EntityKind::kPerson, person_id));
      held.push_back({{"id", person_id},
                      {"name", p.body.value("name", "")},
                      {"since", c.history.back().from}});
    }
    out["held_now"] = std::move(held);
    return Status::Ok();
  }));
  return out;
}

Result<Json> Service::Search(const std::string& query, const std::string& kind, int limit) {
  static const std::set<std::string> kKinds = {"",         "person", "organization",
                                               "facility", "matter", "event"};
  if (!kKinds.count(kind)) {
    return Invalid("kind", "must be one of person, organization, facility, matter, event");
  }
  std::vector<std::string> terms = domain::QueryTerms(query);
  if (terms.empty()) return Invalid("q", "give at least one letter, digit or character to search for");
  if (terms.size() > 16) return Invalid("q", "use at most 16 words");
  limit = ClampLimit(limit);
  Json results = Json::array();
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) -> Status {
    REFUGE_ASSIGN_OR_RETURN(auto hits, db.Search(terms, kind, limit));
    for (const auto& h : hits) {
      Json item = {{"kind", h.kind}, {"id", h.id}};
      if (h.kind == "event") {
        REFUGE_ASSIGN_OR_RETURN(Event e, db.GetEvent(h.id));
        item["label"] = e.type + " " + e.date.ToString() + (e.Has("note") ? ": " + e.Str("note") : "");
        item["subject"] = e.subject;
        if (!e.matter.empty()) item["matter"] = e.matter;
      } else {
        EntityKind k = h.kind == "person" ? EntityKind::kPerson
                       : h.kind == "organization" ? EntityKind::kOrganization
                       : h.kind == "facility" ? EntityKind::kFacility
                                              : EntityKind::kMatter;
        REFUGE_ASSIGN_OR_RETURN(Record r, db.GetEntity(k, h.id));
        item["label"] = r.body.value(k == EntityKind::kMatter ? "title" : "name", "");
        if (k == EntityKind::kPerson) {
          if (r.body.contains("other_names")) item["other_names"] = r.body["other_names"];
          if (r.body.contains("a_number")) item["a_number"] = r.body["a_number"];
        }
        if (k == EntityKind::kFacility && r.body.contains("detloc")) item["detloc"] = r.body["detloc"];
      }
      results.push_back(std::move(item));
    }
    return Status::Ok();
  }));
  return Json{{"query", query}, {"results", std::move(results)}};
}

// --- accounts ---

Status Service::AddUser(const std::string& name, const std::string& role,
                        const std::string& password) {
  REFUGE_RETURN_IF_ERROR(ValidUserName(name));
  if (!kRoles.count(role)) return Invalid("role", "must be one of admin, lawyer, advocate, viewer");
  REFUGE_RETURN_IF_ERROR(auth::CheckPasswordPolicy(password));
  REFUGE_ASSIGN_OR_RETURN(std::string hash, auth::HashPassword(password));
  store::User u{name, role, hash, Now(), false};
  return store_->Write([&](Db& db) -> Status {
    Status s = db.InsertUser(u);
    if (s.code() == Code::kConflict) return Conflict("user '" + name + "' exists", "username");
    return s;
  });
}

Result<std::string> Service::Login(const std::string& name, const std::string& password) {
  const Status denied(Code::kUnauthenticated, "wrong username or password");
  Result<store::User> user = denied;
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) {
    user = db.GetUser(name);
    return Status::Ok();
  }));
  if (!user.ok()) {
    // Spend the same time as a real check, so timing does not reveal which names exist.
    static const std::string kDummyHash = auth::HashPassword(RandomToken(16)).value();
    (void)auth::VerifyPassword(password, kDummyHash);
    return denied;
  }
  if (user->disabled || !auth::VerifyPassword(password, user->password_hash)) return denied;
  std::string token = RandomToken(32);
  int64_t now = clock_.NowUnixSeconds();
  store::Session s{Sha256Hex(token), name, now, now + kSessionSeconds};
  REFUGE_RETURN_IF_ERROR(store_->Write([&](Db& db) -> Status {
    REFUGE_RETURN_IF_ERROR(db.DeleteExpiredSessions(now));
    return db.InsertSession(s);
  }));
  return token;
}

Result<store::User> Service::Authenticate(const std::string& token) {
  const Status denied(Code::kUnauthenticated, "log in first: the session is missing, expired or revoked");
  if (token.empty() || token.size() > 200) return denied;
  Result<store::User> user = denied;
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) -> Status {
    auto s = db.GetSession(Sha256Hex(token));
    if (!s.ok()) return s.status().code() == Code::kNotFound ? Status::Ok() : s.status();
    if (s->expires_at <= clock_.NowUnixSeconds()) return Status::Ok();
    auto u = db.GetUser(s->user);
    if (u.ok() && !u->disabled) user = std::move(u).value();
    return Status::Ok();
  }));
  return user;
}

Status Service::Logout(const std::string& token) {
  return store_->Write([&](Db& db) { return db.DeleteSession(Sha256Hex(token)); });
}

}  // namespace refuge::app
