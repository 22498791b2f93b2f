#pragma once
// Parses the query parameters of a FHIR search into a typed Query, or a 400
// naming the offending parameter.
#include <string>
#include <utility>
#include <vector>

#include "core/resource_model.hpp"
#include "core/result.hpp"
#include "search/search_query.hpp"

namespace fhirgw::search {

inline constexpr int kDefaultCount = 20;
inline constexpr int kMaxCount = 1000;  // larger _count values are clamped

// params: already URL-decoded, in request order. strict: unknown or
// unsupported parameters/modifiers are a 400 "not-supported" (Prefer:
// handling=strict) instead of being listed in Query::ignored.
// The returned Query has Visibility::nothing(); the caller sets it.
Result<Query> parse_search(const model::ResourceType& type,
                           const std::vector<std::pair<std::string, std::string>>& params,
                           bool strict);

}  // namespace fhirgw::search
