#pragma once
// Turns an HTTP method + target into a FHIR interaction on a resource type.
#include <string>
#include <utility>
#include <vector>

#include "core/resource_model.hpp"
#include "core/result.hpp"

namespace fhirgw::rest {

using Params = std::vector<std::pair<std::string, std::string>>;  // decoded, in order

enum class RouteKind {
  read, vread, update, remove, history_instance, history_type, history_system, create, search,
  conditional_update, conditional_remove, batch, capabilities, operation, unknown
};

struct Route {
  RouteKind kind = RouteKind::unknown;
  std::string type, id, version_id;
  std::string operation;  // "$validate", "$explain", ... without the '$'
  Params params;          // query parameters
  std::string query;      // raw query string (for self links)
};

std::string percent_decode(std::string_view s, bool plus_is_space);
std::string percent_encode(std::string_view s);
// Splits "a=1&b=2" into decoded pairs.
Params parse_query(std::string_view query);
Result<Route> route(const std::string& method, const std::string& target);
const char* to_string(RouteKind k);
// The interaction a route is authorised as (scopes, policy). Type and system
// history count as type-level history; searches, batches and the rest as search.
model::Interaction interaction_of(RouteKind k);

}  // namespace fhirgw::rest
