#include "refuge/vault/pipeline.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>

namespace refuge::vault {
namespace {

TEST(ChunkPipelineTest, EveryStageSeesEveryChunkInOrder) {
  std::vector<uint64_t> seen_a, seen_b;
  std::vector<size_t> sizes;
  ChunkPipeline p(16, 2,
                  {[&](const uint8_t* d, size_t n, uint64_t i) {
                     seen_a.push_back(i);
                     sizes.push_back(n);
                     EXPECT_EQ(d[0], static_cast<uint8_t>(i));
                     return Status::Ok();
                   },
                   [&](const uint8_t* d, size_t, uint64_t i) {
                     seen_b.push_back(i);
                     EXPECT_EQ(d[0], static_cast<uint8_t>(i));
                     return Status::Ok();
                   }});
  for (int i = 0; i < 50; ++i) {
    uint8_t* slot = p.Next();
    std::memset(slot, i, 16);
    p.Submit(i == 49 ? 3 : 16);
  }
  ASSERT_TRUE(p.Finish().ok());
  ASSERT_EQ(seen_a.size(), 50u);
  for (uint64_t i = 0; i < 50; ++i) {
    EXPECT_EQ(seen_a[i], i);
    EXPECT_EQ(seen_b[i], i);
  }
  EXPECT_EQ(sizes.back(), 3u);
}

TEST(ChunkPipelineTest, AFailingStageStopsTheWorkButNeverTheProducer) {
  std::atomic<int> hashed{0};
  ChunkPipeline p(8, 2,
                  {[&](const uint8_t*, size_t, uint64_t) {
                     ++hashed;
                     return Status::Ok();
                   },
                   [&](const uint8_t*, size_t, uint64_t i) {
                     return i == 3 ? IoError("the disk is full") : Status::Ok();
                   }});
  // Far more chunks than slots: the producer must not block after the failure.
  for (int i = 0; i < 100; ++i) {
    p.Next();
    p.Submit(8);
  }
  Status s = p.Finish();
  EXPECT_EQ(s.code(), Code::kIo);
  EXPECT_EQ(s.message(), "the disk is full");
  EXPECT_LT(hashed.load(), 100);  // later chunks were released without work
  EXPECT_FALSE(p.error().ok());
}

}  // namespace
}  // namespace refuge::vault
