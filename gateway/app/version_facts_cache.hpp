#pragma once
// The policy facts of resource versions, parsed once. A stored version never
// changes, so the JSON parse behind a read decision is paid on the first read
// of a version only. With the facts, a version keeps:
// - its text as redacted for each set of hidden fields it was sent with: a
//   permit with hidden fields would otherwise parse and rewrite the resource
//   on every read;
// - the last few read decisions taken on it, each stamped with everything
//   else the engine read: the governance snapshot (policy, consents,
//   patients), the slot of time (policy::TimeSlot) and the caller. A consent
//   withdrawal makes a new snapshot, and an agreement's or a consent's end
//   ends the slot, so a kept decision is never used after its inputs change.
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/caller.hpp"
#include "core/resource_model.hpp"
#include "policy/facts.hpp"
#include "policy/time_slot.hpp"
#include "rest/access.hpp"
#include "store/store.hpp"

namespace fhirgw::app {

// What a read decision on a version depends on besides the version: the
// governance snapshot, the slot of time, and what the engine reads of the
// caller and the request (policy::Request).
struct ReadContext {
  uint64_t generation = 0;  // GovernanceSnapshot::generation
  policy::TimeSlot slot;
  const Caller* caller = nullptr;
  model::Interaction interaction = model::Interaction::read;
  bool scope_allows = false;
};

class VersionEntry {
 public:
  explicit VersionEntry(std::shared_ptr<const policy::ResourceFacts> facts) : facts(std::move(facts)) {}
  const std::shared_ptr<const policy::ResourceFacts> facts;
  // The text without `hidden` fields, if kept.
  std::shared_ptr<const std::string> redacted(const std::vector<std::string>& hidden) const;
  // Keeps a few sets of hidden fields a version (one per kind of partner, in practice).
  void keep_redacted(const std::vector<std::string>& hidden, std::shared_ptr<const std::string> text);
  // The decision taken in exactly this context, if one is kept.
  std::optional<rest::AccessDecision> decision(const ReadContext& context) const;
  // Keeps a few (one per partner client, in practice); an older snapshot's go first.
  void keep_decision(const ReadContext& context, rest::AccessDecision decision);

 private:
  static constexpr size_t kRedactions = 4;
  static constexpr size_t kDecisions = 4;
  struct KeptDecision {
    uint64_t generation;
    policy::TimeSlot slot;
    Caller caller;  // scopes and token id cleared: the engine reads neither
    model::Interaction interaction;
    bool scope_allows;
    rest::AccessDecision decision;
    bool matches(const ReadContext& c) const;
  };
  mutable std::mutex mu_;
  std::vector<std::pair<std::vector<std::string>, std::shared_ptr<const std::string>>> redacted_;
  std::vector<KeptDecision> decisions_;
  size_t next_replaced_ = 0;
};

class VersionFactsCache {
 public:
  // At most `capacity` versions (a shard that fills is emptied: simple, bounded).
  explicit VersionFactsCache(size_t capacity = 16384);
  // Type, id and version, with the store's row, timestamp, governance columns
  // and a hash of the text: a version number reused (a transaction rolled
  // back, a restore from backup) is a different key. Empty for a version
  // never kept (tombstones).
  static std::string key(const store::Record& record);
  // Null when this version is not kept.
  std::shared_ptr<VersionEntry> find(const std::string& key);
  std::shared_ptr<VersionEntry> keep(const std::string& key, std::shared_ptr<const policy::ResourceFacts> facts);

 private:
  static constexpr size_t kShards = 16;
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, std::shared_ptr<VersionEntry>> versions;
  };
  Shard& shard_of(const std::string& key) { return shards_[std::hash<std::string>{}(key) % kShards]; }

  const size_t per_shard_;
  Shard shards_[kShards];
};

}  // namespace fhirgw::app
