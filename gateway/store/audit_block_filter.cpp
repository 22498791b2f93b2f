#include "store/audit_block_filter.hpp"

#include <algorithm>
#include <cstring>

namespace fhirgw::store {

namespace {

// FNV-1a over a kind byte and the value, then splitmix64's finaliser so that
// both 32-bit halves are well mixed (they are the two hashes of the filter's
// double hashing). Written out, not std::hash: the filters are stored.
uint64_t key_hash(char kind, std::string_view value) {
  uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&h](unsigned char c) {
    h ^= c;
    h *= 0x100000001b3ull;
  };
  mix(static_cast<unsigned char>(kind));
  for (char c : value) mix(static_cast<unsigned char>(c));
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

constexpr int kProbes = 7;
constexpr size_t kBitsPerKey = 10;
constexpr size_t kMinBits = 512;

// "CarePlan/1/_history/2" → "CarePlan/1": the entity key is the resource, any version.
std::string_view resource_of(std::string_view reference) {
  auto h = reference.find("/_history/");
  return h == std::string_view::npos ? reference : reference.substr(0, h);
}

template <typename F>
void for_each_word(std::string_view words, F&& f) {
  size_t start = 0;
  while (start < words.size()) {
    size_t end = words.find(' ', start);
    if (end == std::string_view::npos) end = words.size();
    if (end > start) f(words.substr(start, end - start));
    start = end + 1;
  }
}

bool bit_at(std::string_view filter, uint64_t bit) {
  return (static_cast<unsigned char>(filter[bit >> 3]) >> (bit & 7)) & 1;
}

}  // namespace

void audit_entry_keys(const AuditRow& row, std::vector<uint64_t>& out) {
  out.push_back(key_hash('a', row.client_id));
  out.push_back(key_hash('o', row.organisation));
  out.push_back(key_hash('x', row.outcome));
  for_each_word(row.patients, [&](std::string_view p) { out.push_back(key_hash('p', p)); });
  for_each_word(row.entities, [&](std::string_view e) { out.push_back(key_hash('e', resource_of(e))); });
}

std::vector<uint64_t> audit_query_keys(const AuditQuery& q) {
  std::vector<uint64_t> keys;
  if (!q.client_id.empty()) keys.push_back(key_hash('a', q.client_id));
  if (!q.organisation.empty()) keys.push_back(key_hash('o', q.organisation));
  if (!q.outcome.empty()) keys.push_back(key_hash('x', q.outcome));
  if (!q.patient.empty()) keys.push_back(key_hash('p', q.patient));
  if (!q.entity.empty()) keys.push_back(key_hash('e', resource_of(q.entity)));
  return keys;
}

std::string build_block_filter(std::vector<uint64_t> keys) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  size_t bits = std::max(kMinBits, keys.size() * kBitsPerKey);
  bits = (bits + 7) / 8 * 8;
  std::string filter(bits / 8, '\0');
  for (uint64_t k : keys) {
    uint64_t h1 = k & 0xffffffffu, h2 = (k >> 32) | 1;
    for (int i = 0; i < kProbes; ++i) {
      uint64_t bit = (h1 + static_cast<uint64_t>(i) * h2) % bits;
      filter[bit >> 3] = static_cast<char>(static_cast<unsigned char>(filter[bit >> 3]) | (1u << (bit & 7)));
    }
  }
  return filter;
}

bool block_filter_may_contain(std::string_view filter, uint64_t key) {
  if (filter.empty()) return true;  // no filter: the block must be read
  uint64_t bits = filter.size() * 8;
  uint64_t h1 = key & 0xffffffffu, h2 = (key >> 32) | 1;
  for (int i = 0; i < kProbes; ++i)
    if (!bit_at(filter, (h1 + static_cast<uint64_t>(i) * h2) % bits)) return false;
  return true;
}

bool audit_row_matches(const AuditRow& r, const AuditQuery& q) {
  if (r.seq <= q.after_seq) return false;
  if (q.from_ms && r.recorded_ms < *q.from_ms) return false;
  if (q.to_ms && r.recorded_ms >= *q.to_ms) return false;
  if (!q.client_id.empty() && r.client_id != q.client_id) return false;
  if (!q.organisation.empty() && r.organisation != q.organisation) return false;
  if (!q.outcome.empty() && r.outcome != q.outcome) return false;
  auto has_word = [](std::string_view words, auto&& match) {
    bool found = false;
    for_each_word(words, [&](std::string_view w) { found = found || match(w); });
    return found;
  };
  if (!q.patient.empty() && !has_word(r.patients, [&](std::string_view p) { return p == q.patient; }))
    return false;
  if (!q.entity.empty() &&
      !has_word(r.entities, [&](std::string_view e) { return e == q.entity || resource_of(e) == q.entity; }))
    return false;
  return true;
}

}  // namespace fhirgw::store
