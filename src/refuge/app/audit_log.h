#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "refuge/app/actor.h"
#include "refuge/auth/signing_key.h"
#include "refuge/base/clock.h"
#include "refuge/store/db.h"

namespace refuge::app {

// The tamper-evident audit log (see auth/audit.h for the chain).
//
// A write and its audit entry commit in the same transaction (Append). Reads are
// queued (Enqueue) and written by a background thread within a fraction of a
// second, in one transaction per batch, so that reading a file does not wait for a
// disk flush; a crash can lose the read entries of that last fraction of a second,
// never a write's. Thread-safe.
class AuditLog {
 public:
  AuditLog(store::Store& store, const Clock& clock, auth::SigningKey key);
  ~AuditLog();

  // Appends inside the caller's write transaction.
  Status Append(store::Db& db, const Actor& who, const std::string& action,
                const std::string& target, const std::string& person,
                const nlohmann::json& details = nlohmann::json::object());
  // Queues an entry for a read.
  void Enqueue(const Actor& who, const std::string& action, const std::string& target,
               const std::string& person,
               const nlohmann::json& details = nlohmann::json::object());
  // Writes what is queued now.
  Status Flush();

  // Checks the whole chain and its signed head: {"ok", "entries", "problems": [...]}.
  Result<nlohmann::json> Verify();
  const auth::SigningKey& key() const { return key_; }

 private:
  Status AppendEntry(store::Db& db, store::AuditEntry e);
  void Run();

  store::Store& store_;
  const Clock& clock_;
  auth::SigningKey key_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<store::AuditEntry> queue_;
  bool stopping_ = false;
  std::thread worker_;
};

// An entry as the API and CLI show it.
nlohmann::json AuditEntryToJson(const store::AuditEntry& e);

}  // namespace refuge::app
