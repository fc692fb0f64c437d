#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "refuge/base/status.h"

namespace refuge::vault {

// Feeds fixed-size chunks to stages that each run on their own thread and each
// see every chunk, in order: hashing and encryption of one stream overlap on two
// cores. Memory is `slots` chunks, whatever the stream's length.
class ChunkPipeline {
 public:
  using Stage = std::function<Status(const uint8_t* data, size_t n, uint64_t index)>;

  ChunkPipeline(size_t chunk_bytes, size_t slots, std::vector<Stage> stages);
  ~ChunkPipeline();
  ChunkPipeline(const ChunkPipeline&) = delete;
  ChunkPipeline& operator=(const ChunkPipeline&) = delete;

  // The buffer for the next chunk (chunk_bytes long); blocks while every slot is
  // still being worked on.
  uint8_t* Next();
  // Hands the buffer from Next(), holding `n` bytes, to the stages.
  void Submit(size_t n);
  // The first failure of any stage so far (OK when none); cheap, so producers
  // can stop early.
  Status error();
  // Waits for the stages to finish every submitted chunk; the first failure.
  Status Finish();

 private:
  void Run(size_t stage);
  uint64_t MinDone() const;

  const size_t chunk_bytes_;
  std::vector<std::vector<uint8_t>> slots_;
  std::vector<size_t> lengths_;
  std::vector<Stage> stages_;
  std::vector<uint64_t> done_;  // chunks finished, per stage
  uint64_t submitted_ = 0;
  bool closing_ = false;
  Status error_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::thread> threads_;
};

}  // namespace refuge::vault
