#include "rest/route.hpp"

#include "core/ids.hpp"
#include "core/url_encoding.hpp"
#include "core/resource_model.hpp"

namespace fhirgw::rest {
namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) parts.push_back(percent_decode(path.substr(i, j - i), false));
    i = j;
  }
  return parts;
}

}  // namespace

std::string percent_decode(std::string_view s, bool plus_is_space) { return url::decode(s, plus_is_space); }

std::string percent_encode(std::string_view s) { return url::encode(s); }

Params parse_query(std::string_view q) {
  Params out;
  size_t i = 0;
  while (i <= q.size() && !q.empty()) {
    size_t amp = q.find('&', i);
    if (amp == std::string_view::npos) amp = q.size();
    auto pair = q.substr(i, amp - i);
    if (!pair.empty()) {
      auto eq = pair.find('=');
      if (eq == std::string_view::npos) out.emplace_back(percent_decode(pair, true), "");
      else out.emplace_back(percent_decode(pair.substr(0, eq), true), percent_decode(pair.substr(eq + 1), true));
    }
    if (amp == q.size()) break;
    i = amp + 1;
  }
  return out;
}

Result<Route> route(const std::string& method, const std::string& target) {
  Route r;
  auto qpos = target.find('?');
  std::string_view path(target.data(), qpos == std::string::npos ? target.size() : qpos);
  if (qpos != std::string::npos) {
    r.query = target.substr(qpos + 1);
    r.params = parse_query(r.query);
  }
  auto parts = split_path(path);
  const bool get = method == "GET" || method == "HEAD";
  auto bad_method = [&]() -> Result<Route> {
    return Error::make(405, "not-supported", "Method " + method + " is not allowed on " + std::string(path));
  };
  if (parts.empty()) {
    if (method == "POST") { r.kind = RouteKind::batch; return r; }
    return bad_method();
  }
  if (parts[0] == "metadata" && parts.size() == 1) {
    if (!get) return bad_method();
    r.kind = RouteKind::capabilities;
    return r;
  }
  if (parts[0] == "_history" && parts.size() == 1) {
    if (!get) return bad_method();
    r.kind = RouteKind::history_system;
    return r;
  }
  if (parts[0][0] == '$') {
    r.kind = RouteKind::operation;
    r.operation = parts[0].substr(1);
    if (parts.size() != 1) return Error::not_found("Unknown operation path");
    return r;
  }
  const auto* type = model::find_type(parts[0]);
  if (!type) {
    return Error::make(404, "not-supported", "Resource type '" + parts[0] + "' is not supported by this server");
  }
  r.type = parts[0];
  if (parts.size() == 1) {
    if (get) r.kind = RouteKind::search;
    else if (method == "POST") r.kind = RouteKind::create;
    else if (method == "PUT") r.kind = RouteKind::conditional_update;
    else if (method == "DELETE") r.kind = RouteKind::conditional_remove;
    else return bad_method();
    return r;
  }
  if (parts[1] == "_search" && parts.size() == 2) {
    if (method != "POST" && !get) return bad_method();
    r.kind = RouteKind::search;
    return r;
  }
  if (parts[1] == "_history" && parts.size() == 2) {
    if (!get) return bad_method();
    r.kind = RouteKind::history_type;
    return r;
  }
  if (parts[1][0] == '$') {
    if (parts.size() != 2) return Error::not_found("Unknown operation path");
    r.kind = RouteKind::operation;
    r.operation = parts[1].substr(1);
    return r;
  }
  r.id = parts[1];
  if (!ids::is_valid_id(r.id)) return Error::invalid("'" + r.id + "' is not a valid FHIR id");
  if (parts.size() == 2) {
    if (get) r.kind = RouteKind::read;
    else if (method == "PUT") r.kind = RouteKind::update;
    else if (method == "DELETE") r.kind = RouteKind::remove;
    else return bad_method();
    return r;
  }
  if (parts[2] == "_history") {
    if (!get) return bad_method();
    if (parts.size() == 3) { r.kind = RouteKind::history_instance; return r; }
    if (parts.size() == 4) {
      r.kind = RouteKind::vread;
      r.version_id = parts[3];
      return r;
    }
  }
  if (parts.size() == 3 && parts[2][0] == '$') {
    r.kind = RouteKind::operation;
    r.operation = parts[2].substr(1);
    return r;
  }
  return Error::not_found("No FHIR interaction at " + std::string(path));
}

model::Interaction interaction_of(RouteKind k) {
  switch (k) {
    case RouteKind::read: return model::Interaction::read;
    case RouteKind::vread: return model::Interaction::vread;
    case RouteKind::update:
    case RouteKind::conditional_update: return model::Interaction::update;
    case RouteKind::remove:
    case RouteKind::conditional_remove: return model::Interaction::remove;
    case RouteKind::history_instance: return model::Interaction::history_instance;
    case RouteKind::history_type:
    case RouteKind::history_system: return model::Interaction::history_type;
    case RouteKind::create: return model::Interaction::create;
    default: return model::Interaction::search;
  }
}

const char* to_string(RouteKind k) {
  switch (k) {
    case RouteKind::read: return "read";
    case RouteKind::vread: return "vread";
    case RouteKind::update: return "update";
    case RouteKind::remove: return "delete";
    case RouteKind::history_instance: return "history-instance";
    case RouteKind::history_type: return "history-type";
    case RouteKind::history_system: return "history-system";
    case RouteKind::create: return "create";
    case RouteKind::search: return "search-type";
    case RouteKind::conditional_update: return "conditional-update";
    case RouteKind::conditional_remove: return "conditional-delete";
    case RouteKind::batch: return "batch";
    case RouteKind::capabilities: return "capabilities";
    case RouteKind::operation: return "operation";
    case RouteKind::unknown: return "unknown";
  }
  return "unknown";
}

}  // namespace fhirgw::rest
