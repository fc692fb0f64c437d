#include "refuge/api/http.h"

namespace refuge::api {

void RegisterEventRoutes(Router& server, app::Service& svc) {
  const std::string item = R"(/api/v1/events/([A-Za-z0-9_-]+))";

  server.Get("/api/v1/events", Authed(svc, [&svc](const httplib::Request& req,
                                                  httplib::Response& res, const app::Actor& who) {
    auto limit = IntParam(req, "limit", 50, 1, 1000);
    if (!limit.ok()) return SendError(res, limit.status());
    SendPage(res, svc.ListEvents(who, req.get_param_value("after"), *limit));
  }));

  server.Post("/api/v1/events", Authed(svc, [&svc](const httplib::Request& req,
                                                   httplib::Response& res, const app::Actor& who) {
    auto body = ParseJsonBody(req);
    if (!body.ok()) return SendError(res, body.status());
    auto created = svc.CreateEvent(who, *body);
    if (created.ok()) res.set_header("Location", "/api/v1/events/" + (*created)["id"].get<std::string>());
    SendVersioned(res, created, 201);
  }));

  server.Get(item, Authed(svc, [&svc](const httplib::Request& req, httplib::Response& res,
                                      const app::Actor& who) {
    SendVersioned(res, svc.GetEvent(who, req.matches[1]));
  }));

  auto update = [&svc](bool merge) {
    return Authed(svc, [&svc, merge](const httplib::Request& req, httplib::Response& res,
                                     const app::Actor& who) {
      auto expected = app::ParseIfMatch(req.get_header_value("If-Match"));
      if (!expected.ok()) return SendError(res, expected.status());
      auto body = ParseJsonBody(req);
      if (!body.ok()) return SendError(res, body.status());
      SendVersioned(res, svc.UpdateEvent(who, req.matches[1], *body, *expected, merge));
    });
  };
  server.Put(item, update(false));
  server.Patch(item, update(true));

  // Retraction is a correction, not a deletion: the event stays in the history.
  server.Post(item + "/retract", Authed(svc, [&svc](const httplib::Request& req,
                                                    httplib::Response& res, const app::Actor& who) {
    auto expected = app::ParseIfMatch(req.get_header_value("If-Match"));
    if (!expected.ok()) return SendError(res, expected.status());
    std::string reason;
    if (!req.body.empty()) {
      auto body = ParseJsonBody(req);
      if (!body.ok()) return SendError(res, body.status());
      if (!body->is_object()) return SendError(res, Malformed("expected a JSON object"));
      for (const auto& [k, v] : body->items()) {
        if (k == "reason") {
          if (!v.is_string()) return SendError(res, Invalid("reason", "must be a string"));
          reason = v.get<std::string>();
        } else if (k == "version") {
          if (!v.is_number_integer()) return SendError(res, Invalid("version", "must be an integer"));
          if (!*expected) *expected = v.get<int64_t>();
        } else {
          return SendError(res, Invalid(k, "unknown field '" + k + "'; give reason and version"));
        }
      }
    }
    SendVersioned(res, svc.RetractEvent(who, req.matches[1], *expected, reason));
  }));

  server.Get(item + "/history", Authed(svc, [&svc](const httplib::Request& req,
                                                   httplib::Response& res, const app::Actor& who) {
    SendResult(res, svc.EventHistory(who, req.matches[1]));
  }));
}

}  // namespace refuge::api
