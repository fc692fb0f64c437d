#include "refuge/app/installation.h"

#include <sys/stat.h>

#include <filesystem>
#include <system_error>

#include "refuge/base/assets.h"
#include "refuge/store/sqlite/sqlite_store.h"

namespace refuge::app {

std::string DatabasePath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "refuge.db").string();
}

Result<std::unique_ptr<Service>> OpenInstallation(const std::string& data_dir, const Clock& clock,
                                                  bool seed_facilities) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(data_dir, ec)) {
    fs::create_directories(data_dir, ec);
    if (ec) return IoError("cannot create data dir " + data_dir + ": " + ec.message());
    ::chmod(data_dir.c_str(), 0700);
  } else if (!fs::is_directory(data_dir, ec)) {
    return IoError(data_dir + " exists and is not a directory");
  }
  // Rules first: an administrator's rule file with an error stops the start, with
  // its line, rather than running with half the rules.
  REFUGE_ASSIGN_OR_RETURN(rules::RuleConfig rules, rules::LoadRuleConfig(data_dir));
  const bool fresh = !fs::exists(DatabasePath(data_dir), ec);
  REFUGE_ASSIGN_OR_RETURN(auto store, store::OpenSqliteStore(DatabasePath(data_dir)));
  auto svc = std::make_unique<Service>(std::move(store), clock, std::move(rules));
  if (fresh && seed_facilities) {
    // A new installation starts with ICE's facility directory, so a team can pick
    // "the facility where my client is held" on day one.
    auto list = Asset("facilities_psv");
    if (!list) return Internal("the built-in facility list is missing from this build");
    auto report = svc->ImportFacilities(*list);
    if (!report.ok()) {
      return Status(report.status().code(),
                    "loading the built-in facility list failed: " + report.status().message());
    }
  }
  return svc;
}

}  // namespace refuge::app
