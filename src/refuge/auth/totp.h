#pragma once

#include <cstdint>
#include <optional>
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
// The step (unix_time / 30) whose code `code` is, among the current step and one
// either side, and later than `after_step`; nullopt when none. A code is good
// once: the caller keeps the step it accepted and passes it as `after_step`.
std::optional<int64_t> MatchTotpStep(const std::string& base32_secret, const std::string& code,
                                     int64_t unix_time, int64_t after_step);
// otpauth:// URL for enrolling an authenticator app.
std::string TotpUri(const std::string& base32_secret, const std::string& user);

}  // namespace refuge::auth
