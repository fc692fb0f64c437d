#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "refuge/store/db.h"

namespace refuge::store {

struct PostgresOptions {
  // Connections the pool opens at most; each transaction holds one.
  size_t pool_size = 16;
  // Set, when not null, to whether this open created Refuge's schema in an empty
  // database (it was at schema version 0).
  bool* created = nullptr;
};

// Opens the PostgreSQL database named by `dsn` (a libpq connection URI,
// postgresql://USER@HOST:PORT/DATABASE, or key=value string) and applies pending
// migrations, each in its own transaction, while holding an advisory lock so that
// several app servers starting at once migrate it once.
//
// Errors: kInvalid for a DSN libpq cannot parse or a database that is not UTF8;
// kIo when the server cannot be reached or refuses the login; kConflict for a
// database at a newer schema version than this binary knows.
//
// Transactions: Read is a REPEATABLE READ, READ ONLY snapshot. Write takes a
// transaction-scoped advisory lock first, so writers are serialized across every
// process on the database, as Store promises, and optimistic version checks in
// UPDATE ... WHERE version = ... are exact. A pooled connection found broken when a
// transaction begins (a server restart, an idle timeout) is replaced; a write whose
// COMMIT got no answer is never retried and reports kIo.
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& dsn,
                                                 const PostgresOptions& options = {});

// True when `url` names a PostgreSQL database (postgresql:// or postgres://).
bool IsPostgresUrl(const std::string& url);

// `dsn` with its password removed, for messages and logs.
std::string RedactDsn(const std::string& dsn);

}  // namespace refuge::store
