#pragma once
// Dry-running a proposed policy against current data: per partner and
// purpose, what becomes visible or hidden, before the policy goes live.
// Pure: the caller supplies the facts of every resource and patient.
#include <cstdint>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "policy/engine.hpp"

namespace fhirgw::policy {

struct PartnerDelta {
  std::string partner;  // organisation code
  std::string purpose;
  size_t patients_before = 0, patients_after = 0;    // distinct patients with a visible resource
  size_t resources_before = 0, resources_after = 0;  // visible resources
  size_t resources_became_visible = 0, resources_became_hidden = 0;
  size_t patients_became_visible = 0, patients_became_hidden = 0;
  std::vector<std::string> became_visible_examples;  // "Type/id", at most kDryRunExamples
  std::vector<std::string> became_hidden_examples;
};

inline constexpr size_t kDryRunExamples = 5;

struct DryRunReport {
  std::string current_version, proposed_version;
  std::vector<PartnerDelta> partners;  // (partner, purpose) rows with anything visible before or after
};

// Partners: every organisation that an agreement in either policy covers.
// Purposes: `purposes`, or if empty every purpose either policy names. Reads
// are judged as a partner with the partner role and full scopes would see
// them at now_ms (reference data is left out: it is the same for everyone).
DryRunReport dry_run(const Policy& current, const Policy& proposed, const ConsentIndex& consents,
                     const PatientDirectory& directory, const std::vector<ResourceFacts>& resources,
                     const std::vector<std::string>& purposes, int64_t now_ms);

json::Document to_json(const DryRunReport& report);

}  // namespace fhirgw::policy
