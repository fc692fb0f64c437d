#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
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
  // Queues one read entry per person whose data a read showed (a list, the agenda,
  // a feed), so that the audit's person filter finds it; nothing for none.
  void EnqueueForPersons(const Actor& who, const std::string& action, const std::string& target,
                         const std::set<std::string>& persons);
  // Writes what is queued now.
  Status Flush();

  // Keeps a copy of the newest signed head in `path` (<data dir>/keys/audit-head.json),
  // written after the transaction that moved the head has committed (so it can lag
  // the database after a crash, never lead it), and only when the log it extends
  // still holds the copy's entry: it only moves forward. `new_database`: the
  // database was created by this open, so a copy left by another database (the one
  // an installation moved from) is renamed aside, not held against the new log.
  // Call once, before the first write.
  Status UseHeadFile(const std::string& path, bool new_database);

  // Checks the whole chain, its signed head, the copy of the head outside the
  // database and, when given, an anchor (as Anchor wrote it):
  // {"ok", "entries", "problems": [...]}.
  Result<nlohmann::json> Verify(const nlohmann::json& anchor = nullptr);
  // The current signed head, for a witness off the machine: {"seq", "hash",
  // "signature", "public_key", "at"}. kNotFound for an empty log.
  Result<nlohmann::json> Anchor();
  const auth::SigningKey& key() const { return key_; }
  // A keyed hash (BLAKE2b, hex) of a search's text, under a key derived from the
  // installation key: the audit holds this, not the text, and only someone with
  // the key (the operator: `refuge audit search-hash`) can tell what was searched.
  std::string SearchHash(const std::string& query) const;

 private:
  Status AppendEntry(store::Db& db, store::AuditEntry e);
  // Whether the log that `db` holds, with head `head` (null: empty), still holds the
  // copy of the head outside the database, so that moving the copy on is safe.
  Result<bool> ExtendsHeadFile(store::Db& db, const store::AuditHead* head);
  void AfterWrite(bool committed);
  void WriteHeadFile(const store::AuditHead& head);
  void Run();

  store::Store& store_;
  const Clock& clock_;
  auth::SigningKey key_;
  std::string search_key_;  // 32 bytes, for SearchHash
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<store::AuditEntry> queue_;
  bool stopping_ = false;
  std::thread worker_;

  std::mutex file_mu_;                   // guards the two below and the file
  std::string head_path_;                // "" when no copy is kept (tests)
  std::optional<store::AuditHead> file_head_;  // the copy as last read or written
};

// The distinct non-empty values of `field` in a list of JSON items.
std::set<std::string> PersonsIn(const nlohmann::json& items, const char* field);

// An entry as the API and CLI show it.
nlohmann::json AuditEntryToJson(const store::AuditEntry& e);

}  // namespace refuge::app
