#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "refuge/app/installation.h"
#include "refuge/cli/commands.h"
#include "refuge/cli/exit_codes.h"
#include "refuge/cli/files.h"

namespace refuge::cli {

void AddBackupCommands(CLI::App& app, int* exit_code) {
  struct Opts {
    std::string data = kDefaultDataDir;
    std::string db;
    std::string path;
  };

  auto exp = std::make_shared<Opts>();
  auto* export_cmd = app.add_subcommand("export", "Write a full JSON backup of the data dir");
  export_cmd->add_option("--out", exp->path, "Output file ('-' for standard output)")->required();
  export_cmd->add_option("--data", exp->data, "Data directory");
  AddDbOption(export_cmd, &exp->db);
  export_cmd->callback([exp, exit_code] {
    auto svc = app::OpenInstallation(app::InstallationOptions{exp->data, exp->db}, SystemClock::Instance());
    if (!svc.ok()) {
      *exit_code = ReportError(svc.status(), std::cerr);
      return;
    }
    auto doc = (*svc)->Export(app::Actor::Operator());
    if (!doc.ok()) {
      *exit_code = ReportError(doc.status(), std::cerr);
      return;
    }
    std::string text = doc->dump(1, '\t') + "\n";
    Status s = exp->path == "-" ? WriteStdout(text) : WriteFileAtomically(exp->path, text, 0600);
    *exit_code = s.ok() ? 0 : ReportError(s, std::cerr);
  });

  auto imp = std::make_shared<Opts>();
  auto* import_cmd = app.add_subcommand("import", "Load a JSON backup (all or nothing)");
  import_cmd->add_option("FILE", imp->path, "Backup file written by 'refuge export'")->required();
  import_cmd->add_option("--data", imp->data, "Data directory (created if missing)");
  AddDbOption(import_cmd, &imp->db);
  import_cmd->callback([imp, exit_code] {
    auto text = ReadFile(imp->path);
    if (!text.ok()) {
      *exit_code = ReportError(text.status(), std::cerr);
      return;
    }
    auto doc = ParseJsonText(*text, imp->path);
    if (!doc.ok()) {
      *exit_code = ReportError(doc.status(), std::cerr);
      return;
    }
    // Restoring into a new data dir gives exactly the backup, without the
    // built-in facility list a new installation otherwise starts with.
    auto svc = app::OpenInstallation(app::InstallationOptions{imp->data, imp->db}, SystemClock::Instance(), /*seed_facilities=*/false);
    if (!svc.ok()) {
      *exit_code = ReportError(svc.status(), std::cerr);
      return;
    }
    Status s = (*svc)->Import(app::Actor::Operator(), *doc, TerminalProgress("importing"));
    if (!s.ok()) {
      *exit_code = ReportError(s, std::cerr);
      return;
    }
    std::cout << "Imported " << imp->path << " into " << imp->data << "\n";
    *exit_code = 0;
  });
}

}  // namespace refuge::cli
