#include <iostream>

#include "refuge/app/demo.h"
#include "refuge/app/installation.h"
#include "refuge/cli/commands.h"
#include "refuge/cli/exit_codes.h"
#include "refuge/cli/files.h"

namespace refuge::cli {

void AddDemoCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "demo", "Load the demo case (Wen Hao) and its two team members into the data dir");
  auto data = std::make_shared<std::string>(kDefaultDataDir);
  cmd->add_option("--data", *data, "Data directory (created if missing)");
  cmd->callback([data, exit_code] {
    auto svc = app::OpenInstallation(*data, SystemClock::Instance());
    if (!svc.ok()) {
      *exit_code = ReportError(svc.status(), std::cerr);
      return;
    }
    Status s = app::LoadDemo(**svc, TerminalProgress("loading demo"));
    if (!s.ok()) {
      *exit_code = ReportError(s, std::cerr);
      return;
    }
    std::cout << "Demo case loaded into " << *data << ". Log in as:\n";
    for (const auto& u : app::DemoUsers()) {
      std::cout << "  " << u.name << " (" << u.role << ", " << u.description << ")  password: "
                << u.password << "\n";
    }
    *exit_code = 0;
  });
}

}  // namespace refuge::cli
