#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "refuge/base/status.h"
#include "refuge/domain/event.h"
#include "refuge/domain/schema.h"

namespace refuge::store {

using Json = nlohmann::json;
using domain::EntityKind;

// A person, organization, facility or matter as stored.
struct Record {
  EntityKind kind = EntityKind::kPerson;
  std::string id;
  Json body;  // normalized fields, without server fields
  int64_t version = 1;
  std::string created_at;
  std::string updated_at;
  std::string created_by;  // people and matters: the user who created it ("" when unknown)
};
// The record as the API shows it: body plus id, version and timestamps.
Json RecordToJson(const Record& r);

struct User {
  std::string name;
  std::string role;  // admin, lawyer, advocate, viewer
  std::string password_hash;
  std::string created_at;
  bool disabled = false;
  std::string totp_secret;  // base32; set while enrolling and once enabled
  bool totp_enabled = false;
  int64_t totp_last_step = 0;  // the newest 30-second step whose code was accepted
};

struct Session {
  std::string token_hash;  // SHA-256 of the token; the token itself is never stored
  std::string user;
  int64_t created_at = 0;
  int64_t expires_at = 0;  // absolute expiry
  int64_t last_seen = 0;   // for idle expiry
  std::string csrf_hash;   // SHA-256 of the CSRF token handed out at login
};

struct ApiToken {
  std::string id;
  std::string user;
  std::string name;
  std::string token_hash;
  std::string created_at;
  std::string last_used_at;
  std::string revoked_at;
};

// One audit log entry; `hash` chains it to the entry before (see auth/audit.h).
struct AuditEntry {
  int64_t seq = 0;
  std::string at;
  std::string actor;    // user name, or "operator" for the command line
  std::string action;   // e.g. "person.read", "event.create", "login.failed"
  std::string target;   // the object acted on, or ""
  std::string person;   // the person whose file it concerns, or ""
  std::string address;  // the client's address, or "cli"
  std::string details;  // JSON text
  std::string prev_hash;
  std::string hash;
};

struct AuditHead {
  int64_t seq = 0;
  std::string hash;
  std::string signature;
};

// --- Evidence ---------------------------------------------------------------------
// An evidence record as stored. The file itself is an object in the vault; the
// private fields (hash, file name, capture context, embedded metadata) are in
// `sealed`, encrypted under the vault's key (see docs/vault-format.md).
struct EvidenceRow {
  std::string id;          // evi_...
  std::string subject;     // person id
  std::string matter;      // "" when not filed under a matter
  std::string parent;      // for a derivative (a redacted copy): the original's id
  std::string object;      // the vault object's name
  int64_t size = 0;
  std::string media_type;
  std::string sealed;
  std::string created_at;
  std::string created_by;
  // The signed head of the record's chain of custody.
  int64_t custody_seq = 0;
  std::string custody_hash;
  std::string custody_sig;
  std::string custody_key;
  std::string custody_mac;
};

// One custody entry as stored; `sealed` holds its details and salt.
struct CustodyRow {
  std::string evidence;
  int64_t seq = 0;
  std::string at;
  std::string actor;
  std::string action;
  std::string sealed;
  std::string prev_hash;
  std::string hash;
};

struct SearchHit {
  std::string kind;  // "person", "organization", "facility", "matter", "event"
  std::string id;
};

// One database connection inside one transaction. Obtained only through
// Store::Read / Store::Write; not thread-safe, not to be kept past the callback.
// Errors: kNotFound for missing rows, kConflict for a stale version or a duplicate
// key, kIo for database failures. A failed statement (a duplicate key, a missing
// reference, a database failure) ends the transaction on PostgreSQL: after one,
// return an error from the callback rather than carry on.
class Db {
 public:
  virtual ~Db() = default;

  // Entities.
  virtual Status InsertEntity(const Record& r) = 0;
  virtual Result<Record> GetEntity(EntityKind kind, const std::string& id) = 0;
  // Replaces body and version of an existing record if its stored version is
  // `expected_version`; kConflict otherwise.
  virtual Status UpdateEntity(const Record& r, int64_t expected_version) = 0;
  // Keyset pagination by id: records with id > after, at most `limit`.
  virtual Result<std::vector<Record>> ListEntities(EntityKind kind, const std::string& after,
                                                   int limit) = 0;
  virtual Result<bool> Exists(domain::RefTarget target, const std::string& id) = 0;
  virtual Result<std::optional<Record>> FacilityByDetloc(const std::string& detloc) = 0;
  virtual Result<std::vector<Record>> MattersOfClient(const std::string& person_id) = 0;
  // Ids of the matters whose team includes `user_name`, in id order.
  virtual Result<std::vector<std::string>> MattersOfMember(const std::string& user_name) = 0;
  // Whether `user_name` is on the team of `matter_id`.
  virtual Result<bool> IsOnTeam(const std::string& matter_id, const std::string& user_name) = 0;

  // Events.
  virtual Status InsertEvent(const domain::Event& e) = 0;
  virtual Result<domain::Event> GetEvent(const std::string& id) = 0;
  // Keeps the stored version in the history, then replaces it; kConflict when the
  // stored version is not `expected_version`.
  virtual Status UpdateEvent(const domain::Event& e, int64_t expected_version) = 0;
  // In time order (date, then id). Retracted events are included only on request.
  virtual Result<std::vector<domain::Event>> EventsOfSubject(const std::string& person_id,
                                                             bool include_retracted) = 0;
  virtual Result<std::vector<domain::Event>> EventsOfMatter(const std::string& matter_id,
                                                            bool include_retracted) = 0;
  virtual Result<std::vector<domain::Event>> ListEvents(const std::string& after, int limit) = 0;
  // Every earlier version of an event, oldest first.
  virtual Result<std::vector<domain::Event>> EventHistory(const std::string& id) = 0;

  // Bulk loading (an import): the same as InsertEntity / InsertEvent for each, in
  // order, and GetEntity / GetEvent for each id (the missing ones left out), in as
  // few round trips as the database allows. The defaults call the single forms.
  virtual Status InsertEntities(const std::vector<Record>& records) {
    for (const Record& r : records) REFUGE_RETURN_IF_ERROR(InsertEntity(r));
    return Status::Ok();
  }
  virtual Status InsertEvents(const std::vector<domain::Event>& events) {
    for (const domain::Event& e : events) REFUGE_RETURN_IF_ERROR(InsertEvent(e));
    return Status::Ok();
  }
  virtual Result<std::vector<Record>> GetEntities(EntityKind kind,
                                                  const std::vector<std::string>& ids) {
    std::vector<Record> out;
    for (const std::string& id : ids) {
      auto r = GetEntity(kind, id);
      if (r.ok()) {
        out.push_back(std::move(r).value());
      } else if (r.status().code() != Code::kNotFound) {
        return r.status();
      }
    }
    return out;
  }
  virtual Result<std::vector<domain::Event>> GetEvents(const std::vector<std::string>& ids) {
    std::vector<domain::Event> out;
    for (const std::string& id : ids) {
      auto e = GetEvent(id);
      if (e.ok()) {
        out.push_back(std::move(e).value());
      } else if (e.status().code() != Code::kNotFound) {
        return e.status();
      }
    }
    return out;
  }
  // Earlier versions of imported events, stored as UpdateEvent would have kept
  // them; each event is inserted first, in the same transaction.
  virtual Status InsertEventVersions(const std::vector<domain::Event>& versions) = 0;
  // Events of the facility kinds that place a person somewhere (detention,
  // transfer) naming this facility, for "who is held here".
  virtual Result<std::vector<std::string>> SubjectsPlacedAt(const std::string& facility_id) = 0;

  // Search: ids whose index terms match every query term. Word terms match as
  // prefixes, CJK terms exactly (see domain/search_terms.h). Hits come in (kind,
  // id) order, from after `after` (the last hit of the page before) on.
  virtual Result<std::vector<SearchHit>> Search(const std::vector<std::string>& terms,
                                                const std::string& kind, int limit,
                                                const SearchHit& after = {}) = 0;
  // The hits, in order, that `user` may see by the teams they are on or the
  // people they created: a cheap first cut for search, never dropping one that
  // app::Access would show. Organizations and facilities all pass.
  virtual Result<std::vector<SearchHit>> HitsOnTeamsOf(const std::vector<SearchHit>& hits,
                                                       const std::string& user) = 0;

  // Users and sessions.
  virtual Status InsertUser(const User& u) = 0;
  virtual Status UpdateUser(const User& u) = 0;
  virtual Result<User> GetUser(const std::string& name) = 0;
  virtual Result<std::vector<User>> ListUsers() = 0;
  virtual Status InsertSession(const Session& s) = 0;
  virtual Result<Session> GetSession(const std::string& token_hash) = 0;
  virtual Status DeleteSession(const std::string& token_hash) = 0;
  virtual Status DeleteExpiredSessions(int64_t now) = 0;
  // Ends every session of `user`, and marks every API token of theirs revoked at `at`.
  virtual Status RevokeCredentialsOf(const std::string& user, const std::string& at) = 0;
  // Calendar feed secrets: at most one per user; setting one replaces the old one.
  virtual Status SetCalendarFeed(const std::string& user_name, const std::string& token_hash,
                                 int64_t now) = 0;
  virtual Status DeleteCalendarFeed(const std::string& user_name) = 0;
  // The user of a feed secret; kNotFound when none.
  virtual Result<std::string> CalendarFeedUser(const std::string& token_hash) = 0;

  // --- need-to-know access ---
  // The matters whose teams see a person's file: those where the person is the
  // client or the subject of a current event filed under the matter; in id order.
  virtual Result<std::vector<std::string>> MattersOfPerson(const std::string& person_id) = 0;
  // In one probe, the same for a person who does not exist: whether `user_name`
  // is on a team that sees the person's file (MattersOfPerson), whether any
  // matter reaches the person at all (which ends the creator's own view), and
  // whether `user_name` created the record.
  struct PersonReach {
    bool on_team = false;
    bool reached = false;
    bool created = false;
  };
  virtual Result<PersonReach> ReachOfPerson(const std::string& person_id, const std::string& user_name) = 0;
  // The current events filed under a matter that name the person in a party
  // field (actor, target, publisher, from, to); whoever sees one of them sees
  // the person's name (app/access.h); ids in order.
  virtual Result<std::vector<std::string>> EventsNamingPerson(const std::string& person_id) = 0;
  virtual Status TouchSession(const std::string& token_hash, int64_t now) = 0;

  // --- API tokens ---
  virtual Status InsertApiToken(const ApiToken& t) = 0;
  virtual Result<std::vector<ApiToken>> ApiTokensOf(const std::string& user) = 0;
  virtual Result<ApiToken> ApiTokenByHash(const std::string& token_hash) = 0;
  // Marks a token of `user` revoked; kNotFound when `user` has no such token.
  virtual Status RevokeApiToken(const std::string& user, const std::string& id,
                                const std::string& at) = 0;
  virtual Status TouchApiToken(const std::string& id, const std::string& at) = 0;

  // --- audit log ---
  virtual Status InsertAudit(const AuditEntry& e) = 0;
  // kNotFound for an empty log.
  virtual Result<AuditHead> GetAuditHead() = 0;
  virtual Status SetAuditHead(const AuditHead& h) = 0;
  // Entries with seq > after, oldest first; filtered by person and/or actor when not empty.
  virtual Result<std::vector<AuditEntry>> ListAudit(int64_t after, int limit,
                                                    const std::string& person,
                                                    const std::string& actor) = 0;

  // --- data generation ---
  // A number that Store::Write advances in every transaction that may change what a
  // view shows. Read in a snapshot, it names the data that snapshot holds, across
  // every process on the database: cached views (app/view_cache.h) are valid while
  // it stays the same.
  virtual Result<int64_t> DataGeneration() = 0;
  virtual Status AdvanceDataGeneration() = 0;

  // Counts for progress reports and checks.
  virtual Result<int64_t> CountEntities(EntityKind kind) = 0;
  virtual Result<int64_t> CountEvents() = 0;

  // --- Evidence -------------------------------------------------------------------
  // Whether this store keeps evidence records. Those that do not answer every call
  // below with kInternal, naming the missing support.
  virtual bool KeepsEvidence() const { return false; }
  // A record with its head as given (a new record has seq 0 and empty head fields).
  virtual Status InsertEvidence(const EvidenceRow& r);
  virtual Result<EvidenceRow> GetEvidence(const std::string& id);
  // Keyset pagination by id; `matter` and `subject` filter when not empty.
  virtual Result<std::vector<EvidenceRow>> ListEvidence(const std::string& matter,
                                                        const std::string& subject,
                                                        const std::string& after, int limit);
  // Ids of the records whose file is this vault object, in id order.
  virtual Result<std::vector<std::string>> EvidenceWithObject(const std::string& object);
  // Ids of the derivatives (redacted copies) of a record, in id order.
  virtual Result<std::vector<std::string>> DerivativesOf(const std::string& id);
  // Adds one custody entry; kConflict when the record has an entry with that number.
  virtual Status InsertCustody(const CustodyRow& entry);
  // Moves the record's signed head (the custody_* columns).
  virtual Status SetCustodyHead(const EvidenceRow& head);
  // The record's custody entries by number.
  virtual Result<std::vector<CustodyRow>> CustodyOf(const std::string& evidence);
  // Ids of the events whose `evidence` field names the record, in id order.
  virtual Result<std::vector<std::string>> EventsCitingEvidence(const std::string& evidence);
};

// A database: a pool of connections. Thread-safe.
class Store {
 public:
  virtual ~Store() = default;
  // Runs `fn` in one write transaction: committed if `fn` returns OK (and the commit
  // is durable when Write returns), rolled back otherwise. Writers are serialized.
  // Advances the data generation in the same transaction.
  Status Write(const std::function<Status(Db&)>& fn) {
    Status s = WriteTransaction([&fn](Db& db) -> Status {
      Status s = fn(db);
      return s.ok() ? db.AdvanceDataGeneration() : s;
    });
    AfterWrite(s.ok());
    return s;
  }
  // Write for records no view shows (audit entries, session activity): the data
  // generation stays, so cached views stay valid. Anything else uses Write.
  Status WriteBookkeeping(const std::function<Status(Db&)>& fn) {
    Status s = WriteTransaction(fn);
    AfterWrite(s.ok());
    return s;
  }
  // Called on the writing thread after each Write and WriteBookkeeping, with
  // whether it committed (the audit log keeps its head outside the database only
  // once the database has it). Set before the store is shared between threads.
  void SetAfterWrite(std::function<void(bool committed)> fn) { after_write_ = std::move(fn); }
  // Runs `fn` on a consistent snapshot.
  virtual Status Read(const std::function<Status(Db&)>& fn) = 0;
  // The migration version the database is at.
  virtual int SchemaVersion() const = 0;

 protected:
  virtual Status WriteTransaction(const std::function<Status(Db&)>& fn) = 0;

 private:
  void AfterWrite(bool committed) {
    if (after_write_) after_write_(committed);
  }
  std::function<void(bool)> after_write_;
};

}  // namespace refuge::store
