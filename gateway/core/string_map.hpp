#pragma once
// A hash map keyed by std::string that is looked up by std::string_view
// without building a key: the per-request lookups (patients, consents, CSV
// columns) find by view.
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace fhirgw {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

}  // namespace fhirgw
