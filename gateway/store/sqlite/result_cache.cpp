#include "store/sqlite/result_cache.hpp"

namespace fhirgw::store::sqlite {

namespace {
// What an entry costs beyond its keys and values: list and map nodes, the
// shared block, the vectors.
constexpr size_t kEntryOverhead = 160;
}  // namespace

std::string ResultCache::key(const std::string& sql, const std::vector<Bind>& binds) {
  std::string k;
  size_t size = sql.size() + 1;
  for (const auto& b : binds) size += 24 + (std::holds_alternative<std::string>(b) ? std::get<std::string>(b).size() : 0);
  if (size > kMaxKeyBytes) return {};
  k.reserve(size);
  k += sql;
  k += '\0';
  // Each value as a tag and its length-prefixed text: no two lists of values
  // make the same key.
  for (const auto& b : binds) {
    if (std::holds_alternative<std::nullptr_t>(b)) {
      k += 'n';
    } else if (const auto* i = std::get_if<int64_t>(&b)) {
      k += 'i';
      k += std::to_string(*i);
      k += ';';
    } else {
      const auto& s = std::get<std::string>(b);
      k += 's';
      k += std::to_string(s.size());
      k += ':';
      k += s;
    }
  }
  return k;
}

ResultCache::ResultCache(size_t max_bytes) : max_bytes_(max_bytes) {}

std::shared_ptr<const CachedRows> ResultCache::find(const std::string& key, uint64_t stamp) {
  Shard& sh = shard_of(key);
  std::lock_guard g(sh.mu);
  auto it = stamp == sh.stamp ? sh.index.find(key) : sh.index.end();
  if (it == sh.index.end()) {
    ++sh.misses;
    return nullptr;
  }
  ++sh.hits;
  sh.lru.splice(sh.lru.begin(), sh.lru, it->second);
  return it->second->rows;
}

void ResultCache::insert(std::string key, uint64_t stamp, std::shared_ptr<const CachedRows> rows) {
  const size_t bytes = key.size() + rows->bytes + kEntryOverhead;
  const size_t budget = max_bytes_ / kShards;
  if (bytes > budget / 4) return;  // one answer may not crowd out the rest
  Shard& sh = shard_of(key);
  Lru dropped;  // destroyed after the lock is released
  std::lock_guard g(sh.mu);
  if (stamp < sh.stamp) return;
  if (stamp > sh.stamp) {
    sh.index.clear();
    dropped.swap(sh.lru);
    sh.bytes = 0;
    sh.stamp = stamp;
  }
  if (sh.index.count(key)) return;  // another reader kept the same rows
  sh.lru.push_front(Entry{std::move(key), std::move(rows), bytes});
  sh.index.emplace(sh.lru.front().key, sh.lru.begin());
  sh.bytes += bytes;
  while (sh.bytes > budget) {
    auto last = std::prev(sh.lru.end());
    sh.index.erase(last->key);
    sh.bytes -= last->bytes;
    dropped.splice(dropped.end(), sh.lru, last);
  }
}

ResultCache::Stats ResultCache::stats() const {
  Stats st;
  for (const auto& sh : shards_) {
    std::lock_guard g(sh.mu);
    st.hits += sh.hits;
    st.misses += sh.misses;
    st.entries += sh.index.size();
    st.bytes += sh.bytes;
  }
  return st;
}

std::shared_ptr<const CachedRows> CacheSession::find(const std::string& key) {
  if (!cache_) return nullptr;
  auto rows = cache_->find(key, stamp_);
  if (rows) used_cache_ = true;
  return rows;
}

void CacheSession::keep(std::string key, std::shared_ptr<const CachedRows> rows) {
  if (cache_) kept_.emplace_back(std::move(key), std::move(rows));
}

void CacheSession::publish(std::optional<uint64_t> stamp_now) {
  if (!cache_ || stamp_now != stamp_) return;
  for (auto& [key, rows] : kept_) cache_->insert(std::move(key), stamp_, std::move(rows));
  kept_.clear();
}

}  // namespace fhirgw::store::sqlite
