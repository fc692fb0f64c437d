#pragma once

#include <httplib.h>

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "refuge/app/service.h"
#include "refuge/base/status.h"
#include "refuge/store/db.h"

namespace refuge::app {
class EvidenceService;
}  // namespace refuge::app

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
// Sends a view's serialized answer with 200, or its error.
void SendResult(httplib::Response& res, const Result<app::ViewText>& result);
void SendPage(httplib::Response& res, const Result<app::Page>& page);
// Like SendResult, with an ETag from the object's "version".
void SendVersioned(httplib::Response& res, const Result<Json>& result, int ok_status = 200);

// The request body as JSON: kUnsupportedMedia unless Content-Type is
// application/json, kMalformed for bad JSON (with the byte offset).
Result<Json> ParseJsonBody(const httplib::Request& req);
// A query parameter as an int in [min, max], or the default when absent.
Result<int> IntParam(const httplib::Request& req, const char* name, int fallback, int min, int max);

// The token a request carries: "Authorization: Bearer ..." (a session or API
// token) or the session cookie.
struct Credentials {
  std::string token;
  bool from_cookie = false;
};
Credentials RequestCredentials(const httplib::Request& req);
std::string RequestToken(const httplib::Request& req);
inline constexpr const char* kSessionCookie = "refuge_session";
inline constexpr const char* kCsrfHeader = "X-CSRF-Token";

// The address of the client: the peer, or, when the peer is the trusted reverse
// proxy, the right-most address of X-Forwarded-For that is not the proxy. Every
// audit entry and the login limiter use it.
std::string ClientAddress(const httplib::Request& req);
// Sets the proxy whose X-Forwarded-For is believed ("" for none), for the whole
// process: one server runs per process.
void SetTrustedProxy(const std::string& address);
// An IPv4 or IPv6 address in its canonical text, or nullopt when `text` is not one.
std::optional<std::string> CanonicalAddress(const std::string& text);

// Checks the request's credentials: the actor, or kUnauthenticated; a write
// authenticated by the session cookie must also carry the session's CSRF token
// (kForbidden otherwise), since a browser sends cookies with forged requests too.
Result<app::Actor> Authenticate(app::Service& svc, const httplib::Request& req);

using ActorHandler =
    std::function<void(const httplib::Request&, httplib::Response&, const app::Actor&)>;
// Wraps a handler so it runs only for an authenticated actor; 401/403 otherwise.
httplib::Server::Handler Authed(app::Service& svc, ActorHandler handler);

// Route groups, one file each.
void RegisterSessionRoutes(httplib::Server& server, app::Service& svc);
void RegisterEntityRoutes(httplib::Server& server, app::Service& svc);
void RegisterEventRoutes(httplib::Server& server, app::Service& svc);
void RegisterViewRoutes(httplib::Server& server, app::Service& svc);
void RegisterSearchRoutes(httplib::Server& server, app::Service& svc);
void RegisterDeadlineRoutes(httplib::Server& server, app::Service& svc);
void RegisterAccountRoutes(httplib::Server& server, app::Service& svc);  // users, tokens, TOTP
void RegisterAuditRoutes(httplib::Server& server, app::Service& svc);
// GET /api/v1/schema: the event contract and entity fields as data.
void RegisterSchemaRoutes(httplib::Server& server, app::Service& svc);
// The web UI at / and every other GET outside /api/ (see web_assets.h).
void RegisterWebRoutes(httplib::Server& server);
// The Content-Type for a file of the UI, from its extension.
const char* WebContentType(std::string_view path);
// The evidence vault (evidence_routes.cc). Its upload streams the body to the
// vault, so the server exempts it from the JSON body limit: IsStreamedUpload.
void RegisterEvidenceRoutes(httplib::Server& server, app::Service& svc, app::EvidenceService& evidence);
bool IsStreamedUpload(const httplib::Request& req);

}  // namespace refuge::api
