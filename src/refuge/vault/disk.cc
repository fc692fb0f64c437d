#include "refuge/vault/disk.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace refuge::vault {
namespace {

std::string Errno(const std::string& what) {
  const int e = errno;
  if (e == ENOSPC) return what + ": the disk is full";
  if (e == EFBIG) return what + ": the file is larger than this system allows";
  if (e == EDQUOT) return what + ": the disk quota is exhausted";
  return what + ": " + std::strerror(e);
}

class PosixFile final : public WritableFile {
 public:
  PosixFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixFile() override {
    if (fd_ >= 0) ::close(fd_);  // closing also drops the lock
  }

  Status Append(const uint8_t* data, size_t n) override {
    while (n > 0) {
      ssize_t w = ::write(fd_, data, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        return IoError(Errno("cannot write " + path_));
      }
      data += w;
      n -= static_cast<size_t>(w);
    }
    return Status::Ok();
  }

  Status Sync() override {
    if (::fsync(fd_) != 0) return IoError(Errno("cannot flush " + path_));
    if (::fchmod(fd_, 0400) != 0) return IoError(Errno("cannot make " + path_ + " read-only"));
    return Status::Ok();
  }

  const std::string& path() const override { return path_; }

 private:
  int fd_;
  std::string path_;
};

class Posix final : public Disk {
 public:
  Result<std::unique_ptr<WritableFile>> CreateTemp(const std::string& dir) override {
    std::string tmpl = dir + "/.tmp-XXXXXX";
    int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (fd < 0) return IoError(Errno("cannot create a file in " + dir));
    ::fchmod(fd, 0600);
    // The lock tells RemoveStaleTemps that this file is in use.
    ::flock(fd, LOCK_EX);
    return std::unique_ptr<WritableFile>(std::make_unique<PosixFile>(fd, tmpl));
  }

  Result<bool> RenameNoReplace(const std::string& from, const std::string& to) override {
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return true;
    if (errno == EEXIST) return false;
    if (errno != EINVAL && errno != ENOSYS) return IoError(Errno("cannot rename " + from + " to " + to));
    // File systems without RENAME_NOREPLACE: link() refuses an existing name too.
    if (::link(from.c_str(), to.c_str()) != 0) {
      if (errno == EEXIST) return false;
      return IoError(Errno("cannot link " + to));
    }
    ::unlink(from.c_str());
    return true;
  }

  Status RenameReplace(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return IoError(Errno("cannot rename " + from + " to " + to));
    return Status::Ok();
  }

  Status SyncDir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return IoError(Errno("cannot open " + dir));
    int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) return IoError(Errno("cannot flush " + dir));
    return Status::Ok();
  }

  Status Remove(const std::string& path) override {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return IoError(Errno("cannot remove " + path));
    return Status::Ok();
  }

  Status MakeDirs(const std::string& dir) override {
    std::error_code ec;
    std::filesystem::path p(dir);
    std::filesystem::path built;
    for (const auto& part : p) {
      built /= part;
      if (std::filesystem::is_directory(built, ec)) continue;
      if (::mkdir(built.c_str(), 0700) != 0 && errno != EEXIST) {
        return IoError(Errno("cannot create " + built.string()));
      }
    }
    return Status::Ok();
  }
};

}  // namespace

Disk& PosixDisk() {
  static Posix disk;
  return disk;
}

void RemoveStaleTemps(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;
  while (dirent* e = ::readdir(d)) {
    if (std::strncmp(e->d_name, ".tmp-", 5) != 0) continue;
    std::string path = dir + "/" + e->d_name;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) continue;
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) ::unlink(path.c_str());
    ::close(fd);
  }
  ::closedir(d);
}

Status WriteSmallFileAtomically(Disk& disk, const std::string& path, const std::string& content) {
  const std::string dir = std::filesystem::path(path).parent_path().string();
  REFUGE_ASSIGN_OR_RETURN(auto file, disk.CreateTemp(dir));
  Status s = file->Append(reinterpret_cast<const uint8_t*>(content.data()), content.size());
  if (s.ok()) s = file->Sync();
  if (s.ok()) s = disk.RenameReplace(file->path(), path);
  if (!s.ok()) {
    (void)disk.Remove(file->path());
    return s;
  }
  return disk.SyncDir(dir);
}

}  // namespace refuge::vault
