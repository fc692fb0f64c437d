#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "refuge/base/status.h"

namespace refuge::vault {

// Bytes that can be read at any offset: a vault object being decrypted, or a
// buffer in tests. Readers of media (exiv2, libavformat) and exporters use it.
class RandomAccessSource {
 public:
  virtual ~RandomAccessSource() = default;
  virtual uint64_t size() const = 0;
  // Reads up to `n` bytes at `offset`; fewer only at the end, 0 at or past it.
  // kIo when the bytes cannot be read or fail authentication.
  virtual Result<size_t> ReadAt(uint64_t offset, uint8_t* buf, size_t n) = 0;
};

class StringSource final : public RandomAccessSource {
 public:
  explicit StringSource(std::string data) : data_(std::move(data)) {}
  uint64_t size() const override { return data_.size(); }
  Result<size_t> ReadAt(uint64_t offset, uint8_t* buf, size_t n) override {
    if (offset >= data_.size()) return size_t{0};
    size_t k = std::min<uint64_t>(n, data_.size() - offset);
    std::memcpy(buf, data_.data() + offset, k);
    return k;
  }

 private:
  std::string data_;
};

// Where a stream of bytes goes (an HTTP response, a file, a hash).
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual Status Write(const uint8_t* data, size_t n) = 0;
};

}  // namespace refuge::vault
