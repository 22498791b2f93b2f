#include "auth/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace fhirgw::auth {

RateLimiter::RateLimiter(Limit default_limit, std::size_t max_tracked_clients)
    : default_limit_(default_limit), max_tracked_(std::max<std::size_t>(1, max_tracked_clients)) {}

void RateLimiter::set_limit(std::string_view client_id, Limit limit) {
  std::lock_guard lock(mu_);
  std::string id(client_id);
  overrides_[id] = limit;
  buckets_.erase(id);
}

RateLimiter::Limit RateLimiter::limit_for_locked(const std::string& client_id) const {
  auto it = overrides_.find(client_id);
  return it == overrides_.end() ? default_limit_ : it->second;
}

void RateLimiter::forget_full_buckets_locked(TimePoint now) {
  std::erase_if(buckets_, [now](const auto& entry) {
    const Bucket& b = entry.second;
    double elapsed = std::chrono::duration<double>(now - b.updated).count();
    return b.tokens + elapsed * b.limit.rate_per_second >= b.limit.burst;
  });
}

RateLimiter::Decision RateLimiter::check(std::string_view client_id) {
  return check(client_id, std::chrono::steady_clock::now());
}

RateLimiter::Decision RateLimiter::check(std::string_view client_id, TimePoint now) {
  std::lock_guard lock(mu_);
  std::string id(client_id);
  auto it = buckets_.find(id);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_tracked_) forget_full_buckets_locked(now);
    Limit limit = limit_for_locked(id);
    // Still full of busy clients: refuse newcomers rather than grow without bound.
    if (buckets_.size() >= max_tracked_) return {false, 1};
    it = buckets_.emplace(id, Bucket{limit.burst, now, limit}).first;
  }
  Bucket& b = it->second;
  if (now > b.updated) {
    double elapsed = std::chrono::duration<double>(now - b.updated).count();
    b.tokens = std::min(b.limit.burst, b.tokens + elapsed * b.limit.rate_per_second);
    b.updated = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return {true, 0};
  }
  if (b.limit.rate_per_second <= 0) return {false, 3600};
  double wait = (1.0 - b.tokens) / b.limit.rate_per_second;
  return {false, std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(wait)))};
}

}  // namespace fhirgw::auth
