#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace refuge {

// Every failure a caller can act on is one of these codes. The API maps them to
// HTTP statuses (api/http_errors.cc) and the CLI to exit codes (cli/exit_codes.cc);
// nothing else decides those numbers.
enum class Code {
  kOk,
  kMalformed,         // the input cannot be parsed at all (bad JSON, bad syntax)
  kInvalid,           // parsed, but a field is wrong (unknown field, bad date, bad enum)
  kUnauthenticated,   // no or bad credentials
  kForbidden,         // authenticated but not allowed
  kNotFound,          // no such object (or not visible to the caller)
  kConflict,          // stale version, duplicate key, or state that forbids the change
  kTooLarge,          // the input exceeds a limit
  kUnsupportedMedia,  // wrong content type
  kRateLimited,       // too many attempts
  kIo,                // disk or OS failure
  kInternal,          // a bug or an unexpected third-party failure
};

// The stable machine name of a code, as it appears in API error bodies.
const char* CodeName(Code code);

// A success or an error with a message for people and, when the error concerns one
// field of the input, that field's name (dotted path, e.g. "events[3].date").
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message, std::string field = {})
      : code_(code), message_(std::move(message)), field_(std::move(field)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& field() const { return field_; }

  // Prefixes the field path, so a nested validator's "date" becomes "events[3].date".
  Status WithFieldPrefix(const std::string& prefix) const;
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::string field_;
};

inline Status Malformed(std::string msg, std::string field = {}) {
  return Status(Code::kMalformed, std::move(msg), std::move(field));
}
// kMalformed for a JSON syntax error at byte `byte` (1-based, as nlohmann's
// parse_error counts) of `text`, named by line and column.
Status MalformedJsonAt(const std::string& name, std::string_view text, size_t byte);
inline Status Invalid(std::string field, std::string msg) {
  return Status(Code::kInvalid, std::move(msg), std::move(field));
}
inline Status NotFound(std::string msg, std::string field = {}) {
  return Status(Code::kNotFound, std::move(msg), std::move(field));
}
inline Status Conflict(std::string msg, std::string field = {}) {
  return Status(Code::kConflict, std::move(msg), std::move(field));
}
inline Status IoError(std::string msg) { return Status(Code::kIo, std::move(msg)); }
inline Status Internal(std::string msg) { return Status(Code::kInternal, std::move(msg)); }

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok() && "Result built from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace refuge

// Early return on failure; keeps call sites flat.
#define REFUGE_RETURN_IF_ERROR(expr)        \
  do {                                      \
    ::refuge::Status _st = (expr);          \
    if (!_st.ok()) return _st;              \
  } while (0)

#define REFUGE_CONCAT_INNER(a, b) a##b
#define REFUGE_CONCAT(a, b) REFUGE_CONCAT_INNER(a, b)
#define REFUGE_ASSIGN_OR_RETURN(lhs, expr) \
  REFUGE_ASSIGN_OR_RETURN_IMPL(REFUGE_CONCAT(_res_, __LINE__), lhs, expr)
#define REFUGE_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()
