#pragma once
// When a decision can change with nothing written: an agreement coming into
// or out of force, a consent's or a flag's period starting or ending, and,
// for age cohorts, each UTC midnight. Between two such instants every
// decision on the same policy, consents and patients is the same, so a
// decision or a narrowing made earlier in that slot of time may be used
// again; one made in another slot may not.
#include <cstdint>
#include <vector>

#include "policy/consent.hpp"
#include "policy/facts.hpp"
#include "policy/policy.hpp"

namespace fhirgw::policy {

// [from_ms, until_ms): no decision input that depends on the clock changes.
struct TimeSlot {
  int64_t from_ms = 0;
  int64_t until_ms = 0;
  bool contains(int64_t now_ms) const { return now_ms >= from_ms && now_ms < until_ms; }
  bool operator==(const TimeSlot&) const = default;
};

class TimeBoundaries {
 public:
  // Every instant the engine compares the clock with, under this state.
  static TimeBoundaries of(const Policy& policy, const ConsentIndex& consents, const PatientDirectory& patients);
  // The slot holding now_ms: between the boundaries either side, within its UTC day.
  TimeSlot slot(int64_t now_ms) const;
  size_t size() const { return at_.size(); }

 private:
  std::vector<int64_t> at_;  // sorted, unique
};

}  // namespace fhirgw::policy
