#include "refuge/store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <vector>

#include "refuge/domain/search_terms.h"
#include "refuge/store/migrations.h"
#include "refuge/store/team_filter.h"

namespace refuge::store {
namespace {

using domain::Event;
using domain::RefTarget;

const char* TableOf(EntityKind kind) {
  switch (kind) {
    case EntityKind::kPerson: return "persons";
    case EntityKind::kOrganization: return "organizations";
    case EntityKind::kFacility: return "facilities";
    case EntityKind::kMatter: return "matters";
  }
  return "persons";
}

// A prepared statement bound for one use; reset when it goes out of scope.
class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  ~Stmt() {
    if (s_ != nullptr) {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
    }
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& Bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& BindOptional(int i, const std::string& v) {
    if (v.empty()) {
      sqlite3_bind_null(s_, i);
    } else {
      Bind(i, v);
    }
    return *this;
  }
  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  // SQLITE_ROW -> true, SQLITE_DONE -> false, anything else -> error.
  Result<bool> Step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return Error(rc);
  }
  Status Run() {
    auto r = Step();
    return r.ok() ? Status::Ok() : r.status();
  }
  // Runs it and makes it ready to run again; the bindings stay.
  Status RunAndReset() {
    Status s = Run();
    sqlite3_reset(s_);
    return s;
  }
  std::string Text(int col) const {
    const unsigned char* t = sqlite3_column_text(s_, col);
    return t == nullptr ? std::string()
                        : std::string(reinterpret_cast<const char*>(t),
                                      static_cast<size_t>(sqlite3_column_bytes(s_, col)));
  }
  int64_t Int(int col) const { return sqlite3_column_int64(s_, col); }

 private:
  Status Error(int rc) const {
    int ext = sqlite3_extended_errcode(db_);
    std::string msg = sqlite3_errmsg(db_);
    if (ext == SQLITE_CONSTRAINT_PRIMARYKEY || ext == SQLITE_CONSTRAINT_UNIQUE) {
      return Conflict("already exists: " + msg);
    }
    if (ext == SQLITE_CONSTRAINT_FOREIGNKEY) {
      return Status(Code::kInvalid, "refers to a missing object: " + msg);
    }
    if ((rc & 0xff) == SQLITE_CONSTRAINT) return Status(Code::kInvalid, msg);
    if ((rc & 0xff) == SQLITE_FULL) return IoError("disk full: " + msg);
    return IoError("database error: " + msg);
  }

  sqlite3* db_;
  sqlite3_stmt* s_;
};

Result<Json> ParseBody(const std::string& text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Internal("stored JSON is corrupt");
  return j;
}

class Connection final : public Db {
 public:
  explicit Connection(sqlite3* db) : db_(db) {}
  ~Connection() override {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  sqlite3* raw() { return db_; }

  Status Exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      return IoError("database error: " + msg);
    }
    return Status::Ok();
  }

  // Statements are prepared once per connection and reused.
  Result<std::unique_ptr<Stmt>> Prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
      sqlite3_stmt* s = nullptr;
      if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) !=
          SQLITE_OK) {
        return Internal("cannot prepare statement: " + std::string(sqlite3_errmsg(db_)));
      }
      it = cache_.emplace(sql, s).first;
    }
    return std::make_unique<Stmt>(db_, it->second);
  }

  // --- entities ---

  Status InsertEntity(const Record& r) override {
    std::string sql = std::string("INSERT INTO ") + TableOf(r.kind) +
                      " (id, version, body, created_at, updated_at" + ExtraColumns(r.kind) +
                      ") VALUES (?1, ?2, ?3, ?4, ?5" + ExtraParams(r.kind) + ")";
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(sql));
    st->Bind(1, r.id).Bind(2, r.version).Bind(3, r.body.dump()).Bind(4, r.created_at).Bind(5, r.updated_at);
    BindExtra(*st, r);
    if (r.kind == EntityKind::kPerson || r.kind == EntityKind::kMatter) st->BindOptional(7, r.created_by);
    REFUGE_RETURN_IF_ERROR(st->Run());
    REFUGE_RETURN_IF_ERROR(AfterEntityWrite(r, /*fresh=*/true));
    return Status::Ok();
  }

  Result<Record> GetEntity(EntityKind kind, const std::string& id) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(std::string("SELECT ") + RecordColumns(kind) + " FROM " +
                                             TableOf(kind) + " WHERE id = ?1"));
    st->Bind(1, id);
    REFUGE_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return NotFound(std::string("no ") + domain::EntityName(kind) + " '" + id + "'");
    return ReadRecord(kind, *st);
  }

  Status UpdateEntity(const Record& r, int64_t expected_version) override {
    std::string sql = std::string("UPDATE ") + TableOf(r.kind) +
                      " SET version = ?2, body = ?3, updated_at = ?5" + ExtraAssignments(r.kind) +
                      " WHERE id = ?1 AND version = ?4";
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(sql));
    st->Bind(1, r.id).Bind(2, r.version).Bind(3, r.body.dump()).Bind(4, expected_version).Bind(5, r.updated_at);
    BindExtra(*st, r);
    REFUGE_RETURN_IF_ERROR(st->Run());
    if (sqlite3_changes(db_) == 0) {
      auto cur = GetEntity(r.kind, r.id);
      if (!cur.ok()) return cur.status();
      return Conflict("version " + std::to_string(expected_version) + " is stale; the " +
                          domain::EntityName(r.kind) + " is at version " +
                          std::to_string(cur->version),
                      "version");
    }
    REFUGE_RETURN_IF_ERROR(AfterEntityWrite(r, /*fresh=*/false));
    return Status::Ok();
  }

  Result<std::vector<Record>> ListEntities(EntityKind kind, const std::string& after,
                                           int limit) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(std::string("SELECT ") + RecordColumns(kind) + " FROM " +
                                             TableOf(kind) + " WHERE id > ?1 ORDER BY id LIMIT ?2"));
    st->Bind(1, after).Bind(2, static_cast<int64_t>(limit));
    std::vector<Record> out;
    while (true) {
      REFUGE_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      REFUGE_ASSIGN_OR_RETURN(auto rec, ReadRecord(kind, *st));
      out.push_back(std::move(rec));
    }
    return out;
  }

  Result<bool> Exists(RefTarget target, const std::string& id) override {
    const char* table = nullptr;
    switch (target) {
      case RefTarget::kPerson: table = "persons"; break;
      case RefTarget::kOrganization: table = "organizations"; break;
      case RefTarget::kFacility: table = "facilities"; break;
      case RefTarget::kMatter: table = "matters"; break;
      case RefTarget::kEvidence: table = "evidence"; break;
      default: return false;
    }
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(std::string("SELECT 1 FROM ") + table + " WHERE id = ?1"));
    st->Bind(1, id);
    return st->Step();
  }

  Result<std::optional<Record>> FacilityByDetloc(const std::string& detloc) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(std::string("SELECT ") + RecordColumns(EntityKind::kFacility) + " FROM facilities WHERE detloc = ?1"));
    st->Bind(1, detloc);
    REFUGE_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return std::optional<Record>();
    REFUGE_ASSIGN_OR_RETURN(auto rec, ReadRecord(EntityKind::kFacility, *st));
    return std::optional<Record>(std::move(rec));
  }

  Result<std::vector<Record>> MattersOfClient(const std::string& person_id) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(std::string("SELECT ") + RecordColumns(EntityKind::kMatter) + " FROM matters WHERE client = ?1 ORDER BY id"));
    st->Bind(1, person_id);
    std::vector<Record> out;
    while (true) {
      REFUGE_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      REFUGE_ASSIGN_OR_RETURN(auto rec, ReadRecord(EntityKind::kMatter, *st));
      out.push_back(std::move(rec));
    }
    return out;
  }

  Result<std::vector<std::string>> MattersOfMember(const std::string& user_name) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare("SELECT matter FROM matter_members WHERE user_name = ?1 ORDER BY matter"));
    st->Bind(1, user_name);
    std::vector<std::string> out;
    while (true) {
      REFUGE_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      out.push_back(st->Text(0));
    }
    return out;
  }

  Result<bool> IsOnTeam(const std::string& matter_id, const std::string& user_name) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare("SELECT 1 FROM matter_members WHERE matter = ?1 AND user_name = ?2"));
    st->Bind(1, matter_id).Bind(2, user_name);
    return st->Step();
  }

  // --- events ---

  Status InsertEvent(const Event& e) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(
        "INSERT INTO events (id, subject, matter, type, date_key, place_ref, version, retracted, body, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"));
    BindEvent(*st, e);
    REFUGE_RETURN_IF_ERROR(st->Run());
    return IndexEvent(e, /*fresh=*/true);
  }

  Result<Event> GetEvent(const std::string& id) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(std::string(kEventColumns) + " FROM events WHERE id = ?1"));
    st->Bind(1, id);
    REFUGE_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return NotFound("no event '" + id + "'");
    return ReadEvent(*st);
  }

  Status UpdateEvent(const Event& e, int64_t expected_version) override {
    REFUGE_ASSIGN_OR_RETURN(auto keep, Prepare(
        "INSERT INTO event_versions (id, version, retracted, body, created_at, updated_at) "
        "SELECT id, version, retracted, body, created_at, updated_at FROM events WHERE id = ?1 AND version = ?2"));
    keep->Bind(1, e.id).Bind(2, expected_version);
    REFUGE_RETURN_IF_ERROR(keep->Run());
    if (sqlite3_changes(db_) == 0) {
      auto cur = GetEvent(e.id);
      if (!cur.ok()) return cur.status();
      return Conflict("version " + std::to_string(expected_version) +
                          " is stale; the event is at version " + std::to_string(cur->version),
                      "version");
    }
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(
        "UPDATE events SET subject = ?2, matter = ?3, type = ?4, date_key = ?5, place_ref = ?6, version = ?7, "
        "retracted = ?8, body = ?9, created_at = ?10, updated_at = ?11 WHERE id = ?1"));
    BindEvent(*st, e);
    REFUGE_RETURN_IF_ERROR(st->Run());
    return IndexEvent(e, /*fresh=*/false);
  }

  Result<std::vector<Event>> EventsOfSubject(const std::string& person_id,
                                             bool include_retracted) override {
    return QueryEvents(std::string(kEventColumns) +
                           " FROM events WHERE subject = ?1 AND (?2 OR retracted = 0) ORDER BY date_key, id",
                       person_id, include_retracted);
  }

  Result<std::vector<Event>> EventsOfMatter(const std::string& matter_id,
                                            bool include_retracted) override {
    return QueryEvents(std::string(kEventColumns) +
                           " FROM events WHERE matter = ?1 AND (?2 OR retracted = 0) ORDER BY date_key, id",
                       matter_id, include_retracted);
  }

  Result<std::vector<Event>> ListEvents(const std::string& after, int limit) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(std::string(kEventColumns) + " FROM events WHERE id > ?1 ORDER BY id LIMIT ?2"));
    st->Bind(1, after).Bind(2, static_cast<int64_t>(limit));
    return CollectEvents(*st);
  }

  Status InsertEventVersions(const std::vector<Event>& versions) override {
    for (const Event& v : versions) {
      REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(
          "INSERT INTO event_versions (id, version, retracted, body, created_at, updated_at) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
      st->Bind(1, v.id).Bind(2, v.version).Bind(3, int64_t{v.retracted}).Bind(4, v.body.dump())
          .Bind(5, v.created_at).Bind(6, v.updated_at);
      REFUGE_RETURN_IF_ERROR(st->Run());
    }
    return Status::Ok();
  }

  Result<std::vector<Event>> EventHistory(const std::string& id) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(
        "SELECT id, version, retracted, body, created_at, updated_at FROM event_versions WHERE id = ?1 ORDER BY version"));
    st->Bind(1, id);
    std::vector<Event> out;
    while (true) {
      REFUGE_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      REFUGE_ASSIGN_OR_RETURN(Json body, ParseBody(st->Text(3)));
      REFUGE_ASSIGN_OR_RETURN(Event e, domain::EventFromBody(std::move(body)));
      e.id = st->Text(0);
      e.version = st->Int(1);
      e.retracted = st->Int(2) != 0;
      e.created_at = st->Text(4);
      e.updated_at = st->Text(5);
      out.push_back(std::move(e));
    }
    return out;
  }

  Result<std::vector<std::string>> SubjectsPlacedAt(const std::string& facility_id) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(
        "SELECT DISTINCT subject FROM events WHERE place_ref = ?1 AND retracted = 0 ORDER BY subject"));
    st->Bind(1, facility_id);
    std::vector<std::string> out;
    while (true) {
      REFUGE_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      out.push_back(st->Text(0));
    }
    return out;
  }

  // --- search ---

  Result<std::vector<SearchHit>> Search(const std::vector<std::string>& terms,
                                        const std::string& kind, int limit,
                                        const SearchHit& after) override {
    if (terms.empty()) return std::vector<SearchHit>{};
    // The most selective plan is to start from one term and probe the others; the
    // first term's rows drive the loop, the rest are point lookups on the primary key.
    std::string sql = "SELECT t0.kind, t0.id FROM search_terms t0";
    for (size_t i = 1; i < terms.size(); ++i) {
      std::string t = "t" + std::to_string(i);
      sql += " JOIN search_terms " + t + " ON " + t + ".kind = t0.kind AND " + t + ".id = t0.id AND ";
      sql += TermMatch(t, terms[i], 2 * static_cast<int>(i) + 1);
    }
    sql += " WHERE " + TermMatch("t0", terms[0], 1);
    int kind_param = 2 * static_cast<int>(terms.size()) + 1;
    sql += " AND (?" + std::to_string(kind_param) + " = '' OR t0.kind = ?" + std::to_string(kind_param) + ")";
    sql += " AND (t0.kind, t0.id) > (?" + std::to_string(kind_param + 2) + ", ?" + std::to_string(kind_param + 3) + ")";
    sql += " GROUP BY t0.kind, t0.id ORDER BY t0.kind, t0.id LIMIT ?" + std::to_string(kind_param + 1);
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(sql));
    for (size_t i = 0; i < terms.size(); ++i) {
      int p = 2 * static_cast<int>(i) + 1;
      st->Bind(p, terms[i]);
      // Upper bound for prefix matching: the term followed by the largest code point.
      st->Bind(p + 1, terms[i] + "\xF4\x8F\xBF\xBF");
    }
    st->Bind(kind_param, kind).Bind(kind_param + 1, static_cast<int64_t>(limit));
    st->Bind(kind_param + 2, after.kind).Bind(kind_param + 3, after.id);
    std::vector<SearchHit> out;
    while (true) {
      REFUGE_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      out.push_back(SearchHit{st->Text(0), st->Text(1)});
    }
    return out;
  }

  Result<std::vector<SearchHit>> HitsOnTeamsOf(const std::vector<SearchHit>& hits,
                                               const std::string& user) override {
    return FilterHitsByKind(hits, [&](const std::string& kind, const std::string& ids)
                                      -> Result<std::vector<std::string>> {
      REFUGE_ASSIGN_OR_RETURN(auto st, Prepare("SELECT x.value FROM json_each(?1) AS x WHERE " +
                                               OnTeamsOf(kind, "x.value", "?2")));
      st->Bind(1, ids).Bind(2, user);
      return Strings(*st);
    });
  }

  // --- users and sessions ---

  Status InsertUser(const User& u) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(
        "INSERT INTO users (name, role, password_hash, created_at, disabled, totp_secret, totp_enabled, totp_last_step) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
    st->Bind(1, u.name).Bind(2, u.role).Bind(3, u.password_hash).Bind(4, u.created_at).Bind(5, int64_t{u.disabled})
        .BindOptional(6, u.totp_secret).Bind(7, int64_t{u.totp_enabled}).Bind(8, u.totp_last_step);
    return st->Run();
  }

  Status UpdateUser(const User& u) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(
        "UPDATE users SET role = ?2, password_hash = ?3, disabled = ?4, totp_secret = ?5, totp_enabled = ?6, totp_last_step = ?7 "
        "WHERE name = ?1"));
    st->Bind(1, u.name).Bind(2, u.role).Bind(3, u.password_hash).Bind(4, int64_t{u.disabled})
        .BindOptional(5, u.totp_secret).Bind(6, int64_t{u.totp_enabled}).Bind(7, u.totp_last_step);
    REFUGE_RETURN_IF_ERROR(st->Run());
    if (sqlite3_changes(db_) == 0) return NotFound("no user '" + u.name + "'");
    return Status::Ok();
  }

  Result<User> GetUser(const std::string& name) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(
        "SELECT name, role, password_hash, created_at, disabled, totp_secret, totp_enabled, totp_last_step FROM users WHERE name = ?1"));
    st->Bind(1, name);
    REFUGE_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return NotFound("no user '" + name + "'");
    return ReadUser(*st);
  }

  Result<std::vector<User>> ListUsers() override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(
        "SELECT name, role, password_hash, created_at, disabled, totp_secret, totp_enabled, totp_last_step FROM users ORDER BY name"));
    std::vector<User> out;
    while (true) {
      REFUGE_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      out.push_back(ReadUser(*st));
    }
    return out;
  }

  Status InsertSession(const Session& s) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(
        "INSERT INTO sessions (token_hash, user_name, created_at, expires_at, last_seen, csrf_hash) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
    st->Bind(1, s.token_hash).Bind(2, s.user).Bind(3, s.created_at).Bind(4, s.expires_at)
        .Bind(5, s.last_seen).Bind(6, s.csrf_hash);
    return st->Run();
  }

  Result<Session> GetSession(const std::string& token_hash) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(
        "SELECT token_hash, user_name, created_at, expires_at, last_seen, csrf_hash FROM sessions WHERE token_hash = ?1"));
    st->Bind(1, token_hash);
    REFUGE_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return NotFound("no such session");
    return Session{st->Text(0), st->Text(1), st->Int(2), st->Int(3), st->Int(4), st->Text(5)};
  }

  Status DeleteSession(const std::string& token_hash) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare("DELETE FROM sessions WHERE token_hash = ?1"));
    st->Bind(1, token_hash);
    return st->Run();
  }

  Status DeleteExpiredSessions(int64_t now) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare("DELETE FROM sessions WHERE expires_at <= ?1"));
    st->Bind(1, now);
    return st->Run();
  }

  Status RevokeCredentialsOf(const std::string& user, const std::string& at) override {
    REFUGE_ASSIGN_OR_RETURN(auto sessions, Prepare("DELETE FROM sessions WHERE user_name = ?1"));
    sessions->Bind(1, user);
    REFUGE_RETURN_IF_ERROR(sessions->Run());
    REFUGE_ASSIGN_OR_RETURN(auto tokens, Prepare(
        "UPDATE api_tokens SET revoked_at = ?2 WHERE user_name = ?1 AND revoked_at IS NULL"));
    tokens->Bind(1, user).Bind(2, at);
    return tokens->Run();
  }

  Status SetCalendarFeed(const std::string& user_name, const std::string& token_hash,
                         int64_t now) override {
    REFUGE_RETURN_IF_ERROR(DeleteCalendarFeed(user_name));
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(
        "INSERT INTO calendar_feeds (token_hash, user_name, created_at) VALUES (?1, ?2, ?3)"));
    st->Bind(1, token_hash).Bind(2, user_name).Bind(3, now);
    return st->Run();
  }

  Status DeleteCalendarFeed(const std::string& user_name) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare("DELETE FROM calendar_feeds WHERE user_name = ?1"));
    st->Bind(1, user_name);
    return st->Run();
  }

  Result<std::string> CalendarFeedUser(const std::string& token_hash) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare("SELECT user_name FROM calendar_feeds WHERE token_hash = ?1"));
    st->Bind(1, token_hash);
    REFUGE_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return NotFound("no such calendar feed");
    return st->Text(0);
  }

  // --- access ---

  Result<std::vector<std::string>> MattersOfPerson(const std::string& person_id) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(
        "SELECT id FROM matters WHERE client = ?1 "
        "UNION SELECT matter FROM events WHERE subject = ?1 AND matter IS NOT NULL AND retracted = 0 "
        "ORDER BY 1"));
    st->Bind(1, person_id);
    return Strings(*st);
  }

  Result<PersonReach> ReachOfPerson(const std::string& person_id, const std::string& user_name) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(PersonReachQuery("?1", "?2")));
    st->Bind(1, person_id).Bind(2, user_name);
    REFUGE_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return Internal("the reach of a person gave no row");
    return PersonReach{st->Int(0) != 0, st->Int(1) != 0, st->Int(2) != 0};
  }

  Result<std::vector<std::string>> EventsNamingPerson(const std::string& person_id) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(
        "SELECT DISTINCT e.id FROM event_refs r JOIN events e ON e.id = r.event "
        "WHERE r.ref = ?1 AND e.matter IS NOT NULL AND e.retracted = 0 ORDER BY 1"));
    st->Bind(1, person_id);
    return Strings(*st);
  }

  Result<int64_t> DataGeneration() override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare("SELECT n FROM data_generation"));
    REFUGE_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return Internal("the data_generation table is empty");
    return st->Int(0);
  }

  Status AdvanceDataGeneration() override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare("UPDATE data_generation SET n = n + 1"));
    return st->Run();
  }

  Status TouchSession(const std::string& token_hash, int64_t now) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare("UPDATE sessions SET last_seen = ?2 WHERE token_hash = ?1"));
    st->Bind(1, token_hash).Bind(2, now);
    return st->Run();
  }

  // --- API tokens ---

  Status InsertApiToken(const ApiToken& t) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(
        "INSERT INTO api_tokens (id, user_name, name, token_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)"));
    st->Bind(1, t.id).Bind(2, t.user).Bind(3, t.name).Bind(4, t.token_hash).Bind(5, t.created_at);
    return st->Run();
  }

  Result<std::vector<ApiToken>> ApiTokensOf(const std::string& user) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(std::string(kTokenColumns) + " WHERE user_name = ?1 ORDER BY id"));
    st->Bind(1, user);
    std::vector<ApiToken> out;
    while (true) {
      REFUGE_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      out.push_back(ReadToken(*st));
    }
    return out;
  }

  Result<ApiToken> ApiTokenByHash(const std::string& token_hash) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(std::string(kTokenColumns) + " WHERE token_hash = ?1"));
    st->Bind(1, token_hash);
    REFUGE_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return NotFound("no such token");
    return ReadToken(*st);
  }

  Status RevokeApiToken(const std::string& user, const std::string& id, const std::string& at) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(
        "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ?3) WHERE id = ?1 AND user_name = ?2"));
    st->Bind(1, id).Bind(2, user).Bind(3, at);
    REFUGE_RETURN_IF_ERROR(st->Run());
    if (sqlite3_changes(db_) == 0) return NotFound("no token '" + id + "'");
    return Status::Ok();
  }

  Status TouchApiToken(const std::string& id, const std::string& at) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare("UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1"));
    st->Bind(1, id).Bind(2, at);
    return st->Run();
  }

  // --- audit log ---

  Status InsertAudit(const AuditEntry& e) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(
        "INSERT INTO audit_log (seq, at, actor, action, target, person, address, details, prev_hash, hash) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
    st->Bind(1, e.seq).Bind(2, e.at).Bind(3, e.actor).Bind(4, e.action).Bind(5, e.target)
        .Bind(6, e.person).Bind(7, e.address).Bind(8, e.details).Bind(9, e.prev_hash).Bind(10, e.hash);
    return st->Run();
  }

  Result<AuditHead> GetAuditHead() override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare("SELECT seq, hash, signature FROM audit_head WHERE id = 1"));
    REFUGE_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return NotFound("the audit log is empty");
    return AuditHead{st->Int(0), st->Text(1), st->Text(2)};
  }

  Status SetAuditHead(const AuditHead& h) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(
        "INSERT INTO audit_head (id, seq, hash, signature) VALUES (1, ?1, ?2, ?3) "
        "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, signature = excluded.signature"));
    st->Bind(1, h.seq).Bind(2, h.hash).Bind(3, h.signature);
    return st->Run();
  }

  Result<std::vector<AuditEntry>> ListAudit(int64_t after, int limit, const std::string& person,
                                            const std::string& actor) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(
        "SELECT seq, at, actor, action, target, person, address, details, prev_hash, hash FROM audit_log "
        "WHERE seq > ?1 AND (?2 = '' OR person = ?2) AND (?3 = '' OR actor = ?3) ORDER BY seq LIMIT ?4"));
    st->Bind(1, after).Bind(2, person).Bind(3, actor).Bind(4, static_cast<int64_t>(limit));
    std::vector<AuditEntry> out;
    while (true) {
      REFUGE_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      out.push_back(AuditEntry{st->Int(0), st->Text(1), st->Text(2), st->Text(3), st->Text(4),
                               st->Text(5), st->Text(6), st->Text(7), st->Text(8), st->Text(9)});
    }
    return out;
  }

  Result<int64_t> CountEntities(EntityKind kind) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(std::string("SELECT count(*) FROM ") + TableOf(kind)));
    REFUGE_ASSIGN_OR_RETURN(bool row, st->Step());
    (void)row;
    return st->Int(0);
  }

  Result<int64_t> CountEvents() override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare("SELECT count(*) FROM events"));
    REFUGE_ASSIGN_OR_RETURN(bool row, st->Step());
    (void)row;
    return st->Int(0);
  }

  // --- evidence ---

  bool KeepsEvidence() const override { return true; }

  static constexpr const char* kEvidenceColumns =
      "SELECT id, subject, matter, parent, object, size, media_type, sealed, created_at, created_by, "
      "custody_seq, custody_hash, custody_sig, custody_key, custody_mac FROM evidence";

  static EvidenceRow ReadEvidence(Stmt& st) {
    EvidenceRow r;
    r.id = st.Text(0);
    r.subject = st.Text(1);
    r.matter = st.Text(2);
    r.parent = st.Text(3);
    r.object = st.Text(4);
    r.size = st.Int(5);
    r.media_type = st.Text(6);
    r.sealed = st.Text(7);
    r.created_at = st.Text(8);
    r.created_by = st.Text(9);
    r.custody_seq = st.Int(10);
    r.custody_hash = st.Text(11);
    r.custody_sig = st.Text(12);
    r.custody_key = st.Text(13);
    r.custody_mac = st.Text(14);
    return r;
  }

  Status InsertEvidence(const EvidenceRow& r) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(
        "INSERT INTO evidence (id, subject, matter, parent, object, size, media_type, sealed, created_at, "
        "created_by, custody_seq, custody_hash, custody_sig, custody_key, custody_mac) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"));
    st->Bind(1, r.id).Bind(2, r.subject).BindOptional(3, r.matter).BindOptional(4, r.parent)
        .Bind(5, r.object).Bind(6, r.size).Bind(7, r.media_type).Bind(8, r.sealed).Bind(9, r.created_at)
        .Bind(10, r.created_by).Bind(11, r.custody_seq).Bind(12, r.custody_hash).Bind(13, r.custody_sig)
        .Bind(14, r.custody_key).Bind(15, r.custody_mac);
    return st->Run();
  }

  Result<EvidenceRow> GetEvidence(const std::string& id) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(std::string(kEvidenceColumns) + " WHERE id = ?1"));
    st->Bind(1, id);
    REFUGE_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return NotFound("no evidence record '" + id + "'");
    return ReadEvidence(*st);
  }

  Result<std::vector<EvidenceRow>> ListEvidence(const std::string& matter, const std::string& subject,
                                                const std::string& after, int limit) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(std::string(kEvidenceColumns) +
        " WHERE id > ?1 AND (?2 = '' OR matter = ?2) AND (?3 = '' OR subject = ?3) ORDER BY id LIMIT ?4"));
    st->Bind(1, after).Bind(2, matter).Bind(3, subject).Bind(4, static_cast<int64_t>(limit));
    std::vector<EvidenceRow> out;
    while (true) {
      REFUGE_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      out.push_back(ReadEvidence(*st));
    }
    return out;
  }

  Result<std::vector<std::string>> IdList(const char* sql, const std::string& key) {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(sql));
    st->Bind(1, key);
    std::vector<std::string> out;
    while (true) {
      REFUGE_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      out.push_back(st->Text(0));
    }
    return out;
  }

  Result<std::vector<std::string>> EvidenceWithObject(const std::string& object) override {
    return IdList("SELECT id FROM evidence WHERE object = ?1 ORDER BY id", object);
  }

  Result<std::vector<std::string>> DerivativesOf(const std::string& id) override {
    return IdList("SELECT id FROM evidence WHERE parent = ?1 ORDER BY id", id);
  }

  Status InsertCustody(const CustodyRow& e) override {
    REFUGE_ASSIGN_OR_RETURN(auto ins, Prepare(
        "INSERT INTO custody_entries (evidence, seq, at, actor, action, sealed, prev_hash, hash) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
    ins->Bind(1, e.evidence).Bind(2, e.seq).Bind(3, e.at).Bind(4, e.actor).Bind(5, e.action)
        .Bind(6, e.sealed).Bind(7, e.prev_hash).Bind(8, e.hash);
    return ins->Run();
  }

  Status SetCustodyHead(const EvidenceRow& r) override {
    REFUGE_ASSIGN_OR_RETURN(auto head, Prepare(
        "UPDATE evidence SET custody_seq = ?2, custody_hash = ?3, custody_sig = ?4, custody_key = ?5, "
        "custody_mac = ?6 WHERE id = ?1"));
    head->Bind(1, r.id).Bind(2, r.custody_seq).Bind(3, r.custody_hash).Bind(4, r.custody_sig)
        .Bind(5, r.custody_key).Bind(6, r.custody_mac);
    REFUGE_RETURN_IF_ERROR(head->Run());
    if (sqlite3_changes(db_) == 0) return NotFound("no evidence record '" + r.id + "'");
    return Status::Ok();
  }

  Result<std::vector<CustodyRow>> CustodyOf(const std::string& evidence) override {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(
        "SELECT evidence, seq, at, actor, action, sealed, prev_hash, hash FROM custody_entries "
        "WHERE evidence = ?1 ORDER BY seq"));
    st->Bind(1, evidence);
    std::vector<CustodyRow> out;
    while (true) {
      REFUGE_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      out.push_back(CustodyRow{st->Text(0), st->Int(1), st->Text(2), st->Text(3), st->Text(4), st->Text(5),
                               st->Text(6), st->Text(7)});
    }
    return out;
  }

  Result<std::vector<std::string>> EventsCitingEvidence(const std::string& evidence) override {
    return IdList("SELECT id FROM events WHERE json_extract(body, '$.evidence') = ?1 ORDER BY id", evidence);
  }

 private:
  static constexpr const char* kTokenColumns =
      "SELECT id, user_name, name, token_hash, created_at, last_used_at, revoked_at FROM api_tokens";

  static ApiToken ReadToken(Stmt& st) {
    return ApiToken{st.Text(0), st.Text(1), st.Text(2), st.Text(3), st.Text(4), st.Text(5), st.Text(6)};
  }

  static Result<std::vector<std::string>> Strings(Stmt& st) {
    std::vector<std::string> out;
    while (true) {
      REFUGE_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      out.push_back(st.Text(0));
    }
    return out;
  }

  static constexpr const char* kEventColumns =
      "SELECT id, version, retracted, body, created_at, updated_at";

  static std::string TermMatch(const std::string& t, const std::string& term, int p) {
    std::string a = "?" + std::to_string(p), b = "?" + std::to_string(p + 1);
    if (domain::IsPrefixTerm(term)) return "(" + t + ".term >= " + a + " AND " + t + ".term < " + b + ")";
    return "(" + t + ".term = " + a + " AND " + b + " IS NOT NULL)";
  }

  static const char* RecordColumns(EntityKind k) {
    return k == EntityKind::kPerson || k == EntityKind::kMatter
               ? "id, version, body, created_at, updated_at, created_by"
               : "id, version, body, created_at, updated_at, NULL";
  }
  static std::string ExtraColumns(EntityKind k) {
    switch (k) {
      case EntityKind::kPerson: return ", a_number, created_by";
      case EntityKind::kFacility: return ", detloc";
      case EntityKind::kMatter: return ", client, created_by";
      default: return "";
    }
  }
  static std::string ExtraParams(EntityKind k) {
    switch (k) {
      case EntityKind::kPerson:
      case EntityKind::kMatter: return ", ?6, ?7";
      case EntityKind::kFacility: return ", ?6";
      default: return "";
    }
  }
  static std::string ExtraAssignments(EntityKind k) {
    switch (k) {
      case EntityKind::kPerson: return ", a_number = ?6";
      case EntityKind::kFacility: return ", detloc = ?6";
      case EntityKind::kMatter: return ", client = ?6";
      default: return "";
    }
  }
  static void BindExtra(Stmt& st, const Record& r) {
    auto str = [&](const char* f) { return r.body.contains(f) ? r.body[f].get<std::string>() : std::string(); };
    switch (r.kind) {
      case EntityKind::kPerson: st.BindOptional(6, str("a_number")); break;
      case EntityKind::kFacility: st.BindOptional(6, str("detloc")); break;
      case EntityKind::kMatter: st.Bind(6, str("client")); break;
      default: break;
    }
  }

  // The derived rows of an entity; `fresh` when it was just inserted, so there
  // are none to remove first (a bulk import saves a lookup per row).
  Status AfterEntityWrite(const Record& r, bool fresh) {
    if (r.kind == EntityKind::kMatter) {
      if (!fresh) {
        REFUGE_ASSIGN_OR_RETURN(auto del, Prepare("DELETE FROM matter_members WHERE matter = ?1"));
        del->Bind(1, r.id);
        REFUGE_RETURN_IF_ERROR(del->Run());
      }
      if (r.body.contains("team")) {
        static const std::string kInsertMember =
            "INSERT OR IGNORE INTO matter_members (matter, user_name) VALUES (?1, ?2)";
        REFUGE_ASSIGN_OR_RETURN(auto ins, Prepare(kInsertMember));
        ins->Bind(1, r.id);
        for (const auto& u : r.body["team"]) {
          ins->Bind(2, u.get<std::string>());
          REFUGE_RETURN_IF_ERROR(ins->RunAndReset());
        }
      }
    }
    return ReplaceTerms(domain::EntityName(r.kind), r.id, domain::EntityTerms(r.kind, r.body), fresh);
  }

  Status IndexEvent(const Event& e, bool fresh) {
    if (!fresh) {
      REFUGE_ASSIGN_OR_RETURN(auto del, Prepare("DELETE FROM event_refs WHERE event = ?1"));
      del->Bind(1, e.id);
      REFUGE_RETURN_IF_ERROR(del->Run());
    }
    for (const char* field : {"actor", "target", "publisher", "from", "to"}) {
      const std::string ref = e.Str(field);
      if (domain::TargetOfId(ref) != RefTarget::kPerson) continue;
      static const std::string kInsertRef = "INSERT OR IGNORE INTO event_refs (ref, event) VALUES (?1, ?2)";
      REFUGE_ASSIGN_OR_RETURN(auto ins, Prepare(kInsertRef));
      ins->Bind(1, ref).Bind(2, e.id);
      REFUGE_RETURN_IF_ERROR(ins->Run());
    }
    std::vector<std::string> terms;
    if (!e.retracted) terms = domain::EventTerms(e.body);
    return ReplaceTerms("event", e.id, terms, fresh);
  }

  Status ReplaceTerms(const std::string& kind, const std::string& id,
                      const std::vector<std::string>& terms, bool fresh) {
    if (!fresh) {
      REFUGE_ASSIGN_OR_RETURN(auto del, Prepare("DELETE FROM search_terms WHERE id = ?1"));
      del->Bind(1, id);
      REFUGE_RETURN_IF_ERROR(del->Run());
    }
    if (terms.empty()) return Status::Ok();
    // One statement for all of an owner's terms: a bulk import writes tens of
    // millions of them.
    static const std::string kInsertTerm = "INSERT OR IGNORE INTO search_terms (term, kind, id) VALUES (?1, ?2, ?3)";
    REFUGE_ASSIGN_OR_RETURN(auto ins, Prepare(kInsertTerm));
    ins->Bind(2, kind).Bind(3, id);
    for (const auto& t : terms) {
      ins->Bind(1, t);
      REFUGE_RETURN_IF_ERROR(ins->RunAndReset());
    }
    return Status::Ok();
  }

  static void BindEvent(Stmt& st, const Event& e) {
    std::string place;
    if (e.type == "detention" || e.type == "transfer") place = e.Str("facility");
    st.Bind(1, e.id).Bind(2, e.subject).BindOptional(3, e.matter).Bind(4, e.type)
        .Bind(5, e.date.SortKey()).BindOptional(6, place).Bind(7, e.version)
        .Bind(8, int64_t{e.retracted}).Bind(9, e.body.dump()).Bind(10, e.created_at).Bind(11, e.updated_at);
  }

  static Result<Event> ReadEvent(Stmt& st) {
    REFUGE_ASSIGN_OR_RETURN(Json body, ParseBody(st.Text(3)));
    REFUGE_ASSIGN_OR_RETURN(Event e, domain::EventFromBody(std::move(body)));
    e.id = st.Text(0);
    e.version = st.Int(1);
    e.retracted = st.Int(2) != 0;
    e.created_at = st.Text(4);
    e.updated_at = st.Text(5);
    return e;
  }

  Result<std::vector<Event>> QueryEvents(const std::string& sql, const std::string& key,
                                         bool include_retracted) {
    REFUGE_ASSIGN_OR_RETURN(auto st, Prepare(sql));
    st->Bind(1, key).Bind(2, int64_t{include_retracted});
    return CollectEvents(*st);
  }

  static Result<std::vector<Event>> CollectEvents(Stmt& st) {
    std::vector<Event> out;
    while (true) {
      REFUGE_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      REFUGE_ASSIGN_OR_RETURN(Event e, ReadEvent(st));
      out.push_back(std::move(e));
    }
    return out;
  }

  static Result<Record> ReadRecord(EntityKind kind, Stmt& st) {
    Record r;
    r.kind = kind;
    r.id = st.Text(0);
    r.version = st.Int(1);
    REFUGE_ASSIGN_OR_RETURN(r.body, ParseBody(st.Text(2)));
    r.created_at = st.Text(3);
    r.updated_at = st.Text(4);
    r.created_by = st.Text(5);
    return r;
  }

  static User ReadUser(Stmt& st) {
    return User{st.Text(0), st.Text(1), st.Text(2), st.Text(3), st.Int(4) != 0, st.Text(5), st.Int(6) != 0, st.Int(7)};
  }

  sqlite3* db_;
  std::map<std::string, sqlite3_stmt*> cache_;
};

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(std::string path) : path_(std::move(path)) {}

  Status Init() {
    REFUGE_ASSIGN_OR_RETURN(auto conn, Open());
    REFUGE_RETURN_IF_ERROR(Migrate(*conn));
    idle_.push_back(std::move(conn));
    return Status::Ok();
  }

  Status Read(const std::function<Status(Db&)>& fn) override {
    return InTransaction("BEGIN", fn);
  }

  int SchemaVersion() const override { return schema_version_; }

 protected:
  Status WriteTransaction(const std::function<Status(Db&)>& fn) override {
    std::lock_guard<std::mutex> write_lock(write_mu_);
    return InTransaction("BEGIN IMMEDIATE", fn);
  }

 private:
  static constexpr size_t kMaxConnections = 16;

  Result<std::unique_ptr<Connection>> Open() {
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(path_.c_str(), &db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
      sqlite3_close_v2(db);
      return IoError("cannot open database " + path_ + ": " + msg);
    }
    auto conn = std::make_unique<Connection>(db);
    sqlite3_busy_timeout(db, 10000);
    REFUGE_RETURN_IF_ERROR(conn->Exec(
        "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL; "
        "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;"));
    return conn;
  }

  Status Migrate(Connection& c) {
    REFUGE_RETURN_IF_ERROR(c.Exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
        "description TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')))"));
    int current = 0;
    {
      REFUGE_ASSIGN_OR_RETURN(auto st, c.Prepare("SELECT coalesce(max(version), 0) FROM schema_migrations"));
      REFUGE_ASSIGN_OR_RETURN(bool row, st->Step());
      if (row) current = static_cast<int>(st->Int(0));
    }
    const auto& all = Migrations();
    if (!all.empty() && current > all.back().version) {
      return Status(Code::kConflict, "the database is at schema version " + std::to_string(current) +
                                         ", newer than this refuge binary knows; upgrade refuge");
    }
    for (const auto& m : all) {
      if (m.version <= current) continue;
      REFUGE_RETURN_IF_ERROR(c.Exec("BEGIN IMMEDIATE"));
      Status s = c.Exec(m.sqlite);
      if (s.ok()) {
        auto st = c.Prepare("INSERT INTO schema_migrations (version, description) VALUES (?1, ?2)");
        if (!st.ok()) {
          s = st.status();
        } else {
          (*st)->Bind(1, static_cast<int64_t>(m.version)).Bind(2, std::string(m.description));
          s = (*st)->Run();
        }
      }
      if (!s.ok()) {
        (void)c.Exec("ROLLBACK");
        return Status(s.code(), "migration " + std::to_string(m.version) + " failed: " + s.message());
      }
      REFUGE_RETURN_IF_ERROR(c.Exec("COMMIT"));
      current = m.version;
    }
    schema_version_ = current;
    return Status::Ok();
  }

  Result<std::unique_ptr<Connection>> Acquire() {
    std::unique_lock<std::mutex> lock(pool_mu_);
    pool_cv_.wait(lock, [&] { return !idle_.empty() || open_ < kMaxConnections; });
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
    ++open_;
    lock.unlock();
    auto c = Open();
    if (!c.ok()) {
      std::lock_guard<std::mutex> relock(pool_mu_);
      --open_;
      pool_cv_.notify_one();
    }
    return c;
  }

  void Release(std::unique_ptr<Connection> c) {
    std::lock_guard<std::mutex> lock(pool_mu_);
    idle_.push_back(std::move(c));
    pool_cv_.notify_one();
  }

  Status InTransaction(const char* begin, const std::function<Status(Db&)>& fn) {
    REFUGE_ASSIGN_OR_RETURN(auto conn, Acquire());
    Status s = conn->Exec(begin);
    if (s.ok()) {
      try {
        s = fn(*conn);
      } catch (const std::exception& e) {
        s = Internal(std::string("unexpected error in transaction: ") + e.what());
      }
      if (s.ok()) {
        s = conn->Exec("COMMIT");
        if (!s.ok()) (void)conn->Exec("ROLLBACK");
      } else {
        (void)conn->Exec("ROLLBACK");
      }
    }
    Release(std::move(conn));
    return s;
  }

  std::string path_;
  int schema_version_ = 0;
  std::mutex write_mu_;
  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<Connection>> idle_;
  size_t open_ = 1;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path) {
  auto store = std::make_unique<SqliteStore>(path);
  REFUGE_RETURN_IF_ERROR(store->Init());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace refuge::store
