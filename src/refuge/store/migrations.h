#pragma once

#include <vector>

namespace refuge::store {

// One schema change, written once per dialect. Versions only grow; a released
// migration is never edited. Both adapters apply the same list, each migration in
// its own transaction, and record it in schema_migrations.
struct Migration {
  int version;
  const char* description;
  const char* sqlite;    // for the SQLite adapter
  const char* postgres;  // for the PostgreSQL adapter
};

// Every migration, in version order.
const std::vector<Migration>& Migrations();

// The version of the newest migration this binary knows.
int LatestMigrationVersion();

}  // namespace refuge::store
