#pragma once

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

}  // namespace refuge::vault
