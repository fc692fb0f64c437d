#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "refuge/base/status.h"
#include "refuge/vault/source.h"

namespace refuge::vault {

// Writes the tree under `dir` to `out` as one POSIX tar archive (pax
// interchange format, written by libarchive), its entries named `root/...` in
// byte order of their paths, so the same tree always gives the same entries.
// Files are read and sent in pieces: memory does not grow with their size.
// Only directories and regular files are archived; anything else (a symbolic
// link) is refused with kIo rather than followed. A failing `out` (the reader
// went away) stops the archive with its status.
Status WriteTar(const std::string& dir, const std::string& root, ByteSink& out);

// A tar archive in the same format as WriteTar, written entry by entry to
// `out` as its contents arrive (a bag streamed from the vault). Only Close()
// writes the end of the archive: a stream dropped without it, after an error,
// sends nothing more, so the receiver holds a truncated archive that no tar
// reader takes for a whole one. Used from one thread at a time.
class TarStream {
 public:
  static Result<std::unique_ptr<TarStream>> Open(ByteSink& out);
  ~TarStream();

  // `name` ends in "/" for a directory.
  Status AddDirectory(const std::string& name, int64_t mtime);
  // A file of exactly `size` bytes, given by WriteData after this call.
  Status BeginFile(const std::string& name, uint64_t size, int64_t mtime);
  Status WriteData(const uint8_t* data, size_t n);
  // Sends what is gathered so far (the start of the archive, at once).
  Status Flush();
  // Finishes the last file and writes the end of the archive.
  Status Close();

 private:
  struct State;
  explicit TarStream(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace refuge::vault
