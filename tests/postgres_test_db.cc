#include "postgres_test_db.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <stdexcept>

namespace refuge::testing {

std::string TestServerDsn() {
  const char* dsn = std::getenv("REFUGE_TEST_PG_DSN");
  return dsn == nullptr ? std::string() : std::string(dsn);
}

std::string DsnWithDatabase(const std::string& dsn, const std::string& db) {
  for (const char* scheme : {"postgresql://", "postgres://"}) {
    if (dsn.rfind(scheme, 0) != 0) continue;
    size_t start = std::string(scheme).size();
    size_t slash = dsn.find('/', start);
    size_t query = dsn.find('?', start);
    if (slash == std::string::npos || (query != std::string::npos && query < slash)) {
      size_t end = query == std::string::npos ? dsn.size() : query;
      return dsn.substr(0, end) + "/" + db + dsn.substr(end);
    }
    size_t end = query == std::string::npos ? dsn.size() : query;
    return dsn.substr(0, slash + 1) + db + dsn.substr(end);
  }
  return dsn + " dbname=" + db;  // key=value: the last setting wins
}

std::string ExecSql(const std::string& dsn, const std::string& sql) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(dsn.c_str()), &PQfinish);
  if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
    throw std::runtime_error("cannot connect to " + dsn + ": " +
                             (conn ? PQerrorMessage(conn.get()) : "out of memory"));
  }
  PQsetNoticeProcessor(conn.get(), [](void*, const char*) {}, nullptr);
  std::unique_ptr<PGresult, decltype(&PQclear)> res(PQexec(conn.get(), sql.c_str()), &PQclear);
  ExecStatusType st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    throw std::runtime_error("SQL failed: " + sql + ": " + PQerrorMessage(conn.get()));
  }
  if (st == PGRES_TUPLES_OK && PQntuples(res.get()) > 0 && PQnfields(res.get()) > 0) {
    return PQgetvalue(res.get(), 0, 0);
  }
  return "";
}

ScratchDatabase::ScratchDatabase() : ScratchDatabase("template0") {}

ScratchDatabase::ScratchDatabase(const std::string& template_db) {
  const std::string server = TestServerDsn();
  if (server.empty()) throw std::runtime_error("REFUGE_TEST_PG_DSN is not set");
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd() ^ static_cast<uint64_t>(::getpid()));
  const char* digits = "0123456789abcdefghijklmnopqrstuvwxyz";
  name_ = "refuge_test_";
  for (int i = 0; i < 16; ++i) name_ += digits[rng() % 36];
  ExecSql(server, "CREATE DATABASE " + name_ + " ENCODING 'UTF8' TEMPLATE " + template_db);
  url_ = DsnWithDatabase(server, name_);
}

ScratchDatabase::~ScratchDatabase() {
  try {
    ExecSql(TestServerDsn(), "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const std::exception&) {
    // The cluster is thrown away after the run; a database left behind goes with it.
  }
}

}  // namespace refuge::testing
