#pragma once

#include <exiv2/exiv2.hpp>

#include <memory>
#include <mutex>
#include <vector>

#include "refuge/vault/source.h"

namespace refuge::vault {

// exiv2 reading a RandomAccessSource, read-only. Formats that exiv2 maps whole
// (TIFF-based ones) are mapped only up to kMaxMapBytes, to keep memory bounded.
class SourceIo final : public Exiv2::BasicIo {
 public:
  static constexpr size_t kMaxMapBytes = 32u << 20;

  explicit SourceIo(RandomAccessSource& src) : src_(src) {}

  int open() override { pos_ = 0; return 0; }
  int close() override { return 0; }
  long write(const Exiv2::byte*, long) override { return 0; }
  long write(Exiv2::BasicIo&) override { return 0; }
  int putb(Exiv2::byte) override { return EOF; }
  Exiv2::DataBuf read(long rcount) override;
  long read(Exiv2::byte* buf, long rcount) override;
  int getb() override;
  void transfer(Exiv2::BasicIo&) override { throw Exiv2::Error(Exiv2::kerCallFailed, "read-only"); }
  int seek(int64_t offset, Position pos) override;
  Exiv2::byte* mmap(bool writeable = false) override;
  int munmap() override { map_.clear(); map_.shrink_to_fit(); return 0; }
  long tell() const override { return static_cast<long>(pos_); }
  size_t size() const override { return static_cast<size_t>(src_.size()); }
  bool isopen() const override { return true; }
  int error() const override { return error_ ? 1 : 0; }
  bool eof() const override { return pos_ >= src_.size(); }
  std::string path() const override { return "vault object"; }
#ifdef EXV_UNICODE_PATH
  std::wstring wpath() const override { return L"vault object"; }
#endif

 private:
  RandomAccessSource& src_;
  uint64_t pos_ = 0;
  bool error_ = false;
  std::vector<Exiv2::byte> map_;
};

// exiv2 0.27 is not safe for concurrent use; every use holds this lock.
std::mutex& Exiv2Mutex();
// Initializes exiv2's XMP toolkit and mutes its logging (once per process).
void InitExiv2();

}  // namespace refuge::vault
