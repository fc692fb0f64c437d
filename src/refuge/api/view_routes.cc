#include "refuge/api/http.h"

namespace refuge::api {

void RegisterViewRoutes(Router& server, app::Service& svc) {
  const std::string person = R"(/api/v1/people/([A-Za-z0-9_-]+))";
  const std::string matter = R"(/api/v1/matters/([A-Za-z0-9_-]+))";

  server.Get(person + "/chronology", Authed(svc, [&svc](const httplib::Request& req,
                                                        httplib::Response& res, const app::Actor& who) {
    SendResult(res, svc.PersonChronology(who, req.matches[1], req.get_param_value("retracted") == "true"));
  }));
  server.Get(matter + "/chronology", Authed(svc, [&svc](const httplib::Request& req,
                                                        httplib::Response& res, const app::Actor& who) {
    SendResult(res, svc.MatterChronology(who, req.matches[1], req.get_param_value("retracted") == "true"));
  }));
  server.Get(person + "/custody", Authed(svc, [&svc](const httplib::Request& req,
                                                     httplib::Response& res, const app::Actor& who) {
    SendResult(res, svc.Custody(who, req.matches[1]));
  }));
  server.Get(person + "/journey", Authed(svc, [&svc](const httplib::Request& req,
                                                     httplib::Response& res, const app::Actor& who) {
    SendResult(res, svc.Journey(who, req.matches[1]));
  }));
  server.Get(person + "/next-hearing", Authed(svc, [&svc](const httplib::Request& req,
                                                          httplib::Response& res, const app::Actor& who) {
    SendResult(res, svc.NextHearing(who, req.matches[1]));
  }));
  server.Get(R"(/api/v1/facilities/([A-Za-z0-9_-]+))",
             Authed(svc, [&svc](const httplib::Request& req, httplib::Response& res,
                                const app::Actor& who) {
               SendVersioned(res, svc.FacilityDetail(who, req.matches[1]));
             }));
}

}  // namespace refuge::api
