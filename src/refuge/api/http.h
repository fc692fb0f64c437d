#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "refuge/api/body_limit.h"
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
// The JSON is parsed within a budget (100,000 values, 32 levels): 413 or 400
// past it, before the document can grow; a number too large for a double is 422
// naming its field.
Result<Json> ParseJsonBody(const httplib::Request& req);
Result<Json> ParseJson(std::string_view text);
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

// Where the route files register their handlers. Requests without a body (GET)
// go straight to httplib. A handler of a request with a body (POST, PUT, PATCH,
// DELETE) is served through httplib's content reader, so the body reaches
// req.body only through a BodyCollector: refused (413, 415) before it can cost
// more memory than its limit, however it is framed or encoded. A handler that
// takes the ContentReader itself (the evidence upload) streams and is unlimited.
// It records each route, so the API's description (docs/openapi.json) can be
// checked against what is served.
class Router {
 public:
  using Handler = httplib::Server::Handler;
  using StreamHandler = httplib::Server::HandlerWithContentReader;
  struct Route {
    std::string method;   // "GET", "POST", ...
    std::string pattern;  // the regex it was registered with
  };
  Router(httplib::Server& server, app::Service& svc, BodyLimits limits = {});

  Router& Get(const std::string& pattern, Handler handler);
  Router& Post(const std::string& pattern, Handler handler);
  Router& Post(const std::string& pattern, StreamHandler handler);
  Router& Put(const std::string& pattern, Handler handler);
  Router& Patch(const std::string& pattern, Handler handler);
  Router& Delete(const std::string& pattern, Handler handler);
  // Registered last: any other request with a body is still read through the
  // limit (and answered 405 or 404), never by httplib into memory.
  void CatchAll();
  // The methods served at each path, for 405 answers; set by CatchAll.
  std::shared_ptr<const class MethodIndex> methods() const { return methods_; }
  httplib::Server& server() { return server_; }
  // Every route registered so far, in order (CatchAll's excepted).
  const std::vector<Route>& Routes() const { return routes_; }

 private:
  StreamHandler Limited(Handler handler) const;
  void Record(const char* method, const std::string& pattern) { routes_.push_back({method, pattern}); }

  httplib::Server& server_;
  app::Service& svc_;
  BodyLimits limits_;
  std::vector<Route> routes_;
  std::shared_ptr<const MethodIndex> methods_;
};

// Which methods the API serves at a path: a path that some route matches with
// another method answers 405 with `Allow` (RFC 9110 15.5.6), not 404.
class MethodIndex {
 public:
  explicit MethodIndex(const std::vector<Router::Route>& routes);
  // "GET, HEAD, PATCH" (HEAD wherever GET is served); "" when no route matches.
  std::string AllowFor(const std::string& path) const;

 private:
  std::vector<std::pair<std::string, std::regex>> routes_;
};

// 405 with the Allow header and the JSON error shape (code "method_not_allowed").
void SendMethodNotAllowed(httplib::Response& res, const httplib::Request& req, const std::string& allow);

// A route's pattern as an OpenAPI path template with unnamed parameters: each
// capture group becomes "{}" ("/api/v1/people/([A-Za-z0-9_-]+)/audit" gives
// "/api/v1/people/{}/audit"); a "." outside a group is taken literally. nullopt
// when the pattern has regex syntax outside its groups, which no template can
// express. Comparing with a description's paths strips their parameter names
// the same way: "/api/v1/people/{id}/audit" gives the same string.
std::optional<std::string> PathTemplate(const std::string& pattern);
// "{name}" -> "{}" in an OpenAPI path.
std::string UnnamedTemplate(const std::string& path);

// Sends the error, then closes the connection: for an answer given before the
// request body was read (or all of it drained), so that the unread rest is never
// taken for the next request.
void SendErrorAndClose(httplib::Response& res, const Status& status);

// Route groups, one file each.
void RegisterSessionRoutes(Router& server, app::Service& svc);
void RegisterEntityRoutes(Router& server, app::Service& svc);
void RegisterEventRoutes(Router& server, app::Service& svc);
void RegisterViewRoutes(Router& server, app::Service& svc);
void RegisterSearchRoutes(Router& server, app::Service& svc);
void RegisterDeadlineRoutes(Router& server, app::Service& svc);
void RegisterAccountRoutes(Router& server, app::Service& svc);  // users, tokens, TOTP
void RegisterAuditRoutes(Router& server, app::Service& svc);
// GET /api/v1/schema: the event contract and entity fields as data.
void RegisterSchemaRoutes(Router& server, app::Service& svc);
// The web UI at / and every other GET outside /api/ (see web_assets.h).
void RegisterWebRoutes(httplib::Server& server);
// The Content-Type for a file of the UI, from its extension.
const char* WebContentType(std::string_view path);
// The evidence vault (evidence_routes.cc). Its upload streams the body to the
// vault, so the server exempts it from the JSON body limit: IsStreamedUpload.
void RegisterEvidenceRoutes(Router& server, app::Service& svc, app::EvidenceService& evidence);
bool IsStreamedUpload(const httplib::Request& req);

}  // namespace refuge::api
