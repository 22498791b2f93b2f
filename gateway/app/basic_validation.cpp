#include "app/basic_validation.hpp"

#include "core/ids.hpp"
#include "core/resource_model.hpp"

namespace fhirgw::app {

rest::ValidateFn basic_validation() {
  return [](const json::Value& r) {
    std::vector<Issue> issues;
    auto type = json::get_string(r, "resourceType");
    if (!type || !model::find_type(*type)) {
      issues.push_back({Severity::error, "not-supported", "Unsupported resourceType", "resourceType"});
      return issues;
    }
    std::string t(*type);
    if (const auto* id = json::get(r, "id"); id && (!id->IsString() || !ids::is_valid_id(id->GetString())))
      issues.push_back({Severity::error, "value", "id must match [A-Za-z0-9\\-\\.]{1,64}", t + ".id"});
    if (const auto* meta = json::get(r, "meta"); meta && !meta->IsObject())
      issues.push_back({Severity::error, "structure", "meta must be an object", t + ".meta"});
    return issues;
  };
}

}  // namespace fhirgw::app
