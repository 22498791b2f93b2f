#pragma once
// The policy facts of resource versions, parsed once. A stored version never
// changes, so the JSON parse behind a read decision is paid on the first read
// of a version only; the decision itself (consent, agreements, exclusions) is
// still taken on every request against the current governance snapshot.
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "policy/facts.hpp"
#include "store/store.hpp"

namespace fhirgw::app {

class VersionFactsCache {
 public:
  // At most `capacity` versions (a shard that fills is emptied: simple, bounded).
  explicit VersionFactsCache(size_t capacity = 16384);
  // Null when this version's facts are not kept (tombstones never are).
  std::shared_ptr<const policy::ResourceFacts> find(const store::Record& record);
  void keep(const store::Record& record, std::shared_ptr<const policy::ResourceFacts> facts);

 private:
  static constexpr size_t kShards = 16;
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, std::shared_ptr<const policy::ResourceFacts>> facts;
  };
  // Type, id and version, with the store's row, timestamp, governance columns
  // and a hash of the text: a version number reused (a transaction rolled
  // back, a restore from backup) is a different key.
  static std::string key(const store::Record& record);
  Shard& shard_of(const std::string& key) { return shards_[std::hash<std::string>{}(key) % kShards]; }

  const size_t per_shard_;
  Shard shards_[kShards];
};

}  // namespace fhirgw::app
