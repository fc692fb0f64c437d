#include "refuge/api/server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "refuge/api/http.h"

namespace refuge::api {

ApiServer::ApiServer(app::Service& svc, ServerOptions options)
    : svc_(svc), options_(std::move(options)), server_(std::make_unique<httplib::Server>()) {
  auto& s = *server_;
  // Out of the box cpp-httplib closes a connection after 5 requests and leaves
  // Nagle on, which caps throughput at a few hundred requests a second.
  s.set_tcp_nodelay(true);
  s.set_keep_alive_max_count(10000);
  s.set_keep_alive_timeout(30);
  s.set_read_timeout(30);
  s.set_write_timeout(30);
  s.set_payload_max_length(options_.max_body_bytes);
  int threads = options_.threads > 0
                    ? options_.threads
                    : std::max(8, static_cast<int>(std::thread::hardware_concurrency()) * 4);
  s.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  s.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                         {"Cache-Control", "no-store"},
                         {"Referrer-Policy", "no-referrer"}});

  RegisterSessionRoutes(s, svc_);
  RegisterEntityRoutes(s, svc_);
  RegisterEventRoutes(s, svc_);
  RegisterViewRoutes(s, svc_);
  RegisterSearchRoutes(s, svc_);
  RegisterDeadlineRoutes(s, svc_);
  s.Get("/", [](const httplib::Request&, httplib::Response& res) {
    SendJson(res, 200, Json{{"name", "Refuge"}, {"api", "/api/v1"}, {"login", "POST /api/v1/session"}});
  });
  s.Get("/api/v1/health", [](const httplib::Request&, httplib::Response& res) {
    SendJson(res, 200, Json{{"status", "ok"}});
  });

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
