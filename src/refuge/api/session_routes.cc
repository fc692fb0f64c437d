#include "refuge/api/http.h"

namespace refuge::api {

void RegisterSessionRoutes(httplib::Server& server, app::Service& svc) {
  server.Post("/api/v1/session", [&svc](const httplib::Request& req, httplib::Response& res) {
    auto body = ParseJsonBody(req);
    if (!body.ok()) return SendError(res, body.status());
    if (!body->is_object()) return SendError(res, Malformed("expected a JSON object"));
    for (const char* f : {"username", "password"}) {
      if (!body->contains(f) || !(*body)[f].is_string()) {
        return SendError(res, Invalid(f, std::string("'") + f + "' is required"));
      }
    }
    auto token = svc.Login((*body)["username"], (*body)["password"]);
    if (!token.ok()) return SendError(res, token.status());
    std::string cookie = std::string(kSessionCookie) + "=" + *token +
                         "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                         std::to_string(app::Service::kSessionSeconds);
    if (req.has_header("X-Forwarded-Proto") && req.get_header_value("X-Forwarded-Proto") == "https") {
      cookie += "; Secure";
    }
    res.set_header("Set-Cookie", cookie);
    SendJson(res, 201, Json{{"token", *token}, {"username", (*body)["username"]},
                            {"expires_in", app::Service::kSessionSeconds}});
  });

  server.Delete("/api/v1/session", Authed(svc, [&svc](const httplib::Request& req,
                                                      httplib::Response& res, const store::User&) {
    Status s = svc.Logout(RequestToken(req));
    if (!s.ok()) return SendError(res, s);
    res.set_header("Set-Cookie", std::string(kSessionCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    res.status = 204;
  }));

  server.Get("/api/v1/me", Authed(svc, [](const httplib::Request&, httplib::Response& res,
                                          const store::User& u) {
    SendJson(res, 200, Json{{"username", u.name}, {"role", u.role}});
  }));
}

}  // namespace refuge::api
