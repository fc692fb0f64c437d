#include "refuge/store/postgres/postgres_store.h"

#include <libpq-fe.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <regex>
#include <unordered_map>
#include <vector>

#include "refuge/domain/search_terms.h"
#include "refuge/store/migrations.h"
#include "refuge/store/team_filter.h"

namespace refuge::store {
namespace {

using domain::Event;
using domain::RefTarget;

// Advisory lock keys (per database): one serializes writers, one migrations.
constexpr const char* kWriteLockKey = "5928716434061312001";
constexpr const char* kMigrationLockKey = "5928716434061312002";
// A batch of rows sent in one statement by the bulk methods.
constexpr size_t kBulkRows = 1000;

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

void IgnoreNotice(void*, const char*) {}

// Query parameters, all sent as text; a null pointer is SQL NULL.
class Params {
 public:
  Params& Text(const std::string& v) {
    if (v.find('\0') != std::string::npos) has_nul_ = true;
    values_.push_back(v);
    null_.push_back(false);
    return *this;
  }
  // "" is NULL.
  Params& OptText(const std::string& v) {
    if (v.empty()) {
      values_.emplace_back();
      null_.push_back(true);
      return *this;
    }
    return Text(v);
  }
  Params& Int(int64_t v) { return Text(std::to_string(v)); }
  Params& Bool(bool v) { return Text(v ? "t" : "f"); }
  // A text[] literal; "" elements are NULL when `empty_is_null`.
  Params& TextArray(const std::vector<std::string>& v, bool empty_is_null = false) {
    std::string out = "{";
    for (size_t i = 0; i < v.size(); ++i) {
      if (i > 0) out += ',';
      if (empty_is_null && v[i].empty()) {
        out += "NULL";
        continue;
      }
      out += '"';
      for (char c : v[i]) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
      }
      out += '"';
    }
    out += '}';
    return Text(out);
  }
  Params& IntArray(const std::vector<int64_t>& v) {
    std::string out = "{";
    for (size_t i = 0; i < v.size(); ++i) {
      if (i > 0) out += ',';
      out += std::to_string(v[i]);
    }
    out += '}';
    return Text(out);
  }
  Params& BoolArray(const std::vector<bool>& v) {
    std::string out = "{";
    for (size_t i = 0; i < v.size(); ++i) {
      if (i > 0) out += ',';
      out += v[i] ? 't' : 'f';
    }
    out += '}';
    return Text(out);
  }

  bool has_nul() const { return has_nul_; }
  int size() const { return static_cast<int>(values_.size()); }
  std::vector<const char*> Pointers() const {
    std::vector<const char*> p;
    for (size_t i = 0; i < values_.size(); ++i) p.push_back(null_[i] ? nullptr : values_[i].c_str());
    return p;
  }

 private:
  std::vector<std::string> values_;
  std::vector<bool> null_;
  bool has_nul_ = false;
};

// Reading a result: text values, NULL read as "".
struct Rows {
  PgResult res;
  int size() const { return PQntuples(res.get()); }
  std::string Text(int row, int col) const {
    return std::string(PQgetvalue(res.get(), row, col),
                       static_cast<size_t>(PQgetlength(res.get(), row, col)));
  }
  int64_t Int(int row, int col) const { return std::strtoll(PQgetvalue(res.get(), row, col), nullptr, 10); }
  bool Bool(int row, int col) const { return PQgetvalue(res.get(), row, col)[0] == 't'; }
  int64_t Affected() const { return std::strtoll(PQcmdTuples(res.get()), nullptr, 10); }
};

Result<Json> ParseBody(const std::string& text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Internal("stored JSON is corrupt");
  return j;
}

const char* TableOf(EntityKind kind) {
  switch (kind) {
    case EntityKind::kPerson: return "persons";
    case EntityKind::kOrganization: return "organizations";
    case EntityKind::kFacility: return "facilities";
    case EntityKind::kMatter: return "matters";
  }
  return "persons";
}

bool HasCreatedBy(EntityKind k) { return k == EntityKind::kPerson || k == EntityKind::kMatter; }

// The columns ReadRecord reads, of the table named `t` when given.
std::string RecordColumns(EntityKind k, const std::string& t = "") {
  std::string out;
  for (const char* c : {"id", "version", "body", "created_at", "updated_at"}) out += t + c + ", ";
  return out + (HasCreatedBy(k) ? t + "created_by" : std::string("NULL"));
}

// The columns an entity table has beyond the common five, in bind order.
std::vector<std::string> ExtraColumns(EntityKind k) {
  switch (k) {
    case EntityKind::kPerson: return {"a_number", "created_by"};
    case EntityKind::kFacility: return {"detloc"};
    case EntityKind::kMatter: return {"client", "created_by"};
    default: return {};
  }
}

std::string BodyString(const Record& r, const char* field) {
  auto it = r.body.find(field);
  return it != r.body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Values of ExtraColumns(kind) for one record; "" is NULL except for a matter's client.
std::vector<std::string> ExtraValues(const Record& r) {
  switch (r.kind) {
    case EntityKind::kPerson: return {BodyString(r, "a_number"), r.created_by};
    case EntityKind::kFacility: return {BodyString(r, "detloc")};
    case EntityKind::kMatter: return {BodyString(r, "client"), r.created_by};
    default: return {};
  }
}

std::vector<std::string> TeamOf(const Record& r) {
  std::vector<std::string> team;
  auto it = r.body.find("team");
  if (r.kind != EntityKind::kMatter || it == r.body.end() || !it->is_array()) return team;
  for (const auto& u : *it) {
    if (u.is_string()) team.push_back(u.get<std::string>());
  }
  return team;
}

// The facility an event places its subject at, for "who is held here".
std::string PlaceOf(const Event& e) {
  return e.type == "detention" || e.type == "transfer" ? e.Str("facility") : std::string();
}

// The people an event names besides its subject.
std::vector<std::string> RefsOf(const Event& e) {
  std::vector<std::string> refs;
  for (const char* field : {"actor", "target", "publisher", "from", "to"}) {
    std::string ref = e.Str(field);
    if (domain::TargetOfId(ref) == RefTarget::kPerson) refs.push_back(ref);
  }
  return refs;
}

std::vector<std::string> TermsOf(const Event& e) {
  return e.retracted ? std::vector<std::string>{} : domain::EventTerms(e.body);
}

std::string Dollar(int n) { return "$" + std::to_string(n); }

class PgConnection final : public Db {
 public:
  explicit PgConnection(PGconn* c) : conn_(c) {}
  ~PgConnection() override { PQfinish(conn_); }
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  PGconn* raw() { return conn_; }
  bool broken() const { return broken_ || PQstatus(conn_) != CONNECTION_OK; }

  // Forgets the error of the previous transaction.
  void StartTransaction() { failed_ = Status::Ok(); }
  // The first error of this transaction: PostgreSQL refuses every later statement.
  const Status& failed() const { return failed_; }

  // Statements without parameters, in the simple protocol (several may be given).
  Status Exec(const std::string& sql) {
    PgResult r(PQexec(conn_, sql.c_str()));
    ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return Fail(r.get());
    return Status::Ok();
  }

  // COMMIT, telling a committed transaction from one PostgreSQL rolled back.
  Status Commit() {
    PgResult r(PQexec(conn_, "COMMIT"));
    ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK) {
      Status s = Fail(r.get());
      if (broken()) {
        return IoError("lost the connection to PostgreSQL while committing; the change may or "
                       "may not have been saved: " + s.message());
      }
      return s;
    }
    if (std::strcmp(PQcmdStatus(r.get()), "COMMIT") != 0) {
      return failed_.ok() ? IoError("PostgreSQL rolled the transaction back") : failed_;
    }
    return Status::Ok();
  }

  // One statement with parameters, prepared once per connection and reused; or,
  // for statements whose text varies with the input (a search's terms), sent
  // unprepared, so that a connection does not collect a plan for each variant.
  Result<Rows> Run(const std::string& sql, const Params& p, bool prepare = true) {
    if (!failed_.ok()) return failed_;
    if (p.has_nul()) return Status(Code::kInvalid, "text with a NUL character cannot be stored");
    std::vector<const char*> values = p.Pointers();
    if (!prepare) {
      PgResult r(PQexecParams(conn_, sql.c_str(), p.size(), nullptr, values.data(), nullptr, nullptr, 0));
      ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
      if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return Fail(r.get());
      return Rows{std::move(r)};
    }
    auto it = prepared_.find(sql);
    if (it == prepared_.end()) {
      std::string name = "refuge_" + std::to_string(prepared_.size() + 1);
      PgResult r(PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr));
      if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) return Fail(r.get());
      it = prepared_.emplace(sql, std::move(name)).first;
    }
    PgResult r(PQexecPrepared(conn_, it->second.c_str(), p.size(), values.data(), nullptr, nullptr, 0));
    ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return Fail(r.get());
    return Rows{std::move(r)};
  }

  // --- entities ---

  Status InsertEntity(const Record& r) override { return InsertEntities({r}); }

  Status InsertEntities(const std::vector<Record>& records) override {
    size_t i = 0;
    while (i < records.size()) {
      // A run of one kind, at most kBulkRows long, goes in one statement.
      size_t j = i;
      while (j < records.size() && j - i < kBulkRows && records[j].kind == records[i].kind) ++j;
      REFUGE_RETURN_IF_ERROR(InsertEntityRun(records, i, j));
      i = j;
    }
    return Status::Ok();
  }

  Result<Record> GetEntity(EntityKind kind, const std::string& id) override {
    REFUGE_ASSIGN_OR_RETURN(Rows rows, Run("SELECT " + RecordColumns(kind) + " FROM " + TableOf(kind) +
                                               " WHERE id = $1",
                                           Params().Text(id)));
    if (rows.size() == 0) return NotFound(std::string("no ") + domain::EntityName(kind) + " '" + id + "'");
    return ReadRecord(kind, rows, 0);
  }

  Result<std::vector<Record>> GetEntities(EntityKind kind,
                                          const std::vector<std::string>& ids) override {
    std::vector<Record> out;
    for (size_t i = 0; i < ids.size(); i += kBulkRows) {
      std::vector<std::string> chunk(ids.begin() + i, ids.begin() + std::min(ids.size(), i + kBulkRows));
      REFUGE_ASSIGN_OR_RETURN(
          Rows rows, Run("SELECT " + RecordColumns(kind, "t.") +
                             " FROM unnest($1::text[]) WITH ORDINALITY AS k(id, n) JOIN " + TableOf(kind) +
                             " t ON t.id = k.id ORDER BY k.n",
                         Params().TextArray(chunk)));
      for (int r = 0; r < rows.size(); ++r) {
        REFUGE_ASSIGN_OR_RETURN(Record rec, ReadRecord(kind, rows, r));
        out.push_back(std::move(rec));
      }
    }
    return out;
  }

  Status UpdateEntity(const Record& r, int64_t expected_version) override {
    std::string sql = std::string("UPDATE ") + TableOf(r.kind) +
                      " SET version = $2, body = $3, updated_at = $5";
    Params p;
    p.Text(r.id).Int(r.version).Text(r.body.dump()).Int(expected_version).Text(r.updated_at);
    switch (r.kind) {
      case EntityKind::kPerson: sql += ", a_number = $6"; p.OptText(BodyString(r, "a_number")); break;
      case EntityKind::kFacility: sql += ", detloc = $6"; p.OptText(BodyString(r, "detloc")); break;
      case EntityKind::kMatter: sql += ", client = $6"; p.Text(BodyString(r, "client")); break;
      default: break;
    }
    sql += " WHERE id = $1 AND version = $4";
    REFUGE_ASSIGN_OR_RETURN(Rows rows, Run(sql, p));
    if (rows.Affected() == 0) {
      auto cur = GetEntity(r.kind, r.id);
      if (!cur.ok()) return cur.status();
      return Conflict("version " + std::to_string(expected_version) + " is stale; the " +
                          domain::EntityName(r.kind) + " is at version " + std::to_string(cur->version),
                      "version");
    }
    if (r.kind == EntityKind::kMatter) {
      REFUGE_RETURN_IF_ERROR(Run("DELETE FROM matter_members WHERE matter = $1", Params().Text(r.id)).status());
      REFUGE_RETURN_IF_ERROR(Run("INSERT INTO matter_members (matter, user_name) "
                                 "SELECT DISTINCT $1::text, u FROM unnest($2::text[]) AS u ON CONFLICT DO NOTHING",
                                 Params().Text(r.id).TextArray(TeamOf(r)))
                                 .status());
    }
    return ReplaceTerms(domain::EntityName(r.kind), r.id, domain::EntityTerms(r.kind, r.body));
  }

  Result<std::vector<Record>> ListEntities(EntityKind kind, const std::string& after,
                                           int limit) override {
    REFUGE_ASSIGN_OR_RETURN(Rows rows, Run("SELECT " + RecordColumns(kind) + " FROM " + TableOf(kind) +
                                               " WHERE id > $1 ORDER BY id LIMIT $2",
                                           Params().Text(after).Int(limit)));
    return ReadRecords(kind, rows);
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
    REFUGE_ASSIGN_OR_RETURN(Rows rows, Run(std::string("SELECT 1 FROM ") + table + " WHERE id = $1",
                                           Params().Text(id)));
    return rows.size() > 0;
  }

  Result<std::optional<Record>> FacilityByDetloc(const std::string& detloc) override {
    REFUGE_ASSIGN_OR_RETURN(Rows rows, Run("SELECT " + RecordColumns(EntityKind::kFacility) +
                                               " FROM facilities WHERE detloc = $1",
                                           Params().Text(detloc)));
    if (rows.size() == 0) return std::optional<Record>();
    REFUGE_ASSIGN_OR_RETURN(Record rec, ReadRecord(EntityKind::kFacility, rows, 0));
    return std::optional<Record>(std::move(rec));
  }

  Result<std::vector<Record>> MattersOfClient(const std::string& person_id) override {
    REFUGE_ASSIGN_OR_RETURN(Rows rows, Run("SELECT " + RecordColumns(EntityKind::kMatter) +
                                               " FROM matters WHERE client = $1 ORDER BY id",
                                           Params().Text(person_id)));
    return ReadRecords(EntityKind::kMatter, rows);
  }

  Result<std::vector<std::string>> MattersOfMember(const std::string& user_name) override {
    return Strings("SELECT matter FROM matter_members WHERE user_name = $1 ORDER BY matter",
                   Params().Text(user_name));
  }

  Result<bool> IsOnTeam(const std::string& matter_id, const std::string& user_name) override {
    REFUGE_ASSIGN_OR_RETURN(Rows rows, Run("SELECT 1 FROM matter_members WHERE matter = $1 AND user_name = $2",
                                           Params().Text(matter_id).Text(user_name)));
    return rows.size() > 0;
  }

  // --- events ---

  Status InsertEvent(const Event& e) override { return InsertEvents({e}); }

  Status InsertEvents(const std::vector<Event>& events) override {
    for (size_t i = 0; i < events.size(); i += kBulkRows) {
      size_t end = std::min(events.size(), i + kBulkRows);
      std::vector<std::string> id, subject, matter, type, date_key, place, body, created, updated;
      std::vector<int64_t> version;
      std::vector<bool> retracted;
      std::vector<std::string> ref, ref_event, term, term_id;
      for (size_t k = i; k < end; ++k) {
        const Event& e = events[k];
        id.push_back(e.id);
        subject.push_back(e.subject);
        matter.push_back(e.matter);
        type.push_back(e.type);
        date_key.push_back(e.date.SortKey());
        place.push_back(PlaceOf(e));
        version.push_back(e.version);
        retracted.push_back(e.retracted);
        body.push_back(e.body.dump());
        created.push_back(e.created_at);
        updated.push_back(e.updated_at);
        for (auto& r : RefsOf(e)) {
          ref.push_back(std::move(r));
          ref_event.push_back(e.id);
        }
        for (auto& t : TermsOf(e)) {
          term.push_back(std::move(t));
          term_id.push_back(e.id);
        }
      }
      Params p;
      p.TextArray(id).TextArray(subject).TextArray(matter, true).TextArray(type).TextArray(date_key)
          .TextArray(place, true).IntArray(version).BoolArray(retracted).TextArray(body)
          .TextArray(created).TextArray(updated).TextArray(ref).TextArray(ref_event)
          .TextArray(term).TextArray(term_id);
      REFUGE_RETURN_IF_ERROR(Run(
          "WITH ins AS (INSERT INTO events (id, subject, matter, type, date_key, place_ref, version, "
          "retracted, body, created_at, updated_at) "
          "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], "
          "$7::bigint[], $8::boolean[], $9::text[], $10::text[], $11::text[])), "
          "refs AS (INSERT INTO event_refs (ref, event) "
          "SELECT DISTINCT r, e FROM unnest($12::text[], $13::text[]) AS x(r, e) ON CONFLICT DO NOTHING) "
          "INSERT INTO search_terms (term, kind, id) "
          "SELECT DISTINCT t, 'event', i FROM unnest($14::text[], $15::text[]) AS x(t, i) "
          "ON CONFLICT DO NOTHING",
          p).status());
    }
    return Status::Ok();
  }

  Result<Event> GetEvent(const std::string& id) override {
    REFUGE_ASSIGN_OR_RETURN(Rows rows, Run(std::string(kEventColumns) + " FROM events WHERE id = $1",
                                           Params().Text(id)));
    if (rows.size() == 0) return NotFound("no event '" + id + "'");
    return ReadEvent(rows, 0);
  }

  Result<std::vector<Event>> GetEvents(const std::vector<std::string>& ids) override {
    std::vector<Event> out;
    for (size_t i = 0; i < ids.size(); i += kBulkRows) {
      std::vector<std::string> chunk(ids.begin() + i, ids.begin() + std::min(ids.size(), i + kBulkRows));
      REFUGE_ASSIGN_OR_RETURN(
          Rows rows, Run("SELECT e.id, e.version, e.retracted, e.body, e.created_at, e.updated_at "
                         "FROM unnest($1::text[]) WITH ORDINALITY AS k(id, n) JOIN events e ON e.id = k.id "
                         "ORDER BY k.n",
                         Params().TextArray(chunk)));
      for (int r = 0; r < rows.size(); ++r) {
        REFUGE_ASSIGN_OR_RETURN(Event e, ReadEvent(rows, r));
        out.push_back(std::move(e));
      }
    }
    return out;
  }

  Status UpdateEvent(const Event& e, int64_t expected_version) override {
    // The stored version moves to the history and the new one replaces it in one
    // statement; both happen only when the stored version is the expected one.
    Params p;
    p.Text(e.id).Text(e.subject).OptText(e.matter).Text(e.type).Text(e.date.SortKey())
        .OptText(PlaceOf(e)).Int(e.version).Bool(e.retracted).Text(e.body.dump())
        .Text(e.created_at).Text(e.updated_at).Int(expected_version);
    REFUGE_ASSIGN_OR_RETURN(Rows rows, Run(
        "WITH kept AS (INSERT INTO event_versions (id, version, retracted, body, created_at, updated_at) "
        "SELECT id, version, retracted, body, created_at, updated_at FROM events "
        "WHERE id = $1 AND version = $12 RETURNING id) "
        "UPDATE events SET subject = $2, matter = $3, type = $4, date_key = $5, place_ref = $6, "
        "version = $7, retracted = $8, body = $9, created_at = $10, updated_at = $11 "
        "FROM kept WHERE events.id = kept.id AND events.version = $12",
        p));
    if (rows.Affected() == 0) {
      auto cur = GetEvent(e.id);
      if (!cur.ok()) return cur.status();
      return Conflict("version " + std::to_string(expected_version) +
                          " is stale; the event is at version " + std::to_string(cur->version),
                      "version");
    }
    REFUGE_RETURN_IF_ERROR(Run("DELETE FROM event_refs WHERE event = $1", Params().Text(e.id)).status());
    REFUGE_RETURN_IF_ERROR(Run("INSERT INTO event_refs (ref, event) "
                               "SELECT DISTINCT r, $1::text FROM unnest($2::text[]) AS r ON CONFLICT DO NOTHING",
                               Params().Text(e.id).TextArray(RefsOf(e)))
                               .status());
    return ReplaceTerms("event", e.id, TermsOf(e));
  }

  Result<std::vector<Event>> EventsOfSubject(const std::string& person_id,
                                             bool include_retracted) override {
    REFUGE_ASSIGN_OR_RETURN(Rows rows, Run(std::string(kEventColumns) +
                                               " FROM events WHERE subject = $1 AND ($2::boolean OR NOT retracted)"
                                               " ORDER BY date_key, id",
                                           Params().Text(person_id).Bool(include_retracted)));
    return ReadEvents(rows);
  }

  Result<std::vector<Event>> EventsOfMatter(const std::string& matter_id,
                                            bool include_retracted) override {
    REFUGE_ASSIGN_OR_RETURN(Rows rows, Run(std::string(kEventColumns) +
                                               " FROM events WHERE matter = $1 AND ($2::boolean OR NOT retracted)"
                                               " ORDER BY date_key, id",
                                           Params().Text(matter_id).Bool(include_retracted)));
    return ReadEvents(rows);
  }

  Result<std::vector<Event>> ListEvents(const std::string& after, int limit) override {
    REFUGE_ASSIGN_OR_RETURN(Rows rows, Run(std::string(kEventColumns) +
                                               " FROM events WHERE id > $1 ORDER BY id LIMIT $2",
                                           Params().Text(after).Int(limit)));
    return ReadEvents(rows);
  }

  Status InsertEventVersions(const std::vector<Event>& versions) override {
    for (size_t i = 0; i < versions.size(); i += kBulkRows) {
      const size_t end = std::min(versions.size(), i + kBulkRows);
      std::vector<std::string> id, body, created, updated;
      std::vector<int64_t> version;
      std::vector<bool> retracted;
      for (size_t k = i; k < end; ++k) {
        id.push_back(versions[k].id);
        version.push_back(versions[k].version);
        retracted.push_back(versions[k].retracted);
        body.push_back(versions[k].body.dump());
        created.push_back(versions[k].created_at);
        updated.push_back(versions[k].updated_at);
      }
      REFUGE_RETURN_IF_ERROR(Run("INSERT INTO event_versions (id, version, retracted, body, created_at, updated_at) "
                                 "SELECT * FROM unnest($1::text[], $2::bigint[], $3::boolean[], $4::text[], "
                                 "$5::text[], $6::text[])",
                                 Params().TextArray(id).IntArray(version).BoolArray(retracted).TextArray(body)
                                     .TextArray(created).TextArray(updated))
                                 .status());
    }
    return Status::Ok();
  }

  Result<std::vector<Event>> EventHistory(const std::string& id) override {
    REFUGE_ASSIGN_OR_RETURN(Rows rows, Run("SELECT id, version, retracted, body, created_at, updated_at "
                                           "FROM event_versions WHERE id = $1 ORDER BY version",
                                           Params().Text(id)));
    return ReadEvents(rows);
  }

  Result<std::vector<std::string>> SubjectsPlacedAt(const std::string& facility_id) override {
    return Strings("SELECT DISTINCT subject FROM events WHERE place_ref = $1 AND NOT retracted ORDER BY subject",
                   Params().Text(facility_id));
  }

  // --- search ---

  Result<std::vector<SearchHit>> Search(const std::vector<std::string>& terms,
                                        const std::string& kind, int limit,
                                        const SearchHit& after) override {
    if (terms.empty()) return std::vector<SearchHit>{};
    // As on SQLite: the first term's rows drive, the others are probes on the key.
    Params p;
    auto match = [&](const std::string& t, const std::string& term) {
      p.Text(term);
      std::string a = Dollar(p.size());
      if (!domain::IsPrefixTerm(term)) return "(" + t + ".term = " + a + "::text)";
      // Upper bound for prefix matching: the term followed by the largest code point.
      p.Text(term + "\xF4\x8F\xBF\xBF");
      return "(" + t + ".term >= " + a + "::text AND " + t + ".term < " + Dollar(p.size()) + "::text)";
    };
    std::string sql = "SELECT t0.kind, t0.id FROM search_terms t0";
    for (size_t i = 1; i < terms.size(); ++i) {
      std::string t = "t" + std::to_string(i);
      sql += " JOIN search_terms " + t + " ON " + t + ".kind = t0.kind AND " + t + ".id = t0.id AND " +
             match(t, terms[i]);
    }
    sql += " WHERE " + match("t0", terms[0]);
    p.Text(kind);
    std::string k = Dollar(p.size());
    sql += " AND (" + k + "::text = '' OR t0.kind = " + k + "::text)";
    p.Text(after.kind);
    std::string after_kind = Dollar(p.size());
    p.Text(after.id);
    sql += " AND (t0.kind, t0.id) > (" + after_kind + "::text, " + Dollar(p.size()) + "::text)";
    p.Int(limit);
    sql += " GROUP BY t0.kind, t0.id ORDER BY t0.kind, t0.id LIMIT " + Dollar(p.size());
    REFUGE_ASSIGN_OR_RETURN(Rows rows, Run(sql, p, /*prepare=*/terms.size() <= 2));
    std::vector<SearchHit> out;
    for (int r = 0; r < rows.size(); ++r) out.push_back(SearchHit{rows.Text(r, 0), rows.Text(r, 1)});
    return out;
  }

  Result<std::vector<SearchHit>> HitsOnTeamsOf(const std::vector<SearchHit>& hits,
                                               const std::string& user) override {
    return FilterHitsByKind(hits, [&](const std::string& kind, const std::string& ids)
                                      -> Result<std::vector<std::string>> {
      return Strings("SELECT x.value FROM json_array_elements_text($1::json) AS x(value) WHERE " +
                         OnTeamsOf(kind, "x.value", "$2::text"),
                     Params().Text(ids).Text(user));
    });
  }

  // --- users and sessions ---

  Status InsertUser(const User& u) override {
    return Run("INSERT INTO users (name, role, password_hash, created_at, disabled, totp_secret, totp_enabled, totp_last_step) "
               "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
               Params().Text(u.name).Text(u.role).Text(u.password_hash).Text(u.created_at)
                   .Bool(u.disabled).OptText(u.totp_secret).Bool(u.totp_enabled).Int(u.totp_last_step))
        .status();
  }

  Status UpdateUser(const User& u) override {
    REFUGE_ASSIGN_OR_RETURN(Rows rows, Run("UPDATE users SET role = $2, password_hash = $3, disabled = $4, "
                                           "totp_secret = $5, totp_enabled = $6, totp_last_step = $7 WHERE name = $1",
                                           Params().Text(u.name).Text(u.role).Text(u.password_hash)
                                               .Bool(u.disabled).OptText(u.totp_secret).Bool(u.totp_enabled)
                                               .Int(u.totp_last_step)));
    if (rows.Affected() == 0) return NotFound("no user '" + u.name + "'");
    return Status::Ok();
  }

  Result<User> GetUser(const std::string& name) override {
    REFUGE_ASSIGN_OR_RETURN(Rows rows, Run(std::string(kUserColumns) + " WHERE name = $1", Params().Text(name)));
    if (rows.size() == 0) return NotFound("no user '" + name + "'");
    return ReadUser(rows, 0);
  }

  Result<std::vector<User>> ListUsers() override {
    REFUGE_ASSIGN_OR_RETURN(Rows rows, Run(std::string(kUserColumns) + " ORDER BY name", Params()));
    std::vector<User> out;
    for (int r = 0; r < rows.size(); ++r) out.push_back(ReadUser(rows, r));
    return out;
  }

  Status InsertSession(const Session& s) override {
    return Run("INSERT INTO sessions (token_hash, user_name, created_at, expires_at, last_seen, csrf_hash) "
               "VALUES ($1, $2, $3, $4, $5, $6)",
               Params().Text(s.token_hash).Text(s.user).Int(s.created_at).Int(s.expires_at)
                   .Int(s.last_seen).Text(s.csrf_hash))
        .status();
  }

  Result<Session> GetSession(const std::string& token_hash) override {
    REFUGE_ASSIGN_OR_RETURN(Rows rows, Run("SELECT token_hash, user_name, created_at, expires_at, last_seen, "
                                           "csrf_hash FROM sessions WHERE token_hash = $1",
                                           Params().Text(token_hash)));
    if (rows.size() == 0) return NotFound("no such session");
    return Session{rows.Text(0, 0), rows.Text(0, 1), rows.Int(0, 2), rows.Int(0, 3), rows.Int(0, 4),
                   rows.Text(0, 5)};
  }

  Status DeleteSession(const std::string& token_hash) override {
    return Run("DELETE FROM sessions WHERE token_hash = $1", Params().Text(token_hash)).status();
  }

  Status DeleteExpiredSessions(int64_t now) override {
    return Run("DELETE FROM sessions WHERE expires_at <= $1", Params().Int(now)).status();
  }

  Status RevokeCredentialsOf(const std::string& user, const std::string& at) override {
    REFUGE_RETURN_IF_ERROR(Run("DELETE FROM sessions WHERE user_name = $1", Params().Text(user)).status());
    return Run("UPDATE api_tokens SET revoked_at = $2 WHERE user_name = $1 AND revoked_at IS NULL",
               Params().Text(user).Text(at))
        .status();
  }

  Status SetCalendarFeed(const std::string& user_name, const std::string& token_hash,
                         int64_t now) override {
    REFUGE_RETURN_IF_ERROR(DeleteCalendarFeed(user_name));
    return Run("INSERT INTO calendar_feeds (token_hash, user_name, created_at) VALUES ($1, $2, $3)",
               Params().Text(token_hash).Text(user_name).Int(now))
        .status();
  }

  Status DeleteCalendarFeed(const std::string& user_name) override {
    return Run("DELETE FROM calendar_feeds WHERE user_name = $1", Params().Text(user_name)).status();
  }

  Result<std::string> CalendarFeedUser(const std::string& token_hash) override {
    REFUGE_ASSIGN_OR_RETURN(Rows rows, Run("SELECT user_name FROM calendar_feeds WHERE token_hash = $1",
                                           Params().Text(token_hash)));
    if (rows.size() == 0) return NotFound("no such calendar feed");
    return rows.Text(0, 0);
  }

  // --- access ---

  Result<std::vector<std::string>> MattersOfPerson(const std::string& person_id) override {
    return Strings(
        "SELECT id FROM matters WHERE client = $1 "
        "UNION SELECT matter FROM events WHERE subject = $1 AND matter IS NOT NULL AND NOT retracted "
        "ORDER BY 1",
        Params().Text(person_id));
  }

  Result<PersonReach> ReachOfPerson(const std::string& person_id, const std::string& user_name) override {
    REFUGE_ASSIGN_OR_RETURN(Rows rows, Run(PersonReachQuery("$1::text", "$2::text"),
                                           Params().Text(person_id).Text(user_name)));
    if (rows.size() != 1) return Internal("the reach of a person gave no row");
    return PersonReach{rows.Bool(0, 0), rows.Bool(0, 1), rows.Bool(0, 2)};
  }

  Result<std::vector<std::string>> EventsNamingPerson(const std::string& person_id) override {
    return Strings(
        "SELECT DISTINCT e.id FROM event_refs r JOIN events e ON e.id = r.event "
        "WHERE r.ref = $1 AND e.matter IS NOT NULL AND NOT e.retracted ORDER BY 1",
        Params().Text(person_id));
  }

  Status TouchSession(const std::string& token_hash, int64_t now) override {
    return Run("UPDATE sessions SET last_seen = $2 WHERE token_hash = $1",
               Params().Text(token_hash).Int(now))
        .status();
  }

  // --- API tokens ---

  Status InsertApiToken(const ApiToken& t) override {
    return Run("INSERT INTO api_tokens (id, user_name, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
               Params().Text(t.id).Text(t.user).Text(t.name).Text(t.token_hash).Text(t.created_at))
        .status();
  }

  Result<std::vector<ApiToken>> ApiTokensOf(const std::string& user) override {
    REFUGE_ASSIGN_OR_RETURN(Rows rows, Run(std::string(kTokenColumns) + " WHERE user_name = $1 ORDER BY id",
                                           Params().Text(user)));
    std::vector<ApiToken> out;
    for (int r = 0; r < rows.size(); ++r) out.push_back(ReadToken(rows, r));
    return out;
  }

  Result<ApiToken> ApiTokenByHash(const std::string& token_hash) override {
    REFUGE_ASSIGN_OR_RETURN(Rows rows, Run(std::string(kTokenColumns) + " WHERE token_hash = $1",
                                           Params().Text(token_hash)));
    if (rows.size() == 0) return NotFound("no such token");
    return ReadToken(rows, 0);
  }

  Status RevokeApiToken(const std::string& user, const std::string& id, const std::string& at) override {
    REFUGE_ASSIGN_OR_RETURN(Rows rows, Run("UPDATE api_tokens SET revoked_at = coalesce(revoked_at, $3) "
                                           "WHERE id = $1 AND user_name = $2",
                                           Params().Text(id).Text(user).Text(at)));
    if (rows.Affected() == 0) return NotFound("no token '" + id + "'");
    return Status::Ok();
  }

  Status TouchApiToken(const std::string& id, const std::string& at) override {
    return Run("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1", Params().Text(id).Text(at)).status();
  }

  // --- audit log ---

  Status InsertAudit(const AuditEntry& e) override {
    return Run("INSERT INTO audit_log (seq, at, actor, action, target, person, address, details, prev_hash, hash) "
               "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
               Params().Int(e.seq).Text(e.at).Text(e.actor).Text(e.action).Text(e.target).Text(e.person)
                   .Text(e.address).Text(e.details).Text(e.prev_hash).Text(e.hash))
        .status();
  }

  Result<AuditHead> GetAuditHead() override {
    REFUGE_ASSIGN_OR_RETURN(Rows rows, Run("SELECT seq, hash, signature FROM audit_head WHERE id = 1", Params()));
    if (rows.size() == 0) return NotFound("the audit log is empty");
    return AuditHead{rows.Int(0, 0), rows.Text(0, 1), rows.Text(0, 2)};
  }

  Status SetAuditHead(const AuditHead& h) override {
    return Run("INSERT INTO audit_head (id, seq, hash, signature) VALUES (1, $1, $2, $3) "
               "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, "
               "signature = excluded.signature",
               Params().Int(h.seq).Text(h.hash).Text(h.signature))
        .status();
  }

  Result<std::vector<AuditEntry>> ListAudit(int64_t after, int limit, const std::string& person,
                                            const std::string& actor) override {
    REFUGE_ASSIGN_OR_RETURN(
        Rows rows, Run("SELECT seq, at, actor, action, target, person, address, details, prev_hash, hash "
                       "FROM audit_log WHERE seq > $1 AND ($2::text = '' OR person = $2::text) "
                       "AND ($3::text = '' OR actor = $3::text) ORDER BY seq LIMIT $4",
                       Params().Int(after).Text(person).Text(actor).Int(limit)));
    std::vector<AuditEntry> out;
    for (int r = 0; r < rows.size(); ++r) {
      out.push_back(AuditEntry{rows.Int(r, 0), rows.Text(r, 1), rows.Text(r, 2), rows.Text(r, 3),
                               rows.Text(r, 4), rows.Text(r, 5), rows.Text(r, 6), rows.Text(r, 7),
                               rows.Text(r, 8), rows.Text(r, 9)});
    }
    return out;
  }

  // --- evidence ---

  bool KeepsEvidence() const override { return true; }

  Status InsertEvidence(const EvidenceRow& r) override {
    return Run("INSERT INTO evidence (id, subject, matter, parent, object, size, media_type, sealed, created_at, "
               "created_by, custody_seq, custody_hash, custody_sig, custody_key, custody_mac) "
               "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
               Params().Text(r.id).Text(r.subject).OptText(r.matter).OptText(r.parent).Text(r.object)
                   .Int(r.size).Text(r.media_type).Text(r.sealed).Text(r.created_at).Text(r.created_by)
                   .Int(r.custody_seq).Text(r.custody_hash).Text(r.custody_sig).Text(r.custody_key)
                   .Text(r.custody_mac))
        .status();
  }

  Result<EvidenceRow> GetEvidence(const std::string& id) override {
    REFUGE_ASSIGN_OR_RETURN(Rows rows, Run(std::string(kEvidenceColumns) + " WHERE id = $1", Params().Text(id)));
    if (rows.size() == 0) return NotFound("no evidence record '" + id + "'");
    return ReadEvidence(rows, 0);
  }

  Result<std::vector<EvidenceRow>> ListEvidence(const std::string& matter, const std::string& subject,
                                                const std::string& after, int limit) override {
    REFUGE_ASSIGN_OR_RETURN(
        Rows rows, Run(std::string(kEvidenceColumns) +
                           " WHERE id > $1 AND ($2::text = '' OR matter = $2::text) "
                           "AND ($3::text = '' OR subject = $3::text) ORDER BY id LIMIT $4",
                       Params().Text(after).Text(matter).Text(subject).Int(limit)));
    std::vector<EvidenceRow> out;
    for (int r = 0; r < rows.size(); ++r) out.push_back(ReadEvidence(rows, r));
    return out;
  }

  Result<std::vector<std::string>> EvidenceWithObject(const std::string& object) override {
    return Strings("SELECT id FROM evidence WHERE object = $1 ORDER BY id", Params().Text(object));
  }

  Result<std::vector<std::string>> DerivativesOf(const std::string& id) override {
    return Strings("SELECT id FROM evidence WHERE parent = $1 ORDER BY id", Params().Text(id));
  }

  Status InsertCustody(const CustodyRow& e) override {
    return Run("INSERT INTO custody_entries (evidence, seq, at, actor, action, sealed, prev_hash, hash) "
               "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
               Params().Text(e.evidence).Int(e.seq).Text(e.at).Text(e.actor).Text(e.action).Text(e.sealed)
                   .Text(e.prev_hash).Text(e.hash))
        .status();
  }

  Status SetCustodyHead(const EvidenceRow& r) override {
    REFUGE_ASSIGN_OR_RETURN(Rows rows, Run("UPDATE evidence SET custody_seq = $2, custody_hash = $3, "
                                           "custody_sig = $4, custody_key = $5, custody_mac = $6 WHERE id = $1",
                                           Params().Text(r.id).Int(r.custody_seq).Text(r.custody_hash)
                                               .Text(r.custody_sig).Text(r.custody_key).Text(r.custody_mac)));
    if (rows.Affected() == 0) return NotFound("no evidence record '" + r.id + "'");
    return Status::Ok();
  }

  Result<std::vector<CustodyRow>> CustodyOf(const std::string& evidence) override {
    REFUGE_ASSIGN_OR_RETURN(Rows rows, Run("SELECT evidence, seq, at, actor, action, sealed, prev_hash, hash "
                                           "FROM custody_entries WHERE evidence = $1 ORDER BY seq",
                                           Params().Text(evidence)));
    std::vector<CustodyRow> out;
    for (int r = 0; r < rows.size(); ++r) {
      out.push_back(CustodyRow{rows.Text(r, 0), rows.Int(r, 1), rows.Text(r, 2), rows.Text(r, 3),
                               rows.Text(r, 4), rows.Text(r, 5), rows.Text(r, 6), rows.Text(r, 7)});
    }
    return out;
  }

  Result<std::vector<std::string>> EventsCitingEvidence(const std::string& evidence) override {
    return Strings("SELECT id FROM events WHERE body::jsonb ->> 'evidence' = $1 ORDER BY id",
                   Params().Text(evidence));
  }

  // --- counts ---

  Result<int64_t> CountEntities(EntityKind kind) override {
    REFUGE_ASSIGN_OR_RETURN(Rows rows, Run(std::string("SELECT count(*) FROM ") + TableOf(kind), Params()));
    return rows.Int(0, 0);
  }

  Result<int64_t> CountEvents() override {
    REFUGE_ASSIGN_OR_RETURN(Rows rows, Run("SELECT count(*) FROM events", Params()));
    return rows.Int(0, 0);
  }

  Result<int64_t> DataGeneration() override {
    REFUGE_ASSIGN_OR_RETURN(Rows rows, Run("SELECT n FROM data_generation", Params()));
    if (rows.size() == 0) return Internal("the data_generation table is empty");
    return rows.Int(0, 0);
  }

  // Writers already hold the write lock (WriteTransaction), so this row is no
  // new point of contention.
  Status AdvanceDataGeneration() override {
    return Run("UPDATE data_generation SET n = n + 1", Params()).status();
  }

 private:
  static constexpr const char* kEventColumns =
      "SELECT id, version, retracted, body, created_at, updated_at";
  static constexpr const char* kUserColumns =
      "SELECT name, role, password_hash, created_at, disabled, totp_secret, totp_enabled, totp_last_step FROM users";
  static constexpr const char* kTokenColumns =
      "SELECT id, user_name, name, token_hash, created_at, last_used_at, revoked_at FROM api_tokens";
  static constexpr const char* kEvidenceColumns =
      "SELECT id, subject, matter, parent, object, size, media_type, sealed, created_at, created_by, "
      "custody_seq, custody_hash, custody_sig, custody_key, custody_mac FROM evidence";

  static EvidenceRow ReadEvidence(const Rows& rows, int r) {
    EvidenceRow e;
    e.id = rows.Text(r, 0);
    e.subject = rows.Text(r, 1);
    e.matter = rows.Text(r, 2);
    e.parent = rows.Text(r, 3);
    e.object = rows.Text(r, 4);
    e.size = rows.Int(r, 5);
    e.media_type = rows.Text(r, 6);
    e.sealed = rows.Text(r, 7);
    e.created_at = rows.Text(r, 8);
    e.created_by = rows.Text(r, 9);
    e.custody_seq = rows.Int(r, 10);
    e.custody_hash = rows.Text(r, 11);
    e.custody_sig = rows.Text(r, 12);
    e.custody_key = rows.Text(r, 13);
    e.custody_mac = rows.Text(r, 14);
    return e;
  }

  Status Fail(const PGresult* r) {
    Status s = ErrorOf(r);
    failed_ = s;
    return s;
  }

  // Maps a PostgreSQL error to a Status, as the SQLite adapter maps its own.
  Status ErrorOf(const PGresult* r) {
    auto field = [&](int code) {
      const char* v = r ? PQresultErrorField(r, code) : nullptr;
      return v ? std::string(v) : std::string();
    };
    std::string state = field(PG_DIAG_SQLSTATE);
    std::string primary = field(PG_DIAG_MESSAGE_PRIMARY);
    if (primary.empty()) primary = Trim(PQerrorMessage(conn_));
    if (PQstatus(conn_) == CONNECTION_BAD || state.rfind("08", 0) == 0 || state == "57P01" ||
        state == "57P02" || state == "57P03") {
      broken_ = true;
      return IoError("lost the connection to PostgreSQL: " + primary);
    }
    std::string detail = field(PG_DIAG_MESSAGE_DETAIL);
    std::string full = detail.empty() ? primary : primary + " (" + detail + ")";
    if (state == "23505") return Conflict("already exists: " + full);
    if (state == "23503") return Status(Code::kInvalid, "refers to a missing object: " + full);
    if (state.rfind("23", 0) == 0) return Status(Code::kInvalid, full);
    if (state.rfind("22", 0) == 0) return Status(Code::kInvalid, "cannot store the value: " + full);
    if (state == "53100") return IoError("disk full: " + full);
    if (state == "55P03") return IoError("timed out waiting for another writer (an import?): " + full);
    if (state == "40001" || state == "40P01") {
      return Conflict("a concurrent transaction got in the way; retry: " + full);
    }
    if (state == "25006") return IoError("the database accepts no writes here (a standby?): " + full);
    return IoError("database error: " + full);
  }

  Status InsertEntityRun(const std::vector<Record>& records, size_t begin, size_t end) {
    const EntityKind kind = records[begin].kind;
    const std::vector<std::string> extra_cols = ExtraColumns(kind);
    std::vector<std::string> id, body, created, updated;
    std::vector<int64_t> version;
    std::vector<std::vector<std::string>> extra(extra_cols.size());
    std::vector<std::string> member_matter, member_user, term, term_id;
    for (size_t k = begin; k < end; ++k) {
      const Record& r = records[k];
      id.push_back(r.id);
      version.push_back(r.version);
      body.push_back(r.body.dump());
      created.push_back(r.created_at);
      updated.push_back(r.updated_at);
      std::vector<std::string> values = ExtraValues(r);
      for (size_t c = 0; c < extra.size(); ++c) extra[c].push_back(values[c]);
      for (auto& u : TeamOf(r)) {
        member_matter.push_back(r.id);
        member_user.push_back(std::move(u));
      }
      for (auto& t : domain::EntityTerms(kind, r.body)) {
        term.push_back(std::move(t));
        term_id.push_back(r.id);
      }
    }
    Params p;
    p.TextArray(id).IntArray(version).TextArray(body).TextArray(created).TextArray(updated);
    std::string cols = "id, version, body, created_at, updated_at";
    std::string arrays = "$1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[]";
    for (size_t c = 0; c < extra.size(); ++c) {
      // A matter's client is required; the other extra columns are NULL when empty.
      p.TextArray(extra[c], extra_cols[c] != "client");
      cols += ", " + extra_cols[c];
      arrays += ", " + Dollar(p.size()) + "::text[]";
    }
    std::string sql = std::string("WITH ins AS (INSERT INTO ") + TableOf(kind) + " (" + cols +
                      ") SELECT * FROM unnest(" + arrays + "))";
    if (kind == EntityKind::kMatter) {
      p.TextArray(member_matter).TextArray(member_user);
      sql += ", members AS (INSERT INTO matter_members (matter, user_name) SELECT DISTINCT m, u FROM unnest(" +
             Dollar(p.size() - 1) + "::text[], " + Dollar(p.size()) +
             "::text[]) AS x(m, u) ON CONFLICT DO NOTHING)";
    }
    p.TextArray(term).TextArray(term_id);
    sql += " INSERT INTO search_terms (term, kind, id) SELECT DISTINCT t, '" +
           std::string(domain::EntityName(kind)) + "', i FROM unnest(" + Dollar(p.size() - 1) +
           "::text[], " + Dollar(p.size()) + "::text[]) AS x(t, i) ON CONFLICT DO NOTHING";
    return Run(sql, p).status();
  }

  Status ReplaceTerms(const std::string& kind, const std::string& id,
                      const std::vector<std::string>& terms) {
    REFUGE_RETURN_IF_ERROR(Run("DELETE FROM search_terms WHERE id = $1", Params().Text(id)).status());
    return Run("INSERT INTO search_terms (term, kind, id) "
               "SELECT DISTINCT t, $2::text, $3::text FROM unnest($1::text[]) AS t ON CONFLICT DO NOTHING",
               Params().TextArray(terms).Text(kind).Text(id))
        .status();
  }

  Result<std::vector<std::string>> Strings(const std::string& sql, const Params& p) {
    REFUGE_ASSIGN_OR_RETURN(Rows rows, Run(sql, p));
    std::vector<std::string> out;
    for (int r = 0; r < rows.size(); ++r) out.push_back(rows.Text(r, 0));
    return out;
  }

  static Result<Record> ReadRecord(EntityKind kind, const Rows& rows, int r) {
    Record rec;
    rec.kind = kind;
    rec.id = rows.Text(r, 0);
    rec.version = rows.Int(r, 1);
    REFUGE_ASSIGN_OR_RETURN(rec.body, ParseBody(rows.Text(r, 2)));
    rec.created_at = rows.Text(r, 3);
    rec.updated_at = rows.Text(r, 4);
    rec.created_by = rows.Text(r, 5);
    return rec;
  }

  static Result<std::vector<Record>> ReadRecords(EntityKind kind, const Rows& rows) {
    std::vector<Record> out;
    for (int r = 0; r < rows.size(); ++r) {
      REFUGE_ASSIGN_OR_RETURN(Record rec, ReadRecord(kind, rows, r));
      out.push_back(std::move(rec));
    }
    return out;
  }

  // Columns: id, version, retracted, body, created_at, updated_at.
  static Result<Event> ReadEvent(const Rows& rows, int r) {
    REFUGE_ASSIGN_OR_RETURN(Json body, ParseBody(rows.Text(r, 3)));
    REFUGE_ASSIGN_OR_RETURN(Event e, domain::EventFromBody(std::move(body)));
    e.id = rows.Text(r, 0);
    e.version = rows.Int(r, 1);
    e.retracted = rows.Bool(r, 2);
    e.created_at = rows.Text(r, 4);
    e.updated_at = rows.Text(r, 5);
    return e;
  }

  static Result<std::vector<Event>> ReadEvents(const Rows& rows) {
    std::vector<Event> out;
    for (int r = 0; r < rows.size(); ++r) {
      REFUGE_ASSIGN_OR_RETURN(Event e, ReadEvent(rows, r));
      out.push_back(std::move(e));
    }
    return out;
  }

  static User ReadUser(const Rows& rows, int r) {
    return User{rows.Text(r, 0), rows.Text(r, 1), rows.Text(r, 2), rows.Text(r, 3),
                rows.Bool(r, 4), rows.Text(r, 5), rows.Bool(r, 6), rows.Int(r, 7)};
  }

  static ApiToken ReadToken(const Rows& rows, int r) {
    return ApiToken{rows.Text(r, 0), rows.Text(r, 1), rows.Text(r, 2), rows.Text(r, 3),
                    rows.Text(r, 4), rows.Text(r, 5), rows.Text(r, 6)};
  }

  PGconn* conn_;
  bool broken_ = false;
  Status failed_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL text -> statement name
};

class PostgresStore final : public Store {
 public:
  PostgresStore(std::string dsn, PostgresOptions options)
      : dsn_(std::move(dsn)), options_(options) {
    if (options_.pool_size == 0) options_.pool_size = 1;
  }

  Status Init() {
    REFUGE_ASSIGN_OR_RETURN(auto conn, Connect());
    PGconn* c = conn->raw();
    if (PQserverVersion(c) < 120000) {
      return Status(Code::kInvalid, "Refuge needs PostgreSQL 12 or newer; " + RedactDsn(dsn_) +
                                        " runs version " + std::to_string(PQserverVersion(c) / 10000));
    }
    const char* encoding = PQparameterStatus(c, "server_encoding");
    if (encoding == nullptr || std::string(encoding) != "UTF8") {
      return Status(Code::kInvalid, "the database " + RedactDsn(dsn_) + " has encoding " +
                                        (encoding ? encoding : "unknown") +
                                        "; Refuge needs a UTF8 database (CREATE DATABASE ... "
                                        "ENCODING 'UTF8' TEMPLATE template0)");
    }
    REFUGE_RETURN_IF_ERROR(Migrate(*conn));
    std::lock_guard<std::mutex> lock(pool_mu_);
    idle_.push_back(std::move(conn));
    open_ = 1;
    return Status::Ok();
  }

  Status Read(const std::function<Status(Db&)>& fn) override {
    return InTransaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", fn);
  }

  int SchemaVersion() const override { return schema_version_; }

 protected:
  Status WriteTransaction(const std::function<Status(Db&)>& fn) override {
    // Writers of this process queue here, without holding a connection; the
    // advisory lock then orders them with the writers of other processes.
    std::lock_guard<std::mutex> write_lock(write_mu_);
    return InTransaction(
        std::string("BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(") + kWriteLockKey + ")",
        fn);
  }

 private:
  Result<std::unique_ptr<PgConnection>> Connect() {
    // Defaults first: the DSN's own settings override them; the client encoding is
    // always UTF8, as Refuge's strings are.
    const char* keys[] = {"connect_timeout", "application_name", "options", "dbname", "client_encoding", nullptr};
    const char* values[] = {"10", "refuge", "-c lock_timeout=60s", dsn_.c_str(), "UTF8", nullptr};
    PGconn* c = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
    if (c == nullptr) return IoError("cannot connect to PostgreSQL: out of memory");
    if (PQstatus(c) != CONNECTION_OK) {
      std::string msg = Trim(PQerrorMessage(c));
      PQfinish(c);
      return IoError("cannot connect to PostgreSQL at " + RedactDsn(dsn_) + ": " + msg);
    }
    PQsetNoticeProcessor(c, IgnoreNotice, nullptr);
    return std::make_unique<PgConnection>(c);
  }

  // The version recorded in schema_migrations; 0 for a database without Refuge's schema.
  static Result<int> ReadVersion(PgConnection& c) {
    c.StartTransaction();
    REFUGE_ASSIGN_OR_RETURN(Rows has, c.Run("SELECT to_regclass('schema_migrations') IS NOT NULL", Params()));
    if (!has.Bool(0, 0)) return 0;
    REFUGE_ASSIGN_OR_RETURN(Rows v, c.Run("SELECT coalesce(max(version), 0) FROM schema_migrations", Params()));
    return static_cast<int>(v.Int(0, 0));
  }

  Status NewerError(int current) const {
    return Status(Code::kConflict, "the database is at schema version " + std::to_string(current) +
                                       ", newer than this refuge binary knows (" +
                                       std::to_string(LatestMigrationVersion()) + "); upgrade refuge");
  }

  Status Migrate(PgConnection& c) {
    const int latest = LatestMigrationVersion();
    REFUGE_ASSIGN_OR_RETURN(int current, ReadVersion(c));
    if (current > latest) return NewerError(current);
    if (current < latest) {
      // One process migrates; the others wait here, as long as that takes, and
      // then find the work done.
      REFUGE_RETURN_IF_ERROR(c.Exec(std::string("SET lock_timeout = 0; SELECT pg_advisory_lock(") +
                                    kMigrationLockKey + ")"));
      Status s = ApplyMigrations(c, &current);
      if (!c.broken()) {
        (void)c.Exec(std::string("SELECT pg_advisory_unlock(") + kMigrationLockKey + "); RESET lock_timeout");
      }
      REFUGE_RETURN_IF_ERROR(s);
    } else if (options_.created != nullptr) {
      *options_.created = false;
    }
    schema_version_ = current;
    return Status::Ok();
  }

  Status ApplyMigrations(PgConnection& c, int* current) {
    REFUGE_ASSIGN_OR_RETURN(*current, ReadVersion(c));
    if (*current > LatestMigrationVersion()) return NewerError(*current);
    if (options_.created != nullptr) *options_.created = *current == 0;
    REFUGE_RETURN_IF_ERROR(c.Exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
        "description TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT "
        "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))"));
    for (const Migration& m : Migrations()) {
      if (m.version <= *current) continue;
      if (m.postgres == nullptr) {
        return Internal("migration " + std::to_string(m.version) + " has no PostgreSQL text");
      }
      c.StartTransaction();
      Status s = c.Exec("BEGIN");
      if (s.ok()) s = c.Exec(m.postgres);
      if (s.ok()) {
        s = c.Run("INSERT INTO schema_migrations (version, description) VALUES ($1, $2)",
                  Params().Int(m.version).Text(m.description))
                .status();
      }
      if (s.ok()) s = c.Commit();
      if (!s.ok()) {
        if (!c.broken()) (void)c.Exec("ROLLBACK");
        return Status(s.code(), "migration " + std::to_string(m.version) + " failed: " + s.message());
      }
      *current = m.version;
    }
    return Status::Ok();
  }

  // A connection from the pool, or a new one; `*fresh` tells which.
  Result<std::unique_ptr<PgConnection>> Acquire(bool* fresh) {
    std::unique_lock<std::mutex> lock(pool_mu_);
    pool_cv_.wait(lock, [&] { return !idle_.empty() || open_ < options_.pool_size; });
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      *fresh = false;
      return c;
    }
    ++open_;
    lock.unlock();
    *fresh = true;
    auto c = Connect();
    if (!c.ok()) Discard();
    return c;
  }

  // Back to the pool when it is healthy and idle; closed otherwise.
  void Release(std::unique_ptr<PgConnection> c) {
    if (c->broken() || PQtransactionStatus(c->raw()) != PQTRANS_IDLE) {
      c.reset();
      Discard();
      return;
    }
    std::lock_guard<std::mutex> lock(pool_mu_);
    idle_.push_back(std::move(c));
    pool_cv_.notify_one();
  }

  void Discard() {
    std::lock_guard<std::mutex> lock(pool_mu_);
    --open_;
    pool_cv_.notify_one();
  }

  Status InTransaction(const std::string& begin, const std::function<Status(Db&)>& fn) {
    std::unique_ptr<PgConnection> conn;
    while (true) {
      bool fresh = false;
      REFUGE_ASSIGN_OR_RETURN(conn, Acquire(&fresh));
      conn->StartTransaction();
      Status s = conn->Exec(begin);
      if (s.ok()) break;
      const bool broken = conn->broken();
      if (!broken) (void)conn->Exec("ROLLBACK");
      Release(std::move(conn));
      // Nothing was done yet: a pooled connection that broke while idle (a server
      // restart, an idle timeout) is replaced. A new one that fails is an answer.
      if (!broken || fresh) return s;
    }
    Status s;
    try {
      s = fn(*conn);
    } catch (const std::exception& e) {
      s = Internal(std::string("unexpected error in transaction: ") + e.what());
    }
    // A statement that failed ended the transaction, whatever the callback made of it.
    if (s.ok() && !conn->failed().ok()) s = conn->failed();
    if (s.ok()) {
      s = conn->Commit();
    } else if (!conn->broken()) {
      (void)conn->Exec("ROLLBACK");
    }
    Release(std::move(conn));
    return s;
  }

  std::string dsn_;
  PostgresOptions options_;
  int schema_version_ = 0;
  std::mutex write_mu_;
  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
  size_t open_ = 0;
};

}  // namespace

bool IsPostgresUrl(const std::string& url) {
  return url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
}

std::string RedactDsn(const std::string& dsn) {
  if (IsPostgresUrl(dsn)) {
    std::string out = dsn;
    size_t start = out.find("://") + 3;
    size_t end = out.find_first_of("/?", start);
    if (end == std::string::npos) end = out.size();
    size_t at = out.rfind('@', end);
    if (at != std::string::npos && at >= start) {
      size_t colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
    return std::regex_replace(out, std::regex("([?&]password=)[^&]*"), "$1***");
  }
  return std::regex_replace(dsn, std::regex(R"((password\s*=\s*)('([^'\\]|\\.)*'|\S+))"), "$1***");
}

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& dsn, const PostgresOptions& options) {
  char* err = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(dsn.c_str(), &err);
  if (parsed == nullptr) {
    std::string msg = err ? Trim(err) : "out of memory";
    PQfreemem(err);
    return Status(Code::kInvalid, "not a PostgreSQL connection string (" + RedactDsn(dsn) + "): " + msg, "db");
  }
  PQconninfoFree(parsed);
  auto store = std::make_unique<PostgresStore>(dsn, options);
  REFUGE_RETURN_IF_ERROR(store->Init());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace refuge::store
