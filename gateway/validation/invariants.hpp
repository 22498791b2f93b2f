#pragma once
// Named invariants: the FHIRPath constraints that matter to the gateway,
// implemented as C++ predicates and referenced by key from StructureDefinitions
// (base ones such as ext-1 and per-1, and the gateway's own gw-* keys). A
// constraint whose key is not here is not checked; a gw-* key that is not
// here makes the profile fail to load.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/json.hpp"

namespace fhirgw::validation {

// Where an invariant reports: the element it runs on, with its path.
class InvariantSink {
 public:
  InvariantSink(std::vector<Issue>& out, const std::string& path, std::string_view key,
                std::string_view human, Severity severity)
      : out_(out), path_(path), key_(key), human_(human), severity_(severity) {}
  // subpath is appended to the element's path (".value", ".contained[0]").
  void fail(std::string_view detail = {}, std::string_view subpath = {});

 private:
  std::vector<Issue>& out_;
  const std::string& path_;
  std::string_view key_, human_;
  Severity severity_;
};

using InvariantFn = void (*)(const json::Value& element, const json::Value& resource, InvariantSink& sink);

struct InvariantDef {
  std::string_view key;
  std::string_view human;
  InvariantFn check;
};

std::span<const InvariantDef> invariants();
// Index into invariants(), or nullopt.
std::optional<uint16_t> find_invariant(std::string_view key);

}  // namespace fhirgw::validation
