#include "refuge/api/server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <thread>

#include "refuge/api/http.h"

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
  s.set_keep_alive_max_count(10000);
  s.set_keep_alive_timeout(30);
  s.set_read_timeout(30);
  s.set_write_timeout(30);
  // cpp-httplib 0.11 applies its payload limit to streamed bodies too. The
  // evidence upload must take any size, so the library's limit is lifted and the
  // JSON limit enforced here, from Content-Length, before the body is read: an
  // oversized request is routed to a handler that reads and discards the body
  // (so the client can read the answer) and answers 413.
  s.set_payload_max_length(std::numeric_limits<size_t>::max());
  const size_t max_body = options_.max_body_bytes;
  static constexpr const char* kTooLargePath = "/api/v1/.too-large";
  s.set_pre_routing_handler([max_body](const httplib::Request& req, httplib::Response&) {
    if (IsStreamedUpload(req) || !req.has_header("Content-Length")) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    const std::string len = req.get_header_value("Content-Length");
    if (!len.empty() && len.size() <= 19 && len.find_first_not_of("0123456789") == std::string::npos &&
        std::stoull(len) > max_body) {
      // The request object is the server's own, not const; only its route changes.
      const_cast<httplib::Request&>(req).path = kTooLargePath;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  auto too_large = [max_body](const httplib::Request&, httplib::Response& res,
                              const httplib::ContentReader& reader) {
    reader([](const char*, size_t) { return true; });
    SendError(res, Status(Code::kTooLarge, "the request body is larger than the limit of " +
                                               std::to_string(max_body >> 20) + " MiB"));
  };
  s.Post(kTooLargePath, too_large);
  s.Put(kTooLargePath, too_large);
  s.Patch(kTooLargePath, too_large);
  s.Delete(kTooLargePath, too_large);
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

  RegisterSessionRoutes(s, svc_);
  RegisterEntityRoutes(s, svc_);
  RegisterEventRoutes(s, svc_);
  RegisterViewRoutes(s, svc_);
  RegisterSearchRoutes(s, svc_);
  RegisterDeadlineRoutes(s, svc_);
  RegisterAccountRoutes(s, svc_);
  RegisterAuditRoutes(s, svc_);
  if (evidence_ != nullptr) RegisterEvidenceRoutes(s, svc_, *evidence_);
  s.Get("/api/v1/health", [](const httplib::Request&, httplib::Response& res) {
    SendJson(res, 200, Json{{"status", "ok"}});
  });
  RegisterSchemaRoutes(s, svc_);
  RegisterWebRoutes(s);

  // Errors the library itself produces (no route, body too large) get the same
  // JSON shape as ours; handlers that already wrote a body are left alone.
  s.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    switch (res.status) {
      case 404: return SendError(res, NotFound("no such endpoint: " + req.method + " " + req.path));
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
