#pragma once

#include <string>

#include "refuge/base/status.h"

namespace refuge::auth {

// Argon2id (libsodium crypto_pwhash, "interactive" limits: 2 passes, 64 MiB) in the
// standard encoded form, which carries its own salt and parameters.
Result<std::string> HashPassword(const std::string& password);
// Constant-time check of a password against an encoded hash.
bool VerifyPassword(const std::string& password, const std::string& encoded_hash);
// At least 12 characters and not a well-known password. kInvalid naming "password".
Status CheckPasswordPolicy(const std::string& password);

}  // namespace refuge::auth
