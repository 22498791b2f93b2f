#pragma once
// The information-governance policy as loaded from its YAML file
// (policy_loader.hpp): organisations, data sharing agreements (DSAs), consent
// codes and code sets. Plain data, validated on load, read by the engine.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/caller.hpp"
#include "core/resource_model.hpp"

namespace fhirgw::policy {

using Coding = std::pair<std::string, std::string>;  // (system URL, code)
using CodeSet = std::set<Coding>;

// What a DSA may allow on a resource type. vread and instance history count
// as read; type history (it enumerates a type) counts as search; delete is
// never allowed to partners.
enum class Action { read, search, create, update };
const char* to_string(Action a);
std::optional<Action> parse_action(std::string_view s);
std::optional<Action> action_for(model::Interaction i);

enum class ConsentMode { explicit_consent, implied_consent };
const char* to_string(ConsentMode m);

struct Organisation {
  std::string code;  // ODS-style code
  std::string name;
  OrgKind kind = OrgKind::unknown;  // statutory | voluntary | controller
  int line = 0;
};

// The cohort language: a flat list of conditions, combined with all_of or
// any_of. Deliberately not an expression evaluator: three checks only.
enum class CohortCheck {
  has_active_flag,  // the patient has an active Flag whose code is in `flag_codes`
  min_age,          // age in whole years at the time of the request >= years
  max_age,          // age in whole years <= years
};

struct CohortCondition {
  CohortCheck check = CohortCheck::min_age;
  CodeSet flag_codes;                   // resolved: listed codes plus named code sets
  std::vector<std::string> code_sets;   // the named sets, for explanations
  int years = 0;
};

struct Cohort {
  bool any_of = false;  // false: every condition must hold
  std::vector<CohortCondition> conditions;
  bool empty() const { return conditions.empty(); }
};

struct ResourceRule {
  std::string type;
  std::set<Action> actions;
  // Dotted element paths relative to the resource ("note", "dosage.text");
  // a trailing "[x]" names a choice element ("effective[x]").
  std::vector<std::string> hidden_fields;
  std::vector<std::string> exclusions;  // code set names
  bool allows(Action a) const { return actions.count(a) != 0; }
};

struct Agreement {
  std::string id, title, legal_basis;
  std::vector<std::string> controllers;    // organisation codes (kind controller)
  std::vector<std::string> partner_orgs;   // organisation codes
  std::vector<OrgKind> partner_kinds;      // or every organisation of a kind
  std::string valid_from, valid_to;        // as written (YYYY-MM-DD, both inclusive, UTC days)
  int64_t valid_from_ms = 0;               // [valid_from_ms, valid_until_ms)
  int64_t valid_until_ms = 0;
  std::vector<std::string> purposes;       // ActReason codes
  ConsentMode consent_mode = ConsentMode::explicit_consent;
  bool require_verified_nhs_number = true;
  Cohort cohort;
  std::vector<ResourceRule> resources;
  int line = 0;

  const ResourceRule* rule_for(std::string_view type) const;
  bool covers_partner(const Organisation& org) const;
  bool covers_controller(std::string_view controller) const;
  bool covers_purpose(std::string_view purpose) const;
  bool in_force(int64_t now_ms) const { return now_ms >= valid_from_ms && now_ms < valid_until_ms; }
};

// An extract code that records consent or dissent (extract-formats.md).
struct ConsentCode {
  std::string system, code, display;
  // Permit codes only: whom the permit is for. Empty = anyone. A deny code
  // always means dissent from sharing with anyone (the extract never says
  // which third party, so a narrower reading could leak).
  std::vector<std::string> applies_to_orgs;
  std::vector<OrgKind> applies_to_kinds;
};

struct Policy {
  bool loaded = false;        // false: no policy in force, everything is denied
  std::string version;        // as written in the file
  std::string content_hash;   // sha256 (hex) of the policy text and every code set file
  std::string version_stamp;  // "<version>+sha256:<first 12 hex>", recorded on every decision
  std::string source;         // file path, or "<text>"

  std::vector<Organisation> organisations;
  std::vector<Agreement> agreements;
  std::vector<ConsentCode> permit_codes, deny_codes;
  std::map<std::string, CodeSet> code_sets;
  std::map<std::string, std::string> code_set_files;  // name -> resolved path

  const Organisation* find_organisation(std::string_view code) const;
  const Agreement* find_agreement(std::string_view id) const;
  const ConsentCode* find_permit_code(std::string_view system, std::string_view code) const;
  const ConsentCode* find_deny_code(std::string_view system, std::string_view code) const;
  // The union of the named code sets (unknown names contribute nothing; the
  // loader refuses policies that name unknown sets).
  CodeSet codes_of(const std::vector<std::string>& set_names) const;
};

// HL7 v3 ActReason purpose-of-use codes the policy may name.
const std::vector<std::string>& known_purposes();
bool is_known_purpose(std::string_view code);

// Types that hold no patient data and no controller (Questionnaire): shared
// with every authenticated partner, never named in an agreement.
bool is_reference_type(std::string_view type);

const char* kind_word(OrgKind k);  // "statutory" | "voluntary" | "controller" | ...
std::optional<OrgKind> parse_partner_kind(std::string_view s);

}  // namespace fhirgw::policy
