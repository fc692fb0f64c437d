#pragma once

#include <cstdint>
#include <string>

#include "refuge/base/status.h"

namespace refuge::auth {

// Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits),
// as authenticator apps compute them.

// A new random secret, base32 (RFC 4648, no padding), 160 bits.
std::string NewTotpSecret();
// The code for the step containing `unix_time`; kInvalid for a bad secret.
Result<std::string> TotpCode(const std::string& base32_secret, int64_t unix_time);
// Accepts the code of the current step or one step either side (clock drift).
bool CheckTotp(const std::string& base32_secret, const std::string& code, int64_t unix_time);
// otpauth:// URL for enrolling an authenticator app.
std::string TotpUri(const std::string& base32_secret, const std::string& user);

}  // namespace refuge::auth
