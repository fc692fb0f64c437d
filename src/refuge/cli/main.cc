#include <iostream>

#include "refuge/cli/commands.h"

namespace refuge::cli {

int Main(int argc, char** argv) {
  CLI::App app{
      "Refuge: cases, detention, deadlines and evidence for people facing deportation.\n"
      "Every subcommand that touches stored data takes --data DIR (default ./refuge-data)\n"
      "and --db postgresql://... to keep the data in PostgreSQL rather than in DIR/refuge.db."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "refuge 0.1.0");
  int exit_code = 0;
  AddServeCommand(app, &exit_code);
  AddDemoCommand(app, &exit_code);
  AddUserCommand(app, &exit_code);
  AddBackupCommands(app, &exit_code);
  AddFacilitiesCommand(app, &exit_code);
  AddDeadlinesCommand(app, &exit_code);
  AddAuditCommand(app, &exit_code);
  AddEvidenceCommand(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  return exit_code;
}

}  // namespace refuge::cli
