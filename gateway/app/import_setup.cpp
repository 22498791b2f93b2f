#include "app/import_setup.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>

#include "core/fhir_time.hpp"

#include "policy/policy_loader.hpp"

namespace fhirgw::app {

void use_policy_consent_codes(const policy::Policy& policy, adapters::ImportConfig& config) {
  config.consent_permit_codes.clear();
  config.consent_deny_codes.clear();
  for (const auto& c : policy.permit_codes) config.consent_permit_codes.push_back({c.system, c.code});
  for (const auto& c : policy.deny_codes) config.consent_deny_codes.push_back({c.system, c.code});
}

Result<adapters::ImportConfig> load_import_config_file(const std::string& path) {
  if (path.empty()) return adapters::ImportConfig{};
  YAML::Node node;
  try {
    node = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return Error::invalid("import config " + path + ": " + e.what());
  }
  auto loaded = adapters::load_import_config(node);
  if (!loaded) return Error::invalid("import config " + path + ": " + loaded.error().message());
  return std::move(*loaded);
}

std::optional<int64_t> parse_since(const std::string& text) {
  if (text.empty()) return std::nullopt;
  if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (text.size() > 18) return std::nullopt;
    return std::stoll(text);
  }
  auto range = fhir_time::parse(text);
  if (!range) return std::nullopt;
  return range->lo_ms;
}

bool import_rejected(const adapters::ImportReport& report) {
  return std::any_of(report.files.begin(), report.files.end(), [](const auto& f) { return !f.rejected.empty(); });
}

Result<ImportSetup> load_import_setup(const std::string& import_config_file, const std::string& policy_file,
                                      bool allow_without_policy) {
  ImportSetup setup;
  auto config = load_import_config_file(import_config_file);
  if (!config) return config.error();
  setup.config = std::move(*config);
  bool listed = !setup.config.consent_permit_codes.empty() || !setup.config.consent_deny_codes.empty();
  if (policy_file.empty()) {
    if (!allow_without_policy) {
      return Error::invalid("give --policy: which extract codes record consent and dissent is the IG policy's "
                            "to say, and importing without them would miss dissents");
    }
    setup.warnings.push_back("no policy: consent codes are taken from the import configuration");
    return setup;
  }
  policy::LoadOptions opts;
  opts.extra_dirs = {std::filesystem::current_path().string()};
  auto policy = policy::load_policy_file(policy_file, opts);
  if (!policy) {
    std::string all;
    for (const auto& i : policy.error().issues) all += "\n  " + i.diagnostics;
    return Error::invalid("the policy " + policy_file + " does not validate:" + all);
  }
  if (listed) setup.warnings.push_back("consent_codes in the import configuration are ignored: the policy's apply");
  use_policy_consent_codes(*policy, setup.config);
  return setup;
}

}  // namespace fhirgw::app
