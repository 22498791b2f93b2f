#pragma once
// What the audit trail's index keeps of a block of journal entries: a Bloom
// filter over the facts that queries filter on (agent, organisation,
// outcome, patient, entity), so a query reads only the blocks that may hold
// a match and skips the rest unread.
//
// Why blocks and not a row per entry: an indexed SQLite row cost every
// request ~5 µs of B-tree work (the index thread's CPU competes with the
// requests on a small machine). Hashing an entry's keys costs well under a
// microsecond, and a block of thousands of entries is one row. A false
// positive costs a block read; every entry read is checked exactly
// (audit_row_matches), so results never depend on the filter.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/audit_log.hpp"

namespace fhirgw::store {

// Entries per block: a block's filter is ~10 KiB, and a false positive costs
// reading its lines (a few milliseconds).
inline constexpr size_t kAuditBlockEntries = 4096;
// ... or fewer, when its entries hold this many keys (searches returning many resources).
inline constexpr size_t kAuditBlockKeys = 256 * 1024;

// The keys of one entry, as 64-bit hashes (stable across builds: they are stored).
void audit_entry_keys(const AuditRow& row, std::vector<uint64_t>& out);
// The keys an entry must hold to match the query; empty when it filters on none of them.
std::vector<uint64_t> audit_query_keys(const AuditQuery& q);

// A Bloom filter of ~10 bits per distinct key (about a 1% false-positive rate).
std::string build_block_filter(std::vector<uint64_t> keys);
bool block_filter_may_contain(std::string_view filter, uint64_t key);

// The exact test, for every entry a query reads: the same semantics as the
// index (patients and entities are space-separated words; an entity matches
// as "Type/id" or as the whole "Type/id/_history/v").
bool audit_row_matches(const AuditRow& row, const AuditQuery& q);

}  // namespace fhirgw::store
