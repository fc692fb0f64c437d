#include <unistd.h>

#include <iostream>

#include "refuge/app/installation.h"
#include "refuge/cli/commands.h"
#include "refuge/cli/exit_codes.h"

namespace refuge::cli {

void AddUserCommand(CLI::App& app, int* exit_code) {
  auto* user = app.add_subcommand("user", "Manage user accounts");
  user->require_subcommand(1);
  auto* add = user->add_subcommand("add", "Create a user");
  struct Opts {
    std::string data = kDefaultDataDir;
    std::string db;
    std::string name;
    std::string role;
    bool password_stdin = false;
  };
  auto opts = std::make_shared<Opts>();
  add->add_option("NAME", opts->name, "User name (letters, digits, '.', '_', '-')")->required();
  add->add_option("--role", opts->role, "admin, lawyer, advocate or viewer")->required();
  add->add_flag("--password-stdin", opts->password_stdin,
                "Read the password from the first line of standard input")->required();
  add->add_option("--data", opts->data, "Data directory (created if missing)");
  AddDbOption(add, &opts->db);
  add->callback([opts, exit_code] {
    std::string password;
    if (!std::getline(std::cin, password) || password.empty()) {
      *exit_code = ReportError(Invalid("password", "no password on standard input"), std::cerr);
      return;
    }
    if (!password.empty() && password.back() == '\r') password.pop_back();
    auto svc = app::OpenInstallation(app::InstallationOptions{opts->data, opts->db}, SystemClock::Instance());
    if (!svc.ok()) {
      *exit_code = ReportError(svc.status(), std::cerr);
      return;
    }
    Status s = (*svc)->AddUser(app::Actor::Operator(), opts->name, opts->role, password);
    if (!s.ok()) {
      *exit_code = ReportError(s, std::cerr);
      return;
    }
    std::cout << "Created user " << opts->name << " (" << opts->role << ")\n";
    *exit_code = 0;
  });

  // The operator turns on a second factor for a user (admins, when the server
  // requires it, cannot do it themselves before logging in).
  auto* totp = user->add_subcommand("totp", "Turn on a second factor for a user and print its secret");
  auto totp_opts = std::make_shared<Opts>();
  totp->add_option("NAME", totp_opts->name, "User name")->required();
  totp->add_option("--data", totp_opts->data, "Data directory");
  AddDbOption(totp, &totp_opts->db);
  totp->callback([totp_opts, exit_code] {
    auto svc = app::OpenInstallation(app::InstallationOptions{totp_opts->data, totp_opts->db}, SystemClock::Instance());
    if (!svc.ok()) {
      *exit_code = ReportError(svc.status(), std::cerr);
      return;
    }
    auto enrolled = (*svc)->EnrolTotp(totp_opts->name);
    if (!enrolled.ok()) {
      *exit_code = ReportError(enrolled.status(), std::cerr);
      return;
    }
    std::cout << "Second factor on for " << totp_opts->name << ". Add it to an authenticator app:\n"
              << "  secret: " << (*enrolled)["secret"].get<std::string>() << "\n"
              << "  " << (*enrolled)["uri"].get<std::string>() << "\n";
    *exit_code = 0;
  });

  // Ends every session and API token of a user at once: a lost laptop, a
  // password seen by someone else.
  auto* revoke = user->add_subcommand("revoke-sessions", "End every session and API token of a user");
  auto revoke_opts = std::make_shared<Opts>();
  revoke->add_option("NAME", revoke_opts->name, "User name")->required();
  revoke->add_option("--data", revoke_opts->data, "Data directory");
  AddDbOption(revoke, &revoke_opts->db);
  revoke->callback([revoke_opts, exit_code] {
    auto svc = app::OpenInstallation(app::InstallationOptions{revoke_opts->data, revoke_opts->db},
                                     SystemClock::Instance());
    if (!svc.ok()) {
      *exit_code = ReportError(svc.status(), std::cerr);
      return;
    }
    Status s = (*svc)->RevokeUserSessions(app::Actor::Operator(), revoke_opts->name);
    if (!s.ok()) {
      *exit_code = ReportError(s, std::cerr);
      return;
    }
    std::cout << "Ended every session and API token of " << revoke_opts->name << "\n";
    *exit_code = 0;
  });
}

}  // namespace refuge::cli
