#include "refuge/vault/codec.h"

#include <sodium.h>

#include <stdexcept>

namespace refuge::vault {

void EnsureSodium() {
  static const bool kReady = [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialize");
    return true;
  }();
  (void)kReady;
}

std::string Hex(const void* data, size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), static_cast<const unsigned char*>(data), n);
  out.pop_back();
  return out;
}

std::optional<std::string> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out(hex.size() / 2, '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), hex.data(),
                     hex.size(), nullptr, &len, &end) != 0 ||
      len != out.size() || end != hex.data() + hex.size()) {
    return std::nullopt;
  }
  return out;
}

std::string Base64(std::string_view bin) {
  EnsureSodium();
  std::string out(sodium_base64_ENCODED_LEN(bin.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bin.data()),
                    bin.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.find('\0'));
  return out;
}

std::optional<std::string> FromBase64(std::string_view b64) {
  EnsureSodium();
  std::string out(b64.size() / 4 * 3 + 3, '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), b64.data(),
                        b64.size(), nullptr, &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != b64.data() + b64.size()) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

Key::Key() { bytes_.fill(0); }
Key::~Key() { sodium_memzero(bytes_.data(), bytes_.size()); }
Key::Key(const Key& other) : bytes_(other.bytes_) {}
Key& Key::operator=(const Key& other) {
  bytes_ = other.bytes_;
  return *this;
}

Key Key::Random() {
  EnsureSodium();
  Key k;
  randombytes_buf(k.data(), kSize);
  return k;
}

}  // namespace refuge::vault
