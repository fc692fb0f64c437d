#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace refuge::vault {

// Byte encodings used by the vault's files and records (docs/vault-format.md).

std::string Hex(const void* data, size_t n);
inline std::string Hex(std::string_view s) { return Hex(s.data(), s.size()); }
// nullopt unless `hex` is exactly 2*n lowercase or uppercase hex digits.
std::optional<std::string> FromHex(std::string_view hex);
std::string Base64(std::string_view bin);
std::optional<std::string> FromBase64(std::string_view b64);

inline void PutLe32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
inline void PutLe64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
inline uint32_t GetLe32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
inline uint64_t GetLe64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// A 256-bit secret that wipes itself. Kept out of swap where the OS allows.
class Key {
 public:
  static constexpr size_t kSize = 32;
  Key();
  ~Key();
  Key(const Key& other);
  Key& operator=(const Key& other);
  uint8_t* data() { return bytes_.data(); }
  const uint8_t* data() const { return bytes_.data(); }
  static Key Random();

 private:
  std::array<uint8_t, kSize> bytes_;
};

// libsodium must be initialized before any other call; safe to call repeatedly.
void EnsureSodium();

}  // namespace refuge::vault
