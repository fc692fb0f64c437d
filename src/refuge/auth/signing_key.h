#pragma once

#include <string>
#include <string_view>

#include "refuge/base/status.h"

namespace refuge::auth {

// The installation's Ed25519 key, which signs the head of the audit log (and of
// other hash chains). Kept in <data_dir>/keys/installation.ed25519 (mode 0600),
// created on first use. Someone who can read the data dir can read this key: the
// signature proves the log was not changed by anyone without that access.
class SigningKey {
 public:
  static Result<SigningKey> LoadOrCreate(const std::string& data_dir);
  // A key that lives only in memory, for tests.
  static SigningKey Ephemeral();

  // Hex signature of `message`.
  std::string Sign(const std::string& message) const;
  bool Verify(const std::string& message, const std::string& signature_hex) const;
  std::string PublicKeyHex() const;
  // A 32-byte secret for `purpose` (e.g. "refuge list cursors v1"), derived from
  // the installation key: the same on every server that shares the key, and
  // telling nothing about the key or about secrets for other purposes.
  std::string DeriveSecret(std::string_view purpose) const;

 private:
  std::string secret_;  // 64 bytes (libsodium's seed + public key form)
  std::string public_;  // 32 bytes
};

}  // namespace refuge::auth
