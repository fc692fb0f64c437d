#include "refuge/api/http.h"

namespace refuge::api {

void RegisterViewRoutes(httplib::Server& server, app::Service& svc) {
  const std::string person = R"(/api/v1/people/([A-Za-z0-9_-]+))";
  const std::string matter = R"(/api/v1/matters/([A-Za-z0-9_-]+))";

  server.Get(person + "/chronology", Authed(svc, [&svc](const httplib::Request& req,
                                                        httplib::Response& res, const store::User&) {
    SendResult(res, svc.PersonChronology(req.matches[1], req.get_param_value("retracted") == "true"));
  }));
  server.Get(matter + "/chronology", Authed(svc, [&svc](const httplib::Request& req,
                                                        httplib::Response& res, const store::User&) {
    SendResult(res, svc.MatterChronology(req.matches[1], req.get_param_value("retracted") == "true"));
  }));
  server.Get(person + "/custody", Authed(svc, [&svc](const httplib::Request& req,
                                                     httplib::Response& res, const store::User&) {
    SendResult(res, svc.Custody(req.matches[1]));
  }));
  server.Get(person + "/journey", Authed(svc, [&svc](const httplib::Request& req,
                                                     httplib::Response& res, const store::User&) {
    SendResult(res, svc.Journey(req.matches[1]));
  }));
  server.Get(person + "/next-hearing", Authed(svc, [&svc](const httplib::Request& req,
                                                          httplib::Response& res, const store::User&) {
    SendResult(res, svc.NextHearing(req.matches[1]));
  }));
  server.Get(R"(/api/v1/facilities/([A-Za-z0-9_-]+))",
             Authed(svc, [&svc](const httplib::Request& req, httplib::Response& res,
                                const store::User&) {
               SendVersioned(res, svc.FacilityDetail(req.matches[1]));
             }));
}

}  // namespace refuge::api
