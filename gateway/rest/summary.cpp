#include "rest/summary.hpp"

#include <algorithm>
#include <map>
#include <sstream>

namespace fhirgw::rest {
namespace {

constexpr const char* kObservationValue = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue";

// Elements marked isSummary in the R4 base definitions, for the types served.
const std::map<std::string, std::vector<std::string>, std::less<>>& summary_elements() {
  static const std::map<std::string, std::vector<std::string>, std::less<>> m = {
      {"Patient", {"identifier", "active", "name", "telecom", "gender", "birthDate", "deceasedBoolean",
                   "deceasedDateTime", "address", "managingOrganization", "link"}},
      {"CarePlan", {"identifier", "instantiatesCanonical", "instantiatesUri", "basedOn", "replaces", "partOf",
                    "status", "intent", "category", "title", "subject", "encounter", "period", "author"}},
      {"Flag", {"identifier", "status", "category", "code", "subject", "period", "encounter", "author"}},
      {"QuestionnaireResponse", {"identifier", "basedOn", "partOf", "questionnaire", "status", "subject",
                                 "encounter", "authored", "author", "source"}},
      {"MedicationStatement", {"identifier", "basedOn", "partOf", "status", "statusReason", "category",
                               "medicationCodeableConcept", "medicationReference", "subject", "context",
                               "effectiveDateTime", "effectivePeriod", "dateAsserted", "informationSource"}},
      {"Consent", {"identifier", "status", "scope", "category", "patient", "dateTime", "performer",
                   "organization", "sourceAttachment", "sourceReference", "policyRule"}},
      {"Questionnaire", {"url", "identifier", "version", "name", "title", "status", "experimental",
                         "subjectType", "date", "publisher", "description", "jurisdiction", "useContext",
                         "effectivePeriod", "code"}},
  };
  return m;
}

void add_security_label(json::Value& resource, json::Allocator& a, const char* field, const char* code,
                        const char* display) {
  if (!resource.HasMember("meta")) resource.AddMember("meta", json::Value(rapidjson::kObjectType), a);
  json::Value& meta = resource["meta"];
  if (!meta.HasMember(field)) meta.AddMember(json::make_string(field, a), json::Value(rapidjson::kArrayType), a);
  json::Value& arr = meta[field];
  for (const auto& c : arr.GetArray())
    if (json::get_string(c, "code") == std::string_view(code)) return;
  json::Value coding(rapidjson::kObjectType);
  json::set_string(coding, "system", kObservationValue, a);
  json::set_string(coding, "code", code, a);
  json::set_string(coding, "display", display, a);
  arr.PushBack(std::move(coding), a);
}

bool is_empty_container(const json::Value& v) {
  return (v.IsObject() && v.MemberCount() == 0) || (v.IsArray() && v.Empty());
}

// Removes `path` below v; containers the removal leaves empty are removed too
// (FHIR forbids empty elements), so hiding dosage.text drops an emptied dosage.
void remove_path(json::Value& v, std::string_view path) {
  if (v.IsArray()) {
    for (auto& item : v.GetArray()) remove_path(item, path);
    for (auto it = v.Begin(); it != v.End();) {
      if (is_empty_container(*it)) it = v.Erase(it);
      else ++it;
    }
    return;
  }
  if (!v.IsObject()) return;
  auto dot = path.find('.');
  if (dot == std::string_view::npos) {
    json::remove(v, path);
    // choice elements: "effective" hides effectiveDateTime, effectivePeriod, ...
    std::vector<std::string> choice;
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      std::string_view name(it->name.GetString(), it->name.GetStringLength());
      if (name.size() > path.size() && name.substr(0, path.size()) == path &&
          std::isupper(static_cast<unsigned char>(name[path.size()])))
        choice.emplace_back(name);
    }
    for (const auto& c : choice) json::remove(v, c);
    return;
  }
  auto head = path.substr(0, dot);
  json::Value* child = const_cast<json::Value*>(json::get(v, head));
  if (!child) return;
  remove_path(*child, path.substr(dot + 1));
  if (is_empty_container(*child)) json::remove(v, head);
}

void keep_only(json::Value& resource, json::Allocator& a, const std::vector<std::string>& keep) {
  std::vector<std::string> drop;
  for (auto it = resource.MemberBegin(); it != resource.MemberEnd(); ++it) {
    std::string name(it->name.GetString(), it->name.GetStringLength());
    if (name == "resourceType" || name == "id" || name == "meta" || name == "implicitRules") continue;
    if (std::find(keep.begin(), keep.end(), name) == keep.end()) drop.push_back(name);
  }
  for (const auto& d : drop) json::remove(resource, d);
  add_security_label(resource, a, "tag", "SUBSETTED", "subsetted");
}

std::string shape(const std::string& body, search::Summary summary, const std::vector<std::string>& elements) {
  if (summary == search::Summary::none && elements.empty()) return body;
  if (summary == search::Summary::data) {
    auto d = json::parse(body);
    if (!d.ok()) return body;
    json::remove(*d, "text");
    add_security_label(*d, d->GetAllocator(), "tag", "SUBSETTED", "subsetted");
    return json::to_string(*d);
  }
  auto d = json::parse(body);
  if (!d.ok()) return body;
  std::vector<std::string> keep = elements;
  if (summary == search::Summary::true_) {
    auto type = json::get_string(*d, "resourceType");
    auto it = type ? summary_elements().find(*type) : summary_elements().end();
    if (it != summary_elements().end()) keep.insert(keep.end(), it->second.begin(), it->second.end());
  } else if (summary == search::Summary::text) {
    keep.push_back("text");
  }
  // _elements may name choice elements by their base name (effective → effectiveDateTime).
  std::vector<std::string> expanded;
  for (auto it = d->MemberBegin(); it != d->MemberEnd(); ++it) {
    std::string name(it->name.GetString(), it->name.GetStringLength());
    for (const auto& k : keep)
      if (name.size() > k.size() && name.compare(0, k.size(), k) == 0 &&
          std::isupper(static_cast<unsigned char>(name[k.size()])))
        expanded.push_back(name);
  }
  keep.insert(keep.end(), expanded.begin(), expanded.end());
  keep_only(*d, d->GetAllocator(), keep);
  return json::to_string(*d);
}

}  // namespace

void redact_fields(json::Value& resource, json::Allocator& a, const std::vector<std::string>& fields) {
  auto type = json::get_string(resource, "resourceType");
  for (std::string_view f : fields) {
    // Accept both "note" and "MedicationStatement.note".
    if (type && f.size() > type->size() && f.substr(0, type->size()) == *type && f[type->size()] == '.')
      f.remove_prefix(type->size() + 1);
    remove_path(resource, f);
  }
  add_security_label(resource, a, "security", "REDACTED", "redacted");
}

bool shapes(search::Summary summary, const std::vector<std::string>& elements) {
  return summary != search::Summary::none || !elements.empty();
}

std::string shape_for_search(const std::string& body, search::Summary summary,
                             const std::vector<std::string>& elements) {
  return shape(body, summary, elements);
}

std::string shape_for_read(const std::string& body, const Params& params) {
  search::Summary summary = search::Summary::none;
  std::vector<std::string> elements;
  for (const auto& [k, v] : params) {
    if (k == "_summary") {
      if (v == "true") summary = search::Summary::true_;
      else if (v == "text") summary = search::Summary::text;
      else if (v == "data") summary = search::Summary::data;
    } else if (k == "_elements") {
      std::stringstream ss(v);
      std::string item;
      while (std::getline(ss, item, ','))
        if (!item.empty()) elements.push_back(item);
    }
  }
  return shape(body, summary, elements);
}

}  // namespace fhirgw::rest
