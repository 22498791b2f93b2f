#include "policy/time_slot.hpp"

#include <algorithm>
#include <limits>

namespace fhirgw::policy {

namespace {
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
}  // namespace

TimeBoundaries TimeBoundaries::of(const Policy& policy, const ConsentIndex& consents,
                                  const PatientDirectory& patients) {
  TimeBoundaries b;
  auto add = [&](int64_t t) {
    if (t != kMin && t != kMax) b.at_.push_back(t);
  };
  for (const auto& a : policy.agreements) {
    add(a.valid_from_ms);
    add(a.valid_until_ms);
  }
  consents.for_each_record([&](const ConsentRecord& r) {
    add(r.start_ms);
    add(r.end_ms);
  });
  for (const auto& [id, p] : patients)
    for (const auto& f : p.flag_codes) {
      add(f.from_ms);
      add(f.until_ms);
    }
  std::sort(b.at_.begin(), b.at_.end());
  b.at_.erase(std::unique(b.at_.begin(), b.at_.end()), b.at_.end());
  return b;
}

TimeSlot TimeBoundaries::slot(int64_t now_ms) const {
  // Ages change at UTC midnight (age_in_years counts UTC days).
  const int64_t day = utc_day(now_ms);
  TimeSlot s{day * kDayMs, now_ms > kMax - kDayMs ? kMax : (day + 1) * kDayMs};
  // The first boundary after now ends the slot; the last one at or before it starts it.
  auto next = std::upper_bound(at_.begin(), at_.end(), now_ms);
  if (next != at_.end()) s.until_ms = std::min(s.until_ms, *next);
  if (next != at_.begin()) s.from_ms = std::max(s.from_ms, *std::prev(next));
  return s;
}

}  // namespace fhirgw::policy
