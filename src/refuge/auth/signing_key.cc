#include "refuge/auth/signing_key.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace refuge::auth {
namespace {

std::string Hex(const std::string& bin) {
  std::string out(bin.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bin.data()), bin.size());
  out.pop_back();
  return out;
}

}  // namespace

SigningKey SigningKey::Ephemeral() {
  if (sodium_init() < 0) std::abort();
  SigningKey k;
  k.secret_.resize(crypto_sign_SECRETKEYBYTES);
  k.public_.resize(crypto_sign_PUBLICKEYBYTES);
  crypto_sign_keypair(reinterpret_cast<unsigned char*>(k.public_.data()),
                      reinterpret_cast<unsigned char*>(k.secret_.data()));
  return k;
}

Result<SigningKey> SigningKey::LoadOrCreate(const std::string& data_dir) {
  namespace fs = std::filesystem;
  if (sodium_init() < 0) return Internal("libsodium failed to initialize");
  const fs::path dir = fs::path(data_dir) / "keys";
  const fs::path path = dir / "installation.ed25519";
  std::error_code ec;
  if (fs::exists(path, ec)) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string secret = ss.str();
    if (!in || secret.size() != crypto_sign_SECRETKEYBYTES) {
      return IoError(path.string() + " is damaged: expected a " +
                     std::to_string(crypto_sign_SECRETKEYBYTES) + "-byte Ed25519 key");
    }
    SigningKey k;
    k.secret_ = secret;
    k.public_.resize(crypto_sign_PUBLICKEYBYTES);
    crypto_sign_ed25519_sk_to_pk(reinterpret_cast<unsigned char*>(k.public_.data()),
                                 reinterpret_cast<const unsigned char*>(k.secret_.data()));
    return k;
  }
  fs::create_directories(dir, ec);
  if (ec) return IoError("cannot create " + dir.string() + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  SigningKey k = Ephemeral();
  // Write-once: O_EXCL so two processes starting at once cannot both create one.
  const std::string tmp = path.string() + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return IoError("cannot write " + tmp + ": " + std::strerror(errno));
  bool ok = ::write(fd, k.secret_.data(), k.secret_.size()) == static_cast<ssize_t>(k.secret_.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return IoError("cannot write " + tmp);
  if (::link(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    if (errno == EEXIST) return LoadOrCreate(data_dir);  // another process won the race
    return IoError("cannot create " + path.string() + ": " + std::strerror(errno));
  }
  ::unlink(tmp.c_str());
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return k;
}

std::string SigningKey::Sign(const std::string& message) const {
  std::string sig(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       reinterpret_cast<const unsigned char*>(secret_.data()));
  return Hex(sig);
}

bool SigningKey::Verify(const std::string& message, const std::string& signature_hex) const {
  std::string sig(crypto_sign_BYTES, '\0');
  size_t len = 0;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(sig.data()), sig.size(), signature_hex.data(),
                     signature_hex.size(), nullptr, &len, nullptr) != 0 ||
      len != crypto_sign_BYTES) {
    return false;
  }
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(sig.data()),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(),
                                     reinterpret_cast<const unsigned char*>(public_.data())) == 0;
}

std::string SigningKey::PublicKeyHex() const { return Hex(public_); }

std::string SigningKey::DeriveSecret(std::string_view purpose) const {
  // BLAKE2b keyed with the Ed25519 seed (the first 32 bytes of libsodium's form).
  std::string out(32, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                     reinterpret_cast<const unsigned char*>(purpose.data()), purpose.size(),
                     reinterpret_cast<const unsigned char*>(secret_.data()), crypto_sign_SEEDBYTES);
  return out;
}

}  // namespace refuge::auth
