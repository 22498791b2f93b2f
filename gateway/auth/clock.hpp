#pragma once
// Time source for everything in auth that judges expiry. Injected so tests can
// move time forward without sleeping.
#include <chrono>
#include <cstdint>
#include <functional>

namespace fhirgw::auth {

// Seconds since the Unix epoch (JWT NumericDate).
using Clock = std::function<std::int64_t()>;

inline std::int64_t system_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline Clock system_clock() { return &system_now; }

}  // namespace fhirgw::auth
