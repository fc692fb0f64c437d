#include "refuge/vault/exiv2_io.h"

namespace refuge::vault {

Exiv2::DataBuf SourceIo::read(long rcount) {
  Exiv2::DataBuf buf(rcount);
  long n = read(buf.pData_, rcount);
  if (n < 0) n = 0;
  buf.size_ = n;
  return buf;
}

long SourceIo::read(Exiv2::byte* buf, long rcount) {
  if (rcount <= 0) return 0;
  auto n = src_.ReadAt(pos_, buf, static_cast<size_t>(rcount));
  if (!n.ok()) {
    error_ = true;
    return 0;
  }
  pos_ += *n;
  return static_cast<long>(*n);
}

int SourceIo::getb() {
  Exiv2::byte b;
  return read(&b, 1) == 1 ? b : EOF;
}

int SourceIo::seek(int64_t offset, Position pos) {
  int64_t base = pos == beg ? 0 : pos == cur ? static_cast<int64_t>(pos_) : static_cast<int64_t>(src_.size());
  int64_t target = base + offset;
  if (target < 0 || target > static_cast<int64_t>(src_.size())) return 1;
  pos_ = static_cast<uint64_t>(target);
  return 0;
}

Exiv2::byte* SourceIo::mmap(bool writeable) {
  if (writeable || src_.size() > kMaxMapBytes) {
    throw Exiv2::Error(Exiv2::kerCallFailed, "the file is too large for exiv2 to read in memory");
  }
  if (map_.size() != src_.size()) {
    map_.resize(static_cast<size_t>(src_.size()));
    auto n = src_.ReadAt(0, map_.data(), map_.size());
    if (!n.ok() || *n != map_.size()) {
      error_ = true;
      throw Exiv2::Error(Exiv2::kerCallFailed, "the content could not be read back from the vault");
    }
  }
  return map_.data();
}

std::mutex& Exiv2Mutex() {
  static std::mutex mu;
  return mu;
}

void InitExiv2() {
  static std::once_flag once;
  std::call_once(once, [] {
    Exiv2::LogMsg::setLevel(Exiv2::LogMsg::mute);
    Exiv2::XmpParser::initialize();
  });
}

}  // namespace refuge::vault
