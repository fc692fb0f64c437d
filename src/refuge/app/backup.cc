// Export and import: the full JSON backup of an installation (everything but
// sessions). An export of an import of an export is byte-for-byte the export.
#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <unordered_set>

#include "refuge/app/evidence_backup.h"
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
  Json j = {{"name", u.name}, {"role", u.role}, {"password_hash", u.password_hash},
            {"created_at", u.created_at}, {"disabled", u.disabled}};
  if (!u.totp_secret.empty()) j["totp_secret"] = u.totp_secret;
  if (u.totp_enabled) j["totp_enabled"] = true;
  return j;
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

// An import writes new rows in batches, and reads the stored versions of a batch's
// ids in one go before it: a few database round trips per thousand rows, not
// several per row. Rows held back for the next write count as existing for the
// rows after them, as if they had been written one by one.
template <typename Row>
class Batches {
 public:
  using Fetch = std::function<Result<std::vector<Row>>(const std::vector<std::string>&)>;
  using Write = std::function<Status(const std::vector<Row>&)>;
  using Written = std::function<void(const Row&)>;

  Batches(std::string section, Fetch fetch, Write write, Written written)
      : section_(std::move(section)), fetch_(std::move(fetch)), write_(std::move(write)),
        written_(std::move(written)) {}

  // Before row `i` of `list`: at the start of a batch, writes the rows held back
  // and reads what the database holds for the ids of the batch.
  Status Before(const Json& list, size_t i) {
    if (i % kBatch != 0) return Status::Ok();
    REFUGE_RETURN_IF_ERROR(Flush());
    const size_t end = std::min(list.size(), i + kBatch);
    std::vector<std::string> ids;
    for (size_t k = i; k < end; ++k) {
      if (!list[k].is_object()) continue;
      auto it = list[k].find("id");
      if (it != list[k].end() && it->is_string()) ids.push_back(it->get<std::string>());
    }
    REFUGE_ASSIGN_OR_RETURN(std::vector<Row> rows, fetch_(ids));
    stored_.clear();
    for (Row& r : rows) {
      std::string id = r.id;
      stored_.emplace(std::move(id), std::move(r));
    }
    where_ = section_ + "[" + std::to_string(i) + ".." + std::to_string(end - 1) + "]";
    return Status::Ok();
  }

  // The stored or held-back row with this id, or nullptr.
  const Row* Existing(const std::string& id) const {
    if (auto h = held_at_.find(id); h != held_at_.end()) return &held_[h->second];
    auto s = stored_.find(id);
    return s == stored_.end() ? nullptr : &s->second;
  }

  void Hold(Row r) {
    held_at_[r.id] = held_.size();
    held_.push_back(std::move(r));
  }

  Status Flush() {
    if (held_.empty()) return Status::Ok();
    Status s = write_(held_);
    if (!s.ok()) return Status(s.code(), where_ + ": " + s.message(), section_);
    for (const Row& r : held_) written_(r);
    held_.clear();
    held_at_.clear();
    return Status::Ok();
  }

 private:
  std::string section_;
  Fetch fetch_;
  Write write_;
  Written written_;
  std::string where_;
  std::map<std::string, Row> stored_;
  std::vector<Row> held_;
  std::map<std::string, size_t> held_at_;
};

}  // namespace

Result<Json> Service::Export(const Actor& who) {
  Json doc = {{"format", kFormat}, {"format_version", kFormatVersion}};
  // A full backup holds every file and password hash: the operator's, not a user's.
  if (!who.is_operator()) return Status(Code::kForbidden, "a full backup is taken at the command line");
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
    REFUGE_ASSIGN_OR_RETURN(Json evidence, ExportEvidence(db));
    if (!evidence.empty()) doc["evidence"] = std::move(evidence);
    return Status::Ok();
  }));
  REFUGE_RETURN_IF_ERROR(store_->Write([&](Db& db) { return audit_->Append(db, who, "export", "", ""); }));
  return doc;
}

Status Service::Import(const Actor& who, const Json& doc, const ProgressFn& progress) {
  if (!who.is_operator()) return Status(Code::kForbidden, "a backup is restored at the command line");
  if (!doc.is_object()) return Malformed("a backup must be a JSON object");
  if (doc.value("format", "") != kFormat) {
    return Invalid("format", std::string("not a Refuge backup (expected \"format\": \"") + kFormat + "\")");
  }
  if (doc.value("format_version", 0) != kFormatVersion) {
    return Invalid("format_version", "this refuge reads format_version " + std::to_string(kFormatVersion));
  }
  static const std::set<std::string> kKeys = {"format", "format_version", "schema_version",
                                              "people", "organizations", "facilities",
                                              "matters", "users", "events", "evidence"};
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
    // References found to exist (or written) by this import are not looked up again.
    std::unordered_set<std::string> known;
    auto key = [](domain::RefTarget t, const std::string& id) {
      return std::to_string(static_cast<int>(t)) + ":" + id;
    };
    auto check_refs = [&](const std::vector<domain::Reference>& refs) -> Status {
      std::vector<domain::Reference> unknown;
      for (const auto& r : refs) {
        if (!known.count(key(r.target, r.id))) unknown.push_back(r);
      }
      if (unknown.empty()) return Status::Ok();
      REFUGE_RETURN_IF_ERROR(CheckReferences(db, unknown));
      for (const auto& r : unknown) known.insert(key(r.target, r.id));
      return Status::Ok();
    };
    auto entity_batches = [&](EntityKind kind) {
      return Batches<Record>(
          domain::EntityCollection(kind),
          [&db, kind](const std::vector<std::string>& ids) { return db.GetEntities(kind, ids); },
          [&db](const std::vector<Record>& rows) { return db.InsertEntities(rows); },
          [&](const Record& r) { known.insert(key(domain::TargetOfId(r.id), r.id)); });
    };
    // Team members found to be users.
    std::unordered_set<std::string> known_users;

    // Entities in dependency order: matters need their client, events everything.
    for (EntityKind kind : {EntityKind::kPerson, EntityKind::kOrganization, EntityKind::kFacility}) {
      const char* section = domain::EntityCollection(kind);
      if (!doc.contains(section)) continue;
      const Json& list = doc[section];
      Batches<Record> batches = entity_batches(kind);
      for (size_t i = 0; i < list.size(); ++i) {
        REFUGE_RETURN_IF_ERROR(batches.Before(list, i));
        const std::string where = std::string(section) + "[" + std::to_string(i) + "]";
        Record r;
        r.kind = kind;
        REFUGE_RETURN_IF_ERROR(ReadServerFields(list[i], where, &r.id, &r.version, &r.created_at, &r.updated_at, now));
        std::vector<domain::Reference> refs;
        auto body = domain::ValidateEntity(kind, list[i], &refs);
        if (!body.ok()) return body.status().WithFieldPrefix(where);
        r.body = std::move(body).value();
        r.created_by = list[i].value("created_by", "");
        if (domain::TargetOfId(r.id) != domain::TargetOfId(std::string(domain::EntityIdPrefix(kind)) + "_x")) {
          return Invalid(where + ".id", "'" + r.id + "' is not a " + domain::EntityName(kind) + " id");
        }
        if (const Record* existing = batches.Existing(r.id)) {
          if (existing->body == r.body && existing->version == r.version) {
            known.insert(key(domain::TargetOfId(r.id), r.id));
            tick();
            continue;
          }
          return Conflict(where + ": " + domain::EntityName(kind) + " '" + r.id +
                          "' exists with other content", where + ".id");
        }
        batches.Hold(std::move(r));
        tick();
      }
      REFUGE_RETURN_IF_ERROR(batches.Flush());
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
                         u.value("disabled", false), u.value("totp_secret", ""),
                         u.value("totp_enabled", false)};
        auto existing = db.GetUser(user.name);
        if (existing.ok()) {
          if (existing->role == user.role && existing->password_hash == user.password_hash) {
            known_users.insert(user.name);
            tick();
            continue;
          }
          return Conflict(where + ": user '" + user.name + "' exists with other content", where + ".name");
        }
        Status s = db.InsertUser(user);
        if (!s.ok()) return Status(s.code(), where + ": " + s.message(), where);
        known_users.insert(user.name);
        tick();
      }
    }
    if (doc.contains("matters")) {
      const Json& list = doc["matters"];
      Batches<Record> batches = entity_batches(EntityKind::kMatter);
      for (size_t i = 0; i < list.size(); ++i) {
        REFUGE_RETURN_IF_ERROR(batches.Before(list, i));
        const std::string where = "matters[" + std::to_string(i) + "]";
        Record r;
        r.kind = EntityKind::kMatter;
        REFUGE_RETURN_IF_ERROR(ReadServerFields(list[i], where, &r.id, &r.version, &r.created_at, &r.updated_at, now));
        std::vector<domain::Reference> refs;
        auto body = domain::ValidateEntity(EntityKind::kMatter, list[i], &refs);
        if (!body.ok()) return body.status().WithFieldPrefix(where);
        r.body = std::move(body).value();
        r.created_by = list[i].value("created_by", "");
        Status s = check_refs(refs);
        bool team_known = true;
        for (const auto& u : r.body.value("team", Json::array())) {
          if (!u.is_string() || !known_users.count(u.get<std::string>())) team_known = false;
        }
        if (s.ok() && !team_known) {
          s = CheckTeam(db, r.body);
          if (s.ok()) {
            for (const auto& u : r.body["team"]) known_users.insert(u.get<std::string>());
          }
        }
        if (!s.ok()) return s.WithFieldPrefix(where);
        if (const Record* existing = batches.Existing(r.id)) {
          if (existing->body == r.body && existing->version == r.version) {
            known.insert(key(domain::RefTarget::kMatter, r.id));
            tick();
            continue;
          }
          return Conflict(where + ": matter '" + r.id + "' exists with other content", where + ".id");
        }
        batches.Hold(std::move(r));
        tick();
      }
      REFUGE_RETURN_IF_ERROR(batches.Flush());
    }
    // Evidence before the events that may refer to it.
    if (doc.contains("evidence")) REFUGE_RETURN_IF_ERROR(ImportEvidence(db, doc["evidence"]));
    if (doc.contains("events")) {
      const Json& list = doc["events"];
      // The earlier versions of the held-back events, written right after them.
      std::vector<Event> held_history;
      Batches<Event> batches(
          "events", [&db](const std::vector<std::string>& ids) { return db.GetEvents(ids); },
          [&](const std::vector<Event>& rows) -> Status {
            REFUGE_RETURN_IF_ERROR(db.InsertEvents(rows));
            Status s = db.InsertEventVersions(held_history);
            held_history.clear();
            return s;
          },
          [](const Event&) {});
      for (size_t i = 0; i < list.size(); ++i) {
        REFUGE_RETURN_IF_ERROR(batches.Before(list, i));
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
          Status s = check_refs(refs);
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
        if (const Event* existing = batches.Existing(e.id)) {
          if (existing->body == e.body && existing->version == e.version &&
              existing->retracted == e.retracted) {
            tick();
            continue;
          }
          return Conflict(where + ": event '" + e.id + "' exists with other content", where + ".id");
        }
        if (history.empty()) {
          batches.Hold(std::move(e));
        } else {
          // The earlier versions go to the history table as they were, as if each
          // correction had been made again.
          for (size_t h = 0; h < history.size(); ++h) {
            Json hv = history[h];
            std::string reason = hv.value("retraction_reason", "");
            hv.erase("retraction_reason");
            REFUGE_ASSIGN_OR_RETURN(Event v, parse(hv, where + ".history[" + std::to_string(h) + "]"));
            if (!reason.empty()) v.body["retraction_reason"] = reason;
            if (v.id != e.id) return Invalid(where + ".history", "history of another event");
            held_history.push_back(std::move(v));
          }
          batches.Hold(std::move(e));
        }
        tick();
      }
      REFUGE_RETURN_IF_ERROR(batches.Flush());
    }
    return audit_->Append(db, who, "import", "", "", {{"objects", total}});
  });
}

}  // namespace refuge::app
