#include "policy/policy.hpp"

#include <algorithm>

namespace fhirgw::policy {

const char* to_string(Action a) {
  switch (a) {
    case Action::read: return "read";
    case Action::search: return "search";
    case Action::create: return "create";
    case Action::update: return "update";
  }
  return "?";
}

std::optional<Action> parse_action(std::string_view s) {
  if (s == "read") return Action::read;
  if (s == "search") return Action::search;
  if (s == "create") return Action::create;
  if (s == "update") return Action::update;
  return std::nullopt;
}

std::optional<Action> action_for(model::Interaction i) {
  using I = model::Interaction;
  switch (i) {
    case I::read:
    case I::vread:
    case I::history_instance: return Action::read;
    case I::search:
    case I::history_type: return Action::search;
    case I::create: return Action::create;
    case I::update: return Action::update;
    case I::remove: return std::nullopt;
  }
  return std::nullopt;
}

const char* to_string(ConsentMode m) {
  return m == ConsentMode::explicit_consent ? "explicit" : "implied";
}

const ResourceRule* Agreement::rule_for(std::string_view type) const {
  for (const auto& r : resources)
    if (r.type == type) return &r;
  return nullptr;
}

bool Agreement::covers_partner(const Organisation& org) const {
  if (std::find(partner_orgs.begin(), partner_orgs.end(), org.code) != partner_orgs.end())
    return true;
  return std::find(partner_kinds.begin(), partner_kinds.end(), org.kind) != partner_kinds.end();
}

bool Agreement::covers_controller(std::string_view controller) const {
  return std::find(controllers.begin(), controllers.end(), controller) != controllers.end();
}

bool Agreement::covers_purpose(std::string_view purpose) const {
  return std::find(purposes.begin(), purposes.end(), purpose) != purposes.end();
}

const Organisation* Policy::find_organisation(std::string_view code) const {
  for (const auto& o : organisations)
    if (o.code == code) return &o;
  return nullptr;
}

const Agreement* Policy::find_agreement(std::string_view id) const {
  for (const auto& a : agreements)
    if (a.id == id) return &a;
  return nullptr;
}

namespace {
const ConsentCode* find_code(const std::vector<ConsentCode>& list, std::string_view system,
                             std::string_view code) {
  for (const auto& c : list)
    if (c.system == system && c.code == code) return &c;
  return nullptr;
}
}  // namespace

const ConsentCode* Policy::find_permit_code(std::string_view system, std::string_view code) const {
  return find_code(permit_codes, system, code);
}

const ConsentCode* Policy::find_deny_code(std::string_view system, std::string_view code) const {
  return find_code(deny_codes, system, code);
}

CodeSet Policy::codes_of(const std::vector<std::string>& set_names) const {
  CodeSet out;
  for (const auto& n : set_names) {
    auto it = code_sets.find(n);
    if (it != code_sets.end()) out.insert(it->second.begin(), it->second.end());
  }
  return out;
}

const std::vector<std::string>& known_purposes() {
  // http://terminology.hl7.org/CodeSystem/v3-ActReason, purpose of use (PurposeOfUse) codes.
  static const std::vector<std::string> codes = {
      "TREAT",   "ETREAT",   "BTG",      "ERTREAT",  "CAREMGT",   "CLINTRCH", "CLINTRL",
      "COC",     "HPAYMT",   "CLMATTCH", "COVAUTH",  "COVERAGE",  "ELIGDTRM", "ELIGVER",
      "ENROLLM", "REMITADV", "HOPERAT",  "DONAT",    "FRAUD",     "GOV",      "HACCRED",
      "HCOMPL",  "HDECD",    "HDIRECT",  "HDM",      "HLEGAL",    "HOUTCOMS", "HPRGRP",
      "HQUALIMP","HSYSADMIN","LABELING", "METAMGT",  "MEMADMIN",  "MILCDM",   "PATADMIN",
      "PATSFTY", "PERFMSR",  "RECORDMGT","SYSDEV",   "HTEST",     "TRAIN",    "HMARKT",
      "HRESCH",  "PUBHLTH",  "DISASTER", "THREAT",   "POPHLTH",   "PATRQT",   "FAMRQT",
      "PWATRNY", "SUPNWK",   "SRVC"};
  return codes;
}

bool is_known_purpose(std::string_view code) {
  const auto& k = known_purposes();
  return std::find(k.begin(), k.end(), code) != k.end();
}

bool is_reference_type(std::string_view type) { return type == "Questionnaire"; }

const char* kind_word(OrgKind k) { return to_string(k); }

std::optional<OrgKind> parse_partner_kind(std::string_view s) {
  if (s == "statutory") return OrgKind::statutory;
  if (s == "voluntary") return OrgKind::voluntary;
  if (s == "controller") return OrgKind::controller;
  return std::nullopt;
}

}  // namespace fhirgw::policy
