// libFuzzer target: arbitrary query strings through the FHIR search parser,
// for every resource type, strict and lenient. It must never crash, hang or
// return a Query that breaks its own invariants.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/resource_model.hpp"
#include "search/parse.hpp"

namespace {

// "a=1&b=2" or one pair per line; a pair without '=' has an empty value.
std::vector<std::pair<std::string, std::string>> split_params(std::string_view input) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!input.empty() && out.size() < 64) {
    size_t end = input.find_first_of("&\n");
    std::string_view pair = input.substr(0, end);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) out.emplace_back(std::string(pair), std::string());
    else out.emplace_back(std::string(pair.substr(0, eq)), std::string(pair.substr(eq + 1)));
    if (end == std::string_view::npos) break;
    input.remove_prefix(end + 1);
  }
  return out;
}

void check(const fhirgw::search::Query& q) {
  using fhirgw::search::Modifier;
  if (q.count < 0 || q.count > fhirgw::search::kMaxCount) std::abort();
  for (const auto& c : q.clauses) {
    if (!c.param || c.any_of.empty()) std::abort();
    if (c.chain && !c.chain->param) std::abort();
    for (const auto& v : c.any_of)
      if (c.modifier != Modifier::missing && v.lo_ms > v.hi_ms) std::abort();
  }
  for (const auto& s : q.sort)
    if (!s.param) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto params = split_params(std::string_view(reinterpret_cast<const char*>(data), size));
  for (const auto& type : fhirgw::model::resource_types()) {
    for (bool strict : {true, false}) {
      auto q = fhirgw::search::parse_search(type, params, strict);
      if (q.ok()) check(*q);
      else if (q.error().status != 400 || q.error().issues.empty()) std::abort();
    }
  }
  return 0;
}
