#include "refuge/base/status.h"

namespace refuge {

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kMalformed: return "malformed";
    case Code::kInvalid: return "invalid";
    case Code::kUnauthenticated: return "unauthenticated";
    case Code::kForbidden: return "forbidden";
    case Code::kNotFound: return "not_found";
    case Code::kConflict: return "conflict";
    case Code::kTooLarge: return "too_large";
    case Code::kUnsupportedMedia: return "unsupported_media_type";
    case Code::kRateLimited: return "rate_limited";
    case Code::kIo: return "io_error";
    case Code::kInternal: return "internal";
  }
  return "internal";
}

Status Status::WithFieldPrefix(const std::string& prefix) const {
  if (ok()) return *this;
  std::string f = field_.empty() ? prefix
                  : (field_[0] == '[' ? prefix + field_ : prefix + "." + field_);
  return Status(code_, message_, f);
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string s = std::string(CodeName(code_)) + ": " + message_;
  if (!field_.empty()) s += " (field: " + field_ + ")";
  return s;
}

Status MalformedJsonAt(const std::string& name, std::string_view text, size_t byte) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i + 1 < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return Malformed(name + ": not valid JSON at line " + std::to_string(line) + ", column " + std::to_string(col));
}

}  // namespace refuge
