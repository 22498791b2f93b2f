#include "auth/jti_cache.hpp"

namespace fhirgw::auth {

InMemoryJtiCache::InMemoryJtiCache(Clock clock, std::size_t max_entries)
    : clock_(std::move(clock)), max_entries_(max_entries) {}

void InMemoryJtiCache::purge_expired_locked(std::int64_t now) {
  std::erase_if(entries_, [now](const auto& e) { return e.second <= now; });
  inserts_since_purge_ = 0;
}

Result<bool> InMemoryJtiCache::remember(std::string_view key, std::int64_t expires_at) {
  std::lock_guard lock(mu_);
  const std::int64_t now = clock_();
  // Sweeping once per ~1024 inserts keeps the amortised cost O(1).
  if (inserts_since_purge_ >= 1024 || entries_.size() >= max_entries_) purge_expired_locked(now);
  std::string k(key);
  auto it = entries_.find(k);
  if (it != entries_.end() && it->second > now) return false;
  if (it == entries_.end() && entries_.size() >= max_entries_)
    return Error::make(503, "transient", "replay cache is full");
  entries_[std::move(k)] = expires_at;
  ++inserts_since_purge_;
  return true;
}

std::size_t InMemoryJtiCache::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace fhirgw::auth
