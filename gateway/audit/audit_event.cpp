#include "audit/audit_event.hpp"

#include <algorithm>
#include <set>

#include "core/fhir_time.hpp"
#include "core/json.hpp"
#include "core/systems.hpp"

namespace fhirgw::audit {
namespace {

char action_code(const std::string& interaction) {
  if (interaction == "create") return 'C';
  if (interaction == "update" || interaction == "conditional-update") return 'U';
  if (interaction == "delete" || interaction == "conditional-delete") return 'D';
  if (interaction == "read" || interaction == "vread" || interaction.rfind("history", 0) == 0 ||
      interaction == "search-type" || interaction == "capabilities")
    return 'R';
  return 'E';
}

std::string join(const std::vector<std::string>& items) {
  std::set<std::string> unique(items.begin(), items.end());
  std::string out;
  for (const auto& i : unique) out += (out.empty() ? "" : " ") + i;
  return out;
}

json::Value coding(json::Allocator& a, const char* system, const std::string& code) {
  json::Value c(rapidjson::kObjectType);
  json::set_string(c, "system", system, a);
  json::set_string(c, "code", code, a);
  return c;
}

}  // namespace

std::string outcome_code(int status) {
  if (status < 400) return "0";
  if (status < 500) return "4";
  return "8";
}

store::AuditRow to_row(const AuditRecord& r, int64_t recorded_ms, int64_t seq) {
  store::AuditRow row;
  row.seq = seq;
  row.recorded_ms = recorded_ms;
  row.request_id = r.request_id;
  row.client_id = r.caller.client_id;
  row.organisation = r.caller.organisation;
  row.purpose = r.caller.purpose;
  row.action = r.interaction;
  row.resource_type = r.type;
  row.status = r.status;
  row.outcome = outcome_code(r.status);
  row.patients = join(r.patients);
  std::vector<std::string> entities = r.returned;
  entities.insert(entities.end(), r.written.begin(), r.written.end());
  row.entities = join(entities);
  row.agreements = join(r.agreements);
  row.policy_version = r.policy_version;

  json::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  json::set_string(d, "resourceType", "AuditEvent", a);
  json::set_string(d, "id", std::to_string(seq), a);
  json::Value type = coding(a, "http://terminology.hl7.org/CodeSystem/audit-event-type", "rest");
  json::set_string(type, "display", "RESTful Operation", a);
  d.AddMember("type", type, a);
  json::Value subtype(rapidjson::kArrayType);
  subtype.PushBack(coding(a, "http://hl7.org/fhir/restful-interaction", r.interaction), a);
  d.AddMember("subtype", subtype, a);
  json::set_string(d, "action", std::string(1, action_code(r.interaction)), a);
  json::set_string(d, "recorded", fhir_time::format_instant(recorded_ms), a);
  json::set_string(d, "outcome", row.outcome, a);
  std::string desc = "HTTP " + std::to_string(r.status);
  if (!r.outcome_detail.empty()) desc += ": " + r.outcome_detail;
  json::set_string(d, "outcomeDesc", desc, a);
  if (!r.caller.purpose.empty()) {
    json::Value purpose(rapidjson::kArrayType);
    json::Value cc(rapidjson::kObjectType);
    json::Value codings(rapidjson::kArrayType);
    codings.PushBack(coding(a, "http://terminology.hl7.org/CodeSystem/v3-ActReason", r.caller.purpose), a);
    cc.AddMember("coding", codings, a);
    purpose.PushBack(cc, a);
    d.AddMember("purposeOfEvent", purpose, a);
  }
  json::Value agents(rapidjson::kArrayType);
  json::Value agent(rapidjson::kObjectType);
  json::Value who(rapidjson::kObjectType);
  json::Value ident(rapidjson::kObjectType);
  json::set_string(ident, "system", std::string(systems::kBase) + "/Id/client", a);
  json::set_string(ident, "value", r.caller.client_id.empty() ? "unauthenticated" : r.caller.client_id, a);
  who.AddMember("identifier", ident, a);
  json::set_string(who, "display", r.caller.organisation.empty() ? "unknown" : r.caller.organisation, a);
  agent.AddMember("who", who, a);
  agent.AddMember("requestor", true, a);
  if (!r.agreements.empty()) {
    json::Value policy(rapidjson::kArrayType);
    for (const auto& dsa : std::set<std::string>(r.agreements.begin(), r.agreements.end()))
      policy.PushBack(json::make_string(std::string(systems::kBase) + "/agreement/" + dsa, a), a);
    agent.AddMember("policy", policy, a);
  }
  if (!r.remote.empty()) {
    json::Value net(rapidjson::kObjectType);
    json::set_string(net, "address", r.remote, a);
    json::set_string(net, "type", "2", a);
    agent.AddMember("network", net, a);
  }
  agents.PushBack(agent, a);
  d.AddMember("agent", agents, a);
  json::Value source(rapidjson::kObjectType);
  json::Value observer(rapidjson::kObjectType);
  json::set_string(observer, "display", "fhir-gateway", a);
  source.AddMember("observer", observer, a);
  d.AddMember("source", source, a);
  json::Value entity(rapidjson::kArrayType);
  for (const auto& ref : entities) {
    json::Value e(rapidjson::kObjectType);
    json::Value what(rapidjson::kObjectType);
    json::set_string(what, "reference", ref, a);
    e.AddMember("what", what, a);
    entity.PushBack(e, a);
  }
  for (const auto& p : std::set<std::string>(r.patients.begin(), r.patients.end())) {
    json::Value e(rapidjson::kObjectType);
    json::Value what(rapidjson::kObjectType);
    json::set_string(what, "reference", "Patient/" + p, a);
    e.AddMember("what", what, a);
    e.AddMember("role", coding(a, "http://terminology.hl7.org/CodeSystem/object-role", "1"), a);
    entity.PushBack(e, a);
  }
  if (!r.query.empty()) {
    json::Value e(rapidjson::kObjectType);
    json::set_string(e, "description", r.query, a);
    entity.PushBack(e, a);
  }
  if (!entity.Empty()) d.AddMember("entity", entity, a);
  if (!r.policy_version.empty()) {
    json::Value ext(rapidjson::kArrayType);
    json::Value x(rapidjson::kObjectType);
    json::set_string(x, "url", std::string(systems::kBase) + "/StructureDefinition/policy-version", a);
    json::set_string(x, "valueString", r.policy_version, a);
    ext.PushBack(x, a);
    d.AddMember("extension", ext, a);
  }
  row.json = json::to_string(d);
  return row;
}

}  // namespace fhirgw::audit
