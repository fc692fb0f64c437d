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
    // Written as it is read, so memory stays small for any size of installation.
    Status s;
    if (exp->path == "-") {
      s = (*svc)->Export(app::Actor::Operator(), [](std::string_view piece) {
        std::cout.write(piece.data(), static_cast<std::streamsize>(piece.size()));
        return std::cout ? Status::Ok() : IoError("cannot write to standard output");
      });
      std::cout.flush();
      if (s.ok() && !std::cout) s = IoError("cannot write to standard output");
    } else {
      auto file = AtomicFile::Create(exp->path, 0600);
      s = file.status();
      if (s.ok()) {
        s = (*svc)->Export(app::Actor::Operator(), [&](std::string_view piece) { return (*file)->Append(piece); });
      }
      if (s.ok()) s = (*file)->Commit();
    }
    *exit_code = s.ok() ? 0 : ReportError(s, std::cerr);
  });

  auto imp = std::make_shared<Opts>();
  auto* import_cmd = app.add_subcommand("import", "Load a JSON backup (all or nothing)");
  import_cmd->add_option("FILE", imp->path, "Backup file written by 'refuge export'")->required();
  import_cmd->add_option("--data", imp->data, "Data directory (created if missing)");
  AddDbOption(import_cmd, &imp->db);
  import_cmd->callback([imp, exit_code] {
    auto file = MappedFile::Open(imp->path);
    if (!file.ok()) {
      *exit_code = ReportError(file.status(), std::cerr);
      return;
    }
    // Restoring into a new data dir gives exactly the backup, without the
    // built-in facility list a new installation otherwise starts with.
    auto svc = app::OpenInstallation(app::InstallationOptions{imp->data, imp->db}, SystemClock::Instance(), /*seed_facilities=*/false);
    if (!svc.ok()) {
      *exit_code = ReportError(svc.status(), std::cerr);
      return;
    }
    MappedFile& mapped = **file;
    auto show = TerminalProgress("importing (bytes)");
    Status s = (*svc)->ImportText(app::Actor::Operator(), mapped.text(), imp->path, [&](int64_t done, int64_t total) {
      mapped.Release(static_cast<size_t>(done));
      if (show) show(done, total);
    });
    if (!s.ok()) {
      *exit_code = ReportError(s, std::cerr);
      return;
    }
    std::cout << "Imported " << imp->path << " into " << imp->data << "\n";
    *exit_code = 0;
  });
}

}  // namespace refuge::cli
