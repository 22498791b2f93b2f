#pragma once
// Per-client request rate limit: a token bucket per client id (rate tokens a
// second, holding at most `burst`). Thread-safe; memory is bounded by
// forgetting buckets that have refilled completely (they behave as new).
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace fhirgw::auth {

class RateLimiter {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  struct Limit {
    double rate_per_second = 10;
    double burst = 20;
  };
  struct Decision {
    bool allowed = true;
    std::int64_t retry_after_seconds = 0;  // for the Retry-After header when refused (>= 1)
  };

  explicit RateLimiter(Limit default_limit, std::size_t max_tracked_clients = 100'000);

  // A specific limit for one client (e.g. a bulk integrator); replaces its bucket.
  void set_limit(std::string_view client_id, Limit limit);

  // Takes one token from the client's bucket if there is one.
  Decision check(std::string_view client_id);
  Decision check(std::string_view client_id, TimePoint now);

 private:
  struct Bucket {
    double tokens;
    TimePoint updated;
    Limit limit;
  };
  Limit limit_for_locked(const std::string& client_id) const;
  void forget_full_buckets_locked(TimePoint now);

  Limit default_limit_;
  std::size_t max_tracked_;
  std::mutex mu_;
  std::unordered_map<std::string, Limit> overrides_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace fhirgw::auth
