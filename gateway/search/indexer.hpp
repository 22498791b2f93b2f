#pragma once
// Turns a resource into the rows a store indexes for search: one entry per
// value of every search parameter of its type (plus _id and _lastUpdated).
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/resource_model.hpp"

namespace fhirgw::search {

// Open ends of a Period.
inline constexpr int64_t kMinTime = std::numeric_limits<int64_t>::min();
inline constexpr int64_t kMaxTime = std::numeric_limits<int64_t>::max();

struct IndexEntry {
  // The search parameter name. Reference.identifier of a reference parameter
  // is indexed as a token under "<param>:identifier" (for the :identifier modifier).
  std::string param;
  model::ParamType type = model::ParamType::token;
  std::string system, code;               // token ("" system = none)
  std::string text;                       // string: normalised; uri: the uri as written
  std::string exact;                      // string: as written
  int64_t lo_ms = 0, hi_ms = 0;           // date: [lo, hi), kMinTime/kMaxTime for open ends
  std::string ref_type, ref_id, ref_url;  // reference (ref_url for absolute/canonical)

  bool operator==(const IndexEntry&) const = default;
};

// Every search value of the resource. Values the indexer cannot interpret
// (a malformed date, a contained reference) are skipped, not errors: the
// validator decides what may be stored.
std::vector<IndexEntry> extract_index(const model::ResourceType& type, const json::Value& resource);

// The suffix naming the token rows of Reference.identifier.
inline constexpr const char* kIdentifierSuffix = ":identifier";

}  // namespace fhirgw::search
