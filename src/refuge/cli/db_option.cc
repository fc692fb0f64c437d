#include "refuge/cli/commands.h"

namespace refuge::cli {

void AddDbOption(CLI::App* cmd, std::string* db) {
  cmd->add_option("--db", *db,
                  "Database: postgresql://USER@HOST:PORT/DATABASE, or 'sqlite' for refuge.db in the "
                  "data dir (the default). The password is best kept in ~/.pgpass or PGPASSWORD")
      ->envname("REFUGE_DB");
}

}  // namespace refuge::cli
