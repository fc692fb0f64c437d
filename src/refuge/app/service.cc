#include "refuge/app/service.h"

#include <algorithm>
#include <map>
#include <set>

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
// How many events one list request may look at to fill a page for a user who sees few.
constexpr int kScanBudget = 5000;

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
  for (const char* f : {"id", "version", "created_at", "updated_at", "retracted", "created_by",
                        "masked"}) {
    j.erase(f);
  }
  return j;
}

int ClampLimit(int limit) { return limit <= 0 ? 50 : std::min(limit, kMaxPage); }

// The references a change adds. Those it keeps were checked when they were made,
// and a correction must not fail on a record filed by a colleague on another team.
std::vector<domain::Reference> AddedReferences(const std::vector<domain::Reference>& refs, const Json& before) {
  std::vector<domain::Reference> added;
  for (const auto& r : refs) {
    auto it = before.find(r.field);
    if (it == before.end() || !it->is_string() || it->get<std::string>() != r.id) added.push_back(r);
  }
  return added;
}

// The person a write or read of this entity concerns, for the audit log.
std::string PersonOf(EntityKind kind, const std::string& id, const Json& body) {
  if (kind == EntityKind::kPerson) return id;
  if (kind == EntityKind::kMatter) return body.value("client", "");
  return "";
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

Service::Service(std::unique_ptr<store::Store> store, const Clock& clock, rules::RuleConfig rules,
                 auth::SigningKey audit_key, SessionPolicy sessions)
    : store_(std::move(store)),
      clock_(clock),
      rules_(std::move(rules)),
      sessions_(sessions),
      cursors_(audit_key.DeriveSecret(kCursorKeyPurpose)),
      audit_(std::make_unique<AuditLog>(*store_, clock_, std::move(audit_key))) {}

Service::~Service() { audit_.reset(); }

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

namespace {

// Who may create and change each kind. People and directory entries are created
// by those who do case and campaign work; matters by lawyers.
Status RequireEntityWriter(const Access& access, EntityKind kind) {
  if (kind == EntityKind::kMatter) return access.RequireRole({"lawyer"}, "create or change matters");
  return access.RequireRole({"lawyer", "advocate"},
                            std::string("create or change ") + domain::EntityCollection(kind));
}

}  // namespace

Result<Json> Service::CreateEntity(const Actor& who, EntityKind kind, const Json& in) {
  if (!in.is_object()) return Malformed("expected a JSON object");
  std::vector<domain::Reference> refs;
  REFUGE_ASSIGN_OR_RETURN(Json body, domain::ValidateEntity(kind, in, &refs));
  Record r;
  r.kind = kind;
  r.id = NewId(domain::EntityIdPrefix(kind));
  r.version = 1;
  r.created_at = r.updated_at = Now();
  if (kind == EntityKind::kPerson || kind == EntityKind::kMatter) {
    r.created_by = who.is_operator() ? "" : who.user;
  }
  // Whoever opens a matter works on it; without this they could not see it.
  if (kind == EntityKind::kMatter && !who.is_operator()) {
    Json team = body.value("team", Json::array());
    if (std::find(team.begin(), team.end(), who.user) == team.end()) team.push_back(who.user);
    body["team"] = team;
  }
  r.body = std::move(body);
  Json shown;
  REFUGE_RETURN_IF_ERROR(store_->Write([&](Db& db) -> Status {
    Access access(db, who);
    REFUGE_RETURN_IF_ERROR(RequireEntityWriter(access, kind));
    // A matter is opened only for a client whose file the lawyer already sees.
    REFUGE_RETURN_IF_ERROR(access.CheckReferences(refs));
    REFUGE_RETURN_IF_ERROR(CheckTeam(db, r.body));
    Status s = db.InsertEntity(r);
    if (s.code() == Code::kConflict && kind == EntityKind::kFacility) {
      return Conflict("a facility with detloc '" + r.body.value("detloc", "") + "' exists",
                      "detloc");
    }
    REFUGE_RETURN_IF_ERROR(s);
    REFUGE_RETURN_IF_ERROR(audit_->Append(db, who, std::string(domain::EntityName(kind)) + ".create",
                                          r.id, PersonOf(kind, r.id, r.body)));
    if (kind == EntityKind::kMatter) {
      REFUGE_RETURN_IF_ERROR(audit_->Append(db, who, "team.change", r.id, r.body.value("client", ""),
                                            {{"team", r.body["team"]}}));
    }
    if (kind == EntityKind::kPerson) {
      REFUGE_ASSIGN_OR_RETURN(shown, access.ShowPerson(r));
    } else {
      shown = kind == EntityKind::kMatter ? access.ShowMatter(r) : store::RecordToJson(r);
    }
    return Status::Ok();
  }));
  return shown;
}

Result<Json> Service::GetEntity(const Actor& who, EntityKind kind, const std::string& id) {
  Json out;
  std::string person;
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) -> Status {
    Access access(db, who);
    if (kind == EntityKind::kPerson) {
      // Someone named by an event on the actor's matters shows as a name card.
      REFUGE_ASSIGN_OR_RETURN(auto seen, access.RequirePersonName(id));
      REFUGE_ASSIGN_OR_RETURN(out, access.ShowPerson(seen.first));
      person = id;
    } else if (kind == EntityKind::kMatter) {
      REFUGE_ASSIGN_OR_RETURN(Record m, access.RequireMatter(id));
      out = access.ShowMatter(m);
      person = m.body.value("client", "");
    } else {
      REFUGE_ASSIGN_OR_RETURN(Record r, db.GetEntity(kind, id));
      out = store::RecordToJson(r);
    }
    return Status::Ok();
  }));
  if (!person.empty()) audit_->Enqueue(who, std::string(domain::EntityName(kind)) + ".read", id, person);
  return out;
}

Result<Json> Service::UpdateEntity(const Actor& who, EntityKind kind, const std::string& id,
                                   const Json& in, ExpectedVersion header, bool merge) {
  if (!in.is_object()) return Malformed("expected a JSON object");
  REFUGE_ASSIGN_OR_RETURN(ExpectedVersion expected, ExpectedFrom(in, header));
  // An admin changes a matter's team and nothing else (SetTeam), without reading it.
  if (kind == EntityKind::kMatter && who.role == "admin" && merge) {
    Json rest = StripServerFields(in);
    if (rest.size() == 1 && rest.contains("team")) return SetTeam(who, id, rest["team"], expected);
  }
  Record out;
  Json shown;
  REFUGE_RETURN_IF_ERROR(store_->Write([&](Db& db) -> Status {
    Access access(db, who);
    Record cur;
    if (kind == EntityKind::kPerson) {
      REFUGE_ASSIGN_OR_RETURN(cur, access.RequirePerson(id));
    } else if (kind == EntityKind::kMatter) {
      REFUGE_ASSIGN_OR_RETURN(cur, access.RequireMatter(id));
    } else {
      REFUGE_ASSIGN_OR_RETURN(cur, db.GetEntity(kind, id));
    }
    REFUGE_RETURN_IF_ERROR(RequireEntityWriter(access, kind));
    if (kind == EntityKind::kPerson && who.role == "advocate" && cur.created_by != who.user) {
      return Status(Code::kForbidden, "an advocate changes only the people they added");
    }
    REFUGE_RETURN_IF_ERROR(CheckVersion(expected, cur.version, domain::EntityName(kind)));
    Json next = StripServerFields(in);
    if (merge) {
      Json merged = cur.body;
      merged.merge_patch(next);
      next = std::move(merged);
    }
    std::vector<domain::Reference> refs;
    REFUGE_ASSIGN_OR_RETURN(Json body, domain::ValidateEntity(kind, next, &refs));
    if (kind == EntityKind::kMatter && body.value("client", "") != cur.body.value("client", "")) {
      return Invalid("client", "a matter's client cannot change; open a new matter");
    }
    REFUGE_RETURN_IF_ERROR(access.CheckReferences(AddedReferences(refs, cur.body)));
    REFUGE_RETURN_IF_ERROR(CheckTeam(db, body));
    out = cur;
    out.body = std::move(body);
    out.version = cur.version + 1;
    out.updated_at = Now();
    REFUGE_RETURN_IF_ERROR(db.UpdateEntity(out, cur.version));
    REFUGE_RETURN_IF_ERROR(audit_->Append(db, who, std::string(domain::EntityName(kind)) + ".update",
                                          id, PersonOf(kind, id, out.body)));
    if (kind == EntityKind::kMatter && out.body.value("team", Json()) != cur.body.value("team", Json())) {
      REFUGE_RETURN_IF_ERROR(audit_->Append(db, who, "team.change", id, out.body.value("client", ""),
                                            {{"team", out.body.value("team", Json::array())}}));
    }
    if (kind == EntityKind::kPerson) {
      REFUGE_ASSIGN_OR_RETURN(shown, access.ShowPerson(out));
    } else {
      shown = kind == EntityKind::kMatter ? access.ShowMatter(out) : store::RecordToJson(out);
    }
    return Status::Ok();
  }));
  return shown;
}

Result<Json> Service::SetTeam(const Actor& who, const std::string& matter_id, const Json& team,
                              ExpectedVersion expected) {
  Json out;
  REFUGE_RETURN_IF_ERROR(store_->Write([&](Db& db) -> Status {
    Access access(db, who);
    Record cur;
    if (who.role == "admin" || who.is_operator()) {
      REFUGE_ASSIGN_OR_RETURN(cur, db.GetEntity(EntityKind::kMatter, matter_id));
    } else {
      REFUGE_ASSIGN_OR_RETURN(cur, access.RequireMatter(matter_id));
      REFUGE_RETURN_IF_ERROR(access.RequireRole({"lawyer"}, "change a matter's team"));
    }
    REFUGE_RETURN_IF_ERROR(CheckVersion(expected, cur.version, "matter"));
    Json body = cur.body;
    body["team"] = team;
    std::vector<domain::Reference> refs;
    REFUGE_ASSIGN_OR_RETURN(body, domain::ValidateEntity(EntityKind::kMatter, body, &refs));
    REFUGE_RETURN_IF_ERROR(CheckTeam(db, body));
    Record next = cur;
    next.body = std::move(body);
    next.version = cur.version + 1;
    next.updated_at = Now();
    REFUGE_RETURN_IF_ERROR(db.UpdateEntity(next, cur.version));
    REFUGE_RETURN_IF_ERROR(audit_->Append(db, who, "team.change", matter_id, next.body.value("client", ""),
                                          {{"team", next.body.value("team", Json::array())}}));
    out = {{"id", matter_id}, {"team", next.body.value("team", Json::array())}, {"version", next.version}};
    return Status::Ok();
  }));
  return out;
}

Result<Page> Service::ListEntities(const Actor& who, EntityKind kind, const std::string& cursor_in, int limit) {
  limit = ClampLimit(limit);
  const std::string list = domain::EntityCollection(kind);
  REFUGE_ASSIGN_OR_RETURN(const std::string after, cursors_.Open(who.user, list, cursor_in));
  Page page;
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) -> Status {
    Access access(db, who);
    if (kind == EntityKind::kMatter && !who.is_operator()) {
      REFUGE_ASSIGN_OR_RETURN(auto mine, access.MyMatters());
      int n = 0;
      for (auto it = mine->upper_bound(after); it != mine->end(); ++it) {
        if (n == limit) {
          page.next = cursors_.Seal(who.user, list, *std::prev(it));
          break;
        }
        REFUGE_ASSIGN_OR_RETURN(Record m, db.GetEntity(kind, *it));
        page.items.push_back(access.ShowMatter(m));
        ++n;
      }
      return Status::Ok();
    }
    // Scan in id order and keep what the actor may see.
    std::string cursor = after;
    int scanned = 0;
    constexpr int kBatch = 200;
    while (true) {
      REFUGE_ASSIGN_OR_RETURN(auto recs, db.ListEntities(kind, cursor, kBatch));
      for (const auto& r : recs) {
        cursor = r.id;
        ++scanned;
        if (kind == EntityKind::kPerson) {
          REFUGE_ASSIGN_OR_RETURN(bool visible, access.CanSeePerson(r));
          if (!visible) continue;
          REFUGE_ASSIGN_OR_RETURN(Json shown, access.ShowPerson(r));
          page.items.push_back(std::move(shown));
        } else {
          page.items.push_back(store::RecordToJson(r));
        }
        if (static_cast<int>(page.items.size()) == limit) {
          page.next = cursors_.Seal(who.user, list, r.id);
          return Status::Ok();
        }
      }
      if (static_cast<int>(recs.size()) < kBatch) return Status::Ok();  // the end
      if (scanned >= kScanBudget) {
        // Sealed: the position is a record the actor was not shown.
        page.next = cursors_.Seal(who.user, list, cursor);
        return Status::Ok();
      }
    }
  }));
  if (kind == EntityKind::kPerson) audit_->EnqueueForPersons(who, "person.list", "", PersonsIn(page.items, "id"));
  if (kind == EntityKind::kMatter) audit_->EnqueueForPersons(who, "matter.list", "", PersonsIn(page.items, "client"));
  return page;
}

// --- events ---

Result<Json> Service::CreateEvent(const Actor& who, const Json& in) {
  std::vector<domain::Reference> refs;
  REFUGE_ASSIGN_OR_RETURN(Json body, domain::ValidateEvent(in, &refs));
  REFUGE_ASSIGN_OR_RETURN(Event e, domain::EventFromBody(std::move(body)));
  e.id = NewId(domain::kEventIdPrefix);
  e.version = 1;
  e.created_at = e.updated_at = Now();
  REFUGE_RETURN_IF_ERROR(store_->Write([&](Db& db) -> Status {
    Access access(db, who);
    // Subject, matter and every party, place and evidence record: only what the
    // writer already sees (Access::CheckReference).
    REFUGE_RETURN_IF_ERROR(access.CheckReferences(refs));
    REFUGE_RETURN_IF_ERROR(access.RequireEventWriter(e.type));
    REFUGE_RETURN_IF_ERROR(db.InsertEvent(e));
    return audit_->Append(db, who, "event.create", e.id, e.subject, {{"type", e.type}});
  }));
  return domain::EventToJson(e);
}

Result<Json> Service::GetEvent(const Actor& who, const std::string& id) {
  Result<Event> e = NotFound("");
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) -> Status {
    Access access(db, who);
    e = db.GetEvent(id);
    if (!e.ok()) {
      // The team lookup a hidden event costs, so that a missing one takes as long.
      if (e.status().code() == Code::kNotFound) REFUGE_RETURN_IF_ERROR(access.OnMatter(id).status());
      return e.status();
    }
    REFUGE_ASSIGN_OR_RETURN(bool visible, access.CanSeeEvent(*e));
    if (!visible) return NotFound("no event '" + id + "'");
    return Status::Ok();
  }));
  audit_->Enqueue(who, "event.read", id, e->subject);
  return domain::EventToJson(*e);
}

Result<Json> Service::UpdateEvent(const Actor& who, const std::string& id, const Json& in,
                                  ExpectedVersion header, bool merge) {
  if (!in.is_object()) return Malformed("expected a JSON object");
  REFUGE_ASSIGN_OR_RETURN(ExpectedVersion expected, ExpectedFrom(in, header));
  Event out;
  REFUGE_RETURN_IF_ERROR(store_->Write([&](Db& db) -> Status {
    Access access(db, who);
    REFUGE_ASSIGN_OR_RETURN(Event cur, db.GetEvent(id));
    REFUGE_ASSIGN_OR_RETURN(bool visible, access.CanSeeEvent(cur));
    if (!visible) return NotFound("no event '" + id + "'");
    REFUGE_RETURN_IF_ERROR(access.RequireEventWriter(cur.type));
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
    REFUGE_ASSIGN_OR_RETURN(out, domain::EventFromBody(std::move(body)));
    // The corrected event must still be one the actor may write and see, and may
    // add references only to what the actor sees.
    REFUGE_RETURN_IF_ERROR(access.RequireEventWriter(out.type));
    REFUGE_RETURN_IF_ERROR(access.CheckReferences(AddedReferences(refs, domain::EventToJson(cur))));
    out.id = cur.id;
    out.version = cur.version + 1;
    out.created_at = cur.created_at;
    out.updated_at = Now();
    REFUGE_RETURN_IF_ERROR(db.UpdateEvent(out, cur.version));
    return audit_->Append(db, who, "event.update", id, out.subject, {{"type", out.type}});
  }));
  return domain::EventToJson(out);
}

Result<Json> Service::RetractEvent(const Actor& who, const std::string& id, ExpectedVersion expected,
                                   const std::string& reason) {
  Event out;
  REFUGE_RETURN_IF_ERROR(store_->Write([&](Db& db) -> Status {
    Access access(db, who);
    REFUGE_ASSIGN_OR_RETURN(Event cur, db.GetEvent(id));
    REFUGE_ASSIGN_OR_RETURN(bool visible, access.CanSeeEvent(cur));
    if (!visible) return NotFound("no event '" + id + "'");
    REFUGE_RETURN_IF_ERROR(access.RequireEventWriter(cur.type));
    REFUGE_RETURN_IF_ERROR(CheckVersion(expected, cur.version, "event"));
    if (cur.retracted) return Conflict("the event is already retracted");
    out = cur;
    out.retracted = true;
    out.version = cur.version + 1;
    out.updated_at = Now();
    if (!reason.empty()) out.body["retraction_reason"] = reason;
    REFUGE_RETURN_IF_ERROR(db.UpdateEvent(out, cur.version));
    return audit_->Append(db, who, "event.retract", id, out.subject, {{"reason", reason}});
  }));
  return domain::EventToJson(out);
}

Result<Json> Service::EventHistory(const Actor& who, const std::string& id) {
  Json versions = Json::array();
  std::string subject;
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) -> Status {
    Access access(db, who);
    REFUGE_ASSIGN_OR_RETURN(Event cur, db.GetEvent(id));
    REFUGE_ASSIGN_OR_RETURN(bool visible, access.CanSeeEvent(cur));
    if (!visible) return NotFound("no event '" + id + "'");
    subject = cur.subject;
    // Each version passes the rule on its own: a note that was privileged before a
    // lawyer shared it stays hidden from advocates in its earlier form.
    REFUGE_ASSIGN_OR_RETURN(auto older, db.EventHistory(id));
    for (const auto& e : older) {
      REFUGE_ASSIGN_OR_RETURN(bool shown, access.CanSeeEvent(e));
      if (shown) versions.push_back(domain::EventToJson(e));
    }
    versions.push_back(domain::EventToJson(cur));
    return Status::Ok();
  }));
  audit_->Enqueue(who, "event.history", id, subject);
  return Json{{"id", id}, {"versions", std::move(versions)}};
}

Result<Page> Service::ListEvents(const Actor& who, const std::string& cursor_in, int limit) {
  limit = ClampLimit(limit);
  REFUGE_ASSIGN_OR_RETURN(const std::string after, cursors_.Open(who.user, "events", cursor_in));
  Page page;
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) -> Status {
    Access access(db, who);
    std::string cursor = after;
    int scanned = 0;
    constexpr int kBatch = 200;
    while (true) {
      REFUGE_ASSIGN_OR_RETURN(auto evs, db.ListEvents(cursor, kBatch));
      for (const auto& e : evs) {
        cursor = e.id;
        ++scanned;
        REFUGE_ASSIGN_OR_RETURN(bool visible, access.CanSeeEvent(e));
        if (!visible) continue;
        page.items.push_back(domain::EventToJson(e));
        if (static_cast<int>(page.items.size()) == limit) {
          page.next = cursors_.Seal(who.user, "events", e.id);
          return Status::Ok();
        }
      }
      if (static_cast<int>(evs.size()) < kBatch) return Status::Ok();  // the end
      if (scanned >= kScanBudget) {
        page.next = cursors_.Seal(who.user, "events", cursor);
        return Status::Ok();
      }
    }
  }));
  audit_->EnqueueForPersons(who, "event.list", "", PersonsIn(page.items, "subject"));
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

Result<ViewText> Service::CachedView(Db& db, const Actor& who, const std::string& view,
                                     const std::function<Result<Json>()>& compute) {
  REFUGE_ASSIGN_OR_RETURN(int64_t generation, db.DataGeneration());
  // The user's name cannot hold a NUL, so no two (user, view) pairs share a key.
  const std::string key = who.user + std::string(1, '\0') + view;
  if (ViewText hit = view_cache_.Find(key, generation)) return hit;
  REFUGE_ASSIGN_OR_RETURN(Json out, compute());
  auto text = std::make_shared<const std::string>(out.dump(-1, ' ', false, Json::error_handler_t::replace));
  view_cache_.Put(key, generation, text);
  return ViewText(std::move(text));
}

Result<ViewText> Service::PersonChronology(const Actor& who, const std::string& person_id,
                                           bool include_retracted) {
  ViewText out;
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) -> Status {
    Access access(db, who);
    REFUGE_ASSIGN_OR_RETURN(Record p, access.RequirePerson(person_id));
    const std::string view = "person.chronology " + person_id + (include_retracted ? " retracted" : "");
    REFUGE_ASSIGN_OR_RETURN(out, CachedView(db, who, view, [&]() -> Result<Json> {
      REFUGE_ASSIGN_OR_RETURN(auto events, db.EventsOfSubject(person_id, include_retracted));
      REFUGE_ASSIGN_OR_RETURN(events, access.VisibleEvents(std::move(events)));
      return Json{{"person", person_id},
                  {"events", EventsJson(views::Chronology(std::move(events), include_retracted))},
                  {"based_on", access.Basis()}};
    }));
    return Status::Ok();
  }));
  audit_->Enqueue(who, "person.chronology", person_id, person_id);
  return out;
}

Result<ViewText> Service::MatterChronology(const Actor& who, const std::string& matter_id,
                                           bool include_retracted) {
  ViewText out;
  std::string client;
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) -> Status {
    Access access(db, who);
    REFUGE_ASSIGN_OR_RETURN(Record m, access.RequireMatter(matter_id));
    client = m.body.value("client", "");
    const std::string view = "matter.chronology " + matter_id + (include_retracted ? " retracted" : "");
    REFUGE_ASSIGN_OR_RETURN(out, CachedView(db, who, view, [&]() -> Result<Json> {
      REFUGE_ASSIGN_OR_RETURN(auto events, db.EventsOfMatter(matter_id, include_retracted));
      REFUGE_ASSIGN_OR_RETURN(events, access.VisibleEvents(std::move(events)));
      return Json{{"matter", matter_id},
                  {"events", EventsJson(views::Chronology(std::move(events), include_retracted))},
                  {"based_on", access.Basis()}};
    }));
    return Status::Ok();
  }));
  audit_->Enqueue(who, "matter.chronology", matter_id, client);
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

Result<Json> Service::Custody(const Actor& who, const std::string& person_id) {
  Json out;
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) -> Status {
    Access access(db, who);
    REFUGE_ASSIGN_OR_RETURN(Record p, access.RequirePerson(person_id));
    REFUGE_ASSIGN_OR_RETURN(auto events, db.EventsOfSubject(person_id, false));
    REFUGE_ASSIGN_OR_RETURN(events, access.VisibleEvents(std::move(events)));
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
    out["based_on"] = access.Basis();
    return Status::Ok();
  }));
  audit_->Enqueue(who, "person.custody", person_id, person_id);
  return out;
}

// A view of one person's current (not retracted) events that the actor may see;
// 404 for a person the actor may not see.
Result<Json> Service::PersonView(const Actor& who, const std::string& person_id, const char* action,
                                 const std::function<Json(const std::vector<Event>&)>& view) {
  Json out;
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) -> Status {
    Access access(db, who);
    REFUGE_ASSIGN_OR_RETURN(Record p, access.RequirePerson(person_id));
    REFUGE_ASSIGN_OR_RETURN(auto events, db.EventsOfSubject(person_id, false));
    REFUGE_ASSIGN_OR_RETURN(events, access.VisibleEvents(std::move(events)));
    out = view(events);
    out["person"] = person_id;
    out["based_on"] = access.Basis();
    return Status::Ok();
  }));
  audit_->Enqueue(who, action, person_id, person_id);
  return out;
}

Result<Json> Service::Journey(const Actor& who, const std::string& person_id) {
  return PersonView(who, person_id, "person.journey", [](const std::vector<Event>& events) {
    return views::ToJson(views::BuildJourney(events));
  });
}

Result<Json> Service::NextHearing(const Actor& who, const std::string& person_id) {
  const int64_t now = clock_.NowUnixSeconds();
  return PersonView(who, person_id, "person.next_hearing", [now](const std::vector<Event>& events) {
    auto next = views::NextHearing(events, now);
    return Json{{"hearing", next ? domain::EventToJson(*next) : Json()}};
  });
}

Result<Json> Service::FacilityDetail(const Actor& who, const std::string& facility_id) {
  Json out;
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) -> Status {
    Access access(db, who);
    REFUGE_ASSIGN_OR_RETURN(Record f, db.GetEntity(EntityKind::kFacility, facility_id));
    out = store::RecordToJson(f);
    Json held = Json::array();
    REFUGE_ASSIGN_OR_RETURN(auto subjects, db.SubjectsPlacedAt(facility_id));
    for (const auto& person_id : subjects) {
      REFUGE_ASSIGN_OR_RETURN(Record p, db.GetEntity(EntityKind::kPerson, person_id));
      REFUGE_ASSIGN_OR_RETURN(bool visible, access.CanSeePerson(p));
      if (!visible) continue;
      REFUGE_ASSIGN_OR_RETURN(auto events, db.EventsOfSubject(person_id, false));
      REFUGE_ASSIGN_OR_RETURN(events, access.VisibleEvents(std::move(events)));
      views::CustodyStatus c = views::Custody(events);
      if (!c.in_custody || c.facility != facility_id) continue;
      REFUGE_ASSIGN_OR_RETURN(Json shown, access.ShowPerson(p));
      held.push_back({{"id", person_id}, {"name", shown["name"]}, {"since", c.history.back().from}});
    }
    out["held_now"] = std::move(held);
    return Status::Ok();
  }));
  audit_->EnqueueForPersons(who, "facility.held_now", facility_id, PersonsIn(out["held_now"], "id"));
  return out;
}

Result<Json> Service::Search(const Actor& who, const std::string& query, const std::string& kind,
                             int limit) {
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
  bool truncated = false;
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) -> Status {
    Access access(db, who);
    // Hits the actor may not see are dropped, and the next ones read, until the
    // page fills: in a national caseload most people named "Okafor" are someone
    // else's clients, and a lawyer's own must still be found. The index is read
    // twice at most (the first kBatch hits, then the rest up to kSearchScan: a
    // prefix term's hits are sorted afresh by each read), the hits off the
    // actor's teams are dropped kBatch at a time in one query
    // (Db::HitsOnTeamsOf), and Access checks the rest. A query that would need
    // more than kSearchScan index hits says so instead of running on.
    constexpr int kBatch = 500, kSearchScan = 20000;
    store::SearchHit after;
    int scanned = 0;
    std::vector<store::SearchHit> read, hits;  // from the index; the next batch of them, filtered
    size_t read_next = 0, next = 0;
    bool exhausted = false;
    while (static_cast<int>(results.size()) < limit) {
      if (next == hits.size()) {
        if (read_next == read.size()) {
          if (exhausted) break;
          if (scanned >= kSearchScan) {
            truncated = true;
            break;
          }
          const int want = scanned == 0 ? kBatch : kSearchScan - scanned;
          REFUGE_ASSIGN_OR_RETURN(read, db.Search(terms, kind, want, after));
          read_next = 0;
          exhausted = read.size() < static_cast<size_t>(want);
          if (read.empty()) break;
          after = read.back();
          scanned += static_cast<int>(read.size());
        }
        const size_t end = std::min(read.size(), read_next + kBatch);
        hits.assign(read.begin() + static_cast<std::ptrdiff_t>(read_next),
                    read.begin() + static_cast<std::ptrdiff_t>(end));
        read_next = end;
        next = 0;
        if (!who.is_operator()) {
          REFUGE_ASSIGN_OR_RETURN(hits, db.HitsOnTeamsOf(hits, who.user));
        }
        continue;
      }
      const store::SearchHit& h = hits[next++];
      Json item = {{"kind", h.kind}, {"id", h.id}};
      if (h.kind == "event") {
        REFUGE_ASSIGN_OR_RETURN(Event e, db.GetEvent(h.id));
        REFUGE_ASSIGN_OR_RETURN(bool visible, access.CanSeeEvent(e));
        if (!visible) continue;
        item["label"] = e.type + " " + e.date.ToString() + (e.Has("note") ? ": " + e.Str("note") : "");
        item["subject"] = e.subject;
        if (!e.matter.empty()) item["matter"] = e.matter;
      } else if (h.kind == "person") {
        REFUGE_ASSIGN_OR_RETURN(Record r, db.GetEntity(EntityKind::kPerson, h.id));
        REFUGE_ASSIGN_OR_RETURN(bool visible, access.CanSeePerson(r));
        if (!visible) continue;
        // A masked name must not be findable by the name it hides.
        REFUGE_ASSIGN_OR_RETURN(bool name, access.SeesName(r));
        if (!name) continue;
        item["label"] = r.body.value("name", "");
        if (r.body.contains("other_names")) item["other_names"] = r.body["other_names"];
        if (r.body.contains("a_number")) item["a_number"] = r.body["a_number"];
      } else if (h.kind == "matter") {
        REFUGE_ASSIGN_OR_RETURN(bool on, access.OnMatter(h.id));
        if (!on) continue;
        REFUGE_ASSIGN_OR_RETURN(Record r, db.GetEntity(EntityKind::kMatter, h.id));
        item["label"] = r.body.value("title", "");
      } else {
        EntityKind k = h.kind == "organization" ? EntityKind::kOrganization : EntityKind::kFacility;
        REFUGE_ASSIGN_OR_RETURN(Record r, db.GetEntity(k, h.id));
        item["label"] = r.body.value("name", "");
        if (k == EntityKind::kFacility && r.body.contains("detloc")) item["detloc"] = r.body["detloc"];
      }
      results.push_back(std::move(item));
    }
    return Status::Ok();
  }));
  // The text may name someone the audit's reader may not see: only its keyed hash.
  audit_->Enqueue(who, "search", "", "",
                  {{"query_hash", audit_->SearchHash(query)}, {"query_length", query.size()}, {"results", results.size()}});
  Json out = {{"query", query}, {"results", std::move(results)}};
  if (truncated) out["truncated"] = true;
  return out;
}

}  // namespace refuge::app
