#pragma once
// What the policy engine decides on, kept in memory and current: the policy
// in force, the patients' consents and the patient directory (verification,
// controller, birth date, active flag codes). Before each decision the state
// asks the store for changes since it last looked (one indexed query), so a
// consent withdrawal or a patient delete written by any process or replica
// applies to the very next request. Snapshots are immutable and shared, so
// readers never wait for a refresh.
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "policy/consent.hpp"
#include "policy/facts.hpp"
#include "policy/policy.hpp"
#include "policy/time_slot.hpp"
#include "store/store.hpp"

namespace fhirgw::app {

struct GovernanceSnapshot {
  std::shared_ptr<const policy::Policy> policy;
  std::shared_ptr<const policy::ConsentIndex> consents;
  std::shared_ptr<const policy::PatientDirectory> patients;
  // When the clock alone changes a decision under this state.
  std::shared_ptr<const policy::TimeBoundaries> boundaries;
  int64_t seq = 0;  // store change sequence the snapshot reflects
  // Distinct for every snapshot a process makes (an address may be reused):
  // what decisions kept from it are stamped with.
  uint64_t generation = 0;
};

class GovernanceState {
 public:
  explicit GovernanceState(store::Store& store);
  // Loads everything from the store (at start-up).
  Status load();
  void set_policy(policy::Policy p);
  // The current state, refreshed from store changes first; on a store error the
  // error is returned (callers fail closed).
  // seen_change_seq: the store's change_seq, already read in this request
  // (store::Record::change_seq of a read), so the store is not asked again.
  Result<std::shared_ptr<const GovernanceSnapshot>> current(std::optional<int64_t> seen_change_seq = std::nullopt);
  // Asks the store every time (current() memoises per request).
  Result<std::shared_ptr<const GovernanceSnapshot>> current_uncached();

 private:
  Status refresh_locked(int64_t target_seq);
  // The state with every store change up to change_seq in it.
  Result<std::shared_ptr<const GovernanceSnapshot>> at_least(int64_t change_seq);
  void recompute_flags(policy::PatientDirectory& dir, const std::string& patient_id) const;
  // Publishes `next` with a new generation and its time boundaries.
  void publish(std::shared_ptr<GovernanceSnapshot> next, bool boundaries_changed);

  store::Store& store_;
  std::mutex mu_;  // serialises refreshes; snapshots are read lock-free via shared_ptr copies
  std::shared_ptr<const GovernanceSnapshot> snapshot_;
  // Flag JSON by id, and flag ids by patient, to recompute a patient's active flag codes.
  std::map<std::string, std::pair<std::string, std::string>> flags_;  // id -> (patient, json)
};

}  // namespace fhirgw::app
