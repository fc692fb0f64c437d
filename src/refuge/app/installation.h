#pragma once

#include <memory>
#include <string>

#include "refuge/app/service.h"
#include "refuge/base/clock.h"

namespace refuge::app {

// The only place that builds the concrete objects of an installation.
//
// Opens the data dir: creates it (mode 0700, since it holds confidential case
// data) and its SQLite database when missing or empty, applies migrations, and
// returns the service. kIo when the directory cannot be created or read.
// A new data dir starts with the built-in facility directory, unless
// `seed_facilities` is false: a restore from a backup wants exactly the backup.
Result<std::unique_ptr<Service>> OpenInstallation(const std::string& data_dir, const Clock& clock,
                                                  bool seed_facilities = true);

// The database file inside a data dir.
std::string DatabasePath(const std::string& data_dir);

}  // namespace refuge::app
