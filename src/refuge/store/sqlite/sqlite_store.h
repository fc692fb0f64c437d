#pragma once

#include <memory>
#include <string>

#include "refuge/store/db.h"

namespace refuge::store {

// Opens (creating if needed) the SQLite database at `path`, in WAL mode with
// foreign keys on, and applies pending migrations in one transaction each.
// Commits are durable (synchronous=FULL): an acknowledged write survives a crash.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);

}  // namespace refuge::store
