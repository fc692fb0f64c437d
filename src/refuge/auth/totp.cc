#include "refuge/auth/totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <cstdio>
#include <cstring>

namespace refuge::auth {
namespace {

constexpr char kBase32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

Result<std::string> Base32Decode(const std::string& in) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=' || c == ' ') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    const char* p = std::strchr(kBase32, c);
    if (p == nullptr || c == '\0') return Invalid("totp_secret", "not a base32 secret");
    buffer = (buffer << 5) | static_cast<uint32_t>(p - kBase32);
    bits += 5;
    if (bits >= 8) {
      out += static_cast<char>((buffer >> (bits - 8)) & 0xFF);
      bits -= 8;
    }
  }
  if (out.size() < 10) return Invalid("totp_secret", "the secret is too short");
  return out;
}

}  // namespace

std::string NewTotpSecret() {
  if (sodium_init() < 0) std::abort();
  unsigned char raw[20];
  randombytes_buf(raw, sizeof raw);
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char b : raw) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += kBase32[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;  // 160 bits = 32 characters exactly
}

Result<std::string> TotpCode(const std::string& secret, int64_t unix_time) {
  REFUGE_ASSIGN_OR_RETURN(std::string key, Base32Decode(secret));
  uint64_t counter = static_cast<uint64_t>(unix_time / 30);
  unsigned char msg[8];
  for (int i = 7; i >= 0; --i) {
    msg[i] = static_cast<unsigned char>(counter & 0xFF);
    counter >>= 8;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), msg, sizeof msg, mac, &mac_len) ==
      nullptr) {
    return Internal("HMAC-SHA1 failed");
  }
  const int offset = mac[mac_len - 1] & 0x0F;
  const uint32_t bin = ((mac[offset] & 0x7F) << 24) | (mac[offset + 1] << 16) |
                       (mac[offset + 2] << 8) | mac[offset + 3];
  char code[8];
  std::snprintf(code, sizeof code, "%06u", bin % 1000000);
  return std::string(code);
}

bool CheckTotp(const std::string& secret, const std::string& code, int64_t unix_time) {
  if (code.size() != 6) return false;
  bool ok = false;
  for (int step = -1; step <= 1; ++step) {
    auto expected = TotpCode(secret, unix_time + step * 30);
    if (expected.ok() && sodium_memcmp(expected->data(), code.data(), 6) == 0) ok = true;
  }
  return ok;
}

std::optional<int64_t> MatchTotpStep(const std::string& secret, const std::string& code,
                                     int64_t unix_time, int64_t after_step) {
  if (code.size() != 6) return std::nullopt;
  std::optional<int64_t> out;
  // Every step is computed and compared, matched or not, so the time taken does
  // not tell which one matched.
  for (int d = -1; d <= 1; ++d) {
    const int64_t step = unix_time / 30 + d;
    auto expected = TotpCode(secret, step * 30);
    if (expected.ok() && sodium_memcmp(expected->data(), code.data(), 6) == 0 && step > after_step && !out) {
      out = step;
    }
  }
  return out;
}

std::string TotpUri(const std::string& secret, const std::string& user) {
  return "otpauth://totp/Refuge:" + user + "?secret=" + secret + "&issuer=Refuge";
}

}  // namespace refuge::auth
