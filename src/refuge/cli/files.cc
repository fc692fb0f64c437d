#include "refuge/cli/files.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace refuge::cli {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return IoError("error reading " + path);
  return ss.str();
}

namespace {

Status SyncDirectoryOf(const std::string& path) {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd < 0) return IoError("cannot open " + dir.string() + ": " + std::strerror(errno));
  const bool synced = ::fsync(dfd) == 0;
  ::close(dfd);
  return synced ? Status::Ok() : IoError("cannot flush " + dir.string() + ": " + std::strerror(errno));
}

}  // namespace

Result<std::unique_ptr<AtomicFile>> AtomicFile::Create(const std::string& path, int mode) {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string tmp = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) return IoError("cannot create a file in " + dir.string() + ": " + std::strerror(errno));
  ::fchmod(fd, static_cast<mode_t>(mode));
  return std::unique_ptr<AtomicFile>(new AtomicFile(path, std::move(tmp), fd));
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(tmp_.c_str());
  }
}

Status AtomicFile::Append(std::string_view data) {
  if (fd_ < 0) return Internal("write to a file already committed");
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd_, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError("cannot write " + path_ + ": " + std::strerror(errno));
    }
    off += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status AtomicFile::Commit() {
  if (fd_ < 0) return Internal("file already committed");
  Status s = ::fsync(fd_) == 0 ? Status::Ok() : IoError("cannot flush " + path_ + ": " + std::strerror(errno));
  ::close(fd_);
  fd_ = -1;
  if (s.ok() && ::rename(tmp_.c_str(), path_.c_str()) != 0) {
    s = IoError("cannot write " + path_ + ": " + std::strerror(errno));
  }
  if (!s.ok()) {
    ::unlink(tmp_.c_str());
    return s;
  }
  return SyncDirectoryOf(path_);
}

Status WriteFileAtomically(const std::string& path, const std::string& content, int mode) {
  REFUGE_ASSIGN_OR_RETURN(auto file, AtomicFile::Create(path, mode));
  REFUGE_RETURN_IF_ERROR(file->Append(content));
  return file->Commit();
}

Result<std::unique_ptr<MappedFile>> MappedFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError("cannot read " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return IoError("cannot read " + path + ": not a regular file");
  }
  const size_t size = static_cast<size_t>(st.st_size);
  void* data = nullptr;
  if (size > 0) {
    data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (data == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      return IoError("cannot read " + path + ": " + std::strerror(err));
    }
    ::madvise(data, size, MADV_SEQUENTIAL);
  }
  ::close(fd);
  return std::unique_ptr<MappedFile>(new MappedFile(data, size));
}

void MappedFile::Release(size_t offset) {
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const size_t end = std::min(offset, size_) / page * page;
  if (data_ == nullptr || end <= released_) return;
  ::madvise(static_cast<char*>(data_) + released_, end - released_, MADV_DONTNEED);
  released_ = end;
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

Status WriteStdout(const std::string& content) {
  std::cout.write(content.data(), static_cast<std::streamsize>(content.size()));
  std::cout.flush();
  if (!std::cout) return IoError("cannot write to standard output");
  return Status::Ok();
}

Result<nlohmann::json> ParseJsonText(const std::string& text, const std::string& name) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    return MalformedJsonAt(name, text, e.byte);
  }
}

app::ProgressFn TerminalProgress(const std::string& label) {
  if (!::isatty(STDERR_FILENO)) return nullptr;
  return [label](int64_t done, int64_t total) {
    if (total > 0) {
      std::fprintf(stderr, "\r%s: %lld of %lld (%d%%)", label.c_str(), static_cast<long long>(done),
                   static_cast<long long>(total), static_cast<int>(done * 100 / total));
    } else {
      std::fprintf(stderr, "\r%s: %lld", label.c_str(), static_cast<long long>(done));
    }
    if (done == total) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  };
}

}  // namespace refuge::cli
