#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace refuge::app {

// A view's answer as sent: serialized JSON, shared between the cache and the
// requests sending it.
using ViewText = std::shared_ptr<const std::string>;

// Answers of views (chronologies) already computed, each for one user and one
// data generation (store::Db::DataGeneration). An answer is served only to the
// same user and only while the generation read in the caller's snapshot is the
// one it was computed at, so it is never stale: every write a view may show
// advances the generation, in whichever process it happens. Access is still
// checked on every request before the cache is asked. Holds at most `max_bytes`
// of answers, dropping the least recently used; 0 turns it off. Thread-safe.
class ViewCache {
 public:
  explicit ViewCache(size_t max_bytes) : max_bytes_(max_bytes) {}

  // The answer for `key` computed at `generation`, or null.
  ViewText Find(const std::string& key, int64_t generation);
  // Keeps `text` as the answer for `key` at `generation`. Answers of older
  // generations are dropped when a newer one arrives; an answer older than the
  // newest seen is not kept.
  void Put(const std::string& key, int64_t generation, ViewText text);

  // Changes the limit; the answers held are dropped.
  void set_max_bytes(size_t max_bytes);
  size_t bytes() const;
  size_t entries() const;

 private:
  struct Entry {
    std::string key;
    ViewText text;
  };
  void DropAllLocked();

  size_t max_bytes_;
  mutable std::mutex mu_;
  int64_t generation_ = 0;  // of every answer held
  std::list<Entry> lru_;    // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  size_t bytes_ = 0;
};

}  // namespace refuge::app
