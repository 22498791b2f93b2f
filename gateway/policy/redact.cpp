#include "policy/redact.hpp"

namespace fhirgw::policy {
namespace {

std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    auto dot = path.find('.');
    out.push_back(path.substr(0, dot));
    path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
  }
  return out;
}

bool is_choice(std::string_view seg) { return seg.size() > 3 && seg.substr(seg.size() - 3) == "[x]"; }

// "effective[x]" matches effectiveDateTime, effectivePeriod; a plain name matches itself.
bool name_matches(std::string_view seg, std::string_view name) {
  if (!is_choice(seg)) return seg == name;
  std::string_view prefix = seg.substr(0, seg.size() - 3);
  return name.size() > prefix.size() && name.substr(0, prefix.size()) == prefix &&
         name[prefix.size()] >= 'A' && name[prefix.size()] <= 'Z';
}

bool empty_container(const json::Value& v) {
  return (v.IsObject() && v.MemberCount() == 0) || (v.IsArray() && v.Empty());
}

void remove_path(json::Value& v, const std::vector<std::string_view>& segs, size_t i) {
  if (i >= segs.size()) return;
  if (v.IsArray()) {
    for (auto& e : v.GetArray()) remove_path(e, segs, i);
    for (auto it = v.Begin(); it != v.End();) {
      if (empty_container(*it)) it = v.Erase(it);
      else ++it;
    }
    return;
  }
  if (!v.IsObject()) return;
  const bool last = i + 1 == segs.size();
  for (auto m = v.MemberBegin(); m != v.MemberEnd();) {
    const std::string_view name(m->name.GetString(), m->name.GetStringLength());
    if (!name_matches(segs[i], name)) {
      ++m;
      continue;
    }
    if (!last) {
      remove_path(m->value, segs, i + 1);
      if (!empty_container(m->value)) {
        ++m;
        continue;
      }
    }
    m = v.EraseMember(m);
  }
}

bool reaches(const json::Value& v, const std::vector<std::string_view>& segs, size_t i) {
  if (i >= segs.size()) return !v.IsNull();
  if (v.IsArray()) {
    for (const auto& e : v.GetArray())
      if (reaches(e, segs, i)) return true;
    return false;
  }
  if (!v.IsObject()) return false;
  for (const auto& m : v.GetObject()) {
    const std::string_view name(m.name.GetString(), m.name.GetStringLength());
    if (name_matches(segs[i], name) && reaches(m.value, segs, i + 1)) return true;
  }
  return false;
}

}  // namespace

void redact(json::Value& resource, json::Allocator& alloc, const std::vector<std::string>& hidden_fields) {
  if (hidden_fields.empty() || !resource.IsObject()) return;
  for (const auto& path : hidden_fields) {
    auto segs = split(path);
    if (segs.empty() || segs.front() == "resourceType" || segs.front() == "id" || segs.front() == "meta") continue;
    remove_path(resource, segs, 0);
  }
  json::Value* meta = nullptr;
  if (auto it = resource.FindMember("meta"); it != resource.MemberEnd() && it->value.IsObject()) {
    meta = &it->value;
  } else {
    json::set(resource, "meta", json::Value(rapidjson::kObjectType), alloc);
    meta = &resource["meta"];
  }
  auto sec = meta->FindMember("security");
  if (sec == meta->MemberEnd() || !sec->value.IsArray()) {
    json::set(*meta, "security", json::Value(rapidjson::kArrayType), alloc);
    sec = meta->FindMember("security");
  }
  for (const auto& s : sec->value.GetArray())
    if (json::get_string(s, "system") == std::optional<std::string_view>(kObservationValueSystem) &&
        json::get_string(s, "code") == std::optional<std::string_view>("REDACTED"))
      return;
  json::Value label(rapidjson::kObjectType);
  label.AddMember("system", json::make_string(kObservationValueSystem, alloc), alloc);
  label.AddMember("code", "REDACTED", alloc);
  label.AddMember("display", "redacted", alloc);
  sec->value.PushBack(std::move(label), alloc);
}

bool has_field(const json::Value& resource, std::string_view path) {
  auto segs = split(path);
  return !segs.empty() && reaches(resource, segs, 0);
}

}  // namespace fhirgw::policy
