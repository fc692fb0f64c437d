#include "refuge/app/installation.h"

#include <sys/stat.h>

#include <filesystem>
#include <system_error>

#include "refuge/auth/passwords.h"
#include "refuge/base/assets.h"
#include "refuge/store/postgres/postgres_store.h"
#include "refuge/store/sqlite/sqlite_store.h"
#include "refuge/vault/vault.h"

namespace refuge::app {

std::string DatabasePath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "refuge.db").string();
}

Result<std::unique_ptr<Service>> OpenInstallation(const std::string& data_dir, const Clock& clock,
                                                  bool seed_facilities) {
  return OpenInstallation(InstallationOptions{data_dir, ""}, clock, seed_facilities);
}

Result<std::unique_ptr<Service>> OpenInstallation(const InstallationOptions& options,
                                                  const Clock& clock, bool seed_facilities) {
  namespace fs = std::filesystem;
  const std::string& data_dir = options.data_dir;
  const bool on_sqlite = options.db_url.empty() || options.db_url == "sqlite";
  if (!on_sqlite && !store::IsPostgresUrl(options.db_url)) {
    return Invalid("db", "--db takes a postgresql://USER@HOST:PORT/DATABASE URL or 'sqlite', not '" +
                             store::RedactDsn(options.db_url) + "'");
  }
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
  bool fresh = false;
  std::unique_ptr<store::Store> store;
  if (on_sqlite) {
    fresh = !fs::exists(DatabasePath(data_dir), ec);
    REFUGE_ASSIGN_OR_RETURN(store, store::OpenSqliteStore(DatabasePath(data_dir)));
  } else {
    // New is a database this open gave Refuge's schema; several app servers
    // starting on it at once agree on which one that was.
    store::PostgresOptions pg;
    pg.created = &fresh;
    REFUGE_ASSIGN_OR_RETURN(store, store::OpenPostgresStore(options.db_url, pg));
  }
  REFUGE_ASSIGN_OR_RETURN(auth::SigningKey key, auth::SigningKey::LoadOrCreate(data_dir));
  auto svc = std::make_unique<Service>(std::move(store), clock, std::move(rules), std::move(key));
  REFUGE_RETURN_IF_ERROR(svc->audit().UseHeadFile((fs::path(data_dir) / "keys" / "audit-head.json").string(), fresh));
  if (fresh && seed_facilities) {
    // A new installation starts with ICE's facility directory, so a team can pick
    // "the facility where my client is held" on day one.
    auto list = Asset("facilities_psv");
    if (!list) return Internal("the built-in facility list is missing from this build");
    auto report = svc->ImportFacilities(Actor::Operator(), *list);
    if (!report.ok()) {
      return Status(report.status().code(),
                    "loading the built-in facility list failed: " + report.status().message());
    }
  }
  return svc;
}

Result<std::unique_ptr<EvidenceService>> OpenEvidence(Service& svc, const std::string& data_dir,
                                                      const std::string& passphrase, bool create) {
  REFUGE_ASSIGN_OR_RETURN(auth::SigningKey key, auth::SigningKey::LoadOrCreate(data_dir));
  std::unique_ptr<vault::Vault> vault;
  if (!passphrase.empty()) {
    if (create && !vault::Vault::Exists(data_dir)) {
      Status policy = auth::CheckPasswordPolicy(passphrase);
      if (!policy.ok()) return Invalid("passphrase", "the new vault's passphrase: " + policy.message());
    }
    REFUGE_ASSIGN_OR_RETURN(vault, vault::Vault::Open(data_dir, passphrase, create));
  }
  auto evidence =
      std::make_unique<EvidenceService>(svc.store(), svc.clock(), std::move(vault), std::move(key), &svc.audit());
  // Records from before record authentication get it at the first unlocked open.
  if (evidence->unlocked()) REFUGE_RETURN_IF_ERROR(evidence->AuthenticateOlderRecords().status());
  return evidence;
}

}  // namespace refuge::app
