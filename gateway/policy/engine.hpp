#pragma once
// The policy engine: pure functions of (policy, consents, request, facts).
// No I/O, no clock (the request carries now_ms), so every decision can be
// replayed, explained and tested exhaustively.
//
// decide() applies consent-model.md's six conditions in order:
//  1. authenticated caller ("authenticated"), scopes allow it ("scope"), a
//     partner, not an internal role ("role"), an organisation the policy
//     knows ("organisation");
//  2. a known purpose of use ("purpose") that an agreement in force for this
//     partner and the resource's controller allows ("agreement");
//  3. the agreement allows the type and interaction ("resource-type");
//  4. the patient is known ("patient") and consent holds under the
//     agreement's mode, with no applicable dissent ("consent");
//  5. a verified NHS number unless the agreement waives it ("nhs-number"),
//     the patient is in the agreement's cohort ("cohort");
//  6. the resource is not confidential ("confidential") and carries no code
//     of an excluded set ("exclusion");
// then the agreement's hidden fields are listed for redact(). Anything
// missing (policy, caller, purpose, agreement, patient) is a denial. When
// several agreements apply, the resource is visible if any permits it and
// the first permitting one (file order) supplies the hidden fields.
//
// Internal roles (documented rule, "role"): ig-officer, integrator and admin
// never read or write clinical data through the partner API, even if the
// same client also holds the partner role. IG officers work through explain
// and dry-run, integrators through import/export, admins operate the service;
// may_operate() says which of those operations each role may run.
//
// Reference data (Questionnaire: no controller, no patient) is readable and
// searchable by every partner that passes condition 1 and states a known
// purpose ("reference-data").
#include <cstdint>
#include <string>
#include <vector>

#include "core/caller.hpp"
#include "core/resource_model.hpp"
#include "policy/consent.hpp"
#include "policy/facts.hpp"
#include "policy/policy.hpp"
#include "search/search_query.hpp"

namespace fhirgw::policy {

struct Request {
  Caller caller;
  std::string purpose;  // stated in the request header; "" = use caller.purpose (token claim)
  model::Interaction interaction = model::Interaction::read;
  std::string type;     // the request's resource type ("" = whole system)
  bool scope_allows = false;  // the token's scopes allow this interaction on this type
  int64_t now_ms = 0;
  // Record every step with its sentence ($explain, $dry-run). Off on the
  // request path: only the deciding failure's sentence is kept there.
  bool trace = true;
};

enum class StepOutcome { pass, fail, note };
const char* to_string(StepOutcome o);

struct Step {
  std::string rule;      // e.g. "consent"
  StepOutcome outcome = StepOutcome::note;
  std::string sentence;  // human-readable, what "why" shows
};

struct Decision {
  bool permit = false;
  std::string rule;            // deny: the first rule that failed; permit: "permit"
  std::string agreement;       // the DSA that permitted ("" on deny)
  std::string policy_version;  // Policy::version_stamp ("" if no policy)
  std::vector<std::string> hidden_fields;  // to remove before the resource leaves
  std::vector<std::string> consents;       // Consent ids relied on (permits) or that denied (dissents)
  std::vector<std::string> exclusions;     // "set: system|code" that withheld the resource
  std::vector<Step> chain;  // every step when traced; otherwise the failures only
  bool trace = true;
  // The sentence of the deciding step ("" if none).
  std::string reason() const;
};

Decision decide(const Policy& policy, const ConsentIndex& consents, const Request& request,
                const ResourceFacts& resource, const PatientFacts* patient);

// A partner create or update. `incoming` are the facts of the resource as
// written (patient_id = its subject); `incoming_json` is its body (checked for
// hidden fields); `current` is the stored version an update replaces (nullptr
// for create); `subject` the facts of the subject patient (nullptr if unknown).
// Rules: the subject must be a patient the partner may see under an agreement
// that allows this write ("subject", "consent", "nhs-number", "cohort"); an
// update needs a current version the partner can read ("not-visible", so the
// REST layer answers 404) and that the partner authored ("authorship"), and
// may not move it to another patient ("subject"); the body may not contain a
// field hidden from the partner ("hidden-field").
Decision decide_write(const Policy& policy, const ConsentIndex& consents, const Request& request,
                      const ResourceFacts& incoming, const json::Value& incoming_json,
                      const ResourceFacts* current, const PatientFacts* subject);

// The store-side narrowing: the grants under which a resource is visible
// exactly when decide() (same request) permits it. Exact for resources whose
// patient is in `directory` (or that have none): the directory must hold every
// patient in the store. One grant per (agreement, type); patients as an IN
// list or, when shorter, a NOT IN list (which also lists "" so that resources
// without a patient stay hidden). Reference data gets a grant with controller
// "" and patient "" for its types. Empty request type = every type.
search::Visibility narrow(const Policy& policy, const ConsentIndex& consents, const Request& request,
                          const PatientDirectory& directory);

// Internal operations and the roles that may run them (partners: none).
enum class Operation { import, export_writeback, read_quarantine, read_audit, explain, dry_run, reload_policy };
bool may_operate(const Caller& caller, Operation op);

}  // namespace fhirgw::policy
