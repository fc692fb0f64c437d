#pragma once

#include <cstdint>
#include <string>

#include "refuge/base/status.h"

namespace refuge::auth {

// Argon2id (libsodium crypto_pwhash, "interactive" limits: 2 passes, 64 MiB) in the
// standard encoded form, which carries its own salt and parameters.
Result<std::string> HashPassword(const std::string& password);
// Constant-time check of a password against an encoded hash.
bool VerifyPassword(const std::string& password, const std::string& encoded_hash);
// How many times VerifyPassword has run in this process: tests count the
// Argon2 work of each login path with it.
uint64_t PasswordVerifications();
// An encoded hash from elsewhere (a backup) is accepted only if it is Argon2id
// and at least as costly as HashPassword's own: memory (m=, KiB), passes (t=)
// and lanes (p=). kInvalid naming "password_hash" and the weak parameter.
Status CheckHashStrength(const std::string& encoded_hash);
// At least 12 characters and not a well-known password. kInvalid naming "password".
Status CheckPasswordPolicy(const std::string& password);

}  // namespace refuge::auth
