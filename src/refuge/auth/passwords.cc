#include "refuge/auth/passwords.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cctype>
#include <string_view>
#include <vector>

namespace refuge::auth {
namespace {

constexpr size_t kMinLength = 12;
std::atomic<uint64_t> verifications{0};

// Passwords that appear at the top of every breach list, lower-cased. Length
// already rules out most short ones; these are the long ones people still pick.
constexpr std::array<std::string_view, 24> kCommon = {
    "123456789012", "password1234", "passwordpassword", "qwertyuiop12", "qwertyuiopas",
    "1q2w3e4r5t6y", "iloveyou1234", "administrator", "letmein12345", "welcome12345",
    "changeme1234", "passw0rd1234", "abcdefghijkl", "111111111111", "000000000000",
    "123123123123", "qwerty123456", "password123!", "asdfghjkl123", "trustno11234",
    "monkey123456", "dragon123456", "football1234", "baseball1234"};

}  // namespace

Result<std::string> HashPassword(const std::string& password) {
  if (sodium_init() < 0) return Internal("libsodium failed to initialize");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Internal("out of memory while hashing a password");
  }
  return std::string(out);
}

bool VerifyPassword(const std::string& password, const std::string& encoded_hash) {
  verifications.fetch_add(1, std::memory_order_relaxed);
  if (sodium_init() < 0) return false;
  if (encoded_hash.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(encoded_hash.c_str(), password.data(), password.size()) == 0;
}

uint64_t PasswordVerifications() { return verifications.load(std::memory_order_relaxed); }

Status CheckHashStrength(const std::string& encoded) {
  constexpr std::string_view kPrefix = "$argon2id$v=19$";
  if (encoded.rfind(kPrefix, 0) != 0) {
    return Invalid("password_hash", "is not an Argon2id hash ($argon2id$v=19$...); Refuge accepts no other kind");
  }
  // "m=65536,t=2,p=1$salt$hash"
  const std::string_view rest = std::string_view(encoded).substr(kPrefix.size());
  const std::string_view params = rest.substr(0, rest.find('$'));
  const uint64_t m_min = crypto_pwhash_MEMLIMIT_INTERACTIVE / 1024, t_min = crypto_pwhash_OPSLIMIT_INTERACTIVE;
  struct Param {
    char name;
    uint64_t min;
    uint64_t value = 0;
    bool seen = false;
  };
  std::array<Param, 3> wanted = {Param{'m', m_min}, Param{'t', t_min}, Param{'p', 1}};
  size_t pos = 0;
  for (Param& p : wanted) {
    if (params.size() < pos + 2 || params[pos] != p.name || params[pos + 1] != '=') break;
    const char* begin = params.data() + pos + 2;
    const char* end = params.data() + params.size();
    auto [ptr, ec] = std::from_chars(begin, end, p.value);
    if (ec != std::errc() || ptr == begin) break;
    p.seen = true;
    pos = static_cast<size_t>(ptr - params.data());
    if (pos < params.size() && params[pos] == ',') ++pos;
  }
  for (const Param& p : wanted) {
    if (!p.seen) return Invalid("password_hash", "has no readable m=, t= and p= parameters");
    if (p.value < p.min) {
      return Invalid("password_hash", std::string(1, p.name) + "=" + std::to_string(p.value) +
                                          " is weaker than Refuge's own Argon2id parameters (m=" +
                                          std::to_string(m_min) + ", t=" + std::to_string(t_min) + ", p=1)");
    }
  }
  return Status::Ok();
}

// Characters, not bytes: "密码密码" is four characters however many bytes it takes.
std::vector<std::string> CodePoints(const std::string& s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    size_t len = 1;
    while (i + len < s.size() && (static_cast<unsigned char>(s[i + len]) & 0xC0) == 0x80) ++len;
    out.push_back(s.substr(i, len));
    i += len;
  }
  return out;
}

Status CheckPasswordPolicy(const std::string& password) {
  const std::vector<std::string> chars = CodePoints(password);
  if (chars.size() < kMinLength) {
    return Invalid("password", "must be at least " + std::to_string(kMinLength) + " characters");
  }
  std::string lower = password;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (std::find(kCommon.begin(), kCommon.end(), lower) != kCommon.end()) {
    return Invalid("password", "is a commonly used password; choose another");
  }
  bool all_same = std::all_of(chars.begin(), chars.end(),
                              [&](const std::string& c) { return c == chars[0]; });
  if (all_same) return Invalid("password", "must not repeat one character");
  return Status::Ok();
}

}  // namespace refuge::auth
