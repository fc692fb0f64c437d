#include "refuge/auth/login_limiter.h"

#include <algorithm>
#include <cctype>

namespace refuge::auth {

namespace {

std::string AccountKey(const std::string& account) {
  std::string k = "u:" + account;
  std::transform(k.begin(), k.end(), k.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return k;
}

}  // namespace

LoginLimiter::LoginLimiter(Limits limits, size_t capacity)
    : limits_(limits), capacity_(std::max<size_t>(capacity, 2)) {}

void LoginLimiter::set_limits(const Limits& l) {
  std::lock_guard<std::mutex> lock(mu_);
  limits_ = l;
}

size_t LoginLimiter::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return keys_.size();
}

int LoginLimiter::CountLocked(const std::string& key, int64_t now) {
  auto it = keys_.find(key);
  if (it == keys_.end()) return 0;
  auto& q = it->second.failures;
  while (!q.empty() && q.front() <= now - limits_.window_seconds) q.pop_front();
  if (q.empty()) {
    lru_.erase(it->second.lru);
    keys_.erase(it);
    return 0;
  }
  return static_cast<int>(q.size());
}

void LoginLimiter::AddLocked(const std::string& key, int limit, int64_t now) {
  auto it = keys_.find(key);
  if (it == keys_.end()) {
    while (keys_.size() >= capacity_) {
      keys_.erase(lru_.back());
      lru_.pop_back();
    }
    lru_.push_front(key);
    it = keys_.emplace(key, Entry{{}, lru_.begin()}).first;
  } else {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  }
  auto& q = it->second.failures;
  q.push_back(now);
  // Only the newest `limit` failures decide anything.
  while (static_cast<int>(q.size()) > std::max(limit, 1)) q.pop_front();
}

int64_t LoginLimiter::RetryLocked(const std::string& key, int limit, int64_t now) {
  if (CountLocked(key, now) < limit) return 0;
  const auto& q = keys_.at(key).failures;
  // The limit is reached until the oldest failure that makes it leaves the window.
  const int64_t oldest = q[q.size() - static_cast<size_t>(limit)];
  return std::max<int64_t>(1, oldest + limits_.window_seconds - now);
}

Result<LoginLimiter::Reservation> LoginLimiter::Reserve(const std::string& account,
                                                        const std::string& address, int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  Reservation r{AccountKey(account), address.empty() ? "" : "a:" + address, now};
  const bool account_full = CountLocked(r.account_key, now) >= limits_.per_account;
  const bool address_full = !r.address_key.empty() && CountLocked(r.address_key, now) >= limits_.per_address;
  if (account_full || address_full) {
    return Status(Code::kRateLimited, "too many failed attempts; try again in " +
                                          std::to_string(limits_.window_seconds / 60) + " minutes");
  }
  AddLocked(r.account_key, limits_.per_account, now);
  if (!r.address_key.empty()) AddLocked(r.address_key, limits_.per_address, now);
  return r;
}

void LoginLimiter::Release(const Reservation& r) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string* key : {&r.account_key, &r.address_key}) {
    auto it = keys_.find(*key);
    if (it == keys_.end()) continue;
    auto& q = it->second.failures;
    auto at = std::find(q.rbegin(), q.rend(), r.at);
    if (at != q.rend()) q.erase(std::next(at).base());
    if (q.empty()) {
      lru_.erase(it->second.lru);
      keys_.erase(it);
    }
  }
}

int64_t LoginLimiter::RetryAfter(const std::string& account, const std::string& address, int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t wait = RetryLocked(AccountKey(account), limits_.per_account, now);
  if (!address.empty()) wait = std::max(wait, RetryLocked("a:" + address, limits_.per_address, now));
  return wait;
}

}  // namespace refuge::auth
