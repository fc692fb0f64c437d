#include "refuge/app/view_cache.h"

namespace refuge::app {

namespace {
// What an entry costs beyond its text: the key twice, the nodes.
size_t Cost(const std::string& key, const std::string& text) { return 2 * key.size() + text.size() + 128; }
}  // namespace

ViewText ViewCache::Find(const std::string& key, int64_t generation) {
  std::lock_guard<std::mutex> lock(mu_);
  if (generation != generation_) return nullptr;
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->text;
}

void ViewCache::Put(const std::string& key, int64_t generation, ViewText text) {
  if (!text) return;
  const size_t cost = Cost(key, *text);
  std::lock_guard<std::mutex> lock(mu_);
  if (cost > max_bytes_ || generation < generation_) return;
  if (generation > generation_) {
    DropAllLocked();
    generation_ = generation;
  }
  auto it = index_.find(key);
  if (it != index_.end()) {
    bytes_ -= Cost(key, *it->second->text);
    lru_.erase(it->second);
    index_.erase(it);
  }
  while (bytes_ + cost > max_bytes_ && !lru_.empty()) {
    const Entry& last = lru_.back();
    bytes_ -= Cost(last.key, *last.text);
    index_.erase(last.key);
    lru_.pop_back();
  }
  lru_.push_front(Entry{key, std::move(text)});
  index_.emplace(key, lru_.begin());
  bytes_ += cost;
}

void ViewCache::DropAllLocked() {
  index_.clear();
  lru_.clear();
  bytes_ = 0;
}

void ViewCache::set_max_bytes(size_t max_bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  max_bytes_ = max_bytes;
  DropAllLocked();
}

size_t ViewCache::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

size_t ViewCache::entries() const {
  std::lock_guard<std::mutex> lock(mu_);
  return index_.size();
}

}  // namespace refuge::app
