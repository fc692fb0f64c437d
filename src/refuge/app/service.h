#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "refuge/base/clock.h"
#include "refuge/base/status.h"
#include "refuge/domain/event.h"
#include "refuge/domain/schema.h"
#include "refuge/rules/rule_set.h"
#include "refuge/store/db.h"

namespace refuge::app {

using Json = nlohmann::json;
using domain::EntityKind;

// A page of a list and the cursor for the next one ("" when this is the last page).
struct Page {
  Json items = Json::array();
  std::string next;
};

struct FacilityImportReport {
  int64_t added = 0;
  int64_t updated = 0;
  int64_t unchanged = 0;
  struct Rejected {
    size_t line;
    std::string reason;
  };
  std::vector<Rejected> rejected;
  Json ToJson() const;
};

// Called during long jobs with (done, total); total is 0 when unknown.
using ProgressFn = std::function<void(int64_t done, int64_t total)>;

// What a write needs to know about the version the caller last saw: from an
// If-Match header or a `version` field in the body. Absent means "no check".
using ExpectedVersion = std::optional<int64_t>;

// The application services: every use case of the API and the CLI, on top of a
// Store. Validates input once, checks references, writes in one transaction, and
// computes views from events. Thread-safe.
class Service {
 public:
  // `rules` are the deadline rules and closure days in force (built-in plus the
  // administrator's files in the data dir).
  Service(std::unique_ptr<store::Store> store, const Clock& clock, rules::RuleConfig rules);

  store::Store& store() { return *store_; }
  const Clock& clock() const { return clock_; }

  // Entities: people, organizations, facilities, matters.
  Result<Json> CreateEntity(EntityKind kind, const Json& in);
  Result<Json> GetEntity(EntityKind kind, const std::string& id);
  // `merge` applies `in` as a JSON merge patch (RFC 7386) to the stored body;
  // otherwise `in` replaces it.
  Result<Json> UpdateEntity(EntityKind kind, const std::string& id, const Json& in,
                            ExpectedVersion expected, bool merge);
  Result<Page> ListEntities(EntityKind kind, const std::string& after, int limit);

  // Events.
  Result<Json> CreateEvent(const Json& in);
  Result<Json> GetEvent(const std::string& id);
  Result<Json> UpdateEvent(const std::string& id, const Json& in, ExpectedVersion expected,
                           bool merge);
  // Marks an event retracted (a correction that withdraws it); the prior version is kept.
  Result<Json> RetractEvent(const std::string& id, ExpectedVersion expected,
                            const std::string& reason);
  Result<Json> EventHistory(const std::string& id);
  Result<Page> ListEvents(const std::string& after, int limit);

  // Views.
  Result<Json> PersonChronology(const std::string& person_id, bool include_retracted);
  Result<Json> MatterChronology(const std::string& matter_id, bool include_retracted);
  Result<Json> Custody(const std::string& person_id);
  Result<Json> Journey(const std::string& person_id);
  Result<Json> NextHearing(const std::string& person_id);
  // Facility page: the facility and the people held there now.
  Result<Json> FacilityDetail(const std::string& facility_id);

  Result<Json> Search(const std::string& query, const std::string& kind, int limit);

  // Deadlines, computed from the client's events on every call.
  Result<Json> PersonDeadlines(const std::string& person_id);
  Result<Json> MatterDeadlines(const std::string& matter_id);
  // The agenda: deadlines due in [from, to] (YYYY-MM-DD, inclusive; either may be
  // empty) on the matters `user` is on, earliest first, missed ones included.
  Result<Json> Agenda(const std::string& user, const std::string& from, const std::string& to);

  // The calendar feed: a per-user secret for calendar apps, which cannot send
  // headers. Creating one revokes the previous one.
  Result<std::string> CreateCalendarFeedToken(const std::string& user);
  Status RevokeCalendarFeedToken(const std::string& user);
  // iCalendar (RFC 5545) text of the scheduled hearings and open deadlines on the
  // matters of the feed's user; kUnauthenticated for an unknown token.
  Result<std::string> CalendarFeed(const std::string& feed_token);

  // The facility directory. Upserts by detloc from ICE's list (pipe-separated or
  // CSV): all good rows in one transaction; bad rows are reported, never written.
  // A file with a wrong header is refused whole.
  Result<FacilityImportReport> ImportFacilities(std::string_view text,
                                                const ProgressFn& progress = nullptr);
  // Facilities matching `query` by any word of the name, city, state, detloc or AOR.
  Result<Page> FindFacilities(const std::string& query, int limit);

  // Accounts.
  Status AddUser(const std::string& name, const std::string& role, const std::string& password);
  // Returns a new session token; kUnauthenticated for a wrong name or password.
  Result<std::string> Login(const std::string& name, const std::string& password);
  Result<store::User> Authenticate(const std::string& token);
  Status Logout(const std::string& token);

  // Backup: everything but sessions, in a stable order, as one JSON document.
  Result<Json> Export();
  // Loads an export (or the demo dataset) in one transaction: all or nothing.
  // Objects that already exist unchanged are skipped; changed ones are a conflict.
  Status Import(const Json& doc, const ProgressFn& progress = nullptr);

  static constexpr int64_t kSessionSeconds = 12 * 3600;

 private:
  Status CheckReferences(store::Db& db, const std::vector<domain::Reference>& refs);
  Status CheckTeam(store::Db& db, const Json& body);
  Result<Json> FacilitySummary(store::Db& db, const std::string& id);
  Result<Json> PersonView(const std::string& person_id,
                          const std::function<Json(const std::vector<domain::Event>&)>& view);
  std::string Now() const;

  // Deadlines of every matter of `matter_ids`, each computed from its client's events.
  Result<Json> DeadlinesOfMatters(store::Db& db, const std::vector<std::string>& matter_ids);

  std::unique_ptr<store::Store> store_;
  const Clock& clock_;
  rules::RuleConfig rules_;
};

// Reads the version a caller expects from an If-Match value ("\"3\"", "W/\"3\"", "3")
// or nullopt when empty; kMalformed when unreadable.
Result<ExpectedVersion> ParseIfMatch(const std::string& header);
// The ETag for a version: "\"3\"".
std::string ETagFor(int64_t version);

}  // namespace refuge::app
