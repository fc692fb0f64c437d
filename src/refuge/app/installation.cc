#include "refuge/app/installation.h"

#include <sys/stat.h>

#include <filesystem>
#include <system_error>

#include "refuge/store/sqlite/sqlite_store.h"

namespace refuge::app {

std::string DatabasePath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "refuge.db").string();
}

Result<std::unique_ptr<Service>> OpenInstallation(const std::string& data_dir, const Clock& clock) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(data_dir, ec)) {
    fs::create_directories(data_dir, ec);
    if (ec) return IoError("cannot create data dir " + data_dir + ": " + ec.message());
    ::chmod(data_dir.c_str(), 0700);
  } else if (!fs::is_directory(data_dir, ec)) {
    return IoError(data_dir + " exists and is not a directory");
  }
  REFUGE_ASSIGN_OR_RETURN(auto store, store::OpenSqliteStore(DatabasePath(data_dir)));
  return std::make_unique<Service>(std::move(store), clock);
}

}  // namespace refuge::app
