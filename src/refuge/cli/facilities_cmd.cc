#include <iostream>

#include "refuge/app/installation.h"
#include "refuge/cli/commands.h"
#include "refuge/cli/exit_codes.h"
#include "refuge/cli/files.h"

namespace refuge::cli {

void AddFacilitiesCommand(CLI::App& app, int* exit_code) {
  auto* facilities = app.add_subcommand("facilities", "The facility directory");
  facilities->require_subcommand(1);
  auto* import = facilities->add_subcommand(
      "import", "Add or update facilities from ICE's list (pipe-separated or CSV), by detloc");
  struct Opts {
    std::string data = kDefaultDataDir;
    std::string db;
    std::string path;
    bool json = false;
  };
  auto opts = std::make_shared<Opts>();
  import->add_option("FILE", opts->path, "The facility list")->required();
  import->add_option("--data", opts->data, "Data directory (created if missing)");
  AddDbOption(import, &opts->db);
  import->add_flag("--json", opts->json, "Print the report as JSON");
  import->callback([opts, exit_code] {
    auto text = ReadFile(opts->path);
    if (!text.ok()) {
      *exit_code = ReportError(text.status(), std::cerr);
      return;
    }
    auto svc = app::OpenInstallation(app::InstallationOptions{opts->data, opts->db}, SystemClock::Instance());
    if (!svc.ok()) {
      *exit_code = ReportError(svc.status(), std::cerr);
      return;
    }
    auto report = (*svc)->ImportFacilities(app::Actor::Operator(), *text, TerminalProgress("importing facilities"));
    if (!report.ok()) {
      *exit_code = ReportError(report.status(), std::cerr);
      return;
    }
    if (opts->json) {
      std::cout << report->ToJson().dump(2) << "\n";
    } else {
      std::cout << "added " << report->added << ", updated " << report->updated << ", unchanged "
                << report->unchanged << ", rejected " << report->rejected.size() << "\n";
      for (const auto& r : report->rejected) {
        std::cout << "  line " << r.line << ": " << r.reason << "\n";
      }
    }
    // Rejected rows are not a failure of the import, but a script should notice them.
    *exit_code = report->rejected.empty() ? 0 : 1;
  });
}

}  // namespace refuge::cli
