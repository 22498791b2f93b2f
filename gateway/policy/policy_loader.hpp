#pragma once
// Loads and validates the policy YAML. A policy that does not validate is
// refused whole, with every problem listed and located ("line 42: agreement
// 'ageuk-frailty': unknown partner 'XYZ'"), so the policy in force is never a
// half-read file. Unknown keys are errors: a typo must not silently widen or
// narrow sharing.
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "policy/policy.hpp"

namespace fhirgw::policy {

struct LoadOptions {
  // Where relative code-set paths are resolved, in order: this directory
  // (for load_policy_file: the policy file's directory if empty), then each
  // of its ancestors (so "fhir-profiles/valuesets/x.json" resolves from
  // config/policy.yaml against the repository root), then extra_dirs.
  std::string base_dir;
  std::vector<std::string> extra_dirs;
};

Result<Policy> load_policy_file(const std::string& path, const LoadOptions& options = {});
// `source_name` is only used in messages and Policy::source.
Result<Policy> load_policy_text(std::string_view yaml_text, const LoadOptions& options = {},
                                std::string source_name = "<text>");

// The (system, code) pairs of a FHIR ValueSet: compose.include[].concept[]
// and expansion.contains[] (nested). An include by filter or by another
// ValueSet cannot be expanded here and is an error unless an expansion is present.
Result<CodeSet> codes_of_value_set(std::string_view json_text);

}  // namespace fhirgw::policy
