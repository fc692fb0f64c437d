#include "refuge/app/cursor.h"

#include <sodium.h>

#include <cstdlib>

namespace refuge::app {
namespace {

// What the cursor binds together; NUL cannot occur in a user or list name.
std::string Plain(const std::string& user, const std::string& list, const std::string& position) {
  return user + std::string(1, '\0') + list + std::string(1, '\0') + position;
}

}  // namespace

CursorCodec::CursorCodec(std::string key) : key_(std::move(key)) {
  if (sodium_init() < 0 || key_.size() != crypto_secretbox_KEYBYTES) std::abort();
}

std::string CursorCodec::Seal(const std::string& user, const std::string& list,
                              const std::string& position) const {
  if (position.empty()) return "";
  const std::string plain = Plain(user, list, position);
  std::string box(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain.size(), '\0');
  auto* out = reinterpret_cast<unsigned char*>(box.data());
  randombytes_buf(out, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, reinterpret_cast<const unsigned char*>(plain.data()),
                        plain.size(), out, reinterpret_cast<const unsigned char*>(key_.data()));
  const int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string text(sodium_base64_ENCODED_LEN(box.size(), variant), '\0');
  sodium_bin2base64(text.data(), text.size(), out, box.size(), variant);
  text.resize(std::char_traits<char>::length(text.c_str()));
  return text;
}

Result<std::string> CursorCodec::Open(const std::string& user, const std::string& list,
                                      const std::string& cursor) const {
  if (cursor.empty()) return std::string();
  const Status bad = Invalid("after", "is not a cursor this server gave out for this list; start from the first page");
  if (cursor.size() > 4096) return bad;
  std::string box(cursor.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(box.data()), box.size(), cursor.data(), cursor.size(),
                        nullptr, &len, nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    return bad;
  }
  const auto* in = reinterpret_cast<const unsigned char*>(box.data());
  std::string plain(len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()), in + crypto_secretbox_NONCEBYTES,
                                 len - crypto_secretbox_NONCEBYTES, in,
                                 reinterpret_cast<const unsigned char*>(key_.data())) != 0) {
    return bad;
  }
  const std::string prefix = Plain(user, list, "");
  if (plain.compare(0, prefix.size(), prefix) != 0 || plain.size() == prefix.size()) return bad;
  return plain.substr(prefix.size());
}

}  // namespace refuge::app
