#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "refuge/base/status.h"
#include "refuge/vault/codec.h"
#include "refuge/vault/disk.h"

namespace refuge::vault {

// Cost of turning the passphrase into a key (Argon2id). Stored in the key file,
// so it can be raised later without breaking existing vaults.
// 24 MiB and 5 passes: well above OWASP's floor for Argon2id (19 MiB, 2 passes),
// and small enough that a whole `refuge evidence add`, libraries included, stays
// under the vault's 64 MiB memory budget.
struct KdfParams {
  uint64_t opslimit = 5;
  size_t memlimit = 24u << 20;
};

// The vault's keys, unlocked. A random master key, kept only wrapped by a key
// derived from the operator's passphrase, and the subkeys derived from it:
//   object-wrap  wraps each object's random data key
//   object-name  names objects: HMAC-SHA-256(object-name, SHA-256(plaintext))
//   record-seal  encrypts evidence records and custody details in the database
//   custody-mac  authenticates each custody chain head
// See docs/vault-format.md.
class Keyring {
 public:
  // The key file inside a vault directory.
  static std::string KeyFilePath(const std::string& vault_dir);
  static bool Exists(const std::string& vault_dir);
  // Creates a vault key file with a new master key. kConflict if one exists.
  static Result<Keyring> Create(Disk& disk, const std::string& vault_dir,
                                const std::string& passphrase, KdfParams params = {});
  // kUnauthenticated for a wrong passphrase; kIo for a missing or damaged key file.
  static Result<Keyring> Unlock(const std::string& vault_dir, const std::string& passphrase);
  // Re-wraps the same master key under a new passphrase: no object is re-encrypted.
  static Status ChangePassphrase(Disk& disk, const std::string& vault_dir,
                                 const std::string& old_passphrase,
                                 const std::string& new_passphrase, KdfParams params = {});

  const std::string& vault_id() const { return vault_id_; }
  const Key& object_wrap_key() const { return wrap_; }

  // The object name for a plaintext SHA-256 (32 raw bytes): 64 hex characters.
  // With a `scope` (the matter, or person, a file is filed under), the same bytes
  // get a different name in each scope, so storing a file never meets another
  // team's copy of it. Without one: the name older objects have.
  std::string ObjectName(std::string_view sha256, std::string_view scope = {}) const;
  // Authenticated encryption of a small value bound to `context` (e.g. a record id):
  // base64 of nonce and ciphertext.
  std::string Seal(std::string_view plaintext, std::string_view context) const;
  // kDataLoss-like kIo error when the value was altered or belongs to another context.
  Result<std::string> Unseal(std::string_view sealed, std::string_view context) const;
  // Hex HMAC-SHA-256 of `message` under the custody key.
  std::string CustodyMac(std::string_view message) const;

 private:
  Keyring() = default;
  static Result<Keyring> FromMaster(const Key& master, std::string vault_id);

  std::string vault_id_;
  Key wrap_, name_, seal_, mac_;
};

}  // namespace refuge::vault
