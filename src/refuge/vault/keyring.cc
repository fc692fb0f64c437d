#include "refuge/vault/keyring.h"

#include <sodium.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace refuge::vault {
namespace {

using Json = nlohmann::json;

constexpr const char* kFormat = "refuge-vault-key";
constexpr int kVersion = 1;
constexpr const char kKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "RFGVAULT";
enum SubkeyId : uint64_t { kWrapId = 1, kNameId = 2, kSealId = 3, kMacId = 4 };

// What the wrapped master key is bound to, so no field of the key file can be
// swapped for another's without the unwrap failing.
std::string MasterAd(const std::string& vault_id, uint64_t ops, size_t mem, const std::string& salt_b64) {
  return "refuge-vault-master-v1\n" + vault_id + "\nargon2id13\n" + std::to_string(ops) + "\n" +
         std::to_string(mem) + "\n" + salt_b64;
}

Result<Key> DeriveKek(const std::string& passphrase, const std::string& salt, uint64_t ops, size_t mem) {
  Key kek;
  if (crypto_pwhash(kek.data(), Key::kSize, passphrase.data(), passphrase.size(),
                    reinterpret_cast<const unsigned char*>(salt.data()), ops, mem,
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Internal("not enough memory to derive the vault key from the passphrase");
  }
  return kek;
}

std::string KeyFileJson(const Key& master, const std::string& vault_id, const std::string& passphrase,
                        const KdfParams& params, Status* status) {
  std::string salt(crypto_pwhash_SALTBYTES, '\0');
  randombytes_buf(salt.data(), salt.size());
  const std::string salt_b64 = Base64(salt);
  auto kek = DeriveKek(passphrase, salt, params.opslimit, params.memlimit);
  if (!kek.ok()) {
    *status = kek.status();
    return {};
  }
  std::string nonce(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, '\0');
  randombytes_buf(nonce.data(), nonce.size());
  const std::string ad = MasterAd(vault_id, params.opslimit, params.memlimit, salt_b64);
  std::string ct(Key::kSize + crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      reinterpret_cast<unsigned char*>(ct.data()), nullptr, master.data(), Key::kSize,
      reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nullptr,
      reinterpret_cast<const unsigned char*>(nonce.data()), kek->data());
  Json j = {{"format", kFormat},
            {"version", kVersion},
            {"vault_id", vault_id},
            {"kdf", {{"alg", "argon2id13"}, {"opslimit", params.opslimit}, {"memlimit", params.memlimit},
                     {"salt", salt_b64}}},
            {"master_key", {{"alg", "xchacha20poly1305-ietf"}, {"nonce", Base64(nonce)},
                            {"ciphertext", Base64(ct)}}}};
  *status = Status::Ok();
  return j.dump(2) + "\n";
}

Result<Key> UnwrapMaster(const std::string& vault_dir, const std::string& passphrase,
                         std::string* vault_id) {
  const std::string path = Keyring::KeyFilePath(vault_dir);
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError("no evidence vault key at " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  const Status damaged = IoError("the vault key file " + path + " is damaged; restore it from a backup");
  Json j = Json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("format", "") != kFormat) return damaged;
  if (j.value("version", 0) != kVersion) {
    return IoError("the vault key file " + path + " has a version this refuge does not know");
  }
  try {
    *vault_id = j.at("vault_id").get<std::string>();
    const Json& kdf = j.at("kdf");
    const Json& mk = j.at("master_key");
    if (kdf.at("alg") != "argon2id13" || mk.at("alg") != "xchacha20poly1305-ietf") return damaged;
    const uint64_t ops = kdf.at("opslimit").get<uint64_t>();
    const size_t mem = kdf.at("memlimit").get<size_t>();
    const std::string salt_b64 = kdf.at("salt").get<std::string>();
    auto salt = FromBase64(salt_b64);
    auto nonce = FromBase64(mk.at("nonce").get<std::string>());
    auto ct = FromBase64(mk.at("ciphertext").get<std::string>());
    if (!salt || salt->size() != crypto_pwhash_SALTBYTES || !nonce ||
        nonce->size() != crypto_aead_xchacha20poly1305_ietf_NPUBBYTES || !ct ||
        ct->size() != Key::kSize + crypto_aead_xchacha20poly1305_ietf_ABYTES ||
        ops < crypto_pwhash_OPSLIMIT_MIN || mem < crypto_pwhash_MEMLIMIT_MIN || mem > (size_t{1} << 32)) {
      return damaged;
    }
    REFUGE_ASSIGN_OR_RETURN(Key kek, DeriveKek(passphrase, *salt, ops, mem));
    const std::string ad = MasterAd(*vault_id, ops, mem, salt_b64);
    Key master;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            master.data(), nullptr, nullptr, reinterpret_cast<const unsigned char*>(ct->data()),
            ct->size(), reinterpret_cast<const unsigned char*>(ad.data()), ad.size(),
            reinterpret_cast<const unsigned char*>(nonce->data()), kek.data()) != 0) {
      return Status(Code::kUnauthenticated,
                    "wrong passphrase: it does not open the evidence vault in " + vault_dir);
    }
    return master;
  } catch (const Json::exception&) {
    return damaged;
  }
}

}  // namespace

std::string Keyring::KeyFilePath(const std::string& vault_dir) {
  return (std::filesystem::path(vault_dir) / "keys" / "vault.key").string();
}

bool Keyring::Exists(const std::string& vault_dir) {
  std::error_code ec;
  return std::filesystem::exists(KeyFilePath(vault_dir), ec);
}

Result<Keyring> Keyring::FromMaster(const Key& master, std::string vault_id) {
  Keyring k;
  k.vault_id_ = std::move(vault_id);
  crypto_kdf_derive_from_key(k.wrap_.data(), Key::kSize, kWrapId, kKdfContext, master.data());
  crypto_kdf_derive_from_key(k.name_.data(), Key::kSize, kNameId, kKdfContext, master.data());
  crypto_kdf_derive_from_key(k.seal_.data(), Key::kSize, kSealId, kKdfContext, master.data());
  crypto_kdf_derive_from_key(k.mac_.data(), Key::kSize, kMacId, kKdfContext, master.data());
  return k;
}

Result<Keyring> Keyring::Create(Disk& disk, const std::string& vault_dir,
                                const std::string& passphrase, KdfParams params) {
  EnsureSodium();
  if (passphrase.empty()) return Invalid("passphrase", "the vault passphrase may not be empty");
  if (Exists(vault_dir)) return Conflict("an evidence vault already exists in " + vault_dir);
  const std::string keys_dir = (std::filesystem::path(vault_dir) / "keys").string();
  REFUGE_RETURN_IF_ERROR(disk.MakeDirs(keys_dir));
  Key master = Key::Random();
  unsigned char id[16];
  randombytes_buf(id, sizeof id);
  const std::string vault_id = Hex(id, sizeof id);
  Status s;
  std::string text = KeyFileJson(master, vault_id, passphrase, params, &s);
  REFUGE_RETURN_IF_ERROR(s);
  // Write-once: a temporary file published only if no key file appeared meanwhile.
  REFUGE_ASSIGN_OR_RETURN(auto file, disk.CreateTemp(keys_dir));
  s = file->Append(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  if (s.ok()) s = file->Sync();
  Result<bool> moved = s.ok() ? disk.RenameNoReplace(file->path(), KeyFilePath(vault_dir)) : Result<bool>(s);
  if (!moved.ok() || !*moved) {
    (void)disk.Remove(file->path());
    if (!moved.ok()) return moved.status();
    return Conflict("an evidence vault already exists in " + vault_dir);
  }
  REFUGE_RETURN_IF_ERROR(disk.SyncDir(keys_dir));
  return FromMaster(master, vault_id);
}

Result<Keyring> Keyring::Unlock(const std::string& vault_dir, const std::string& passphrase) {
  EnsureSodium();
  std::string vault_id;
  REFUGE_ASSIGN_OR_RETURN(Key master, UnwrapMaster(vault_dir, passphrase, &vault_id));
  return FromMaster(master, vault_id);
}

Status Keyring::ChangePassphrase(Disk& disk, const std::string& vault_dir,
                                 const std::string& old_passphrase,
                                 const std::string& new_passphrase, KdfParams params) {
  EnsureSodium();
  if (new_passphrase.empty()) return Invalid("passphrase", "the vault passphrase may not be empty");
  std::string vault_id;
  REFUGE_ASSIGN_OR_RETURN(Key master, UnwrapMaster(vault_dir, old_passphrase, &vault_id));
  Status s;
  std::string text = KeyFileJson(master, vault_id, new_passphrase, params, &s);
  REFUGE_RETURN_IF_ERROR(s);
  return WriteSmallFileAtomically(disk, KeyFilePath(vault_dir), text);
}

std::string Keyring::ObjectName(std::string_view sha256, std::string_view scope) const {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, name_.data(), Key::kSize);
  if (!scope.empty()) {
    // Domain, then the scope's length, so no (scope, hash) pair reads as another.
    static constexpr std::string_view kDomain = "refuge-object-scope-v1\n";
    unsigned char len[8];
    for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(static_cast<uint64_t>(scope.size()) >> (8 * i));
    crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(kDomain.data()), kDomain.size());
    crypto_auth_hmacsha256_update(&st, len, sizeof len);
    crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(scope.data()), scope.size());
  }
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(sha256.data()), sha256.size());
  crypto_auth_hmacsha256_final(&st, mac);
  return Hex(mac, sizeof mac);
}

std::string Keyring::Seal(std::string_view plaintext, std::string_view context) const {
  std::string out(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + plaintext.size() +
                      crypto_aead_xchacha20poly1305_ietf_ABYTES,
                  '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, nullptr,
      reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
      reinterpret_cast<const unsigned char*>(context.data()), context.size(), nullptr, nonce,
      seal_.data());
  return Base64(out);
}

Result<std::string> Keyring::Unseal(std::string_view sealed, std::string_view context) const {
  auto raw = FromBase64(sealed);
  const size_t overhead = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES;
  if (!raw || raw->size() < overhead) return IoError("a sealed value is damaged");
  std::string out(raw->size() - overhead, '\0');
  const auto* nonce = reinterpret_cast<const unsigned char*>(raw->data());
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(out.data()), nullptr, nullptr,
          nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
          raw->size() - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
          reinterpret_cast<const unsigned char*>(context.data()), context.size(), nonce,
          seal_.data()) != 0) {
    return IoError("a sealed value fails authentication: it was altered or moved");
  }
  return out;
}

std::string Keyring::CustodyMac(std::string_view message) const {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, mac_.data(), Key::kSize);
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(message.data()), message.size());
  crypto_auth_hmacsha256_final(&st, mac);
  return Hex(mac, sizeof mac);
}

}  // namespace refuge::vault
