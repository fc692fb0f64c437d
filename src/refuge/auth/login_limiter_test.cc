#include "refuge/auth/login_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace refuge::auth {
namespace {

constexpr int64_t kNow = 1796040000;

TEST(LoginLimiter, FiveFailuresPerAccountWhateverTheCaseThenTheWindowPasses) {
  LoginLimiter limiter;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(limiter.Reserve(i % 2 ? "Maya" : "maya", "192.0.2.1", kNow).ok());
  auto refused = limiter.Reserve("MAYA", "192.0.2.2", kNow + 60);
  EXPECT_EQ(refused.status().code(), Code::kRateLimited);
  EXPECT_EQ(limiter.RetryAfter("maya", "", kNow + 60), 840);
  EXPECT_TRUE(limiter.Reserve("maya", "192.0.2.2", kNow + 900).ok());
}

TEST(LoginLimiter, ASuccessGivesItsReservationBack) {
  LoginLimiter limiter;
  for (int i = 0; i < 20; ++i) {
    auto r = limiter.Reserve("maya", "192.0.2.1", kNow);
    ASSERT_TRUE(r.ok()) << i;
    limiter.Release(*r);
  }
  EXPECT_EQ(limiter.size(), 0u);
}

TEST(LoginLimiter, TwentyFailuresPerAddressHoldOnlyThatAddress) {
  LoginLimiter limiter;
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(limiter.Reserve("guess" + std::to_string(i), "198.51.100.1", kNow).ok());
  EXPECT_EQ(limiter.Reserve("tenzin", "198.51.100.1", kNow).status().code(), Code::kRateLimited);
  EXPECT_TRUE(limiter.Reserve("tenzin", "198.51.100.2", kNow).ok());
}

TEST(LoginLimiter, ParallelAttemptsReserveAtMostTheLimit) {
  LoginLimiter limiter;
  std::atomic<int> reserved{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 40; ++i) {
    threads.emplace_back([&] {
      if (limiter.Reserve("tenzin", "", kNow).ok()) ++reserved;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(reserved.load(), 5);
}

TEST(LoginLimiter, HoldsAFixedNumberOfKeysHoweverManyNamesAreTried) {
  LoginLimiter limiter({}, 10000);
  for (int i = 0; i < 100000; ++i) {
    (void)limiter.Reserve("name" + std::to_string(i), "", kNow);
    ASSERT_LE(limiter.size(), 10000u) << "after " << i + 1 << " names";
  }
  EXPECT_EQ(limiter.size(), 10000u);
  // The most recent account is still counted.
  for (int i = 0; i < 4; ++i) (void)limiter.Reserve("name99999", "", kNow);
  EXPECT_EQ(limiter.Reserve("name99999", "", kNow).status().code(), Code::kRateLimited);
}

TEST(LoginLimiter, ExpiredKeysAreDropped) {
  LoginLimiter limiter;
  for (int i = 0; i < 100; ++i) (void)limiter.Reserve("name" + std::to_string(i), "", kNow);
  EXPECT_EQ(limiter.size(), 100u);
  for (int i = 0; i < 100; ++i) (void)limiter.RetryAfter("name" + std::to_string(i), "", kNow + 901);
  EXPECT_EQ(limiter.size(), 0u);
}

}  // namespace
}  // namespace refuge::auth
