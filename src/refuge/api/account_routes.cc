#include "refuge/api/http.h"

namespace refuge::api {

namespace {

Result<std::string> CodeFrom(const httplib::Request& req) {
  auto body = ParseJsonBody(req);
  if (!body.ok()) return body.status();
  if (!body->is_object() || !body->contains("code") || !(*body)["code"].is_string()) {
    return Invalid("code", "give {\"code\": \"123456\"} from the authenticator app");
  }
  return (*body)["code"].get<std::string>();
}

// Sends the outcome of a second-factor change: 429 carries Retry-After.
void SendTotpStatus(app::Service& svc, httplib::Response& res, const app::Actor& who, const Status& s) {
  if (s.code() == Code::kRateLimited) {
    res.set_header("Retry-After", std::to_string(svc.LoginRetryAfter(who.user, who.address)));
  }
  SendError(res, s);
}

}  // namespace

void RegisterAccountRoutes(Router& server, app::Service& svc) {
  // Users: admins only.
  server.Get("/api/v1/users", Authed(svc, [&svc](const httplib::Request&, httplib::Response& res,
                                                 const app::Actor& who) {
    SendResult(res, svc.ListUsers(who));
  }));
  server.Post("/api/v1/users", Authed(svc, [&svc](const httplib::Request& req, httplib::Response& res,
                                                  const app::Actor& who) {
    auto body = ParseJsonBody(req);
    if (!body.ok()) return SendError(res, body.status());
    if (!body->is_object()) return SendError(res, Malformed("expected a JSON object"));
    for (const char* f : {"username", "role", "password"}) {
      if (!body->contains(f) || !(*body)[f].is_string()) {
        return SendError(res, Invalid(f, std::string("'") + f + "' is required"));
      }
    }
    for (const auto& [k, v] : body->items()) {
      if (k != "username" && k != "role" && k != "password") {
        return SendError(res, Invalid(k, "unknown field '" + k + "'"));
      }
    }
    Status s = svc.AddUser(who, (*body)["username"], (*body)["role"], (*body)["password"]);
    if (!s.ok()) return SendError(res, s);
    SendJson(res, 201, Json{{"username", (*body)["username"]}, {"role", (*body)["role"]}});
  }));
  server.Patch(R"(/api/v1/users/([A-Za-z0-9._-]+))",
               Authed(svc, [&svc](const httplib::Request& req, httplib::Response& res,
                                  const app::Actor& who) {
                 auto body = ParseJsonBody(req);
                 if (!body.ok()) return SendError(res, body.status());
                 SendResult(res, svc.UpdateUser(who, req.matches[1], *body));
               }));
  // Ends every session and API token of a user, e.g. when a device is lost.
  server.Post(R"(/api/v1/users/([A-Za-z0-9._-]+)/revoke-sessions)",
              Authed(svc, [&svc](const httplib::Request& req, httplib::Response& res,
                                 const app::Actor& who) {
                Status s = svc.RevokeUserSessions(who, req.matches[1]);
                if (!s.ok()) return SendError(res, s);
                SendJson(res, 200, Json{{"username", req.matches[1].str()}, {"sessions_revoked", true}});
              }));

  // API tokens: each user's own.
  server.Get("/api/v1/tokens", Authed(svc, [&svc](const httplib::Request&, httplib::Response& res,
                                                  const app::Actor& who) {
    SendResult(res, svc.ListApiTokens(who));
  }));
  server.Post("/api/v1/tokens", Authed(svc, [&svc](const httplib::Request& req, httplib::Response& res,
                                                   const app::Actor& who) {
    auto body = ParseJsonBody(req);
    if (!body.ok()) return SendError(res, body.status());
    if (!body->is_object() || !body->contains("name") || !(*body)["name"].is_string()) {
      return SendError(res, Invalid("name", "give the token a name, e.g. {\"name\": \"nightly export\"}"));
    }
    SendResult(res, svc.CreateApiToken(who, (*body)["name"]), 201);
  }));
  server.Delete(R"(/api/v1/tokens/([A-Za-z0-9_-]+))",
                Authed(svc, [&svc](const httplib::Request& req, httplib::Response& res,
                                   const app::Actor& who) {
                  Status s = svc.RevokeApiToken(who, req.matches[1]);
                  if (!s.ok()) return SendError(res, s);
                  res.status = 204;
                }));

  // A user's own password: every session and token of theirs ends with it.
  server.Put("/api/v1/me/password", Authed(svc, [&svc](const httplib::Request& req, httplib::Response& res,
                                                       const app::Actor& who) {
    auto body = ParseJsonBody(req);
    if (!body.ok()) return SendError(res, body.status());
    if (!body->is_object()) return SendError(res, Malformed("expected a JSON object"));
    for (const char* f : {"current_password", "password"}) {
      if (!body->contains(f) || !(*body)[f].is_string()) {
        return SendError(res, Invalid(f, std::string("'") + f + "' is required"));
      }
    }
    Status s = svc.ChangeOwnPassword(who, (*body)["current_password"], (*body)["password"]);
    if (!s.ok()) return SendTotpStatus(svc, res, who, s);
    res.set_header("Set-Cookie", std::string(kSessionCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    res.status = 204;
  }));

  // Second factor for the user themself.
  server.Post("/api/v1/me/totp", Authed(svc, [&svc](const httplib::Request&, httplib::Response& res,
                                                    const app::Actor& who) {
    SendResult(res, svc.BeginTotp(who), 201);
  }));
  server.Post("/api/v1/me/totp/confirm", Authed(svc, [&svc](const httplib::Request& req,
                                                            httplib::Response& res,
                                                            const app::Actor& who) {
    auto code = CodeFrom(req);
    if (!code.ok()) return SendError(res, code.status());
    Status s = svc.ConfirmTotp(who, *code);
    if (!s.ok()) return SendTotpStatus(svc, res, who, s);
    SendJson(res, 200, Json{{"totp_enabled", true}});
  }));
  server.Delete("/api/v1/me/totp", Authed(svc, [&svc](const httplib::Request& req,
                                                      httplib::Response& res, const app::Actor& who) {
    auto code = CodeFrom(req);
    if (!code.ok()) return SendError(res, code.status());
    Status s = svc.DisableTotp(who, *code);
    if (!s.ok()) return SendTotpStatus(svc, res, who, s);
    res.status = 204;
  }));
}

void RegisterAuditRoutes(Router& server, app::Service& svc) {
  auto list = [&svc](const httplib::Request& req, httplib::Response& res, const app::Actor& who,
                     const std::string& person) {
    auto limit = IntParam(req, "limit", 100, 1, 1000);
    if (!limit.ok()) return SendError(res, limit.status());
    auto after = IntParam(req, "after", 0, 0, 2000000000);
    if (!after.ok()) return SendError(res, after.status());
    SendResult(res, svc.AuditEntries(who, person, req.get_param_value("actor"), *after, *limit));
  };
  // The whole log, for admins; filter by ?person= and ?actor=.
  server.Get("/api/v1/audit", Authed(svc, [list](const httplib::Request& req, httplib::Response& res,
                                                 const app::Actor& who) {
    if (who.role != "admin") {
      return SendError(res, Status(Code::kForbidden, "the whole audit log is for admins; a lawyer "
                                                     "asks per person at /api/v1/people/{id}/audit"));
    }
    list(req, res, who, req.get_param_value("person"));
  }));
  // Who has looked at this person's file: for a lawyer who may see the person, or an admin.
  server.Get(R"(/api/v1/people/([A-Za-z0-9_-]+)/audit)",
             Authed(svc, [list](const httplib::Request& req, httplib::Response& res,
                                const app::Actor& who) { list(req, res, who, req.matches[1]); }));
}

}  // namespace refuge::api
