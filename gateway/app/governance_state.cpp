#include "app/governance_state.hpp"

#include <atomic>

#include "core/request_scope.hpp"
#include "core/json.hpp"

namespace fhirgw::app {

namespace {
const std::vector<std::string> kTrackedTypes = {"Patient", "Consent", "Flag"};
constexpr int kBatch = 5000;
std::atomic<uint64_t> next_generation{1};
}  // namespace

GovernanceState::GovernanceState(store::Store& store) : store_(store) {
  auto s = std::make_shared<GovernanceSnapshot>();
  s->policy = std::make_shared<policy::Policy>();  // not loaded: denies everything
  s->consents = std::make_shared<policy::ConsentIndex>();
  s->patients = std::make_shared<policy::PatientDirectory>();
  publish(std::move(s), true);
}

void GovernanceState::publish(std::shared_ptr<GovernanceSnapshot> next, bool boundaries_changed) {
  if (boundaries_changed || !next->boundaries)
    next->boundaries = std::make_shared<const policy::TimeBoundaries>(
        policy::TimeBoundaries::of(*next->policy, *next->consents, *next->patients));
  next->generation = next_generation.fetch_add(1, std::memory_order_relaxed);
  std::atomic_store(&snapshot_, std::shared_ptr<const GovernanceSnapshot>(std::move(next)));
}

Status GovernanceState::load() {
  auto seq = store_.change_seq();
  if (!seq.ok()) return std::move(seq).error();
  std::lock_guard lock(mu_);
  return refresh_locked(*seq);
}

void GovernanceState::set_policy(policy::Policy p) {
  std::lock_guard lock(mu_);
  auto next = std::make_shared<GovernanceSnapshot>(*std::atomic_load(&snapshot_));
  next->policy = std::make_shared<const policy::Policy>(std::move(p));
  publish(std::move(next), true);
}

Result<std::shared_ptr<const GovernanceSnapshot>> GovernanceState::current(std::optional<int64_t> seen_change_seq) {
  // One look at the store per request: every check within a request sees the
  // same snapshot, and a change committed before the request began is in it.
  thread_local uint64_t memo_request = 0;
  thread_local const GovernanceState* memo_owner = nullptr;
  thread_local std::shared_ptr<const GovernanceSnapshot> memo;
  const uint64_t request = request_scope::current();
  if (request != 0 && request == memo_request && memo_owner == this && memo) return memo;
  auto fresh = seen_change_seq ? at_least(*seen_change_seq) : current_uncached();
  if (fresh.ok()) {
    memo_request = request;
    memo_owner = this;
    memo = *fresh;
  }
  return fresh;
}

Result<std::shared_ptr<const GovernanceSnapshot>> GovernanceState::current_uncached() {
  auto seq = store_.change_seq();
  if (!seq.ok()) return std::move(seq).error();
  return at_least(*seq);
}

Result<std::shared_ptr<const GovernanceSnapshot>> GovernanceState::at_least(int64_t change_seq) {
  auto snap = std::atomic_load(&snapshot_);
  if (change_seq <= snap->seq) return snap;
  std::lock_guard lock(mu_);
  if (auto s = refresh_locked(change_seq); !s.ok()) return std::move(s).error();
  return std::atomic_load(&snapshot_);
}

void GovernanceState::recompute_flags(policy::PatientDirectory& dir, const std::string& patient_id) const {
  auto it = dir.find(patient_id);
  if (it == dir.end()) return;
  it->second.flag_codes.clear();
  for (const auto& [id, entry] : flags_) {
    if (entry.first != patient_id) continue;
    auto d = json::parse(entry.second);
    if (d.ok()) policy::add_flag(it->second, *d);
  }
}

Status GovernanceState::refresh_locked(int64_t target_seq) {
  auto base = std::atomic_load(&snapshot_);
  if (target_seq <= base->seq) return {};
  // Copy-on-write, and only what changes: readers keep the old snapshot until
  // the new one is complete; writes to other types copy nothing.
  std::shared_ptr<policy::ConsentIndex> consents;
  std::shared_ptr<policy::PatientDirectory> patients;
  auto own_consents = [&] {
    if (!consents) consents = std::make_shared<policy::ConsentIndex>(*base->consents);
  };
  auto own_patients = [&] {
    if (!patients) patients = std::make_shared<policy::PatientDirectory>(*base->patients);
  };
  int64_t seq = base->seq;
  std::vector<std::string> flag_patients;
  for (;;) {
    auto changed = store_.changed_since(seq, kTrackedTypes, kBatch);
    if (!changed.ok()) return std::move(changed).error();
    for (const auto& rec : *changed) {
      seq = std::max(seq, rec.row);
      if (rec.type == "Consent") {
        own_consents();
        consents->erase(rec.id);
        if (rec.deleted) continue;
        auto d = json::parse(rec.json);
        if (!d.ok()) continue;
        auto parsed = policy::parse_consent(*d);
        if (parsed.ok()) consents->upsert(std::move(parsed).value());
      } else if (rec.type == "Patient") {
        own_patients();
        if (rec.deleted) {
          patients->erase(rec.id);
          continue;
        }
        auto d = json::parse(rec.json);
        if (!d.ok()) continue;
        policy::PatientFacts facts = policy::patient_facts(*d);
        facts.id = rec.id;
        if (facts.controller.empty()) facts.controller = rec.controller;
        (*patients)[rec.id] = std::move(facts);
        flag_patients.push_back(rec.id);
      } else if (rec.type == "Flag") {
        own_patients();
        auto old = flags_.find(rec.id);
        if (old != flags_.end()) flag_patients.push_back(old->second.first);
        if (rec.deleted) flags_.erase(rec.id);
        else flags_[rec.id] = {rec.patient_id, rec.json};
        flag_patients.push_back(rec.patient_id);
      }
    }
    if (static_cast<int>(changed->size()) < kBatch) break;
  }
  if (patients)
    for (const auto& p : flag_patients) recompute_flags(*patients, p);
  auto next = std::make_shared<GovernanceSnapshot>(*base);
  if (consents) next->consents = consents;
  if (patients) next->patients = patients;
  next->seq = std::max(seq, target_seq);
  publish(std::move(next), consents || patients);
  return {};
}

}  // namespace fhirgw::app
