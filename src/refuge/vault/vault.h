#pragma once

#include <memory>
#include <string>

#include "refuge/base/status.h"
#include "refuge/vault/disk.h"
#include "refuge/vault/keyring.h"
#include "refuge/vault/object_store.h"

namespace refuge::vault {

// A private directory (mode 0700) under the vault's tmp/, for files that must
// touch the disk in clear for a moment (a bag being downloaded). It is locked
// while this object lives and removed with everything in it when the object
// goes; one a crash left behind is removed the next time the vault is opened.
class WorkDir {
 public:
  ~WorkDir();
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  friend class Vault;
  WorkDir(std::string path, int lock_fd) : path_(std::move(path)), lock_fd_(lock_fd) {}
  std::string path_;
  int lock_fd_;
};

// The evidence vault of a data dir, unlocked: <data_dir>/vault/ holds
//   keys/vault.key   the master key, wrapped by the passphrase (keyring.h)
//   objects/xx/NAME  encrypted, content-addressed, write-once objects
//   tmp/             objects being written; never visible under objects/
//   tmp/work-XXXXXX/ private working directories (a bag being downloaded)
// See docs/vault-format.md.
class Vault {
 public:
  static std::string DirOf(const std::string& data_dir);
  static bool Exists(const std::string& data_dir);

  // Unlocks the vault with `passphrase`, creating it first when `create` is set
  // and there is none. kNotFound when there is no vault and `create` is not set;
  // kUnauthenticated for a wrong passphrase.
  static Result<std::unique_ptr<Vault>> Open(const std::string& data_dir,
                                             const std::string& passphrase, bool create,
                                             Disk& disk = PosixDisk(), KdfParams params = {});
  static Status ChangePassphrase(const std::string& data_dir, const std::string& old_passphrase,
                                 const std::string& new_passphrase);

  const std::string& dir() const { return dir_; }
  const Keyring& keys() const { return keys_; }
  ObjectStore& objects() { return *objects_; }
  Disk& disk() { return disk_; }
  // A read-write temporary file inside the vault that has no name, so it
  // disappears when closed or if the process dies. The caller closes it.
  Result<int> OpenScratchFile();
  // A new private working directory (see WorkDir).
  Result<std::unique_ptr<WorkDir>> NewWorkDir();

 private:
  Vault(std::string dir, Keyring keys, Disk& disk);

  std::string dir_;
  Keyring keys_;
  Disk& disk_;
  std::unique_ptr<ObjectStore> objects_;
};

}  // namespace refuge::vault
