#pragma once

#include <string>

namespace refuge::testing {

// The test cluster's maintenance database (REFUGE_TEST_PG_DSN, set by
// scripts/with-postgres.sh), or "" when no cluster is configured.
std::string TestServerDsn();

// `dsn` (a postgresql:// URL or a key=value string) naming database `db` instead.
std::string DsnWithDatabase(const std::string& dsn, const std::string& db);

// Runs `sql` on the database `dsn` names and returns the first column of the first
// row ("" when none); throws std::runtime_error on any failure.
std::string ExecSql(const std::string& dsn, const std::string& sql);

// A new, empty UTF8 database with a random name on the test cluster, dropped (its
// connections closed) when this object goes away. Needs TestServerDsn().
class ScratchDatabase {
 public:
  ScratchDatabase();
  // A copy of the database `template_db` of the test cluster (nothing may be
  // connected to it).
  explicit ScratchDatabase(const std::string& template_db);
  ~ScratchDatabase();
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  const std::string& name() const { return name_; }
  // postgresql://... for --db and OpenPostgresStore.
  const std::string& url() const { return url_; }
  // Runs SQL on this database (see ExecSql).
  std::string Exec(const std::string& sql) const { return ExecSql(url_, sql); }

 private:
  std::string name_;
  std::string url_;
};

}  // namespace refuge::testing
