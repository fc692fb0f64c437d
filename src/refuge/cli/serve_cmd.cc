#include <signal.h>

#include <iostream>
#include <thread>

#include "refuge/api/http.h"
#include "refuge/api/server.h"
#include "refuge/app/installation.h"
#include "refuge/cli/commands.h"
#include "refuge/cli/exit_codes.h"
#include "refuge/cli/passphrase.h"

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
    std::string db;
    std::string listen = "127.0.0.1:8080";
    int threads = 0;
    std::string tls_cert;
    std::string tls_key;
    bool require_admin_totp = false;
    int idle_minutes = 30;
    std::string trusted_proxy;
  };
  auto opts = std::make_shared<Opts>();
  cmd->add_option("--data", opts->data, "Data directory (created if missing)");
  AddDbOption(cmd, &opts->db);
  cmd->add_option("--listen", opts->listen,
                  "HOST:PORT to listen on; loopback by default, port 0 picks a free port");
  cmd->add_option("--threads", opts->threads, "Worker threads (default: 4 per core, at least 8)");
  cmd->add_option("--tls-cert", opts->tls_cert, "PEM certificate: serve HTTPS (with --tls-key)");
  cmd->add_option("--tls-key", opts->tls_key, "PEM private key for --tls-cert");
  cmd->add_flag("--require-admin-totp", opts->require_admin_totp,
                "Admins must have a second factor (refuge user totp NAME) to log in");
  cmd->add_option("--idle-minutes", opts->idle_minutes,
                  "A session unused this long expires (default 30)")
      ->check(CLI::Range(1, 24 * 60));
  cmd->add_option("--trusted-proxy", opts->trusted_proxy,
                  "Address of the reverse proxy in front: its X-Forwarded-For names the client "
                  "(docs/security.md)");
  cmd->callback([opts, exit_code] {
    api::ServerOptions so;
    Status s = ParseListen(opts->listen, &so);
    if (!s.ok()) {
      *exit_code = ReportError(s, std::cerr);
      return;
    }
    so.threads = opts->threads;
    if (opts->tls_cert.empty() != opts->tls_key.empty()) {
      *exit_code = ReportError(Invalid("--tls-key", "give both --tls-cert and --tls-key"), std::cerr);
      return;
    }
    so.tls_cert = opts->tls_cert;
    so.tls_key = opts->tls_key;
    if (!opts->trusted_proxy.empty() && !api::CanonicalAddress(opts->trusted_proxy)) {
      *exit_code = ReportError(Invalid("--trusted-proxy", "give the proxy's IP address, e.g. 127.0.0.1"),
                               std::cerr);
      return;
    }
    so.trusted_proxy = opts->trusted_proxy;
    // Signals are taken by one thread with sigwait, so the server stops cleanly
    // without doing work inside a signal handler.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);

    auto svc = app::OpenInstallation(app::InstallationOptions{opts->data, opts->db}, SystemClock::Instance());
    if (!svc.ok()) {
      *exit_code = ReportError(svc.status(), std::cerr);
      return;
    }
    app::SessionPolicy policy;
    policy.require_admin_totp = opts->require_admin_totp;
    policy.idle_seconds = static_cast<int64_t>(opts->idle_minutes) * 60;
    (*svc)->set_session_policy(policy);
    // The vault is unlocked now, with REFUGE_PASSPHRASE; without it the server
    // runs and the evidence routes answer 503, saying the vault is locked.
    const std::string passphrase = PassphraseFromEnv();
    auto evidence = app::OpenEvidence(**svc, opts->data, passphrase, /*create=*/true);
    if (!evidence.ok()) {
      *exit_code = ReportError(evidence.status(), std::cerr);
      return;
    }
    if (passphrase.empty()) {
      std::cerr << "refuge: the evidence vault is locked (REFUGE_PASSPHRASE is not set); evidence requests "
                   "will answer 503\n";
    }
    api::ApiServer server(**svc, so, evidence->get());
    s = server.Bind();
    if (!s.ok()) {
      *exit_code = ReportError(s, std::cerr);
      return;
    }
    std::string shown = so.host.find(':') != std::string::npos ? "[" + so.host + "]" : so.host;
    const char* scheme = so.tls_cert.empty() ? "http" : "https";
    std::cout << "Refuge is listening on " << scheme << "://" << shown << ":" << server.port() << "/"
              << std::endl;
    if (so.tls_cert.empty() && so.host != "127.0.0.1" && so.host != "localhost" && so.host != "::1") {
      std::cerr << "refuge: warning: serving plain HTTP on " << so.host
                << "; use --tls-cert/--tls-key or a reverse proxy with TLS (docs/security.md)\n";
    }
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
