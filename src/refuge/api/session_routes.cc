#include "refuge/api/http.h"

namespace refuge::api {

void RegisterSessionRoutes(Router& server, app::Service& svc) {
  server.Post("/api/v1/session", [&svc](const httplib::Request& req, httplib::Response& res) {
    auto body = ParseJsonBody(req);
    if (!body.ok()) return SendError(res, body.status());
    if (!body->is_object()) return SendError(res, Malformed("expected a JSON object"));
    for (const char* f : {"username", "password"}) {
      if (!body->contains(f) || !(*body)[f].is_string()) {
        return SendError(res, Invalid(f, std::string("'") + f + "' is required"));
      }
      if ((*body)[f].get<std::string>().size() > 1024) {
        return SendError(res, Status(Code::kTooLarge, std::string("'") + f + "' is too long", f));
      }
    }
    std::string totp;
    if (body->contains("totp")) {
      if (!(*body)["totp"].is_string()) return SendError(res, Invalid("totp", "must be a string of 6 digits"));
      totp = (*body)["totp"].get<std::string>();
    }
    const std::string address = ClientAddress(req);
    auto login = svc.Login((*body)["username"], (*body)["password"], totp, address);
    if (!login.ok()) {
      if (login.status().code() == Code::kRateLimited) {
        res.set_header("Retry-After", std::to_string(svc.LoginRetryAfter((*body)["username"], address)));
      }
      return SendError(res, login.status());
    }
    std::string cookie = std::string(kSessionCookie) + "=" + login->token +
                         "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                         std::to_string(app::Service::kSessionSeconds);
    if (req.ssl != nullptr) cookie += "; Secure";
    res.set_header("Set-Cookie", cookie);
    SendJson(res, 201, Json{{"token", login->token},
                            {"csrf_token", login->csrf_token},
                            {"username", login->user.name},
                            {"role", login->user.role},
                            {"expires_in", app::Service::kSessionSeconds}});
  });

  server.Delete("/api/v1/session", Authed(svc, [&svc](const httplib::Request& req,
                                                      httplib::Response& res, const app::Actor& who) {
    Status s = svc.Logout(who, RequestToken(req));
    if (!s.ok()) return SendError(res, s);
    res.set_header("Set-Cookie", std::string(kSessionCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    res.status = 204;
  }));

  server.Get("/api/v1/me", Authed(svc, [](const httplib::Request&, httplib::Response& res,
                                          const app::Actor& who) {
    SendJson(res, 200, Json{{"username", who.user}, {"role", who.role}});
  }));
}

}  // namespace refuge::api
