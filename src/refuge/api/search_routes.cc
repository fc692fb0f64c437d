#include "refuge/api/http.h"

namespace refuge::api {

void RegisterSearchRoutes(Router& server, app::Service& svc) {
  server.Get("/api/v1/search", Authed(svc, [&svc](const httplib::Request& req,
                                                  httplib::Response& res, const app::Actor& who) {
    if (!req.has_param("q")) return SendError(res, Invalid("q", "give the text to search for in ?q="));
    auto limit = IntParam(req, "limit", 50, 1, 1000);
    if (!limit.ok()) return SendError(res, limit.status());
    SendResult(res, svc.Search(who, req.get_param_value("q"), req.get_param_value("kind"), *limit));
  }));
}

}  // namespace refuge::api
