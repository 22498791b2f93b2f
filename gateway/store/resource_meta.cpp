#include "store/resource_meta.hpp"

#include "core/fhir_time.hpp"
#include "core/systems.hpp"

namespace fhirgw::store {
namespace {

std::string tag_code(const json::Value& doc, std::string_view list, std::string_view system) {
  const json::Value* tags = json::get_path(doc, "meta." + std::string(list));
  if (!tags || !tags->IsArray()) return {};
  for (const auto& t : tags->GetArray())
    if (json::get_string(t, "system") == system) return std::string(json::get_string(t, "code").value_or(""));
  return {};
}

// meta.versionId and meta.lastUpdated are the store's, not content.
void strip_store_meta(json::Value& doc) {
  auto it = doc.FindMember("meta");
  if (it == doc.MemberEnd() || !it->value.IsObject()) return;
  it->value.RemoveMember("versionId");
  it->value.RemoveMember("lastUpdated");
  if (it->value.ObjectEmpty()) doc.RemoveMember("meta");
}

}  // namespace

Governance derive_governance(const model::ResourceType& rt, const std::string& id, const json::Value& doc,
                             const std::vector<search::IndexEntry>& entries) {
  Governance g;
  g.controller = tag_code(doc, "tag", systems::kController);
  g.author_org = tag_code(doc, "tag", systems::kAuthorOrg);
  if (const json::Value* sec = json::get_path(doc, "meta.security"); sec && sec->IsArray()) {
    for (const auto& s : sec->GetArray()) {
      auto code = json::get_string(s, "code");
      if (json::get_string(s, "system") == systems::kConfidentiality && (code == "R" || code == "V"))
        g.confidential = true;
    }
  }
  if (rt.name == "Patient") {
    g.patient_id = id;
  } else if (!rt.patient_param.empty()) {
    const model::SearchParam* p = model::find_param(rt, rt.patient_param);
    const std::string_view rows = p ? model::index_name(*p) : rt.patient_param;
    for (const auto& e : entries) {
      if (e.type == model::ParamType::reference && e.param == rows &&
          (e.ref_type == "Patient" || e.ref_type.empty()) && !e.ref_id.empty()) {
        g.patient_id = e.ref_id;
        break;
      }
    }
  }
  return g;
}

Result<bool> same_content(const std::string& current_json, const json::Value& incoming) {
  auto current = json::parse(current_json);
  if (!current) return std::move(current).error();
  json::Document copy;
  copy.CopyFrom(incoming, copy.GetAllocator());
  strip_store_meta(*current);
  strip_store_meta(copy);
  return *current == copy;
}

json::Value& meta_tags(json::Value& resource, json::Allocator& a) {
  if (!resource.HasMember("meta") || !resource["meta"].IsObject()) {
    json::remove(resource, "meta");
    resource.AddMember("meta", json::Value(rapidjson::kObjectType), a);
  }
  json::Value& meta = resource["meta"];
  if (!meta.HasMember("tag") || !meta["tag"].IsArray()) {
    json::remove(meta, "tag");
    meta.AddMember("tag", json::Value(rapidjson::kArrayType), a);
  }
  return meta["tag"];
}

void stamp_meta(json::Document& doc, int64_t version, int64_t now) {
  auto& a = doc.GetAllocator();
  auto it = doc.FindMember("meta");
  if (it == doc.MemberEnd() || !it->value.IsObject()) {
    json::set(doc, "meta", json::Value(rapidjson::kObjectType), a);
    it = doc.FindMember("meta");
  }
  json::set_string(it->value, "versionId", std::to_string(version), a);
  json::set_string(it->value, "lastUpdated", fhir_time::format_instant(now), a);
}

}  // namespace fhirgw::store
