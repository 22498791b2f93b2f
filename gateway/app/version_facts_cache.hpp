#pragma once
// The policy facts of resource versions, parsed once. A stored version never
// changes, so the JSON parse behind a read decision is paid on the first read
// of a version only; the decision itself (consent, agreements, exclusions) is
// still taken on every request against the current governance snapshot.
// With the facts, a version keeps its text as redacted for each set of
// hidden fields it was sent with: a permit with hidden fields would otherwise
// parse and rewrite the resource on every read.
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "policy/facts.hpp"
#include "store/store.hpp"

namespace fhirgw::app {

class VersionEntry {
 public:
  explicit VersionEntry(std::shared_ptr<const policy::ResourceFacts> facts) : facts(std::move(facts)) {}
  const std::shared_ptr<const policy::ResourceFacts> facts;
  // The text without `hidden` fields, if kept.
  std::shared_ptr<const std::string> redacted(const std::vector<std::string>& hidden) const;
  // Keeps a few sets of hidden fields a version (one per kind of partner, in practice).
  void keep_redacted(const std::vector<std::string>& hidden, std::shared_ptr<const std::string> text);

 private:
  static constexpr size_t kRedactions = 4;
  mutable std::mutex mu_;
  std::vector<std::pair<std::vector<std::string>, std::shared_ptr<const std::string>>> redacted_;
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
