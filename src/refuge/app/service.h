#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "refuge/app/access.h"
#include "refuge/app/cursor.h"
#include "refuge/app/actor.h"
#include "refuge/app/audit_log.h"
#include "refuge/app/view_cache.h"
#include "refuge/auth/login_limiter.h"
#include "refuge/auth/signing_key.h"
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

// Limits on what a login or a second-factor code may try before it is refused
// for a while.
using LoginLimits = auth::LoginLimits;

// Session lifetimes.
struct SessionPolicy {
  int64_t absolute_seconds = 12 * 3600;
  int64_t idle_seconds = 30 * 60;
  bool require_admin_totp = false;  // admins must have a second factor to log in
};

// A successful login.
struct LoginResult {
  std::string token;
  std::string csrf_token;  // to send as X-CSRF-Token with cookie-authenticated writes
  store::User user;
};

// Who a request is from, once its credentials were checked.
struct Principal {
  store::User user;
  bool via_cookie_session = false;  // cookie sessions need the CSRF token on writes
  std::string csrf_hash;
};

// The application services: every use case of the API and the CLI, on top of a
// Store. Validates input once, checks references and need-to-know access
// (app/access.h), writes in one transaction with its audit entry, and computes
// views from the events the actor may see. Thread-safe.
class Service {
 public:
  static constexpr size_t kViewCacheBytes = 64 << 20;

  // `rules` are the deadline rules and closure days in force (built-in plus the
  // administrator's files in the data dir); `audit_key` signs the audit log.
  Service(std::unique_ptr<store::Store> store, const Clock& clock, rules::RuleConfig rules,
          auth::SigningKey audit_key, SessionPolicy sessions = {});
  ~Service();

  store::Store& store() { return *store_; }
  const Clock& clock() const { return clock_; }
  AuditLog& audit() { return *audit_; }
  ViewCache& view_cache() { return view_cache_; }
  void set_session_policy(const SessionPolicy& p) { sessions_ = p; }
  void set_login_limits(const LoginLimits& l) { limiter_.set_limits(l); }

  // Entities: people, organizations, facilities, matters.
  Result<Json> CreateEntity(const Actor& who, EntityKind kind, const Json& in);
  Result<Json> GetEntity(const Actor& who, EntityKind kind, const std::string& id);
  // `merge` applies `in` as a JSON merge patch (RFC 7386) to the stored body;
  // otherwise `in` replaces it.
  Result<Json> UpdateEntity(const Actor& who, EntityKind kind, const std::string& id,
                            const Json& in, ExpectedVersion expected, bool merge);
  Result<Page> ListEntities(const Actor& who, EntityKind kind, const std::string& after, int limit);

  // Events.
  Result<Json> CreateEvent(const Actor& who, const Json& in);
  Result<Json> GetEvent(const Actor& who, const std::string& id);
  Result<Json> UpdateEvent(const Actor& who, const std::string& id, const Json& in,
                           ExpectedVersion expected, bool merge);
  // Marks an event retracted (a correction that withdraws it); the prior version is kept.
  Result<Json> RetractEvent(const Actor& who, const std::string& id, ExpectedVersion expected,
                            const std::string& reason);
  Result<Json> EventHistory(const Actor& who, const std::string& id);
  // A page may hold fewer than `limit` items when many events are not the actor's.
  Result<Page> ListEvents(const Actor& who, const std::string& after, int limit);

  // Views, computed from the events the actor may see.
  // Chronologies come as sent, from the view cache when the data has not changed.
  Result<ViewText> PersonChronology(const Actor& who, const std::string& person_id, bool include_retracted);
  Result<ViewText> MatterChronology(const Actor& who, const std::string& matter_id, bool include_retracted);
  Result<Json> Custody(const Actor& who, const std::string& person_id);
  Result<Json> Journey(const Actor& who, const std::string& person_id);
  Result<Json> NextHearing(const Actor& who, const std::string& person_id);
  // Facility page: the facility and the people held there now whom the actor may see.
  Result<Json> FacilityDetail(const Actor& who, const std::string& facility_id);

  Result<Json> Search(const Actor& who, const std::string& query, const std::string& kind, int limit);

  // Deadlines, computed from the client's events on every call.
  Result<Json> PersonDeadlines(const Actor& who, const std::string& person_id);
  Result<Json> MatterDeadlines(const Actor& who, const std::string& matter_id);
  // The agenda: deadlines due in [from, to] (YYYY-MM-DD, inclusive; either may be
  // empty) on the matters the actor is on, earliest first, missed ones included.
  Result<Json> Agenda(const Actor& who, const std::string& from, const std::string& to);

  // The calendar feed: a per-user secret for calendar apps, which cannot send
  // headers. Creating one revokes the previous one.
  Result<std::string> CreateCalendarFeedToken(const Actor& who);
  Status RevokeCalendarFeedToken(const Actor& who);
  // iCalendar (RFC 5545) text of the scheduled hearings and open deadlines on the
  // matters of the feed's user; kUnauthenticated for an unknown token.
  Result<std::string> CalendarFeed(const std::string& feed_token, const std::string& address);

  // The facility directory. Upserts by detloc from ICE's list (pipe-separated or
  // CSV): all good rows in one transaction; bad rows are reported, never written.
  // A file with a wrong header is refused whole.
  Result<FacilityImportReport> ImportFacilities(const Actor& who, std::string_view text,
                                                const ProgressFn& progress = nullptr);
  // Facilities matching `query` by any word of the name, city, state, detloc or AOR.
  Result<Page> FindFacilities(const Actor& who, const std::string& query, int limit);

  // Accounts.
  Status AddUser(const Actor& who, const std::string& name, const std::string& role,
                 const std::string& password);
  Result<Json> ListUsers(const Actor& who);
  // Changes role, disabled and/or password ({"role", "disabled", "password"});
  // admin only. A new password, a disable or a role change ends every session
  // and API token of the user, in the same transaction.
  Result<Json> UpdateUser(const Actor& who, const std::string& name, const Json& in);
  // A user changes their own password, giving the current one (limited like a
  // login); every session and API token of theirs ends, this one included.
  Status ChangeOwnPassword(const Actor& who, const std::string& current, const std::string& next);
  // Ends every session and API token of `name` (an admin, or the operator).
  Status RevokeUserSessions(const Actor& who, const std::string& name);
  // Seconds until `name` (or `address`) may try a password or code again, after
  // kRateLimited.
  int64_t LoginRetryAfter(const std::string& name, const std::string& address);
  // kUnauthenticated for a wrong name, password or second factor (code
  // "totp_required" in the message when one is needed); kRateLimited after too
  // many failures.
  Result<LoginResult> Login(const std::string& name, const std::string& password,
                            const std::string& totp_code, const std::string& address);
  // A session token or an API token.
  Result<Principal> AuthenticateToken(const std::string& token);
  Result<store::User> Authenticate(const std::string& token);
  Status Logout(const Actor& who, const std::string& token);

  // Second factor: Begin gives a new secret to put in an authenticator app, and
  // Confirm with a code from it turns it on. Disable needs a current code.
  Result<Json> BeginTotp(const Actor& who);
  Status ConfirmTotp(const Actor& who, const std::string& code);
  Status DisableTotp(const Actor& who, const std::string& code);
  // For the operator: enrol a user directly (prints the secret at the CLI).
  Result<Json> EnrolTotp(const std::string& user);

  // Named API tokens for scripts, owned by their user.
  Result<Json> CreateApiToken(const Actor& who, const std::string& name);
  Result<Json> ListApiTokens(const Actor& who);
  Status RevokeApiToken(const Actor& who, const std::string& id);

  // Matter teams: a lawyer on the team or an admin may change who is on it.
  Result<Json> SetTeam(const Actor& who, const std::string& matter_id, const Json& team,
                       ExpectedVersion expected);

  // The audit log: admins see all of it; a lawyer sees who looked at a person
  // they may see.
  Result<Json> AuditEntries(const Actor& who, const std::string& person, const std::string& actor,
                            int64_t after, int limit);

  // Backup: everything but sessions, in a stable order, as one JSON document
  // handed to `sink` in pieces of about a megabyte, read in one snapshot.
  Status Export(const Actor& who, const std::function<Status(std::string_view)>& sink);
  // Loads an export (or the demo dataset) in one transaction: all or nothing.
  // Objects that already exist unchanged are skipped; changed ones are a conflict.
  Status Import(const Actor& who, const Json& doc, const ProgressFn& progress = nullptr);
  // The same from the text of an export, read and written section by section so
  // that memory stays bounded for any size; `name` names the text in errors.
  // `progress` gets the bytes of `text` read so far.
  Status ImportText(const Actor& who, std::string_view text, const std::string& name,
                    const ProgressFn& progress = nullptr);

  static constexpr int64_t kSessionSeconds = 12 * 3600;

 private:
  friend class BackupImport;
  Status CheckReferences(store::Db& db, const std::vector<domain::Reference>& refs);
  Status CheckTeam(store::Db& db, const Json& body);
  Result<Json> FacilitySummary(store::Db& db, const std::string& id);
  // The answer of `who` for `view` from the cache, if it holds it for the data in
  // `db`'s snapshot; otherwise from `compute`, then kept.
  Result<ViewText> CachedView(store::Db& db, const Actor& who, const std::string& view,
                              const std::function<Result<Json>()>& compute);
  Result<Json> PersonView(const Actor& who, const std::string& person_id, const char* action,
                          const std::function<Json(const std::vector<domain::Event>&)>& view);
  std::string Now() const;
  // Deadlines of every matter of `matter_ids`, each computed from its client's
  // events that `access` may see.
  Result<Json> DeadlinesOfMatters(store::Db& db, Access& access,
                                  const std::vector<std::string>& matter_ids);
  Status NoteLoginFailure(const std::string& name, const std::string& address, const std::string& reason);
  // Confirm or Disable of a second factor: limited and logged like a login.
  Status ChangeTotp(const Actor& who, const std::string& code, bool enable);

  std::unique_ptr<store::Store> store_;
  const Clock& clock_;
  rules::RuleConfig rules_;
  SessionPolicy sessions_;
  CursorCodec cursors_;  // before audit_, which takes the key it is derived from
  std::unique_ptr<AuditLog> audit_;
  ViewCache view_cache_{kViewCacheBytes};
  auth::LoginLimiter limiter_;  // failed logins and second-factor codes
};

// Reads the version a caller expects from an If-Match value ("\"3\"", "W/\"3\"", "3")
// or nullopt when empty; kMalformed when unreadable.
Result<ExpectedVersion> ParseIfMatch(const std::string& header);
// The ETag for a version: "\"3\"".
std::string ETagFor(int64_t version);

}  // namespace refuge::app
