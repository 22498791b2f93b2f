#pragma once
// What an import needs besides the files, for the CLI, $import and the
// inbox alike: the import configuration YAML (organisation code maps,
// questionnaire header codes) with the consent codes taken from the IG
// policy — the policy file is the single source of truth for which extract
// codes mean consent and dissent.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "import/import_report.hpp"
#include "mapping/import_config.hpp"
#include "policy/policy.hpp"

namespace fhirgw::app {

// Replaces config's consent codes with the policy's permit and deny codes.
void use_policy_consent_codes(const policy::Policy& policy, adapters::ImportConfig& config);

// Reads an import configuration file ("" = empty configuration).
Result<adapters::ImportConfig> load_import_config_file(const std::string& path);

struct ImportSetup {
  adapters::ImportConfig config;
  std::vector<std::string> warnings;
};
// The import configuration with the policy's consent codes. Without a policy
// the import refuses (a dissent code it did not know would be a leak) unless
// allow_without_policy, when the configuration's own consent codes are used
// and a warning says so.
// --since / ?since=: a FHIR date or dateTime, or milliseconds since the epoch.
std::optional<int64_t> parse_since(const std::string& text);

// True when the set was refused as a whole or any file in it was rejected.
bool import_rejected(const adapters::ImportReport& report);

Result<ImportSetup> load_import_setup(const std::string& import_config_file, const std::string& policy_file,
                                      bool allow_without_policy = false);

}  // namespace fhirgw::app
