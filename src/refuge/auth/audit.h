#pragma once

#include <string>
#include <vector>

#include "refuge/auth/signing_key.h"
#include "refuge/store/db.h"

namespace refuge::auth {

// The audit log is a hash chain: each entry's hash covers its own fields and the
// hash of the entry before it, and the newest hash is signed. Editing, removing or
// reordering entries breaks the chain; cutting entries off the end no longer
// matches the signed head; wiping the log or putting back an older signed head no
// longer matches the copy of the head kept outside the database (AuditWitness).

inline constexpr const char* kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// SHA-256 (hex) over the entry's fields (not its own hash), length-prefixed so
// that no two different entries hash the same bytes.
std::string AuditEntryHash(const store::AuditEntry& e);
// What the head signature covers.
std::string AuditHeadMessage(int64_t seq, const std::string& hash);

struct AuditProblem {
  int64_t seq;  // the entry where the chain breaks (0: the head)
  std::string what;
};

// Checks a whole log, oldest first, against its signed head. Empty when it holds.
std::vector<AuditProblem> VerifyAuditChain(const std::vector<store::AuditEntry>& entries,
                                           const store::AuditHead* head, const SigningKey& key);

// A signed head kept apart from the log: the copy in <data dir>/keys/audit-head.json
// or an anchor an off-machine witness holds. The log may have grown since (the copy
// lags the database, never leads it), but must still hold that entry with that hash.
struct AuditWitness {
  int64_t seq = 0;
  std::string hash;
  std::string signature;
};

// Checks a whole log, oldest first, against a witness named `name` in the problems
// it reports. Empty when the log holds the witness's entry unchanged.
std::vector<AuditProblem> CheckAuditWitness(const std::vector<store::AuditEntry>& entries,
                                            const AuditWitness& witness, const std::string& name,
                                            const SigningKey& key);

}  // namespace refuge::auth
