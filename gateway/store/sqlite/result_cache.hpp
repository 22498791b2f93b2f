#pragma once
// The rows of recent read-only statements, kept in memory for as long as the
// database has not changed: a repeated read or search is answered without a
// SQLite read transaction (whose file locks cost more than the lookup).
//
// Correctness rests on the shared commit count (store/sqlite/commit_counter.hpp):
// every entry is stamped with the even count at which its rows were read, and
// is used only by a reader that saw the same count when it began. Any commit,
// from this process or another, moves the count, and the whole cache is then
// stale: it is emptied when the first rows of the new count arrive. A
// statement's rows depend on nothing but its SQL, its bound values and the
// database, so the key is exactly those.
//
// Bounded in bytes; the least recently used entries go first. Split into
// shards by key, each with its own lock, share of the budget and stamp, so
// the network threads reading at once seldom wait for each other.
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/sqlite/db.hpp"

namespace fhirgw::store::sqlite {

// One statement's result: its rows, each a list of column values.
struct CachedRows {
  std::vector<std::vector<Bind>> rows;
  size_t bytes = 0;
};

class ResultCache {
 public:
  // Statements whose key (SQL and values) is longer are not kept: a
  // governed search binds its caller's patient list, which is seldom repeated.
  static constexpr size_t kMaxKeyBytes = 8192;

  explicit ResultCache(size_t max_bytes);

  // The key of a statement: its text and its values, unambiguously; empty if
  // too long to keep.
  static std::string key(const std::string& sql, const std::vector<Bind>& binds);

  // The rows kept for `key` at commit count `stamp`, or null.
  std::shared_ptr<const CachedRows> find(const std::string& key, uint64_t stamp);
  // Keeps rows read at `stamp`. A later stamp empties the cache first; an
  // earlier one (a reader overtaken by a commit) is not kept.
  void insert(std::string key, uint64_t stamp, std::shared_ptr<const CachedRows> rows);

  struct Stats {
    uint64_t hits = 0, misses = 0;
    size_t entries = 0, bytes = 0;
  };
  Stats stats() const;

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const CachedRows> rows;
    size_t bytes;
  };
  using Lru = std::list<Entry>;  // most recently used first
  struct Shard {
    mutable std::mutex mu;
    uint64_t stamp = 0;
    Lru lru;
    std::unordered_map<std::string_view, Lru::iterator> index;  // views of the entries' keys
    size_t bytes = 0;
    uint64_t hits = 0, misses = 0;
  };
  static constexpr size_t kShards = 16;
  Shard& shard_of(std::string_view key) { return shards_[std::hash<std::string_view>{}(key) % kShards]; }

  const size_t max_bytes_;  // of the whole cache; each shard holds a kShards-th of it
  Shard shards_[kShards];
};

// One reader call's use of the cache. Lookups are at the count the call saw
// when it began; rows it reads from SQLite are set aside and offered to the
// cache at the end, only if the count has not moved meanwhile.
class CacheSession {
 public:
  CacheSession() = default;  // inactive: every statement goes to SQLite
  CacheSession(ResultCache* cache, std::optional<uint64_t> stamp)
      : cache_(stamp ? cache : nullptr), stamp_(stamp.value_or(0)) {}

  bool active() const { return cache_ != nullptr; }
  std::shared_ptr<const CachedRows> find(const std::string& key);
  void keep(std::string key, std::shared_ptr<const CachedRows> rows);
  void read_from_database() { read_database_ = true; }

  // Whether answers from the cache and from SQLite were mixed in this call.
  bool mixed() const { return used_cache_ && read_database_; }
  // Offers what was read, if `stamp_now` is still the count the call began at.
  void publish(std::optional<uint64_t> stamp_now);
  uint64_t stamp() const { return stamp_; }

 private:
  ResultCache* cache_ = nullptr;
  uint64_t stamp_ = 0;
  bool used_cache_ = false, read_database_ = false;
  std::vector<std::pair<std::string, std::shared_ptr<const CachedRows>>> kept_;
};

}  // namespace fhirgw::store::sqlite
