#include "refuge/api/http.h"

namespace refuge::api {

namespace {

void RegisterCollection(Router& server, app::Service& svc, domain::EntityKind kind) {
  const std::string base = std::string("/api/v1/") + domain::EntityCollection(kind);
  const std::string item = base + R"(/([A-Za-z0-9_-]+))";

  server.Get(base, Authed(svc, [&svc, kind](const httplib::Request& req, httplib::Response& res,
                                            const app::Actor& who) {
    auto limit = IntParam(req, "limit", 50, 1, 1000);
    if (!limit.ok()) return SendError(res, limit.status());
    if (kind == domain::EntityKind::kFacility && req.has_param("q")) {
      return SendPage(res, svc.FindFacilities(who, req.get_param_value("q"), *limit));
    }
    SendPage(res, svc.ListEntities(who, kind, req.get_param_value("after"), *limit));
  }));

  server.Post(base, Authed(svc, [&svc, kind](const httplib::Request& req, httplib::Response& res,
                                             const app::Actor& who) {
    auto body = ParseJsonBody(req);
    if (!body.ok()) return SendError(res, body.status());
    auto created = svc.CreateEntity(who, kind, *body);
    if (created.ok()) {
      res.set_header("Location", std::string("/api/v1/") + domain::EntityCollection(kind) + "/" +
                                     (*created)["id"].get<std::string>());
    }
    SendVersioned(res, created, 201);
  }));

  if (kind != domain::EntityKind::kFacility) {  // facilities have a richer page (view routes)
    server.Get(item, Authed(svc, [&svc, kind](const httplib::Request& req, httplib::Response& res,
                                              const app::Actor& who) {
      SendVersioned(res, svc.GetEntity(who, kind, req.matches[1]));
    }));
  }

  auto update = [&svc, kind](bool merge) {
    return Authed(svc, [&svc, kind, merge](const httplib::Request& req, httplib::Response& res,
                                           const app::Actor& who) {
      auto expected = app::ParseIfMatch(req.get_header_value("If-Match"));
      if (!expected.ok()) return SendError(res, expected.status());
      auto body = ParseJsonBody(req);
      if (!body.ok()) return SendError(res, body.status());
      SendVersioned(res, svc.UpdateEntity(who, kind, req.matches[1], *body, *expected, merge));
    });
  };
  server.Put(item, update(false));
  server.Patch(item, update(true));
}

}  // namespace

void RegisterEntityRoutes(Router& server, app::Service& svc) {
  for (domain::EntityKind kind : domain::kAllEntityKinds) RegisterCollection(server, svc, kind);

  // Who works on a matter: a lawyer on its team, or an admin, sets it.
  server.Put(R"(/api/v1/matters/([A-Za-z0-9_-]+)/team)",
             Authed(svc, [&svc](const httplib::Request& req, httplib::Response& res,
                                const app::Actor& who) {
               auto expected = app::ParseIfMatch(req.get_header_value("If-Match"));
               if (!expected.ok()) return SendError(res, expected.status());
               auto body = ParseJsonBody(req);
               if (!body.ok()) return SendError(res, body.status());
               if (!body->is_object() || !body->contains("team")) {
                 return SendError(res, Invalid("team", "give {\"team\": [user names]}"));
               }
               SendVersioned(res, svc.SetTeam(who, req.matches[1], (*body)["team"], *expected));
             }));
}

}  // namespace refuge::api
