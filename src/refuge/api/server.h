#pragma once

#include <httplib.h>

#include <memory>
#include <string>
#include <vector>

#include "refuge/api/http.h"
#include "refuge/app/evidence.h"
#include "refuge/app/service.h"
#include "refuge/base/status.h"

namespace refuge::api {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0 picks a free port
  int threads = 0;  // 0: sized from the hardware, at least 8
  size_t max_body_bytes = 10 * 1024 * 1024;
  // HTTPS when both are given (PEM files).
  std::string tls_cert;
  std::string tls_key;
  // A reverse proxy whose X-Forwarded-For is believed (see ClientAddress).
  std::string trusted_proxy;
};

// The HTTP/JSON API over a Service. Bind() then Run() (blocking) ; Stop() from
// another thread or a signal handler's thread ends Run().
class ApiServer {
 public:
  // With `evidence`, the evidence vault's routes are served too.
  ApiServer(app::Service& svc, ServerOptions options, app::EvidenceService* evidence = nullptr);
  ~ApiServer();

  bool valid() const { return server_->is_valid(); }
  // Binds the listening socket; kIo when the address is taken or invalid, or the
  // TLS certificate or key could not be loaded.
  Status Bind();
  int port() const { return port_; }
  // Serves until Stop(). Returns kIo if the server failed.
  Status Run();
  void Stop();
  // The routes of the API, as registered (Router::Routes).
  const std::vector<Router::Route>& Routes() const { return routes_; }

 private:
  app::Service& svc_;
  ServerOptions options_;
  app::EvidenceService* evidence_ = nullptr;
  std::unique_ptr<httplib::Server> server_;
  std::vector<Router::Route> routes_;
  int port_ = 0;
};

}  // namespace refuge::api
