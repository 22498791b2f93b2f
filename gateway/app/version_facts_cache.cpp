#include "app/version_facts_cache.hpp"

#include <algorithm>

namespace fhirgw::app {

VersionFactsCache::VersionFactsCache(size_t capacity) : per_shard_(std::max<size_t>(1, capacity / kShards)) {}

std::string VersionFactsCache::key(const store::Record& r) {
  std::string k;
  k.reserve(r.type.size() + r.id.size() + r.controller.size() + r.patient_id.size() + r.author_org.size() + 96);
  k.append(r.type).append("/").append(r.id).append("/");
  k.append(std::to_string(r.version)).append("/").append(std::to_string(r.row)).append("/");
  k.append(std::to_string(r.last_updated_ms)).append("/");
  k.append(std::to_string(std::hash<std::string>{}(r.json))).append("/").append(std::to_string(r.json.size()));
  // The columns fill in what the text lacks (facts_of): part of the key too.
  k.append("\n").append(r.controller).append("\n").append(r.patient_id).append("\n").append(r.author_org);
  k.append(r.confidential ? "\nC" : "\n-");
  return k;
}

std::shared_ptr<const policy::ResourceFacts> VersionFactsCache::find(const store::Record& record) {
  if (record.deleted || record.version <= 0) return nullptr;
  std::string k = key(record);
  Shard& sh = shard_of(k);
  std::lock_guard lock(sh.mu);
  auto it = sh.facts.find(k);
  return it == sh.facts.end() ? nullptr : it->second;
}

void VersionFactsCache::keep(const store::Record& record, std::shared_ptr<const policy::ResourceFacts> facts) {
  if (record.deleted || record.version <= 0) return;
  std::string k = key(record);
  Shard& sh = shard_of(k);
  std::lock_guard lock(sh.mu);
  if (sh.facts.size() >= per_shard_) sh.facts.clear();
  sh.facts.insert_or_assign(std::move(k), std::move(facts));
}

}  // namespace fhirgw::app
