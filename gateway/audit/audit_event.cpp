#include "audit/audit_event.hpp"

#include <algorithm>
#include <set>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "core/fhir_time.hpp"
#include "core/json.hpp"
#include "core/systems.hpp"

namespace fhirgw::audit {

std::string outcome_code(int status) {
  if (status < 400) return "0";
  if (status < 500) return "4";
  return "8";
}

namespace {

// An entry is a JSON array of the request's facts, [format, recorded_ms,
// request_id, client, organisation, purpose, interaction, type, status,
// query, detail, remote, [returned], [written], [patients], [agreements],
// policy_version]: a third of the AuditEvent's size, rendered on read.
constexpr int kEntryFormat = 2;
constexpr rapidjson::SizeType kEntryFields = 17;

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

// The resources an entry names: those returned, then those written.
std::vector<std::string> entities_of(const AuditRecord& r) {
  std::vector<std::string> out = r.returned;
  out.insert(out.end(), r.written.begin(), r.written.end());
  return out;
}

// The AuditEvent of one entry (format 2), with id = seq.
std::string event_json(const AuditRecord& r, int64_t recorded_ms, int64_t seq) {
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
  json::set_string(d, "outcome", outcome_code(r.status), a);
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
  for (const auto& ref : entities_of(r)) {
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
  return json::to_string(d);
}

using EntryWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void write_string(EntryWriter& w, const std::string& s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

void write_strings(EntryWriter& w, const std::vector<std::string>& items) {
  w.StartArray();
  for (const auto& i : items) write_string(w, i);
  w.EndArray();
}


// Reads a format-2 entry back into the facts it was written from.
Result<AuditRecord> record_of(const std::string& entry, int64_t& recorded_ms) {
  auto bad = [] { return Error::internal("An audit entry is not in a known format"); };
  auto doc = json::parse(entry);
  if (!doc) return std::move(doc).error();
  const json::Value& v = *doc;
  if (!v.IsArray() || v.Size() != kEntryFields || !v[0].IsInt() || v[0].GetInt() != kEntryFormat) return bad();
  auto text = [&](int i) { return v[i].IsString() ? std::string(v[i].GetString(), v[i].GetStringLength()) : std::string(); };
  auto list = [&](int i) {
    std::vector<std::string> out;
    if (v[i].IsArray())
      for (const auto& x : v[i].GetArray())
        if (x.IsString()) out.emplace_back(x.GetString(), x.GetStringLength());
    return out;
  };
  if (!v[1].IsInt64() || !v[8].IsInt()) return bad();
  AuditRecord r;
  recorded_ms = v[1].GetInt64();
  r.request_id = text(2);
  r.caller.client_id = text(3);
  r.caller.organisation = text(4);
  r.caller.purpose = text(5);
  r.interaction = text(6);
  r.type = text(7);
  r.status = v[8].GetInt();
  r.query = text(9);
  r.outcome_detail = text(10);
  r.remote = text(11);
  r.returned = list(12);
  r.written = list(13);
  r.patients = list(14);
  r.agreements = list(15);
  r.policy_version = text(16);
  return r;
}

}  // namespace

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
  row.entities = join(entities_of(r));
  row.agreements = join(r.agreements);
  row.policy_version = r.policy_version;

  rapidjson::StringBuffer sb;
  EntryWriter w(sb);
  auto str = [&](const std::string& t) { write_string(w, t); };
  w.StartArray();
  w.Int(kEntryFormat);
  w.Int64(recorded_ms);
  str(r.request_id);
  str(r.caller.client_id);
  str(r.caller.organisation);
  str(r.caller.purpose);
  str(r.interaction);
  str(r.type);
  w.Int(r.status);
  str(r.query);
  str(r.outcome_detail);
  str(r.remote);
  write_strings(w, r.returned);
  write_strings(w, r.written);
  write_strings(w, r.patients);
  write_strings(w, r.agreements);
  str(r.policy_version);
  w.EndArray();
  row.entry.assign(sb.GetString(), sb.GetSize());
  return row;
}

Result<std::string> audit_event_json(const store::AuditRow& row) {
  if (!row.entry.empty() && row.entry.front() == '{') return row.entry;  // format 1: the AuditEvent itself
  int64_t recorded_ms = 0;
  auto record = record_of(row.entry, recorded_ms);
  if (!record) return std::move(record).error();
  return event_json(*record, recorded_ms, row.seq);
}

}  // namespace fhirgw::audit

namespace fhirgw::audit {

std::string altered_fact(const store::AuditRow& row) {
  if (!row.entry.empty() && row.entry.front() == '{') return "";  // format 1: no searchable facts derived
  int64_t recorded_ms = 0;
  auto record = record_of(row.entry, recorded_ms);
  if (!record) return "entry";
  const store::AuditRow want = to_row(*record, recorded_ms, row.seq);
  const std::pair<const char*, bool> facts[] = {
      {"recorded", want.recorded_ms == row.recorded_ms},   {"request_id", want.request_id == row.request_id},
      {"client_id", want.client_id == row.client_id},      {"organisation", want.organisation == row.organisation},
      {"purpose", want.purpose == row.purpose},            {"action", want.action == row.action},
      {"resource_type", want.resource_type == row.resource_type}, {"status", want.status == row.status},
      {"outcome", want.outcome == row.outcome},            {"patients", want.patients == row.patients},
      {"entities", want.entities == row.entities},         {"agreements", want.agreements == row.agreements},
      {"policy_version", want.policy_version == row.policy_version}};
  for (const auto& [name, same] : facts)
    if (!same) return name;
  return "";
}

}  // namespace fhirgw::audit
