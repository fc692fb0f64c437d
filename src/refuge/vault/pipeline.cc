#include "refuge/vault/pipeline.h"

#include <algorithm>

namespace refuge::vault {

ChunkPipeline::ChunkPipeline(size_t chunk_bytes, size_t slots, std::vector<Stage> stages)
    : chunk_bytes_(chunk_bytes),
      slots_(slots, std::vector<uint8_t>(chunk_bytes)),
      lengths_(slots, 0),
      stages_(std::move(stages)),
      done_(stages_.size(), 0) {
  for (size_t i = 0; i < stages_.size(); ++i) threads_.emplace_back([this, i] { Run(i); });
}

ChunkPipeline::~ChunkPipeline() { (void)Finish(); }

uint64_t ChunkPipeline::MinDone() const { return *std::min_element(done_.begin(), done_.end()); }

uint8_t* ChunkPipeline::Next() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return submitted_ - MinDone() < slots_.size(); });
  return slots_[submitted_ % slots_.size()].data();
}

void ChunkPipeline::Submit(size_t n) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    lengths_[submitted_ % slots_.size()] = std::min(n, chunk_bytes_);
    ++submitted_;
  }
  cv_.notify_all();
}

Status ChunkPipeline::error() {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

Status ChunkPipeline::Finish() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

void ChunkPipeline::Run(size_t stage) {
  while (true) {
    uint64_t index;
    bool skip;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return done_[stage] < submitted_ || closing_; });
      if (done_[stage] >= submitted_) return;  // closing and drained
      index = done_[stage];
      skip = !error_.ok();  // after a failure, chunks are only released
    }
    const size_t slot = index % slots_.size();
    if (!skip) {
      Status s = stages_[stage](slots_[slot].data(), lengths_[slot], index);
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(mu_);
        if (error_.ok()) error_ = s;
      }
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++done_[stage];
    }
    cv_.notify_all();
  }
}

}  // namespace refuge::vault
