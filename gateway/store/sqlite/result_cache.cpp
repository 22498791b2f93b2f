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

std::shared_ptr<const CachedRows> ResultCache::find(const std::string& key, uint64_t stamp) {
  std::lock_guard g(mu_);
  if (stamp != stamp_) {
    ++misses_;
    return nullptr;
  }
  auto it = index_.find(key);
  if (it == index_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->rows;
}

void ResultCache::insert(std::string key, uint64_t stamp, std::shared_ptr<const CachedRows> rows) {
  const size_t bytes = key.size() + rows->bytes + kEntryOverhead;
  if (bytes > max_bytes_ / 4) return;  // one answer may not crowd out the rest
  Lru dropped;  // destroyed after the lock is released
  {
    std::lock_guard g(mu_);
    if (stamp < stamp_) return;
    if (stamp > stamp_) {
      index_.clear();
      dropped.swap(lru_);
      bytes_ = 0;
      stamp_ = stamp;
    }
    if (index_.count(key)) return;  // another reader kept the same rows
    lru_.push_front(Entry{std::move(key), std::move(rows), bytes});
    index_.emplace(lru_.front().key, lru_.begin());
    bytes_ += bytes;
    while (bytes_ > max_bytes_) {
      auto last = std::prev(lru_.end());
      index_.erase(last->key);
      bytes_ -= last->bytes;
      dropped.splice(dropped.end(), lru_, last);
    }
  }
}

ResultCache::Stats ResultCache::stats() const {
  std::lock_guard g(mu_);
  return Stats{hits_, misses_, index_.size(), bytes_};
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
