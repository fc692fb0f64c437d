#include <iostream>

#include "refuge/app/demo.h"
#include "refuge/app/demo_evidence.h"
#include "refuge/app/installation.h"
#include "refuge/cli/commands.h"
#include "refuge/cli/exit_codes.h"
#include "refuge/cli/files.h"
#include "refuge/cli/passphrase.h"

namespace refuge::cli {

void AddDemoCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "demo", "Load the demo case (Wen Hao) and its two team members into the data dir");
  auto data = std::make_shared<std::string>(kDefaultDataDir);
  cmd->add_option("--data", *data, "Data directory (created if missing)");
  auto db = std::make_shared<std::string>();
  AddDbOption(cmd, db.get());
  cmd->callback([data, db, exit_code] {
    auto svc = app::OpenInstallation(app::InstallationOptions{*data, *db}, SystemClock::Instance());
    if (!svc.ok()) {
      *exit_code = ReportError(svc.status(), std::cerr);
      return;
    }
    Status s = app::LoadDemo(**svc, TerminalProgress("loading demo"));
    if (!s.ok()) {
      *exit_code = ReportError(s, std::cerr);
      return;
    }
    // The demo evidence goes into the vault, so it needs the vault passphrase.
    const std::string passphrase = PassphraseFromEnv();
    if (passphrase.empty()) {
      std::cout << "Demo evidence skipped: set REFUGE_PASSPHRASE to put the demo files into the evidence vault.\n";
    } else {
      auto evidence = app::OpenEvidence(**svc, *data, passphrase, /*create=*/true);
      auto loaded = evidence.ok() ? app::LoadDemoEvidence(**svc, **evidence) : Result<nlohmann::json>(evidence.status());
      if (!loaded.ok()) {
        *exit_code = ReportError(loaded.status(), std::cerr);
        return;
      }
      std::cout << "Demo evidence: " << (*loaded)["records"].size() << " files in the vault, linked to "
                << (*loaded)["events"].size() << " events.\n";
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
