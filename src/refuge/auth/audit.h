#pragma once

#include <string>
#include <vector>

#include "refuge/auth/signing_key.h"
#include "refuge/store/db.h"

namespace refuge::auth {

// The audit log is a hash chain: each entry's hash covers its own fields and the
// hash of the entry before it, and the newest hash is signed. Editing, removing or
// reordering entries breaks the chain; cutting entries off the end no longer
// matches the signed head.

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

}  // namespace refuge::auth
