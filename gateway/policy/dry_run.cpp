#include "policy/dry_run.hpp"

#include <set>

namespace fhirgw::policy {
namespace {

void add_partners(const Policy& p, std::set<std::string>& out) {
  for (const auto& o : p.organisations)
    for (const auto& a : p.agreements)
      if (a.covers_partner(o)) out.insert(o.code);
}

}  // namespace

DryRunReport dry_run(const Policy& current, const Policy& proposed, const ConsentIndex& consents,
                     const PatientDirectory& directory, const std::vector<ResourceFacts>& resources,
                     const std::vector<std::string>& purposes, int64_t now_ms) {
  DryRunReport report;
  report.current_version = current.loaded ? current.version_stamp : "";
  report.proposed_version = proposed.loaded ? proposed.version_stamp : "";
  std::set<std::string> partners;
  add_partners(current, partners);
  add_partners(proposed, partners);
  std::set<std::string> purpose_set(purposes.begin(), purposes.end());
  if (purpose_set.empty())
    for (const Policy* p : {&current, &proposed})
      for (const auto& a : p->agreements) purpose_set.insert(a.purposes.begin(), a.purposes.end());

  for (const auto& partner : partners) {
    for (const auto& purpose : purpose_set) {
      Request req;
      req.caller.authenticated = true;
      req.caller.client_id = "dry-run";
      req.caller.organisation = partner;
      req.caller.roles = {"partner"};
      req.purpose = purpose;
      req.interaction = model::Interaction::read;
      req.scope_allows = true;
      req.now_ms = now_ms;
      PartnerDelta row;
      row.partner = partner;
      row.purpose = purpose;
      std::set<std::string> before_patients, after_patients;
      for (const auto& r : resources) {
        if (is_reference_type(r.type)) continue;
        auto it = directory.find(r.patient_id);
        const PatientFacts* patient = it == directory.end() ? nullptr : &it->second;
        const bool before = decide(current, consents, req, r, patient).permit;
        const bool after = decide(proposed, consents, req, r, patient).permit;
        if (before) {
          ++row.resources_before;
          before_patients.insert(r.patient_id);
        }
        if (after) {
          ++row.resources_after;
          after_patients.insert(r.patient_id);
        }
        if (after && !before) {
          ++row.resources_became_visible;
          if (row.became_visible_examples.size() < kDryRunExamples) row.became_visible_examples.push_back(r.type + "/" + r.id);
        }
        if (before && !after) {
          ++row.resources_became_hidden;
          if (row.became_hidden_examples.size() < kDryRunExamples) row.became_hidden_examples.push_back(r.type + "/" + r.id);
        }
      }
      row.patients_before = before_patients.size();
      row.patients_after = after_patients.size();
      for (const auto& p : after_patients) row.patients_became_visible += before_patients.count(p) ? 0 : 1;
      for (const auto& p : before_patients) row.patients_became_hidden += after_patients.count(p) ? 0 : 1;
      if (row.resources_before || row.resources_after) report.partners.push_back(std::move(row));
    }
  }
  return report;
}

json::Document to_json(const DryRunReport& r) {
  json::Document doc;
  doc.SetObject();
  auto& a = doc.GetAllocator();
  auto num = [](size_t n) { return json::Value(static_cast<uint64_t>(n)); };
  auto strings = [&](const std::vector<std::string>& v) {
    json::Value arr(rapidjson::kArrayType);
    for (const auto& s : v) arr.PushBack(json::make_string(s, a), a);
    return arr;
  };
  doc.AddMember("currentVersion", json::make_string(r.current_version, a), a);
  doc.AddMember("proposedVersion", json::make_string(r.proposed_version, a), a);
  json::Value rows(rapidjson::kArrayType);
  for (const auto& p : r.partners) {
    json::Value o(rapidjson::kObjectType);
    o.AddMember("partner", json::make_string(p.partner, a), a);
    o.AddMember("purpose", json::make_string(p.purpose, a), a);
    o.AddMember("patientsBefore", num(p.patients_before), a);
    o.AddMember("patientsAfter", num(p.patients_after), a);
    o.AddMember("resourcesBefore", num(p.resources_before), a);
    o.AddMember("resourcesAfter", num(p.resources_after), a);
    o.AddMember("resourcesBecomeVisible", num(p.resources_became_visible), a);
    o.AddMember("resourcesBecomeHidden", num(p.resources_became_hidden), a);
    o.AddMember("patientsBecomeVisible", num(p.patients_became_visible), a);
    o.AddMember("patientsBecomeHidden", num(p.patients_became_hidden), a);
    o.AddMember("becomeVisibleExamples", strings(p.became_visible_examples), a);
    o.AddMember("becomeHiddenExamples", strings(p.became_hidden_examples), a);
    rows.PushBack(std::move(o), a);
  }
  doc.AddMember("partners", std::move(rows), a);
  return doc;
}

}  // namespace fhirgw::policy
