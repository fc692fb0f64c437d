#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "refuge/base/status.h"

namespace refuge::vault {

// A file being written: temporary until published under its final name.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(const uint8_t* data, size_t n) = 0;
  // Flushes to stable storage and makes the file read-only.
  virtual Status Sync() = 0;
  virtual const std::string& path() const = 0;
};

// The file operations the vault's write path needs, behind an interface so tests
// can make the disk fill up or fail at any step.
class Disk {
 public:
  virtual ~Disk() = default;
  // A new, empty, exclusively locked file (mode 0600) in `dir`, named ".tmp-*".
  virtual Result<std::unique_ptr<WritableFile>> CreateTemp(const std::string& dir) = 0;
  // Renames `from` to `to` unless `to` exists; false (and nothing moved) when it does.
  virtual Result<bool> RenameNoReplace(const std::string& from, const std::string& to) = 0;
  // Renames `from` over `to`, atomically.
  virtual Status RenameReplace(const std::string& from, const std::string& to) = 0;
  virtual Status SyncDir(const std::string& dir) = 0;
  virtual Status Remove(const std::string& path) = 0;
  // Creates `dir` and missing parents with mode 0700.
  virtual Status MakeDirs(const std::string& dir) = 0;
};

// The real file system.
Disk& PosixDisk();

// Removes ".tmp-*" files in `dir` that no live writer holds (a crash leaves them).
void RemoveStaleTemps(const std::string& dir);

// Writes `content` to `path` atomically (temporary file, fsync, rename, fsync dir).
Status WriteSmallFileAtomically(Disk& disk, const std::string& path, const std::string& content);

}  // namespace refuge::vault
