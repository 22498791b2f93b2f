// The small pieces: form bodies, redaction, the jti cache, the rate limiter.
#include <gtest/gtest.h>

#include <thread>

#include "auth/form.hpp"
#include "auth/jti_cache.hpp"
#include "auth/rate_limiter.hpp"
#include "auth/redact.hpp"
#include "test_support.hpp"

using namespace fhirgw;
using namespace fhirgw::auth;
using namespace std::chrono_literals;

TEST(Form, ParsesAndEncodes) {
  auto f = parse_form("a=1&b=x+y%2Fz&&c=&d");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*f, (FormFields{{"a", "1"}, {"b", "x y/z"}, {"c", ""}, {"d", ""}}));
  EXPECT_FALSE(parse_form("a=%2").ok());
  EXPECT_FALSE(parse_form("a=%zz").ok());
  EXPECT_FALSE(parse_form("=1").ok());
  EXPECT_FALSE(parse_form(std::string(100, 'a'), 50).ok());
  FormFields in = {{"scope", "system/CarePlan.rs system/Patient.r"}, {"k", "a&b=c+%"}};
  auto back = parse_form(form_encode(in));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, in);
  auto once = form_value(*f, "a");
  ASSERT_TRUE(once.ok());
  EXPECT_EQ(*once, std::optional<std::string>("1"));
  EXPECT_EQ(*form_value(*f, "zz"), std::nullopt);
  EXPECT_FALSE(form_value(*parse_form("a=1&a=1"), "a").ok());
}

TEST(Redact, NeverEchoesCredentials) {
  EXPECT_EQ(redact_authorization("Bearer eyJhbGciOiJFUzI1NiJ9.e30.sig"), "Bearer [redacted]");
  EXPECT_EQ(redact_authorization("Basic dXNlcjpwYXNz"), "Basic [redacted]");
  EXPECT_EQ(redact_authorization("eyJhbGciOiJFUzI1NiJ9.e30.sig"), "[redacted]");
  EXPECT_EQ(redact_authorization("to:ken with spaces"), "[redacted]");
  EXPECT_EQ(redact_authorization(""), "");
}

TEST(JtiCache, RemembersUntilExpiry) {
  fhirgw::auth::test::FakeClock clock;
  InMemoryJtiCache cache(clock.clock(), 3);
  EXPECT_TRUE(*cache.remember("a", clock.get() + 100));
  EXPECT_FALSE(*cache.remember("a", clock.get() + 100));
  EXPECT_TRUE(*cache.remember("b", clock.get() + 10));
  EXPECT_TRUE(*cache.remember("c", clock.get() + 10));
  // Full of live entries: refuse to decide rather than forget a live jti.
  auto full = cache.remember("d", clock.get() + 10);
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().status, 503);
  clock.advance(11);
  EXPECT_TRUE(*cache.remember("d", clock.get() + 10));  // b and c expired and were swept
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_FALSE(*cache.remember("a", clock.get() + 100));
  clock.advance(100);
  EXPECT_TRUE(*cache.remember("a", clock.get() + 100));  // expired: may be recorded again
}

TEST(RateLimiter, BurstThenRetryAfter) {
  RateLimiter rl({2.0, 3.0});
  auto t0 = std::chrono::steady_clock::time_point{} + 1000s;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(rl.check("a", t0).allowed);
  auto refused = rl.check("a", t0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_seconds, 1);
  EXPECT_TRUE(rl.check("b", t0).allowed);  // clients are independent
  EXPECT_TRUE(rl.check("a", t0 + 500ms).allowed);  // 2/s refills one token in 0.5 s
  EXPECT_FALSE(rl.check("a", t0 + 500ms).allowed);
  // A long idle refills only up to the burst.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(rl.check("a", t0 + 3600s).allowed);
  EXPECT_FALSE(rl.check("a", t0 + 3600s).allowed);
}

TEST(RateLimiter, SlowRatesGiveLongerRetryAfter) {
  RateLimiter rl({0.1, 1.0});
  auto t0 = std::chrono::steady_clock::time_point{} + 1000s;
  EXPECT_TRUE(rl.check("a", t0).allowed);
  EXPECT_EQ(rl.check("a", t0).retry_after_seconds, 10);
  EXPECT_EQ(rl.check("a", t0 + 4s).retry_after_seconds, 6);
  rl.set_limit("bulk", {100.0, 100.0});
  int allowed = 0;
  for (int i = 0; i < 150; ++i) allowed += rl.check("bulk", t0).allowed;
  EXPECT_EQ(allowed, 100);
}

TEST(RateLimiter, TrackedClientsAreBounded) {
  RateLimiter rl({1.0, 1.0}, 2);
  auto t0 = std::chrono::steady_clock::time_point{} + 1000s;
  EXPECT_TRUE(rl.check("a", t0).allowed);
  EXPECT_TRUE(rl.check("b", t0).allowed);
  EXPECT_FALSE(rl.check("c", t0).allowed);  // both buckets busy: no room
  EXPECT_TRUE(rl.check("c", t0 + 2s).allowed);  // a and b refilled, forgotten
}

TEST(RateLimiter, ThreadSafe) {
  RateLimiter rl({0.0001, 1000.0});
  auto t0 = std::chrono::steady_clock::time_point{} + 1000s;
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) allowed += rl.check("shared", t0).allowed;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(allowed.load(), 1000);
}
