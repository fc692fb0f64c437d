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
};
// The record as the API shows it: body plus id, version and timestamps.
Json RecordToJson(const Record& r);

struct User {
  std::string name;
  std::string role;  // admin, lawyer, advocate, viewer
  std::string password_hash;
  std::string created_at;
  bool disabled = false;
};

struct Session {
  std::string token_hash;  // SHA-256 of the token; the token itself is never stored
  std::string user;
  int64_t created_at = 0;
  int64_t expires_at = 0;
};

struct SearchHit {
  std::string kind;  // "person", "organization", "facility", "matter", "event"
  std::string id;
};

// One database connection inside one transaction. Obtained only through
// Store::Read / Store::Write; not thread-safe, not to be kept past the callback.
// Errors: kNotFound for missing rows, kConflict for a stale version or a duplicate
// key, kIo for database failures.
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
  // Events of the facility kinds that place a person somewhere (detention,
  // transfer) naming this facility, for "who is held here".
  virtual Result<std::vector<std::string>> SubjectsPlacedAt(const std::string& facility_id) = 0;

  // Search: ids whose index terms match every query term. Word terms match as
  // prefixes, CJK terms exactly (see domain/search_terms.h).
  virtual Result<std::vector<SearchHit>> Search(const std::vector<std::string>& terms,
                                                const std::string& kind, int limit) = 0;

  // Users and sessions.
  virtual Status InsertUser(const User& u) = 0;
  virtual Status UpdateUser(const User& u) = 0;
  virtual Result<User> GetUser(const std::string& name) = 0;
  virtual Result<std::vector<User>> ListUsers() = 0;
  virtual Status InsertSession(const Session& s) = 0;
  virtual Result<Session> GetSession(const std::string& token_hash) = 0;
  virtual Status DeleteSession(const std::string& token_hash) = 0;
  virtual Status DeleteExpiredSessions(int64_t now) = 0;
  // Calendar feed secrets: at most one per user; setting one replaces the old one.
  virtual Status SetCalendarFeed(const std::string& user_name, const std::string& token_hash,
                                 int64_t now) = 0;
  virtual Status DeleteCalendarFeed(const std::string& user_name) = 0;
  // The user of a feed secret; kNotFound when none.
  virtual Result<std::string> CalendarFeedUser(const std::string& token_hash) = 0;

  // Counts for progress reports and checks.
  virtual Result<int64_t> CountEntities(EntityKind kind) = 0;
  virtual Result<int64_t> CountEvents() = 0;
};

// A database: a pool of connections. Thread-safe.
class Store {
 public:
  virtual ~Store() = default;
  // Runs `fn` in one write transaction: committed if `fn` returns OK (and the commit
  // is durable when Write returns), rolled back otherwise. Writers are serialized.
  virtual Status Write(const std::function<Status(Db&)>& fn) = 0;
  // Runs `fn` on a consistent snapshot.
  virtual Status Read(const std::function<Status(Db&)>& fn) = 0;
  // The migration version the database is at.
  virtual int SchemaVersion() const = 0;
};

}  // namespace refuge::store
