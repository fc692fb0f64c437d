#pragma once

#include <cstdint>
#include <deque>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "refuge/base/status.h"

namespace refuge::auth {

struct LoginLimits {
  int per_account = 5;           // failures per account ...
  int per_address = 20;          // ... and per client address ...
  int64_t window_seconds = 900;  // ... within this many seconds
};

// Counts failed logins and second-factor codes per account and per client
// address within a sliding window, in bounded memory.
//
// An attempt is reserved before its check runs, under one lock: the reservation
// counts as a failure at once, so parallel guesses cannot all pass the check
// before any is counted. A successful attempt gives its reservation back.
//
// At most `capacity` keys are kept; when a new key would exceed it, the key
// used least recently goes (its failures are forgotten). Keys whose failures
// have all left the window are dropped as they are met.
class LoginLimiter {
 public:
  using Limits = LoginLimits;
  static constexpr size_t kDefaultCapacity = 10000;

  LoginLimiter() : LoginLimiter(Limits{}) {}
  explicit LoginLimiter(Limits limits, size_t capacity = kDefaultCapacity);

  // A reserved attempt; Release() it when the attempt succeeded.
  struct Reservation {
    std::string account_key;
    std::string address_key;  // "" when no address counts
    int64_t at = 0;
  };
  // kRateLimited when the account or the address has reached its limit within
  // the window; otherwise counts the attempt as a failure and answers it. The
  // account is compared without regard to ASCII case (names are unique so).
  // `address` may be "" (nothing counted per address).
  Result<Reservation> Reserve(const std::string& account, const std::string& address, int64_t now);
  // The attempt succeeded: it no longer counts.
  void Release(const Reservation& r);
  // Seconds until the account (or address) may try again; 0 when it may now.
  int64_t RetryAfter(const std::string& account, const std::string& address, int64_t now);

  void set_limits(const Limits& l);
  const Limits& limits() const { return limits_; }
  // Keys held now (for tests of the bound).
  size_t size();

 private:
  struct Entry {
    std::deque<int64_t> failures;  // oldest first, never more than the key's limit
    std::list<std::string>::iterator lru;
  };
  // Failures of `key` still in the window, dropping the expired ones (and the
  // key when none is left).
  int CountLocked(const std::string& key, int64_t now);
  void AddLocked(const std::string& key, int limit, int64_t now);
  int64_t RetryLocked(const std::string& key, int limit, int64_t now);

  Limits limits_;
  const size_t capacity_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> keys_;
  std::list<std::string> lru_;  // most recently used first
};

}  // namespace refuge::auth
