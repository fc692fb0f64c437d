#include <signal.h>

#include <iostream>
#include <thread>

#include "refuge/api/server.h"
#include "refuge/app/installation.h"
#include "refuge/cli/commands.h"
#include "refuge/cli/exit_codes.h"

namespace refuge::cli {

namespace {

Status ParseListen(const std::string& listen, api::ServerOptions* o) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return Invalid("--listen", "expected HOST:PORT, e.g. 127.0.0.1:8080");
  }
  std::string host = listen.substr(0, colon), port = listen.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(port) > 65535) {
    return Invalid("--listen", "the port must be a number from 0 to 65535");
  }
  o->host = host;
  o->port = std::stoi(port);
  return Status::Ok();
}

}  // namespace

void AddServeCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("serve", "Start the HTTP/JSON API server");
  struct Opts {
    std::string data = kDefaultDataDir;
    std::string listen = "127.0.0.1:8080";
    int threads = 0;
  };
  auto opts = std::make_shared<Opts>();
  cmd->add_option("--data", opts->data, "Data directory (created if missing)");
  cmd->add_option("--listen", opts->listen,
                  "HOST:PORT to listen on; loopback by default, port 0 picks a free port");
  cmd->add_option("--threads", opts->threads, "Worker threads (default: 4 per core, at least 8)");
  cmd->callback([opts, exit_code] {
    api::ServerOptions so;
    Status s = ParseListen(opts->listen, &so);
    if (!s.ok()) {
      *exit_code = ReportError(s, std::cerr);
      return;
    }
    so.threads = opts->threads;
    // Signals are taken by one thread with sigwait, so the server stops cleanly
    // without doing work inside a signal handler.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);

    auto svc = app::OpenInstallation(opts->data, SystemClock::Instance());
    if (!svc.ok()) {
      *exit_code = ReportError(svc.status(), std::cerr);
      return;
    }
    api::ApiServer server(**svc, so);
    s = server.Bind();
    if (!s.ok()) {
      *exit_code = ReportError(s, std::cerr);
      return;
    }
    std::string shown = so.host.find(':') != std::string::npos ? "[" + so.host + "]" : so.host;
    std::cout << "Refuge is listening on http://" << shown << ":" << server.port() << "/" << std::endl;
    std::thread waiter([&server, set] {
      int sig = 0;
      sigwait(&set, &sig);
      server.Stop();
    });
    s = server.Run();
    // Wake the waiter if the server ended on its own.
    pthread_kill(waiter.native_handle(), SIGTERM);
    waiter.join();
    std::cout << "Refuge stopped." << std::endl;
    *exit_code = s.ok() ? 0 : ReportError(s, std::cerr);
  });
}

}  // namespace refuge::cli
