// Accounts: users, logins with an optional second factor, sessions, API tokens,
// and reading the audit log.
#include "refuge/app/accounts.h"

#include <algorithm>
#include <set>

#include "refuge/app/service.h"
#include "refuge/auth/passwords.h"
#include "refuge/auth/totp.h"
#include "refuge/base/date.h"
#include "refuge/base/random.h"

namespace refuge::app {

using store::Db;

namespace {

const std::set<std::string> kRoles = {"admin", "lawyer", "advocate", "viewer"};
// API tokens carry a prefix so they are told apart from session tokens at a glance
// (and by secret scanners).
constexpr const char* kApiTokenPrefix = "rft_";

// A failed second-factor code, told apart from the other errors of the same
// transaction so that it is counted and logged after the rollback.
constexpr const char* kWrongCode = "that code does not match, or was used already";

Json UserJson(const store::User& u) {
  return {{"username", u.name}, {"role", u.role}, {"created_at", u.created_at},
          {"disabled", u.disabled}, {"totp_enabled", u.totp_enabled}};
}

}  // namespace

std::string FoldedUserName(const std::string& name) {
  std::string out = name;
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c);
  });
  return out;
}

Status ValidUserName(const std::string& name) {
  if (name.empty() || name.size() > 64) return Invalid("username", "must be 1 to 64 characters");
  for (char c : name) {
    // ASCII only: no look-alike letters, no control or bidi characters, no '/'.
    const bool ascii_alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!(ascii_alnum || c == '.' || c == '_' || c == '-')) {
      return Invalid("username", "may contain only letters, digits, '.', '_' and '-'");
    }
  }
  if (FoldedUserName(name) == "operator") {
    return Invalid("username", "'operator' is reserved for the command line");
  }
  return Status::Ok();
}

Status Service::AddUser(const Actor& who, const std::string& name, const std::string& role,
                        const std::string& password) {
  REFUGE_RETURN_IF_ERROR(ValidUserName(name));
  if (!kRoles.count(role)) return Invalid("role", "must be one of admin, lawyer, advocate, viewer");
  REFUGE_RETURN_IF_ERROR(auth::CheckPasswordPolicy(password));
  REFUGE_ASSIGN_OR_RETURN(std::string hash, auth::HashPassword(password));
  store::User u{name, role, hash, Now(), false, "", false};
  return store_->Write([&](Db& db) -> Status {
    Access access(db, who);
    REFUGE_RETURN_IF_ERROR(access.RequireRole({"admin"}, "manage users"));
    REFUGE_ASSIGN_OR_RETURN(auto users, db.ListUsers());
    for (const auto& other : users) {
      if (FoldedUserName(other.name) == FoldedUserName(name)) {
        return Conflict("user '" + other.name + "' exists; user names are unique without regard to case",
                        "username");
      }
    }
    Status s = db.InsertUser(u);
    if (s.code() == Code::kConflict) return Conflict("user '" + name + "' exists", "username");
    REFUGE_RETURN_IF_ERROR(s);
    return audit_->Append(db, who, "user.create", name, "", {{"role", role}});
  });
}

Result<Json> Service::ListUsers(const Actor& who) {
  Json out = Json::array();
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) -> Status {
    Access access(db, who);
    REFUGE_RETURN_IF_ERROR(access.RequireRole({"admin"}, "manage users"));
    REFUGE_ASSIGN_OR_RETURN(auto users, db.ListUsers());
    for (const auto& u : users) out.push_back(UserJson(u));
    return Status::Ok();
  }));
  return Json{{"items", std::move(out)}};
}

Result<Json> Service::UpdateUser(const Actor& who, const std::string& name, const Json& in) {
  if (!in.is_object()) return Malformed("expected a JSON object");
  Json out;
  REFUGE_RETURN_IF_ERROR(store_->Write([&](Db& db) -> Status {
    Access access(db, who);
    REFUGE_RETURN_IF_ERROR(access.RequireRole({"admin"}, "manage users"));
    REFUGE_ASSIGN_OR_RETURN(store::User u, db.GetUser(name));
    const store::User before = u;
    Json changes = Json::object();
    for (const auto& [k, v] : in.items()) {
      if (k == "role") {
        if (!v.is_string() || !kRoles.count(v.get<std::string>())) {
          return Invalid("role", "must be one of admin, lawyer, advocate, viewer");
        }
        u.role = v.get<std::string>();
      } else if (k == "disabled") {
        if (!v.is_boolean()) return Invalid("disabled", "must be true or false");
        u.disabled = v.get<bool>();
      } else if (k == "password") {
        if (!v.is_string()) return Invalid("password", "must be a string");
        REFUGE_RETURN_IF_ERROR(auth::CheckPasswordPolicy(v.get<std::string>()));
        REFUGE_ASSIGN_OR_RETURN(u.password_hash, auth::HashPassword(v.get<std::string>()));
      } else if (k != "username" && k != "created_at" && k != "totp_enabled") {
        return Invalid(k, "unknown field '" + k + "'; give role, disabled or password");
      }
      if (k == "role" || k == "disabled") changes[k] = v;
      if (k == "password") changes[k] = "changed";
    }
    if (name == who.user && (u.disabled || u.role != "admin")) {
      return Conflict("an admin cannot demote or disable their own account");
    }
    REFUGE_RETURN_IF_ERROR(db.UpdateUser(u));
    // Whoever held the account's credentials before a reset, a disable or a new
    // role holds nothing now: sessions, API tokens and the calendar feed end.
    if (u.password_hash != before.password_hash || u.role != before.role || u.disabled) {
      REFUGE_RETURN_IF_ERROR(db.RevokeCredentialsOf(name, Now()));
      REFUGE_RETURN_IF_ERROR(db.DeleteCalendarFeed(name));
      changes["sessions_revoked"] = true;
    }
    out = UserJson(u);
    return audit_->Append(db, who, "user.update", name, "", changes);
  }));
  return out;
}

Status Service::ChangeOwnPassword(const Actor& who, const std::string& current, const std::string& next) {
  REFUGE_RETURN_IF_ERROR(auth::CheckPasswordPolicy(next));
  // The current password is a guess like a login's, in the same count.
  REFUGE_ASSIGN_OR_RETURN(auth::LoginLimiter::Reservation attempt,
                          limiter_.Reserve(who.user, who.address, clock_.NowUnixSeconds()));
  Result<store::User> user = Status(Code::kNotFound, "no such user");
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) {
    user = db.GetUser(who.user);
    return Status::Ok();
  }));
  REFUGE_RETURN_IF_ERROR(user.status());
  if (!auth::VerifyPassword(current, user->password_hash)) {
    REFUGE_RETURN_IF_ERROR(NoteLoginFailure(who.user, who.address, "password change"));
    return Invalid("current_password", "is not the current password");
  }
  REFUGE_ASSIGN_OR_RETURN(std::string hash, auth::HashPassword(next));
  REFUGE_RETURN_IF_ERROR(store_->Write([&](Db& db) -> Status {
    REFUGE_ASSIGN_OR_RETURN(store::User u, db.GetUser(who.user));
    u.password_hash = hash;
    REFUGE_RETURN_IF_ERROR(db.UpdateUser(u));
    REFUGE_RETURN_IF_ERROR(db.RevokeCredentialsOf(u.name, Now()));
    REFUGE_RETURN_IF_ERROR(db.DeleteCalendarFeed(u.name));
    return audit_->Append(db, who, "user.password", u.name, "", {{"sessions_revoked", true}});
  }));
  limiter_.Release(attempt);
  return Status::Ok();
}

Status Service::RevokeUserSessions(const Actor& who, const std::string& name) {
  return store_->Write([&](Db& db) -> Status {
    Access access(db, who);
    REFUGE_RETURN_IF_ERROR(access.RequireRole({"admin"}, "manage users"));
    REFUGE_ASSIGN_OR_RETURN(store::User u, db.GetUser(name));
    REFUGE_RETURN_IF_ERROR(db.RevokeCredentialsOf(u.name, Now()));
    REFUGE_RETURN_IF_ERROR(db.DeleteCalendarFeed(u.name));
    return audit_->Append(db, who, "user.revoke_sessions", u.name, "");
  });
}

int64_t Service::LoginRetryAfter(const std::string& name, const std::string& address) {
  return std::max<int64_t>(1, limiter_.RetryAfter(name, address, clock_.NowUnixSeconds()));
}

Status Service::NoteLoginFailure(const std::string& name, const std::string& address,
                                 const std::string& reason) {
  Actor who{name, "", address};
  return store_->Write([&](Db& db) {
    return audit_->Append(db, who, "login.failed", name, "", {{"reason", reason}});
  });
}

Result<LoginResult> Service::Login(const std::string& name, const std::string& password,
                                   const std::string& totp_code, const std::string& address) {
  // The attempt is counted before the password is checked, so that parallel
  // guesses cannot all reach the check before the first is counted.
  REFUGE_ASSIGN_OR_RETURN(auth::LoginLimiter::Reservation attempt,
                          limiter_.Reserve(name, address, clock_.NowUnixSeconds()));
  const Status denied(Code::kUnauthenticated, "wrong username or password");
  Result<store::User> user = denied;
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) {
    user = db.GetUser(name);
    return Status::Ok();
  }));
  // Every failed login does the same Argon2 work: an unknown or disabled account
  // is checked against a hash of nothing, so timing tells nothing about it.
  static const std::string kDummyHash = auth::HashPassword(RandomToken(16)).value();
  const bool usable = user.ok() && !user->disabled;
  const bool password_ok = auth::VerifyPassword(password, usable ? user->password_hash : kDummyHash);
  if (!usable || !password_ok) {
    REFUGE_RETURN_IF_ERROR(NoteLoginFailure(name, address, "password"));
    return denied;
  }
  if (user->totp_enabled && totp_code.empty()) {
    limiter_.Release(attempt);  // the password was right; the code was not tried
    return Status(Code::kUnauthenticated, "totp_required: give the code from your authenticator app", "totp");
  }
  if (!user->totp_enabled && user->role == "admin" && sessions_.require_admin_totp) {
    limiter_.Release(attempt);
    return Status(Code::kUnauthenticated,
                  "this installation requires admins to use a second factor; enrol with "
                  "'refuge user totp " + name + "'", "totp");
  }
  LoginResult out;
  out.token = RandomToken(32);
  out.csrf_token = RandomToken(24);
  const int64_t now = clock_.NowUnixSeconds();
  store::Session s{Sha256Hex(out.token), name, now, now + sessions_.absolute_seconds, now,
                   Sha256Hex(out.csrf_token)};
  Actor who{name, user->role, address};
  Status written = store_->Write([&](Db& db) -> Status {
    // The code is checked in the write, against the step last accepted, so that
    // one code opens one session even when sent twice at once.
    REFUGE_ASSIGN_OR_RETURN(store::User u, db.GetUser(name));
    if (u.totp_enabled) {
      auto step = auth::MatchTotpStep(u.totp_secret, totp_code, now, u.totp_last_step);
      if (!step) return Status(Code::kUnauthenticated, kWrongCode, "totp");
      u.totp_last_step = *step;
      REFUGE_RETURN_IF_ERROR(db.UpdateUser(u));
    }
    out.user = u;
    REFUGE_RETURN_IF_ERROR(db.DeleteExpiredSessions(now));
    REFUGE_RETURN_IF_ERROR(db.InsertSession(s));
    return audit_->Append(db, who, "login", name, "");
  });
  if (written.code() == Code::kUnauthenticated && written.message() == kWrongCode) {
    REFUGE_RETURN_IF_ERROR(NoteLoginFailure(name, address, "totp"));
    return Status(Code::kUnauthenticated, "wrong second-factor code, or one used already", "totp");
  }
  REFUGE_RETURN_IF_ERROR(written);
  limiter_.Release(attempt);
  return out;
}

Result<Principal> Service::AuthenticateToken(const std::string& token) {
  const Status denied(Code::kUnauthenticated, "log in first: the session is missing, expired or revoked");
  if (token.empty() || token.size() > 200) return denied;
  const int64_t now = clock_.NowUnixSeconds();
  const std::string hash = Sha256Hex(token);
  Result<Principal> out = denied;
  bool touch_session = false, touch_token = false;
  std::string token_id;
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) -> Status {
    std::string user_name;
    Principal p;
    if (token.rfind(kApiTokenPrefix, 0) == 0) {
      auto t = db.ApiTokenByHash(hash);
      if (!t.ok()) return t.status().code() == Code::kNotFound ? Status::Ok() : t.status();
      if (!t->revoked_at.empty()) return Status::Ok();
      user_name = t->user;
      token_id = t->id;
      touch_token = t->last_used_at.substr(0, 13) != Now().substr(0, 13);  // at most hourly
    } else {
      auto s = db.GetSession(hash);
      if (!s.ok()) return s.status().code() == Code::kNotFound ? Status::Ok() : s.status();
      if (s->expires_at <= now || s->last_seen + sessions_.idle_seconds <= now) return Status::Ok();
      user_name = s->user;
      p.via_cookie_session = true;
      p.csrf_hash = s->csrf_hash;
      // Recording activity costs a write; once a minute is enough for idle expiry.
      touch_session = now - s->last_seen >= 60;
    }
    auto u = db.GetUser(user_name);
    if (!u.ok() || u->disabled) return Status::Ok();
    p.user = std::move(u).value();
    out = std::move(p);
    return Status::Ok();
  }));
  if (out.ok() && (touch_session || touch_token)) {
    REFUGE_RETURN_IF_ERROR(store_->WriteBookkeeping([&](Db& db) -> Status {
      if (touch_session) return db.TouchSession(hash, now);
      return db.TouchApiToken(token_id, Now());
    }));
  }
  return out;
}

Result<store::User> Service::Authenticate(const std::string& token) {
  REFUGE_ASSIGN_OR_RETURN(Principal p, AuthenticateToken(token));
  return p.user;
}

Status Service::Logout(const Actor& who, const std::string& token) {
  return store_->Write([&](Db& db) -> Status {
    REFUGE_RETURN_IF_ERROR(db.DeleteSession(Sha256Hex(token)));
    return audit_->Append(db, who, "logout", who.user, "");
  });
}

// --- second factor ---

Result<Json> Service::BeginTotp(const Actor& who) {
  const std::string secret = auth::NewTotpSecret();
  REFUGE_RETURN_IF_ERROR(store_->Write([&](Db& db) -> Status {
    REFUGE_ASSIGN_OR_RETURN(store::User u, db.GetUser(who.user));
    if (u.totp_enabled) return Conflict("a second factor is already on; turn it off first");
    u.totp_secret = secret;
    REFUGE_RETURN_IF_ERROR(db.UpdateUser(u));
    return audit_->Append(db, who, "totp.begin", who.user, "");
  }));
  return Json{{"secret", secret}, {"uri", auth::TotpUri(secret, who.user)}};
}

Status Service::ConfirmTotp(const Actor& who, const std::string& code) {
  return ChangeTotp(who, code, /*enable=*/true);
}

Status Service::DisableTotp(const Actor& who, const std::string& code) {
  return ChangeTotp(who, code, /*enable=*/false);
}

// A code to turn the factor on or off is a guess like a login's: it takes a
// place in the same limiter, a wrong one is logged, and a code works once.
Status Service::ChangeTotp(const Actor& who, const std::string& code, bool enable) {
  const int64_t now = clock_.NowUnixSeconds();
  REFUGE_ASSIGN_OR_RETURN(auth::LoginLimiter::Reservation attempt, limiter_.Reserve(who.user, who.address, now));
  Status s = store_->Write([&](Db& db) -> Status {
    REFUGE_ASSIGN_OR_RETURN(store::User u, db.GetUser(who.user));
    if (enable && u.totp_enabled) return Conflict("a second factor is already on");
    if (enable && u.totp_secret.empty()) return Conflict("start enrolment first (POST /api/v1/me/totp)");
    if (!enable && !u.totp_enabled) return Conflict("no second factor is on");
    auto step = auth::MatchTotpStep(u.totp_secret, code, now, u.totp_last_step);
    if (!step) return Invalid("code", kWrongCode);
    u.totp_last_step = *step;
    u.totp_enabled = enable;
    if (!enable) u.totp_secret.clear();
    REFUGE_RETURN_IF_ERROR(db.UpdateUser(u));
    return audit_->Append(db, who, enable ? "totp.enable" : "totp.disable", who.user, "");
  });
  if (s.code() == Code::kInvalid && s.message() == kWrongCode) {
    REFUGE_RETURN_IF_ERROR(store_->Write([&](Db& db) {
      return audit_->Append(db, who, "totp.failed", who.user, "", {{"for", enable ? "enable" : "disable"}});
    }));
    return Invalid("code", enable ? "that code does not match, or was used already; check the "
                                    "authenticator app's clock"
                                  : "that code does not match, or was used already");
  }
  limiter_.Release(attempt);
  return s;
}

Result<Json> Service::EnrolTotp(const std::string& user) {
  const std::string secret = auth::NewTotpSecret();
  REFUGE_RETURN_IF_ERROR(store_->Write([&](Db& db) -> Status {
    REFUGE_ASSIGN_OR_RETURN(store::User u, db.GetUser(user));
    u.totp_secret = secret;
    u.totp_enabled = true;
    REFUGE_RETURN_IF_ERROR(db.UpdateUser(u));
    return audit_->Append(db, Actor::Operator(), "totp.enable", user, "");
  }));
  return Json{{"secret", secret}, {"uri", auth::TotpUri(secret, user)}};
}

// --- API tokens ---

Result<Json> Service::CreateApiToken(const Actor& who, const std::string& name) {
  if (name.empty() || name.size() > 100) return Invalid("name", "give the token a name of 1 to 100 characters");
  const std::string token = std::string(kApiTokenPrefix) + RandomToken(32);
  store::ApiToken t{NewId("tok"), who.user, name, Sha256Hex(token), Now(), "", ""};
  REFUGE_RETURN_IF_ERROR(store_->Write([&](Db& db) -> Status {
    REFUGE_RETURN_IF_ERROR(db.InsertApiToken(t));
    return audit_->Append(db, who, "token.create", t.id, "", {{"name", name}});
  }));
  return Json{{"id", t.id}, {"name", name}, {"token", token}, {"created_at", t.created_at}};
}

Result<Json> Service::ListApiTokens(const Actor& who) {
  Json items = Json::array();
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) -> Status {
    REFUGE_ASSIGN_OR_RETURN(auto tokens, db.ApiTokensOf(who.user));
    for (const auto& t : tokens) {
      Json j = {{"id", t.id}, {"name", t.name}, {"created_at", t.created_at}};
      j["last_used_at"] = t.last_used_at.empty() ? Json() : Json(t.last_used_at);
      j["revoked_at"] = t.revoked_at.empty() ? Json() : Json(t.revoked_at);
      items.push_back(std::move(j));
    }
    return Status::Ok();
  }));
  return Json{{"items", std::move(items)}};
}

Status Service::RevokeApiToken(const Actor& who, const std::string& id) {
  return store_->Write([&](Db& db) -> Status {
    REFUGE_RETURN_IF_ERROR(db.RevokeApiToken(who.user, id, Now()));
    return audit_->Append(db, who, "token.revoke", id, "");
  });
}

// --- audit ---

Result<Json> Service::AuditEntries(const Actor& who, const std::string& person,
                                   const std::string& actor, int64_t after, int limit) {
  REFUGE_RETURN_IF_ERROR(audit_->Flush());
  Json items = Json::array();
  int64_t last = 0;
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) -> Status {
    Access access(db, who);
    if (who.role != "admin" && !who.is_operator()) {
      // A lawyer may ask who looked at a client they may see.
      if (person.empty()) return Status(Code::kForbidden, "a lawyer reads the audit log of one person at a time");
      REFUGE_ASSIGN_OR_RETURN(store::Record p, access.RequirePerson(person));
      REFUGE_RETURN_IF_ERROR(access.RequireRole({"lawyer"}, "read the audit log"));
    }
    REFUGE_ASSIGN_OR_RETURN(auto entries, db.ListAudit(after, std::clamp(limit, 1, 1000), person, actor));
    for (const auto& e : entries) items.push_back(AuditEntryToJson(e));
    if (!entries.empty()) last = entries.back().seq;
    return Status::Ok();
  }));
  Json out = {{"items", std::move(items)}};
  out["next"] = last == 0 ? Json() : Json(last);
  return out;
}

}  // namespace refuge::app
