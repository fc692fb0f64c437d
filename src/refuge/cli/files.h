#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "refuge/app/service.h"
#include "refuge/base/status.h"

namespace refuge::cli {

Result<std::string> ReadFile(const std::string& path);
// Writes to a temporary file beside `path`, fsyncs it, renames it over `path` and
// fsyncs the directory: a crash leaves the old file or the new one, never half.
Status WriteFileAtomically(const std::string& path, const std::string& content, int mode);

// The same for a file written in pieces: it appears at `path` only on Commit();
// dropped unfinished, it leaves the old file (or none) and no temporary file.
class AtomicFile {
 public:
  static Result<std::unique_ptr<AtomicFile>> Create(const std::string& path, int mode);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();
  Status Append(std::string_view data);
  Status Commit();

 private:
  AtomicFile(std::string path, std::string tmp, int fd) : path_(std::move(path)), tmp_(std::move(tmp)), fd_(fd) {}
  std::string path_, tmp_;
  int fd_;
};

// A file mapped read-only into memory, so that a backup of many gigabytes is
// parsed where it lies rather than copied into the heap first.
class MappedFile {
 public:
  static Result<std::unique_ptr<MappedFile>> Open(const std::string& path);
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();
  std::string_view text() const { return {static_cast<const char*>(data_), size_}; }
  // Lets the kernel drop the pages before `offset`, already read: a later read
  // of them reads the file again. Keeps resident memory small for a huge file.
  void Release(size_t offset);

 private:
  MappedFile(void* data, size_t size) : data_(data), size_(size) {}
  void* data_;
  size_t size_;
  size_t released_ = 0;
};
Status WriteStdout(const std::string& content);
// kMalformed naming the file, line and column of a JSON syntax error.
Result<nlohmann::json> ParseJsonText(const std::string& text, const std::string& name);
// A progress callback that redraws one line on stderr when it is a terminal,
// and prints nothing otherwise.
app::ProgressFn TerminalProgress(const std::string& label);

}  // namespace refuge::cli
