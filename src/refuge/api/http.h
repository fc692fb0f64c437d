#pragma once

#include <httplib.h>

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "refuge/app/service.h"
#include "refuge/base/status.h"
#include "refuge/store/db.h"

namespace refuge::api {

using Json = nlohmann::json;

// The one place that maps Status codes to HTTP statuses.
int HttpStatusFor(Code code);
// {"error":{"code","message","field"}} with the mapped status.
void SendError(httplib::Response& res, const Status& status);
void SendJson(httplib::Response& res, int http_status, const Json& body);
// Sends the value with 200, or its error.
void SendResult(httplib::Response& res, const Result<Json>& result, int ok_status = 200);
// {"items": [...], "next": cursor-or-null}.
void SendPage(httplib::Response& res, const Result<app::Page>& page);
// Like SendResult, with an ETag from the object's "version".
void SendVersioned(httplib::Response& res, const Result<Json>& result, int ok_status = 200);

// The request body as JSON: kUnsupportedMedia unless Content-Type is
// application/json, kMalformed for bad JSON (with the byte offset).
Result<Json> ParseJsonBody(const httplib::Request& req);
// A query parameter as an int in [min, max], or the default when absent.
Result<int> IntParam(const httplib::Request& req, const char* name, int fallback, int min, int max);

// The session token a request carries: "Authorization: Bearer ..." or the session cookie.
std::string RequestToken(const httplib::Request& req);
inline constexpr const char* kSessionCookie = "refuge_session";

using UserHandler =
    std::function<void(const httplib::Request&, httplib::Response&, const store::User&)>;
// Wraps a handler so it runs only for an authenticated user; 401 otherwise.
httplib::Server::Handler Authed(app::Service& svc, UserHandler handler);

// Route groups, one file each.
void RegisterSessionRoutes(httplib::Server& server, app::Service& svc);
void RegisterEntityRoutes(httplib::Server& server, app::Service& svc);
void RegisterEventRoutes(httplib::Server& server, app::Service& svc);
void RegisterViewRoutes(httplib::Server& server, app::Service& svc);
void RegisterSearchRoutes(httplib::Server& server, app::Service& svc);
void RegisterDeadlineRoutes(httplib::Server& server, app::Service& svc);

}  // namespace refuge::api
