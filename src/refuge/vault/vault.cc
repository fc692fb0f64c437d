#include "refuge/vault/vault.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace refuge::vault {

namespace {

constexpr const char* kWorkPrefix = "work-";

// Removes the working directories in `tmp` that no live process holds: the
// lock dies with its holder, so a crash mid-download leaves nothing for long.
void RemoveStaleWorkDirs(const std::string& tmp) {
  DIR* d = ::opendir(tmp.c_str());
  if (d == nullptr) return;
  std::vector<std::string> stale;
  while (dirent* e = ::readdir(d)) {
    if (std::strncmp(e->d_name, kWorkPrefix, std::strlen(kWorkPrefix)) != 0) continue;
    const std::string path = tmp + "/" + e->d_name;
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) continue;
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) stale.push_back(path);
    ::close(fd);
  }
  ::closedir(d);
  for (const auto& path : stale) {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
}

}  // namespace

WorkDir::~WorkDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
  ::close(lock_fd_);
}

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
  RemoveStaleWorkDirs(dir + "/tmp");
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

Result<std::unique_ptr<WorkDir>> Vault::NewWorkDir() {
  std::string path = dir_ + "/tmp/" + kWorkPrefix + "XXXXXX";
  if (::mkdtemp(path.data()) == nullptr) {
    return IoError("cannot create a working directory in " + dir_ + "/tmp: " + std::strerror(errno));
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || ::flock(fd, LOCK_EX) != 0) {
    const std::string why = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    ::rmdir(path.c_str());
    return IoError("cannot lock the working directory " + path + ": " + why);
  }
  return std::unique_ptr<WorkDir>(new WorkDir(std::move(path), fd));
}

}  // namespace refuge::vault
