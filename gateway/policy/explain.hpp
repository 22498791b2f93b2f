#pragma once
// "Why": a decision as JSON, for GET /$explain and `fhir-gateway policy explain`.
#include "core/json.hpp"
#include "policy/engine.hpp"

namespace fhirgw::policy {

// {decision, rule, reason, policyVersion, agreement?, agreementTitle?,
//  legalBasis?, consents[], exclusions[], hiddenFields[],
//  chain[{rule, outcome, detail}]}
json::Value to_json(const Decision& d, const Policy& policy, json::Allocator& alloc);

// Decides (read-like interactions with decide(); create/update with
// decide_write() on the resource's facts, with no body) and returns the
// decision plus the request it answers: {request{client, organisation, kind,
// purpose, interaction, type, resource}, ...to_json(decision)}.
json::Document explain(const Policy& policy, const ConsentIndex& consents, const Request& request,
                       const ResourceFacts& resource, const PatientFacts* patient);

}  // namespace fhirgw::policy
