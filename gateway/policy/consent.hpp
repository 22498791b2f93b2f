#pragma once
// Patient-level consent: Consent resources (imported from extract codes or
// written through the API) indexed per patient, and the rules that decide
// whether they allow sharing with one partner for one purpose.
//
// Rules (consent-model.md):
// - Only status = active Consents count, and only within provision.period.
// - A dissent (deny) that applies always wins over any permit, whatever
//   their dates or the order they were recorded in. In particular a dissent
//   recorded at the practice (the patient's controller) is never overridden
//   by a permit recorded anywhere else.
// - A permit counts only if it was recorded at the patient's practice, or by
//   the partner asking (a partner can vouch for consent given to itself, never
//   for consent given to others). A permit of unknown origin does not count.
// - Actors: none = anyone; an organisation code (ODS identifier); or every
//   organisation of a kind (identifier in kOrgKindSystem). A permit naming an
//   actor the gateway cannot interpret applies to nobody; a dissent naming one
//   applies to everybody.
// - Purposes: none = every purpose. A dissent whose purposes are not all
//   ActReason codes applies to every purpose.
// - Nested provisions are not interpreted: a permit with nested provisions
//   does not count (its exceptions could narrow it); a dissent with nested
//   provisions still applies whole.
//
// How extract consent codes map (the policy's consent_codes lists decide,
// not code; extract-formats.md, "Consent codes"):
// - The importer turns each coded entry whose (system, code) is in
//   consent_codes.permit or .deny into one Consent (consent_from_extract_code):
//   status active, scope patient-privacy, category LOINC 59284-0 plus the
//   extract code itself, the practice as organization and controller tag,
//   policyRule OPTIN/OPTOUT, provision.type permit/deny.
// - A deny code is a general dissent: sharing with anyone, for every
//   purpose. The extract never names the third party, so no narrower reading
//   is safe; the policy refuses `applies_to` on deny codes.
// - A permit code is a permit for anyone, unless its policy entry has
//   `applies_to` (organisation codes and/or kinds): then it permits only those.
// - Classification happens when consents are evaluated, from the codes the
//   Consent carries (category and provision.code) and the policy in force: a
//   code the policy lists as deny makes the Consent a dissent even if its
//   provision.type says permit; a policy change re-classifies at once.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "core/string_map.hpp"
#include "core/result.hpp"
#include "policy/policy.hpp"

namespace fhirgw::policy {

// Identifier system for "every organisation of this kind" as a Consent actor.
inline constexpr const char* kOrgKindSystem = "https://fhir-gateway.org.uk/CodeSystem/organisation-kind";
inline constexpr const char* kActReasonSystem = "http://terminology.hl7.org/CodeSystem/v3-ActReason";

enum class Provision { permit, deny };
const char* to_string(Provision p);

struct ConsentActor {
  enum class Kind { organisation, org_kind, unrecognised };
  Kind kind = Kind::unrecognised;
  std::string organisation;
  OrgKind org_kind = OrgKind::unknown;
};

struct ConsentRecord {
  std::string id, patient_id;
  std::string status;                  // only "active" counts
  bool about_sharing = true;           // scope absent or patient-privacy
  bool has_nested = false;             // provision.provision present
  std::optional<Provision> declared;   // provision.type
  std::vector<Coding> codes;           // category[] and provision.code[] codings
  std::vector<ConsentActor> actors;    // empty = anyone
  std::vector<std::string> purposes;   // ActReason codes; empty = every purpose
  bool purposes_unrecognised = false;  // some purpose coding was not an ActReason code
  int64_t start_ms = std::numeric_limits<int64_t>::min();
  int64_t end_ms = std::numeric_limits<int64_t>::max();  // exclusive
  std::string source_org;              // who recorded it ("" = unknown)
};

Result<ConsentRecord> parse_consent(const json::Value& consent);

// What a record means under a policy: nullopt if it carries neither a
// provision.type nor a code the policy lists.
struct EffectiveConsent {
  Provision provision = Provision::deny;
  bool general = false;                // from a deny code: anyone, every purpose
  std::vector<ConsentActor> actors;    // empty = anyone
  std::string basis;                   // human-readable: which code or field decided
};
std::optional<EffectiveConsent> effective_provision(const Policy& policy, const ConsentRecord& r);

class ConsentIndex {
 public:
  // Adds or replaces (by id) a record.
  void upsert(ConsentRecord r);
  void erase(std::string_view consent_id);
  // nullptr if the patient has no records.
  const std::vector<ConsentRecord>* for_patient(std::string_view patient_id) const;
  size_t size() const { return patient_of_.size(); }
  template <class F>
  void for_each_record(F&& f) const {
    for (const auto& [patient, records] : by_patient_)
      for (const auto& r : records) f(r);
  }

 private:
  StringMap<std::vector<ConsentRecord>> by_patient_;
  StringMap<std::string> patient_of_;  // consent id -> patient id
};

// Parses each Consent and indexes it; unparseable resources are reported
// (one line each) and skipped.
ConsentIndex build_consent_index(const std::vector<const json::Value*>& consents,
                                 std::vector<std::string>* problems = nullptr);

struct ConsentFinding {
  bool dissent = false;                // an applicable dissent exists
  bool permit = false;                 // an applicable, countable permit exists
  std::vector<std::string> dissents;   // ids
  std::vector<std::string> permits;    // ids
  std::vector<std::string> notes;      // sentences for the decision chain
};

ConsentFinding evaluate_consent(const Policy& policy, const ConsentIndex& index,
                                std::string_view patient_id, std::string_view patient_controller,
                                const Organisation& partner, std::string_view purpose, int64_t now_ms,
                                bool with_notes = true);  // false: skip the sentences (narrow() over every patient)

// One coded extract entry that may record consent.
struct ExtractConsentEntry {
  std::string consent_id;   // the id the Consent gets (importers derive it from the row key)
  std::string patient_id;
  std::string controller;   // the practice's organisation code
  std::string system, code; // the extract code, system as a full URL
  std::string date;         // FHIR date or dateTime of the entry ("" = unknown)
};
// The Consent for an extract entry, or nullopt if the policy lists the code
// in neither consent_codes list.
std::optional<json::Document> consent_from_extract_code(const Policy& policy,
                                                        const ExtractConsentEntry& entry);

}  // namespace fhirgw::policy
