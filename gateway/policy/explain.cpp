#include "policy/explain.hpp"

namespace fhirgw::policy {
namespace {

json::Value strings(const std::vector<std::string>& v, json::Allocator& a) {
  json::Value arr(rapidjson::kArrayType);
  for (const auto& s : v) arr.PushBack(json::make_string(s, a), a);
  return arr;
}

}  // namespace

json::Value to_json(const Decision& d, const Policy& policy, json::Allocator& a) {
  json::Value o(rapidjson::kObjectType);
  o.AddMember("decision", json::Value(rapidjson::StringRef(d.permit ? "permit" : "deny")), a);
  o.AddMember("rule", json::make_string(d.rule, a), a);
  o.AddMember("reason", json::make_string(d.reason(), a), a);
  o.AddMember("policyVersion", json::make_string(d.policy_version, a), a);
  if (!d.agreement.empty()) {
    o.AddMember("agreement", json::make_string(d.agreement, a), a);
    if (const Agreement* ag = policy.find_agreement(d.agreement)) {
      o.AddMember("agreementTitle", json::make_string(ag->title, a), a);
      o.AddMember("legalBasis", json::make_string(ag->legal_basis, a), a);
      o.AddMember("consentMode", json::make_string(to_string(ag->consent_mode), a), a);
    }
  }
  o.AddMember("consents", strings(d.consents, a), a);
  o.AddMember("exclusions", strings(d.exclusions, a), a);
  o.AddMember("hiddenFields", strings(d.hidden_fields, a), a);
  json::Value chain(rapidjson::kArrayType);
  for (const auto& s : d.chain) {
    json::Value step(rapidjson::kObjectType);
    step.AddMember("rule", json::make_string(s.rule, a), a);
    step.AddMember("outcome", json::make_string(to_string(s.outcome), a), a);
    step.AddMember("detail", json::make_string(s.sentence, a), a);
    chain.PushBack(std::move(step), a);
  }
  o.AddMember("chain", std::move(chain), a);
  return o;
}

json::Document explain(const Policy& policy, const ConsentIndex& consents, const Request& request_in,
                       const ResourceFacts& resource, const PatientFacts* patient) {
  Request req = request_in;
  req.trace = true;  // "why" needs every step, whatever the caller asked for
  Decision d;
  auto action = action_for(req.interaction);
  if (action == Action::create || action == Action::update) {
    const json::Value empty_body(rapidjson::kObjectType);
    d = decide_write(policy, consents, req, resource, empty_body,
                     action == Action::update ? &resource : nullptr, patient);
  } else {
    d = decide(policy, consents, req, resource, patient);
  }
  json::Document doc;
  doc.SetObject();
  auto& a = doc.GetAllocator();
  json::Value request(rapidjson::kObjectType);
  request.AddMember("client", json::make_string(req.caller.client_id, a), a);
  request.AddMember("organisation", json::make_string(req.caller.organisation, a), a);
  request.AddMember("kind", json::make_string(to_string(req.caller.kind), a), a);
  request.AddMember("purpose", json::make_string(req.purpose.empty() ? req.caller.purpose : req.purpose, a), a);
  request.AddMember("interaction", json::make_string(model::to_string(req.interaction), a), a);
  request.AddMember("type", json::make_string(resource.type, a), a);
  request.AddMember("resource", json::make_string(resource.type + "/" + resource.id, a), a);
  doc.AddMember("request", std::move(request), a);
  json::Value body = to_json(d, policy, a);
  for (auto& m : body.GetObject()) doc.AddMember(std::move(m.name), std::move(m.value), a);
  return doc;
}

}  // namespace fhirgw::policy
