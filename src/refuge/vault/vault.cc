#include "refuge/vault/vault.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace refuge::vault {

std::string Vault::DirOf(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "vault").string();
}

bool Vault::Exists(const std::string& data_dir) { return Keyring::Exists(DirOf(data_dir)); }

Vault::Vault(std::string dir, Keyring keys, Disk& disk)
    : dir_(std::move(dir)), keys_(std::move(keys)), disk_(disk),
      objects_(std::make_unique<ObjectStore>(dir_, keys_, disk_)) {}

Result<std::unique_ptr<Vault>> Vault::Open(const std::string& data_dir, const std::string& passphrase,
                                           bool create, Disk& disk, KdfParams params) {
  const std::string dir = DirOf(data_dir);
  Result<Keyring> keys = NotFound("");
  if (Keyring::Exists(dir)) {
    keys = Keyring::Unlock(dir, passphrase);
  } else if (create) {
    REFUGE_RETURN_IF_ERROR(disk.MakeDirs(dir));
    keys = Keyring::Create(disk, dir, passphrase, params);
    // Another process may have created it a moment before.
    if (!keys.ok() && keys.status().code() == Code::kConflict) keys = Keyring::Unlock(dir, passphrase);
  } else {
    return NotFound("there is no evidence vault in " + data_dir + " yet; add evidence first");
  }
  if (!keys.ok()) return keys.status();
  for (const char* sub : {"objects", "tmp"}) REFUGE_RETURN_IF_ERROR(disk.MakeDirs(dir + "/" + sub));
  RemoveStaleTemps(dir + "/tmp");
  RemoveStaleTemps(dir + "/keys");
  return std::unique_ptr<Vault>(new Vault(dir, std::move(keys).value(), disk));
}

Status Vault::ChangePassphrase(const std::string& data_dir, const std::string& old_passphrase,
                               const std::string& new_passphrase) {
  const std::string dir = DirOf(data_dir);
  if (!Keyring::Exists(dir)) return NotFound("there is no evidence vault in " + data_dir);
  return Keyring::ChangePassphrase(PosixDisk(), dir, old_passphrase, new_passphrase);
}

Result<int> Vault::OpenScratchFile() {
  const std::string tmp = dir_ + "/tmp";
  int fd = ::open(tmp.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
  // File systems without O_TMPFILE: a named file, unlinked at once.
  std::string path = tmp + "/.scratch-XXXXXX";
  fd = ::mkostemp(path.data(), O_CLOEXEC);
  if (fd < 0) return IoError("cannot create a temporary file in " + tmp + ": " + std::strerror(errno));
  ::unlink(path.c_str());
  return fd;
}

}  // namespace refuge::vault
