// The CapabilityStatement is generated from resource_model: the same table the
// router, the indexer and the search parser use, so it cannot drift.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "core/fhir_time.hpp"
#include "core/resource_model.hpp"
#include "rest/service.hpp"

namespace fhirgw::rest {

http::Response FhirService::capabilities() const {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  auto str = [&](std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); };
  w.StartObject();
  str("resourceType"); str("CapabilityStatement");
  str("status"); str("active");
  str("date"); str(fhir_time::format_instant(fhir_time::now_ms()).substr(0, 10));
  str("kind"); str("instance");
  str("software"); w.StartObject(); str("name"); str("fhir-gateway"); str("version"); str("0.1.0"); w.EndObject();
  str("implementation"); w.StartObject(); str("description"); str("FHIR R4 gateway for integrated care"); str("url"); str(config_.base_url); w.EndObject();
  str("fhirVersion"); str("4.0.1");
  str("format"); w.StartArray(); str("application/fhir+json"); str("json"); w.EndArray();
  str("rest"); w.StartArray(); w.StartObject();
  str("mode"); str("server");
  str("security"); w.StartObject();
  str("cors"); w.Bool(false);
  str("service"); w.StartArray(); w.StartObject(); str("coding"); w.StartArray(); w.StartObject();
  str("system"); str("http://terminology.hl7.org/CodeSystem/restful-security-service"); str("code"); str("SMART-on-FHIR");
  w.EndObject(); w.EndArray(); w.EndObject(); w.EndArray();
  str("extension"); w.StartArray(); w.StartObject();
  str("url"); str("http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris");
  str("extension"); w.StartArray();
  w.StartObject(); str("url"); str("token"); str("valueUri"); str(config_.base_url + "/auth/token"); w.EndObject();
  w.EndArray(); w.EndObject(); w.EndArray();
  str("description"); str("SMART Backend Services (client_credentials with private_key_jwt) or mutual TLS. Every request states its purpose of use in the X-Purpose-Of-Use header (an HL7 v3 ActReason code, e.g. TREAT, CAREMGT); without one, nothing is shared.");
  w.EndObject();
  str("resource"); w.StartArray();
  for (const auto& t : model::resource_types()) {
    w.StartObject();
    str("type"); str(t.name);
    str("profile"); str(t.profile);
    str("interaction"); w.StartArray();
    for (auto i : t.interactions) { w.StartObject(); str("code"); str(model::to_string(i)); w.EndObject(); }
    w.EndArray();
    str("versioning"); str("versioned-update");
    str("readHistory"); w.Bool(true);
    str("updateCreate"); w.Bool(true);
    str("conditionalCreate"); w.Bool(true);
    str("conditionalRead"); str("not-supported");
    str("conditionalUpdate"); w.Bool(true);
    str("conditionalDelete"); str("single");
    str("searchInclude"); w.StartArray();
    for (const auto& p : t.params) if (p.type == model::ParamType::reference) str(std::string(t.name) + ":" + std::string(p.name));
    w.EndArray();
    str("searchRevInclude"); w.StartArray();
    for (const auto& other : model::resource_types())
      for (const auto& p : other.params)
        if (p.type == model::ParamType::reference)
          for (auto target : p.targets)
            if (target == t.name) str(std::string(other.name) + ":" + std::string(p.name));
    w.EndArray();
    str("searchParam"); w.StartArray();
    for (const auto* list : {&model::common_params(), &t.params})
      for (const auto& p : *list) {
        w.StartObject();
        str("name"); str(p.name);
        str("definition"); str(p.definition);
        str("type"); str(model::to_string(p.type));
        str("documentation"); str(p.documentation);
        w.EndObject();
      }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  str("interaction"); w.StartArray();
  for (const char* i : {"batch", "transaction", "history-system"}) { w.StartObject(); str("code"); str(i); w.EndObject(); }
  w.EndArray();
  str("searchParam"); w.StartArray();
  for (const char* p : {"_count", "_sort", "_include", "_revinclude", "_summary", "_total", "_elements"}) {
    w.StartObject(); str("name"); str(p); str("type"); str(std::string(p) == "_count" ? "number" : "string"); w.EndObject();
  }
  w.EndArray();
  w.EndObject(); w.EndArray();
  w.EndObject();
  http::Response r;
  r.body.assign(sb.GetString(), sb.GetSize());
  r.interaction = "capabilities";
  return r;
}

}  // namespace fhirgw::rest
