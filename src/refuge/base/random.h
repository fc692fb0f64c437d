#pragma once

#include <string>

namespace refuge {

// Identifiers and secrets from the operating system's CSPRNG (libsodium).

// A new object id: prefix, '_', then 26 Crockford base32 characters whose first
// ten encode the creation time in milliseconds, so ids sort roughly by creation
// and index pages fill in order.
std::string NewId(const std::string& prefix);
// A random secret of `bytes` bytes, URL-safe base64 without padding.
std::string RandomToken(size_t bytes = 32);
// Lowercase hex SHA-256 of the input.
std::string Sha256Hex(const std::string& data);
// Constant-time comparison of two strings of equal length.
bool ConstantTimeEquals(const std::string& a, const std::string& b);

}  // namespace refuge
