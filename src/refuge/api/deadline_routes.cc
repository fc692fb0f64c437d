#include "refuge/api/http.h"

namespace refuge::api {

void RegisterDeadlineRoutes(Router& server, app::Service& svc) {
  server.Get(R"(/api/v1/people/([A-Za-z0-9_-]+)/deadlines)",
             Authed(svc, [&svc](const httplib::Request& req, httplib::Response& res,
                                const app::Actor& who) {
               SendResult(res, svc.PersonDeadlines(who, req.matches[1]));
             }));
  server.Get(R"(/api/v1/matters/([A-Za-z0-9_-]+)/deadlines)",
             Authed(svc, [&svc](const httplib::Request& req, httplib::Response& res,
                                const app::Actor& who) {
               SendResult(res, svc.MatterDeadlines(who, req.matches[1]));
             }));
  server.Get("/api/v1/deadlines", Authed(svc, [&svc](const httplib::Request& req,
                                                     httplib::Response& res, const app::Actor& who) {
    SendResult(res, svc.Agenda(who, req.get_param_value("from"), req.get_param_value("to")));
  }));

  // Calendar apps cannot send headers, so the feed is authorized by a secret in
  // the URL; the user creates (or rotates) and revokes it with their session.
  server.Post("/api/v1/calendar/feed", Authed(svc, [&svc](const httplib::Request&,
                                                          httplib::Response& res,
                                                          const app::Actor& who) {
    auto token = svc.CreateCalendarFeedToken(who);
    if (!token.ok()) return SendError(res, token.status());
    SendJson(res, 201, Json{{"url", "/api/v1/calendar.ics?token=" + *token}, {"token", *token}});
  }));
  server.Delete("/api/v1/calendar/feed", Authed(svc, [&svc](const httplib::Request&,
                                                            httplib::Response& res,
                                                            const app::Actor& who) {
    Status s = svc.RevokeCalendarFeedToken(who);
    if (!s.ok()) return SendError(res, s);
    res.status = 204;
  }));
  server.Get("/api/v1/calendar.ics", [&svc](const httplib::Request& req, httplib::Response& res) {
    auto ics = svc.CalendarFeed(req.get_param_value("token"), ClientAddress(req));
    if (!ics.ok()) return SendError(res, ics.status());
    res.set_content(*ics, "text/calendar; charset=utf-8");
  });
}

}  // namespace refuge::api
