#pragma once
// Remembers client-assertion ids (jti) until the assertion could no longer be
// valid, so a captured assertion cannot be replayed. The in-memory cache
// protects one gateway process; replicas sharing a database need the
// PostgreSQL-backed implementation of this same interface (to come, in store).
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/clock.hpp"
#include "core/result.hpp"

namespace fhirgw::auth {

class JtiCache {
 public:
  virtual ~JtiCache() = default;
  // Records `key` until `expires_at` (Unix seconds). Returns false when the key
  // is already recorded and not yet expired: a replay. An error means the
  // cache could not decide, and the caller must refuse (fail closed).
  virtual Result<bool> remember(std::string_view key, std::int64_t expires_at) = 0;
};

class InMemoryJtiCache final : public JtiCache {
 public:
  explicit InMemoryJtiCache(Clock clock = system_clock(), std::size_t max_entries = 1'000'000);
  Result<bool> remember(std::string_view key, std::int64_t expires_at) override;
  std::size_t size() const;

 private:
  void purge_expired_locked(std::int64_t now);

  Clock clock_;
  std::size_t max_entries_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::int64_t> entries_;
  std::size_t inserts_since_purge_ = 0;
};

}  // namespace fhirgw::auth
