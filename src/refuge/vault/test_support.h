#pragma once

// Helpers for the vault's unit tests: a scratch directory and a disk that fails
// on demand (a full disk, a failed flush or rename).
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "refuge/vault/disk.h"
#include "refuge/vault/keyring.h"

namespace refuge::vault::testing {

class ScratchDir {
 public:
  ScratchDir() {
    std::string t = (std::filesystem::temp_directory_path() / "refuge-vault-XXXXXX").string();
    path_ = ::mkdtemp(t.data());
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The cheapest Argon2id settings, so tests do not spend seconds on key stretching.
inline KdfParams FastKdf() { return KdfParams{1, 8192}; }

class FaultyDisk final : public Disk {
 public:
  // Appends fail with "disk full" once `bytes_left` bytes were written.
  int64_t bytes_left = INT64_MAX;
  bool fail_sync = false;
  bool fail_rename = false;
  int temps_created = 0;

  Result<std::unique_ptr<WritableFile>> CreateTemp(const std::string& dir) override {
    ++temps_created;
    REFUGE_ASSIGN_OR_RETURN(auto f, PosixDisk().CreateTemp(dir));
    return std::unique_ptr<WritableFile>(std::make_unique<File>(std::move(f), this));
  }
  Result<bool> RenameNoReplace(const std::string& from, const std::string& to) override {
    if (fail_rename) return IoError("cannot rename: injected failure");
    return PosixDisk().RenameNoReplace(from, to);
  }
  Status RenameReplace(const std::string& from, const std::string& to) override {
    if (fail_rename) return IoError("cannot rename: injected failure");
    return PosixDisk().RenameReplace(from, to);
  }
  Status SyncDir(const std::string& dir) override { return PosixDisk().SyncDir(dir); }
  Status Remove(const std::string& path) override { return PosixDisk().Remove(path); }
  Status MakeDirs(const std::string& dir) override { return PosixDisk().MakeDirs(dir); }

 private:
  class File final : public WritableFile {
   public:
    File(std::unique_ptr<WritableFile> f, FaultyDisk* disk) : f_(std::move(f)), disk_(disk) {}
    Status Append(const uint8_t* data, size_t n) override {
      if (static_cast<int64_t>(n) > disk_->bytes_left) {
        // Like a real full disk: part of the write lands, then ENOSPC.
        (void)f_->Append(data, static_cast<size_t>(std::max<int64_t>(0, disk_->bytes_left)));
        disk_->bytes_left = 0;
        return IoError("cannot write " + f_->path() + ": the disk is full");
      }
      disk_->bytes_left -= static_cast<int64_t>(n);
      return f_->Append(data, n);
    }
    Status Sync() override {
      if (disk_->fail_sync) return IoError("cannot flush " + f_->path() + ": injected failure");
      return f_->Sync();
    }
    const std::string& path() const override { return f_->path(); }

   private:
    std::unique_ptr<WritableFile> f_;
    FaultyDisk* disk_;
  };
};

// Every file under `dir`, relative, sorted.
inline std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file()) out.push_back(std::filesystem::relative(it->path(), dir).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace refuge::vault::testing
