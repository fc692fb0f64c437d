#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace refuge::vault {

using Json = nlohmann::json;

// The actions a custody entry records.
inline constexpr const char* kCustodyActions[] = {"received", "viewed",   "downloaded",
                                                  "exported", "verified", "redacted",
                                                  "linked",   "transferred"};
bool IsCustodyAction(std::string_view action);

// One entry of an evidence record's chain of custody. Entries are numbered from 1;
// each holds the hash of the one before (64 zeros for the first), so removing,
// editing or reordering entries breaks the chain, and the chain head (the last
// entry's hash) is signed.
struct CustodyEntry {
  std::string evidence;  // the record's id
  int64_t seq = 0;
  std::string at;        // RFC 3339 UTC
  std::string actor;     // user name, or "operator" at the command line
  std::string action;    // one of kCustodyActions
  Json details = Json::object();  // strings, integers, booleans, lists and objects of them
  std::string salt;      // 32 random hex characters, so a hash reveals nothing guessable
  std::string prev;      // hex hash of the previous entry
  std::string hash;      // hex hash of this entry
};

inline constexpr const char* kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// The bytes an entry's hash covers: every field but `hash`, as JSON with keys in
// byte order and no whitespace.
std::string CanonicalEntry(const CustodyEntry& e);
// hex SHA-256 of "refuge-custody-entry-v1\n" followed by the canonical entry.
std::string EntryHash(const CustodyEntry& e);
// The message the chain head's signature and MAC cover.
std::string HeadMessage(const std::string& evidence, int64_t seq, const std::string& hash);

// Builds the entry after `prev` (nullptr for the first) with a fresh salt and its hash.
CustodyEntry NextEntry(const CustodyEntry* prev, std::string evidence, std::string at,
                       std::string actor, std::string action, Json details);

// The signed head of one chain.
struct CustodyHead {
  int64_t seq = 0;
  std::string hash;
  std::string signature;   // hex Ed25519 signature of HeadMessage
  std::string public_key;  // hex Ed25519 public key that made it
  std::string mac;         // hex HMAC under the vault's custody key ("" in exported bags)
};

bool VerifyEd25519(const std::string& public_key_hex, const std::string& message,
                   const std::string& signature_hex);

// Checks a chain as read back (entries in stored order, by seq) against its head.
// Each problem names the entry concerned. `mac_ok` checks the head's MAC when the
// vault is at hand; pass nullptr to skip that check (an exported bag).
std::vector<std::string> VerifyChain(const std::string& evidence,
                                     const std::vector<CustodyEntry>& entries,
                                     const CustodyHead& head,
                                     const std::function<bool(const std::string& message,
                                                              const std::string& mac)>& mac_ok);

Json CustodyEntryToJson(const CustodyEntry& e);
// nullopt-like: returns false when `j` lacks a field or has a wrong type.
bool CustodyEntryFromJson(const Json& j, CustodyEntry* out);

}  // namespace refuge::vault
