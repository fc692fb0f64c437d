#include "refuge/auth/audit.h"

#include "refuge/base/random.h"

namespace refuge::auth {

std::string AuditEntryHash(const store::AuditEntry& e) {
  std::string buf;
  auto add = [&](const std::string& field) {
    buf += std::to_string(field.size());
    buf += ':';
    buf += field;
  };
  add(std::to_string(e.seq));
  add(e.at);
  add(e.actor);
  add(e.action);
  add(e.target);
  add(e.person);
  add(e.address);
  add(e.details);
  add(e.prev_hash);
  return Sha256Hex(buf);
}

std::string AuditHeadMessage(int64_t seq, const std::string& hash) {
  return "refuge-audit-head:" + std::to_string(seq) + ":" + hash;
}

std::vector<AuditProblem> VerifyAuditChain(const std::vector<store::AuditEntry>& entries,
                                           const store::AuditHead* head, const SigningKey& key) {
  std::vector<AuditProblem> problems;
  std::string prev = kGenesisHash;
  int64_t expected_seq = 1;
  for (const auto& e : entries) {
    if (e.seq != expected_seq) {
      problems.push_back({e.seq, "entry " + std::to_string(expected_seq) +
                                     (e.seq > expected_seq ? " is missing" : " is out of order")});
      expected_seq = e.seq;
    }
    if (e.prev_hash != prev) {
      problems.push_back({e.seq, "does not follow the entry before it (removed, reordered or edited)"});
    }
    if (AuditEntryHash(e) != e.hash) {
      problems.push_back({e.seq, "its content was changed after it was written"});
    }
    prev = e.hash;
    ++expected_seq;
  }
  const int64_t last = entries.empty() ? 0 : entries.back().seq;
  if (head == nullptr) {
    if (!entries.empty()) problems.push_back({0, "the signed head is missing"});
  } else {
    if (!key.Verify(AuditHeadMessage(head->seq, head->hash), head->signature)) {
      problems.push_back({0, "the head's signature does not verify"});
    }
    if (head->seq != last || head->hash != prev) {
      problems.push_back({0, "the signed head names entry " + std::to_string(head->seq) +
                                 " but the log ends at entry " + std::to_string(last) +
                                 " (entries removed from the end, or the head replaced)"});
    }
  }
  return problems;
}

std::vector<AuditProblem> CheckAuditWitness(const std::vector<store::AuditEntry>& entries,
                                            const AuditWitness& witness, const std::string& name,
                                            const SigningKey& key) {
  std::vector<AuditProblem> problems;
  if (!key.Verify(AuditHeadMessage(witness.seq, witness.hash), witness.signature)) {
    problems.push_back({0, name + " does not carry this installation's signature"});
    return problems;
  }
  const int64_t last = entries.empty() ? 0 : entries.back().seq;
  const store::AuditEntry* found = nullptr;
  for (const auto& e : entries) {
    if (e.seq == witness.seq) found = &e;
  }
  if (found == nullptr) {
    problems.push_back({0, "the log ends at entry " + std::to_string(last) + " but " + name +
                               " holds the signed head of entry " + std::to_string(witness.seq) +
                               ": the log was wiped, cut or rolled back"});
  } else if (found->hash != witness.hash) {
    problems.push_back({witness.seq, "differs from the entry " + name +
                                         " signed: the log was rewritten from here on"});
  }
  return problems;
}

}  // namespace refuge::auth
