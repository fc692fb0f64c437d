// Export and import: the full JSON backup of an installation (everything but
// sessions). An export of an import of an export is byte-for-byte the export.
#include <set>

#include "refuge/app/service.h"
#include "refuge/base/date.h"
#include "refuge/base/random.h"
#include "refuge/domain/event.h"

namespace refuge::app {

using domain::Event;
using store::Db;
using store::Record;

namespace {

constexpr const char* kFormat = "refuge-backup";
constexpr int kFormatVersion = 1;
constexpr int kBatch = 1000;

Json UserToJson(const store::User& u) {
  return {{"name", u.name}, {"role", u.role}, {"password_hash", u.password_hash},
          {"created_at", u.created_at}, {"disabled", u.disabled}};
}

// Server fields of an imported object: kept when present and well-formed.
Status ReadServerFields(const Json& in, const std::string& where, std::string* id,
                        int64_t* version, std::string* created, std::string* updated,
                        const std::string& now) {
  auto id_it = in.find("id");
  if (id_it == in.end() || !id_it->is_string() || id_it->get<std::string>().empty()) {
    return Invalid(where + ".id", "every imported object needs its id");
  }
  *id = id_it->get<std::string>();
  *version = in.value("version", int64_t{1});
  if (*version < 1) return Invalid(where + ".version", "must be 1 or more");
  *created = in.value("created_at", now);
  *updated = in.value("updated_at", *created);
  return Status::Ok();
}

}  // namespace

Result<Json> Service::Export() {
  Json doc = {{"format", kFormat}, {"format_version", kFormatVersion}};
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) -> Status {
    doc["schema_version"] = store_->SchemaVersion();
    for (EntityKind kind : domain::kAllEntityKinds) {
      Json list = Json::array();
      std::string after;
      while (true) {
        REFUGE_ASSIGN_OR_RETURN(auto recs, db.ListEntities(kind, after, kBatch));
        for (const auto& r : recs) list.push_back(store::RecordToJson(r));
        if (recs.size() < static_cast<size_t>(kBatch)) break;
        after = recs.back().id;
      }
      doc[domain::EntityCollection(kind)] = std::move(list);
    }
    Json users = Json::array();
    REFUGE_ASSIGN_OR_RETURN(auto all_users, db.ListUsers());
    for (const auto& u : all_users) users.push_back(UserToJson(u));
    doc["users"] = std::move(users);
    Json events = Json::array();
    std::string after;
    while (true) {
      REFUGE_ASSIGN_OR_RETURN(auto evs, db.ListEvents(after, kBatch));
      for (const auto& e : evs) {
        Json j = domain::EventToJson(e);
        if (e.version > 1) {
          REFUGE_ASSIGN_OR_RETURN(auto older, db.EventHistory(e.id));
          Json history = Json::array();
          for (const auto& o : older) history.push_back(domain::EventToJson(o));
          if (!history.empty()) j["history"] = std::move(history);
        }
        events.push_back(std::move(j));
      }
      if (evs.size() < static_cast<size_t>(kBatch)) break;
      after = evs.back().id;
    }
    doc["events"] = std::move(events);
    return Status::Ok();
  }));
  return doc;
}

Status Service::Import(const Json& doc, const ProgressFn& progress) {
  if (!doc.is_object()) return Malformed("a backup must be a JSON object");
  if (doc.value("format", "") != kFormat) {
    return Invalid("format", std::string("not a Refuge backup (expected \"format\": \"") + kFormat + "\")");
  }
  if (doc.value("format_version", 0) != kFormatVersion) {
    return Invalid("format_version", "this refuge reads format_version " + std::to_string(kFormatVersion));
  }
  static const std::set<std::string> kKeys = {"format", "format_version", "schema_version",
                                              "people", "organizations", "facilities",
                                              "matters", "users", "events"};
  for (const auto& [key, value] : doc.items()) {
    if (!kKeys.count(key)) return Invalid(key, "unknown section '" + key + "'");
    if (key != "format" && key != "format_version" && key != "schema_version" && !value.is_array()) {
      return Invalid(key, "must be a list");
    }
  }
  const std::string now = Now();
  int64_t total = 0, done = 0;
  for (const char* k : {"people", "organizations", "facilities", "matters", "users", "events"}) {
    if (doc.contains(k)) total += static_cast<int64_t>(doc[k].size());
  }
  auto tick = [&] {
    ++done;
    if (progress && (done % 1000 == 0 || done == total)) progress(done, total);
  };

  return store_->Write([&](Db& db) -> Status {
    // Entities in dependency order: matters need their client, events everything.
    for (EntityKind kind : {EntityKind::kPerson, EntityKind::kOrganization, EntityKind::kFacility}) {
      const char* section = domain::EntityCollection(kind);
      if (!doc.contains(section)) continue;
      const Json& list = doc[section];
      for (size_t i = 0; i < list.size(); ++i) {
        const std::string where = std::string(section) + "[" + std::to_string(i) + "]";
        Record r;
        r.kind = kind;
        REFUGE_RETURN_IF_ERROR(ReadServerFields(list[i], where, &r.id, &r.version, &r.created_at, &r.updated_at, now));
        std::vector<domain::Reference> refs;
        auto body = domain::ValidateEntity(kind, list[i], &refs);
        if (!body.ok()) return body.status().WithFieldPrefix(where);
        r.body = std::move(body).value();
        if (domain::TargetOfId(r.id) != domain::TargetOfId(std::string(domain::EntityIdPrefix(kind)) + "_x")) {
          return Invalid(where + ".id", "'" + r.id + "' is not a " + domain::EntityName(kind) + " id");
        }
        auto existing = db.GetEntity(kind, r.id);
        if (existing.ok()) {
          if (existing->body == r.body && existing->version == r.version) {
            tick();
            continue;
          }
          return Conflict(where + ": " + domain::EntityName(kind) + " '" + r.id +
                          "' exists with other content", where + ".id");
        }
        Status s = db.InsertEntity(r);
        if (!s.ok()) return Status(s.code(), where + ": " + s.message(), where);
        tick();
      }
    }
    if (doc.contains("users")) {
      const Json& list = doc["users"];
      for (size_t i = 0; i < list.size(); ++i) {
        const std::string where = "users[" + std::to_string(i) + "]";
        const Json& u = list[i];
        if (!u.is_object() || !u.contains("name") || !u["name"].is_string() ||
            !u.contains("role") || !u["role"].is_string() || !u.contains("password_hash") ||
            !u["password_hash"].is_string()) {
          return Invalid(where, "a user needs name, role and password_hash");
        }
        store::User user{u["name"], u["role"], u["password_hash"], u.value("created_at", now),
                         u.value("disabled", false)};
        auto existing = db.GetUser(user.name);
        if (existing.ok()) {
          if (existing->role == user.role && existing->password_hash == user.password_hash) {
            tick();
            continue;
          }
          return Conflict(where + ": user '" + user.name + "' exists with other content", where + ".name");
        }
        Status s = db.InsertUser(user);
        if (!s.ok()) return Status(s.code(), where + ": " + s.message(), where);
        tick();
      }
    }
    if (doc.contains("matters")) {
      const Json& list = doc["matters"];
      for (size_t i = 0; i < list.size(); ++i) {
        const std::string where = "matters[" + std::to_string(i) + "]";
        Record r;
        r.kind = EntityKind::kMatter;
        REFUGE_RETURN_IF_ERROR(ReadServerFields(list[i], where, &r.id, &r.version, &r.created_at, &r.updated_at, now));
        std::vector<domain::Reference> refs;
        auto body = domain::ValidateEntity(EntityKind::kMatter, list[i], &refs);
        if (!body.ok()) return body.status().WithFieldPrefix(where);
        r.body = std::move(body).value();
        Status s = CheckReferences(db, refs);
        if (s.ok()) s = CheckTeam(db, r.body);
        if (!s.ok()) return s.WithFieldPrefix(where);
        auto existing = db.GetEntity(EntityKind::kMatter, r.id);
        if (existing.ok()) {
          if (existing->body == r.body && existing->version == r.version) {
            tick();
            continue;
          }
          return Conflict(where + ": matter '" + r.id + "' exists with other content", where + ".id");
        }
        s = db.InsertEntity(r);
        if (!s.ok()) return Status(s.code(), where + ": " + s.message(), where);
        tick();
      }
    }
    if (doc.contains("events")) {
      const Json& list = doc["events"];
      for (size_t i = 0; i < list.size(); ++i) {
        const std::string where = "events[" + std::to_string(i) + "]";
        const Json& in = list[i];
        if (!in.is_object()) return Invalid(where, "an event must be a JSON object");
        Json body_in = in;
        Json history = Json::array();
        if (body_in.contains("history")) {
          history = body_in["history"];
          body_in.erase("history");
          if (!history.is_array()) return Invalid(where + ".history", "must be a list");
        }
        // A retracted event carries why; it is not part of the event contract.
        std::string retraction_reason = body_in.value("retraction_reason", "");
        body_in.erase("retraction_reason");
        auto parse = [&](const Json& src, const std::string& at) -> Result<Event> {
          std::vector<domain::Reference> refs;
          auto body = domain::ValidateEvent(src, &refs);
          if (!body.ok()) return body.status().WithFieldPrefix(at);
          Status s = CheckReferences(db, refs);
          if (!s.ok()) return s.WithFieldPrefix(at);
          REFUGE_ASSIGN_OR_RETURN(Event e, domain::EventFromBody(std::move(body).value()));
          REFUGE_RETURN_IF_ERROR(ReadServerFields(src, at, &e.id, &e.version, &e.created_at, &e.updated_at, now));
          e.retracted = src.value("retracted", false);
          return e;
        };
        REFUGE_ASSIGN_OR_RETURN(Event e, parse(body_in, where));
        if (domain::TargetOfId(e.id) != domain::RefTarget::kNone || e.id.rfind("evt_", 0) != 0) {
          return Invalid(where + ".id", "'" + e.id + "' is not an event id (evt_...)");
        }
        if (!retraction_reason.empty()) e.body["retraction_reason"] = retraction_reason;
        auto existing = db.GetEvent(e.id);
        if (existing.ok()) {
          if (existing->body == e.body && existing->version == e.version &&
              existing->retracted == e.retracted) {
            tick();
            continue;
          }
          return Conflict(where + ": event '" + e.id + "' exists with other content", where + ".id");
        }
        if (history.empty()) {
          Status s = db.InsertEvent(e);
          if (!s.ok()) return Status(s.code(), where + ": " + s.message(), where);
        } else {
          // Replay the versions so the history table holds exactly what it held.
          std::vector<Event> versions;
          for (size_t h = 0; h < history.size(); ++h) {
            Json hv = history[h];
            std::string reason = hv.value("retraction_reason", "");
            hv.erase("retraction_reason");
            REFUGE_ASSIGN_OR_RETURN(Event v, parse(hv, where + ".history[" + std::to_string(h) + "]"));
            if (!reason.empty()) v.body["retraction_reason"] = reason;
            if (v.id != e.id) return Invalid(where + ".history", "history of another event");
            versions.push_back(std::move(v));
          }
          versions.push_back(e);
          Status s = db.InsertEvent(versions.front());
          for (size_t k = 1; s.ok() && k < versions.size(); ++k) {
            s = db.UpdateEvent(versions[k], versions[k - 1].version);
          }
          if (!s.ok()) return Status(s.code(), where + ": " + s.message(), where);
        }
        tick();
      }
    }
    return Status::Ok();
  });
}

}  // namespace refuge::app
