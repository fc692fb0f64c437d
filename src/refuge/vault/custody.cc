#include "refuge/vault/custody.h"

#include <sodium.h>

#include <map>

#include "refuge/vault/codec.h"

namespace refuge::vault {

bool IsCustodyAction(std::string_view action) {
  for (const char* a : kCustodyActions) {
    if (action == a) return true;
  }
  return false;
}

std::string CanonicalEntry(const CustodyEntry& e) {
  // nlohmann::json keeps object keys sorted, so dump() is canonical.
  Json j = {{"evidence", e.evidence}, {"seq", e.seq},     {"at", e.at},
            {"actor", e.actor},       {"action", e.action}, {"details", e.details},
            {"salt", e.salt},         {"prev", e.prev}};
  return j.dump(-1, ' ', false, Json::error_handler_t::strict);
}

std::string EntryHash(const CustodyEntry& e) {
  EnsureSodium();
  const std::string msg = "refuge-custody-entry-v1\n" + CanonicalEntry(e);
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(msg.data()), msg.size());
  return Hex(h, sizeof h);
}

std::string HeadMessage(const std::string& evidence, int64_t seq, const std::string& hash) {
  return "refuge-custody-head-v1\n" + evidence + "\n" + std::to_string(seq) + "\n" + hash;
}

CustodyEntry NextEntry(const CustodyEntry* prev, std::string evidence, std::string at,
                       std::string actor, std::string action, Json details) {
  EnsureSodium();
  CustodyEntry e;
  e.evidence = std::move(evidence);
  e.seq = prev ? prev->seq + 1 : 1;
  e.at = std::move(at);
  e.actor = std::move(actor);
  e.action = std::move(action);
  e.details = std::move(details);
  unsigned char salt[16];
  randombytes_buf(salt, sizeof salt);
  e.salt = Hex(salt, sizeof salt);
  e.prev = prev ? prev->hash : kGenesisHash;
  e.hash = EntryHash(e);
  return e;
}

bool VerifyEd25519(const std::string& public_key_hex, const std::string& message,
                   const std::string& signature_hex) {
  EnsureSodium();
  auto pk = FromHex(public_key_hex);
  auto sig = FromHex(signature_hex);
  if (!pk || pk->size() != crypto_sign_PUBLICKEYBYTES || !sig || sig->size() != crypto_sign_BYTES) {
    return false;
  }
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(sig->data()),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(),
                                     reinterpret_cast<const unsigned char*>(pk->data())) == 0;
}

namespace {

std::string Describe(const CustodyEntry& e) {
  return "custody entry " + std::to_string(e.seq) + " (" + e.action + " by " + e.actor + " at " + e.at + ")";
}

}  // namespace

std::vector<std::string> VerifyChain(const std::string& evidence,
                                     const std::vector<CustodyEntry>& entries,
                                     const CustodyHead& head,
                                     const std::function<bool(const std::string&, const std::string&)>& mac_ok) {
  std::vector<std::string> problems;
  // Where each stored hash sits, to tell a reordering from an edit.
  std::map<std::string, int64_t> seq_of_hash;
  for (const auto& e : entries) seq_of_hash[e.hash] = e.seq;

  if (entries.empty()) problems.push_back("the custody log is empty: every entry was removed");
  std::string prev_hash = kGenesisHash;
  int64_t expected_seq = 1;
  for (const auto& e : entries) {
    if (e.evidence != evidence) {
      problems.push_back(Describe(e) + " belongs to " + e.evidence + ", not to " + evidence);
    }
    if (e.seq > expected_seq) {
      problems.push_back(e.seq - expected_seq == 1
                             ? "custody entry " + std::to_string(expected_seq) + " is missing: it was removed"
                             : "custody entries " + std::to_string(expected_seq) + " to " +
                                   std::to_string(e.seq - 1) + " are missing: they were removed");
    }
    if (!IsCustodyAction(e.action)) problems.push_back(Describe(e) + " has an unknown action");
    if (EntryHash(e) != e.hash) {
      // An entry moved to another place still hashes right with its old number.
      int64_t moved_from = 0;
      for (const auto& other : entries) {
        CustodyEntry probe = e;
        probe.seq = other.seq;
        if (other.seq != e.seq && EntryHash(probe) == e.hash) moved_from = other.seq;
      }
      if (moved_from > 0) {
        problems.push_back(Describe(e) + " is out of order: it was written as entry " +
                           std::to_string(moved_from) + " and moved");
      } else {
        problems.push_back(Describe(e) + " was altered after it was written: its content no longer matches its hash");
      }
    } else if (e.prev != prev_hash) {
      auto it = seq_of_hash.find(e.prev);
      if (it != seq_of_hash.end() && it->second != e.seq - 1) {
        problems.push_back(Describe(e) + " is out of order: it was written after entry " +
                           std::to_string(it->second) + ", not after the entry before it");
      } else if (e.seq > 1 && e.seq == expected_seq) {
        problems.push_back(Describe(e) + " does not follow the entry before it: that entry was altered or replaced");
      } else if (e.seq == 1) {
        problems.push_back(Describe(e) + " is not the start of the chain: earlier entries were removed");
      }
    }
    prev_hash = e.hash;
    expected_seq = e.seq + 1;
  }
  if (!entries.empty()) {
    const CustodyEntry& last = entries.back();
    if (head.seq > last.seq) {
      problems.push_back(head.seq - last.seq == 1
                             ? "custody entry " + std::to_string(head.seq) + ", the last, is missing: it was removed"
                             : "custody entries " + std::to_string(last.seq + 1) + " to " +
                                   std::to_string(head.seq) + ", the last, are missing: they were removed");
    } else if (head.seq < last.seq) {
      problems.push_back("custody entries after " + std::to_string(head.seq) +
                         " were added without the signing key: the signed head is at entry " +
                         std::to_string(head.seq));
    } else if (head.hash != last.hash) {
      problems.push_back(Describe(last) + " does not match the signed head: it was altered or replaced");
    }
  }
  const std::string msg = HeadMessage(evidence, head.seq, head.hash);
  if (!VerifyEd25519(head.public_key, msg, head.signature)) {
    problems.push_back("the custody head's signature is invalid: the head was altered");
  }
  if (mac_ok && !mac_ok(msg, head.mac)) {
    problems.push_back("the custody head's vault MAC is invalid: the head was rewritten without the vault key");
  }
  return problems;
}

Json CustodyEntryToJson(const CustodyEntry& e) {
  return Json{{"evidence", e.evidence}, {"seq", e.seq},   {"at", e.at},     {"actor", e.actor},
              {"action", e.action},     {"details", e.details}, {"salt", e.salt}, {"prev", e.prev},
              {"hash", e.hash}};
}

bool CustodyEntryFromJson(const Json& j, CustodyEntry* out) {
  if (!j.is_object()) return false;
  for (const char* f : {"evidence", "at", "actor", "action", "salt", "prev", "hash"}) {
    if (!j.contains(f) || !j[f].is_string()) return false;
  }
  if (!j.contains("seq") || !j["seq"].is_number_integer()) return false;
  if (!j.contains("details") || !j["details"].is_object()) return false;
  out->evidence = j["evidence"];
  out->seq = j["seq"];
  out->at = j["at"];
  out->actor = j["actor"];
  out->action = j["action"];
  out->details = j["details"];
  out->salt = j["salt"];
  out->prev = j["prev"];
  out->hash = j["hash"];
  return true;
}

}  // namespace refuge::vault
