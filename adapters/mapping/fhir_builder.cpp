#include "mapping/fhir_builder.hpp"

#include "core/resource_model.hpp"
#include "core/systems.hpp"

namespace fhirgw::adapters {

json::Value str(std::string_view s, json::Allocator& a) { return json::make_string(s, a); }

ResourceDoc::ResourceDoc(std::string_view type, const SourceKey& source, bool confidential) {
  doc_.SetObject();
  auto& a = alloc();
  doc_.AddMember("resourceType", str(type, a), a);
  doc_.AddMember("id", str(source.id(), a), a);

  json::Value meta(rapidjson::kObjectType);
  json::Value profiles(rapidjson::kArrayType);
  if (const auto* t = model::find_type(type)) profiles.PushBack(str(t->profile, a), a);
  meta.AddMember("profile", profiles, a);
  if (confidential) {
    json::Value security(rapidjson::kArrayType);
    security.PushBack(coding({systems::kConfidentiality, "R", "restricted"}, a), a);
    meta.AddMember("security", security, a);
  }
  json::Value tags(rapidjson::kArrayType);
  json::Value tag(rapidjson::kObjectType);
  tag.AddMember("system", str(systems::kController, a), a);
  tag.AddMember("code", str(source.organisation, a), a);
  tags.PushBack(tag, a);
  meta.AddMember("tag", tags, a);
  doc_.AddMember("meta", meta, a);

  json::Value id(rapidjson::kObjectType);
  id.AddMember("system", str(source.identifier_system(), a), a);
  id.AddMember("value", str(source.key, a), a);
  if (type == "QuestionnaireResponse") {
    // R4 gives QuestionnaireResponse a single identifier, not a list.
    doc_.AddMember("identifier", id, a);
    return;
  }
  json::Value identifiers(rapidjson::kArrayType);
  identifiers.PushBack(id, a);
  doc_.AddMember("identifier", identifiers, a);
}

void ResourceDoc::add(std::string_view key, json::Value v) { json::set(doc_, key, std::move(v), alloc()); }

void ResourceDoc::add_string(std::string_view key, std::string_view s) {
  json::set_string(doc_, key, s, alloc());
}

void ResourceDoc::add_identifier(json::Value identifier) {
  auto& ids = doc_["identifier"];
  if (ids.IsArray()) ids.PushBack(identifier, alloc());
}

json::Value coding(const Coding& c, json::Allocator& a) {
  json::Value v(rapidjson::kObjectType);
  v.AddMember("system", str(c.system, a), a);
  v.AddMember("code", str(c.code, a), a);
  if (!c.display.empty()) v.AddMember("display", str(c.display, a), a);
  return v;
}

json::Value codeable_concept(const std::vector<Coding>& codings, std::string_view text,
                             json::Allocator& a) {
  json::Value v(rapidjson::kObjectType);
  if (!codings.empty()) {
    json::Value arr(rapidjson::kArrayType);
    for (const auto& c : codings) arr.PushBack(coding(c, a), a);
    v.AddMember("coding", arr, a);
  }
  if (!text.empty()) v.AddMember("text", str(text, a), a);
  return v;
}

json::Value reference(std::string_view type, std::string_view id, json::Allocator& a) {
  json::Value v(rapidjson::kObjectType);
  std::string ref(type);
  ref.append("/").append(id);
  v.AddMember("reference", str(ref, a), a);
  return v;
}

json::Value organisation_reference(std::string_view ods_code, json::Allocator& a) {
  json::Value ident(rapidjson::kObjectType);
  ident.AddMember("system", str(systems::kOdsCode, a), a);
  ident.AddMember("value", str(ods_code, a), a);
  json::Value v(rapidjson::kObjectType);
  v.AddMember("type", "Organization", a);
  v.AddMember("identifier", ident, a);
  return v;
}

json::Value period(std::string_view start, std::string_view end, json::Allocator& a) {
  json::Value v(rapidjson::kObjectType);
  if (!start.empty()) v.AddMember("start", str(start, a), a);
  if (!end.empty()) v.AddMember("end", str(end, a), a);
  return v;
}

json::Value annotation(std::string_view text, json::Allocator& a) {
  json::Value v(rapidjson::kObjectType);
  v.AddMember("text", str(text, a), a);
  return v;
}

json::Value official_names(std::optional<std::string_view> family, std::optional<std::string_view> first,
                           std::optional<std::string_view> middle, std::optional<std::string_view> title,
                           json::Allocator& a) {
  json::Value name(rapidjson::kObjectType);
  name.AddMember("use", "official", a);
  if (family) name.AddMember("family", str(*family, a), a);
  json::Value given(rapidjson::kArrayType);
  if (first) given.PushBack(str(*first, a), a);
  if (middle) given.PushBack(str(*middle, a), a);
  if (!given.Empty()) name.AddMember("given", given, a);
  if (title) {
    json::Value prefix(rapidjson::kArrayType);
    prefix.PushBack(str(*title, a), a);
    name.AddMember("prefix", prefix, a);
  }
  json::Value names(rapidjson::kArrayType);
  names.PushBack(name, a);
  return names;
}

}  // namespace fhirgw::adapters

#include "core/nhs_number.hpp"

namespace fhirgw::adapters {

json::Value nhs_number_identifier(std::string_view number, bool source_verified,
                                  json::Allocator& a) {
  json::Value id(rapidjson::kObjectType);
  if (!nhs_number_valid(number)) {
    id.AddMember("system", str(kInvalidNhsNumberSystem, a), a);
    id.AddMember("value", str(number, a), a);
    return id;
  }
  Coding status = source_verified
                      ? Coding{kNhsVerificationSystem, "01", "Number present and verified"}
                      : Coding{kNhsVerificationSystem, "02", "Number present but not traced"};
  json::Value ext(rapidjson::kObjectType);
  ext.AddMember("url", str(kNhsVerificationExtension, a), a);
  ext.AddMember("valueCodeableConcept", codeable_concept({status}, "", a), a);
  json::Value exts(rapidjson::kArrayType);
  exts.PushBack(ext, a);
  id.AddMember("extension", exts, a);
  id.AddMember("system", str(systems::kNhsNumber, a), a);
  id.AddMember("value", str(number, a), a);
  return id;
}

}  // namespace fhirgw::adapters
