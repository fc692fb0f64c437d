#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "refuge/base/status.h"

namespace refuge::api {

// How much of a request body the server keeps in memory. A body is counted as it
// arrives, whatever its framing (Content-Length, chunked, or until the connection
// closes), so no body costs more memory than its limit. Independent of the HTTP
// library: whatever server reads the socket hands the pieces to a BodyCollector.
struct BodyLimits {
  // A request that is not (yet) known to come from a signed-in user: a login, or
  // anything sent without valid credentials.
  size_t anonymous = 64 * 1024;
  // A JSON body from a signed-in user. Evidence uploads are streamed and unlimited.
  size_t authenticated = 10 * 1024 * 1024;
  // After a refusal the rest of the body is read and thrown away, up to this much,
  // so that a client that sent too much can still read the answer; then the
  // connection is closed.
  size_t drain = 64 * 1024 * 1024;
};

// Collects one body up to a limit. When a piece would pass the limit, `raise` is
// asked once for a larger one (the server answers with the authenticated limit
// when the request's credentials are valid, 0 otherwise), so that the common small
// request never costs a credential check before its body is read.
class BodyCollector {
 public:
  using Raise = std::function<size_t()>;
  BodyCollector(size_t limit, size_t drain, Raise raise = nullptr);

  // Checks a declared length before anything is read: false when it is over every
  // limit that applies (the body is then drained, not kept).
  bool Declared(unsigned long long length);
  // Takes the next piece. False when the reader should stop: the limit was passed
  // and `drain` bytes more have been thrown away.
  bool Take(const char* data, size_t n);

  bool exceeded() const { return exceeded_; }
  size_t limit() const { return limit_; }
  // Everything taken, when not exceeded.
  std::string& body() { return body_; }
  // kTooLarge naming the limit.
  Status TooLarge() const;

 private:
  bool Over(unsigned long long total);

  size_t limit_;
  size_t drain_;
  Raise raise_;
  bool exceeded_ = false;
  unsigned long long seen_ = 0;
  std::string body_;
};

// A request body's Content-Encoding is refused on every route that reads the body
// into memory: nothing Refuge serves sends compressed requests, and a few kilobytes
// of gzip can inflate to gigabytes. "identity" and no header are accepted.
Status CheckContentEncoding(std::string_view content_encoding);

// "10 MiB", "64 KiB", "100 bytes".
std::string ByteSize(size_t n);

}  // namespace refuge::api
