#include "refuge/api/body_limit.h"

#include <algorithm>

namespace refuge::api {

BodyCollector::BodyCollector(size_t limit, size_t drain, Raise raise)
    : limit_(limit), drain_(drain), raise_(std::move(raise)) {}

bool BodyCollector::Over(unsigned long long total) {
  if (total <= limit_) return false;
  if (raise_) {
    const size_t higher = raise_();
    raise_ = nullptr;  // asked once
    if (higher > limit_) limit_ = higher;
  }
  return total > limit_;
}

bool BodyCollector::Declared(unsigned long long length) {
  if (!exceeded_ && Over(length)) {
    exceeded_ = true;
    body_.clear();
    body_.shrink_to_fit();
  }
  // A declared length within the limit is reserved once, so the body does not
  // grow by doubling (which would briefly hold twice its size).
  if (!exceeded_) body_.reserve(static_cast<size_t>(length));
  return !exceeded_;
}

bool BodyCollector::Take(const char* data, size_t n) {
  seen_ += n;
  if (!exceeded_ && Over(seen_)) {
    exceeded_ = true;
    body_.clear();
    body_.shrink_to_fit();
  }
  if (exceeded_) return seen_ - std::min<unsigned long long>(seen_, limit_) <= drain_;
  body_.append(data, n);
  return true;
}

Status BodyCollector::TooLarge() const {
  return Status(Code::kTooLarge, "the request body is larger than the limit of " + ByteSize(limit_));
}

Status CheckContentEncoding(std::string_view encoding) {
  if (encoding.empty() || encoding == "identity") return Status::Ok();
  return Status(Code::kUnsupportedMedia,
                "send the request body uncompressed; Content-Encoding '" + std::string(encoding.substr(0, 40)) +
                    "' is not accepted",
                "Content-Encoding");
}

std::string ByteSize(size_t n) {
  if (n >= (1u << 20) && n % (1u << 20) == 0) return std::to_string(n >> 20) + " MiB";
  if (n >= 1024 && n % 1024 == 0) return std::to_string(n >> 10) + " KiB";
  return std::to_string(n) + " bytes";
}

}  // namespace refuge::api
