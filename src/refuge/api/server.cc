#include "refuge/api/server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <set>
#include <thread>

#include "refuge/api/http.h"
#include "refuge/base/assets.h"

namespace refuge::api {

ApiServer::ApiServer(app::Service& svc, ServerOptions options, app::EvidenceService* evidence)
    : svc_(svc), options_(std::move(options)), evidence_(evidence) {
  if (!options_.tls_cert.empty()) {
    server_ = std::make_unique<httplib::SSLServer>(options_.tls_cert.c_str(), options_.tls_key.c_str());
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  SetTrustedProxy(options_.trusted_proxy);
  auto& s = *server_;
  // Out of the box cpp-httplib closes a connection after 5 requests and leaves
  // Nagle on, which caps throughput at a few hundred requests a second.
  s.set_tcp_nodelay(true);
  // cpp-httplib's default sets SO_REUSEPORT, which lets a second server bind the
  // same port and take half of the requests, perhaps for another data dir. Only
  // SO_REUSEADDR: a restart may reuse a port in TIME_WAIT, a second listener fails.
  s.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  s.set_keep_alive_max_count(10000);
  s.set_keep_alive_timeout(30);
  s.set_read_timeout(30);
  s.set_write_timeout(30);
  // Body limits are Refuge's (Router, body_limit.h): every handler of a request
  // with a body reads it through a BodyCollector. httplib's own limit covers only
  // Content-Length bodies and would stop the streamed evidence upload, so it is lifted.
  s.set_payload_max_length(std::numeric_limits<size_t>::max());
  // httplib reads a PRI request's body into memory before routing, with no limit;
  // methods Refuge does not serve are refused unread.
  s.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    static const std::set<std::string> kServed = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
    if (kServed.count(req.method) != 0) return httplib::Server::HandlerResponse::Unhandled;
    SendErrorAndClose(res, Status(Code::kMalformed, "method not allowed"));
    res.status = 405;
    return httplib::Server::HandlerResponse::Handled;
  });
  int threads = options_.threads > 0
                    ? options_.threads
                    : std::max(8, static_cast<int>(std::thread::hardware_concurrency()) * 4);
  s.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  // On every response. The UI loads only its own files; no inline script, no framing.
  httplib::Headers headers = {
      {"X-Content-Type-Options", "nosniff"},
      {"Cache-Control", "no-store"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"}};
  if (!options_.tls_cert.empty()) headers.emplace("Strict-Transport-Security", "max-age=31536000");
  s.set_default_headers(headers);

  BodyLimits limits;
  limits.authenticated = options_.max_body_bytes;
  Router router(s, svc_, limits);
  RegisterSessionRoutes(router, svc_);
  RegisterEntityRoutes(router, svc_);
  RegisterEventRoutes(router, svc_);
  RegisterViewRoutes(router, svc_);
  RegisterSearchRoutes(router, svc_);
  RegisterDeadlineRoutes(router, svc_);
  RegisterAccountRoutes(router, svc_);
  RegisterAuditRoutes(router, svc_);
  if (evidence_ != nullptr) RegisterEvidenceRoutes(router, svc_, *evidence_);
  router.Get("/api/v1/health", [](const httplib::Request&, httplib::Response& res) {
    SendJson(res, 200, Json{{"status", "ok"}});
  });
  // The API's description (docs/openapi.json, compiled in), public like health.
  router.Get("/api/v1/openapi.json", [](const httplib::Request&, httplib::Response& res) {
    auto description = Asset("openapi_json");
    if (!description) return SendError(res, Internal("the API description is missing from this build"));
    res.status = 200;
    res.set_content(std::string(*description), "application/json");
  });
  RegisterSchemaRoutes(router, svc_);
  RegisterWebRoutes(s);
  router.CatchAll();  // last: after every route with a body
  routes_ = router.Routes();

  // Errors the library itself produces (no route, body too large) get the same
  // JSON shape as ours; handlers that already wrote a body are left alone.
  s.set_error_handler([methods = router.methods()](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty() || res.content_length_ > 0) return;
    switch (res.status) {
      case 404: {
        // A GET or HEAD where only other methods are served.
        const std::string allow = methods->AllowFor(req.path);
        if (!allow.empty()) return SendMethodNotAllowed(res, req, allow);
        return SendError(res, NotFound("no such endpoint: " + req.method + " " + req.path));
      }
      case 413:
        return SendError(res, Status(Code::kTooLarge, "the request body is larger than the limit"));
      case 405: return SendError(res, Status(Code::kMalformed, "method not allowed"));
      default:
        if (res.status >= 400 && res.status < 500) {
          const int http_status = res.status;
          SendError(res, Status(Code::kMalformed, "bad request"));
          res.status = http_status;
        }
    }
  });
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
      what = "non-standard exception";
    }
    spdlog::error("request failed: {}", what);
    SendError(res, Internal("internal error; the request was not completed"));
  });
}

ApiServer::~ApiServer() { Stop(); }

Status ApiServer::Bind() {
  if (!server_->is_valid()) {
    return IoError("cannot start HTTPS: the certificate or key could not be read (" +
                   options_.tls_cert + ", " + options_.tls_key + ")");
  }
  if (options_.port == 0) {
    port_ = server_->bind_to_any_port(options_.host);
    if (port_ < 0) return IoError("cannot listen on " + options_.host);
  } else {
    if (!server_->bind_to_port(options_.host, options_.port)) {
      return IoError("cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                     " (in use, or not an address of this machine)");
    }
    port_ = options_.port;
  }
  return Status::Ok();
}

Status ApiServer::Run() {
  if (!server_->listen_after_bind()) return IoError("the server stopped with an error");
  return Status::Ok();
}

void ApiServer::Stop() {
  if (server_ && server_->is_running()) server_->stop();
}

}  // namespace refuge::api
