#pragma once

#include <memory>
#include <string>

#include "refuge/app/evidence.h"
#include "refuge/app/service.h"
#include "refuge/base/clock.h"

namespace refuge::app {

// Where an installation keeps its data.
struct InstallationOptions {
  // The data dir: rule files, keys, the evidence vault, and the SQLite database
  // when that is the database.
  std::string data_dir;
  // The database: "" or "sqlite" for refuge.db in the data dir (the default), or
  // a PostgreSQL URL, postgresql://USER@HOST:PORT/DATABASE.
  std::string db_url;
};

// The only place that builds the concrete objects of an installation.
//
// Opens the data dir: creates it (mode 0700, since it holds confidential case
// data) and, on SQLite, its database when missing or empty; applies migrations,
// and returns the service. kIo when the directory cannot be created or read or the
// database server cannot be reached; kInvalid for a --db that is neither.
// A new database starts with the built-in facility directory, unless
// `seed_facilities` is false: a restore from a backup wants exactly the backup.
Result<std::unique_ptr<Service>> OpenInstallation(const InstallationOptions& options,
                                                  const Clock& clock, bool seed_facilities = true);
// The same with the default database, the SQLite file in `data_dir`.
Result<std::unique_ptr<Service>> OpenInstallation(const std::string& data_dir, const Clock& clock,
                                                  bool seed_facilities = true);

// The database file inside a data dir.
std::string DatabasePath(const std::string& data_dir);

// The evidence vault of the data dir (<data_dir>/vault) and its use cases, on
// `svc`'s database, signing custody with the installation key. An empty
// `passphrase` leaves the vault locked: every evidence call then says so. With
// `create`, a data dir without a vault gets a new one (the passphrase must pass
// the password policy); without, that is kNotFound. kUnauthenticated for a wrong
// passphrase.
Result<std::unique_ptr<EvidenceService>> OpenEvidence(Service& svc, const std::string& data_dir,
                                                      const std::string& passphrase, bool create);

}  // namespace refuge::app
