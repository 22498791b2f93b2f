#include "search/indexer.hpp"

#include <algorithm>

#include "core/fhir_time.hpp"
#include "search/normalize.hpp"
#include "search/reference.hpp"

namespace fhirgw::search {
namespace {

using model::ParamType;

std::string_view str(const json::Value& v) { return {v.GetString(), v.GetStringLength()}; }

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> steps;
  while (!path.empty()) {
    auto dot = path.find('.');
    steps.push_back(path.substr(0, dot));
    path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
  }
  return steps;
}

// Collects the values a dotted path reaches, flattening arrays at every step
// and expanding choice steps ("effective[x]" → effectiveDateTime, effectivePeriod…).
void walk(const json::Value& node, const std::vector<std::string_view>& steps, size_t i,
          std::vector<const json::Value*>& out) {
  if (node.IsArray()) {
    for (const auto& el : node.GetArray()) walk(el, steps, i, out);
    return;
  }
  if (i == steps.size()) {
    out.push_back(&node);
    return;
  }
  if (!node.IsObject()) return;
  std::string_view step = steps[i];
  if (step.size() > 3 && step.substr(step.size() - 3) == "[x]") {
    std::string_view prefix = step.substr(0, step.size() - 3);
    for (const auto& m : node.GetObject()) {
      std::string_view name = str(m.name);
      if (name.size() > prefix.size() && name.substr(0, prefix.size()) == prefix &&
          name[prefix.size()] >= 'A' && name[prefix.size()] <= 'Z')
        walk(m.value, steps, i + 1, out);
    }
    return;
  }
  if (const json::Value* child = json::get(node, step)) walk(*child, steps, i + 1, out);
}

IndexEntry base(std::string_view param, ParamType type) {
  IndexEntry e;
  e.param = std::string(param);
  e.type = type;
  return e;
}

void add_token(std::string_view param, std::string_view system, std::string_view code,
               std::vector<IndexEntry>& out) {
  if (code.empty() && system.empty()) return;
  IndexEntry e = base(param, ParamType::token);
  e.system = std::string(system);
  e.code = std::string(code);
  out.push_back(std::move(e));
}

void add_coding(std::string_view param, const json::Value& coding, std::vector<IndexEntry>& out) {
  auto code = json::get_string(coding, "code");
  if (!code) return;
  add_token(param, json::get_string(coding, "system").value_or(""), *code, out);
}

void index_token(std::string_view param, const json::Value& v, std::vector<IndexEntry>& out) {
  if (v.IsString()) return add_token(param, "", str(v), out);
  if (v.IsBool()) return add_token(param, "", v.GetBool() ? "true" : "false", out);
  if (!v.IsObject()) return;
  if (const json::Value* codings = json::get(v, "coding"); codings && codings->IsArray()) {
    for (const auto& c : codings->GetArray()) add_coding(param, c, out);
    return;
  }
  if (json::get(v, "code")) return add_coding(param, v, out);  // a bare Coding
  if (auto value = json::get_string(v, "value"))                 // an Identifier
    add_token(param, json::get_string(v, "system").value_or(""), *value, out);
}

void add_string(std::string_view param, std::string_view text, std::vector<IndexEntry>& out) {
  if (text.empty()) return;
  IndexEntry e = base(param, ParamType::string);
  e.text = normalize_string(text);
  e.exact = std::string(text);
  out.push_back(std::move(e));
}

void index_string(std::string_view param, const json::Value& v, std::vector<IndexEntry>& out) {
  if (v.IsString()) return add_string(param, str(v), out);
  if (!v.IsObject()) return;
  // HumanName and Address: every textual part.
  for (const char* part : {"text", "family", "given", "prefix", "suffix", "line", "city",
                           "district", "state", "postalCode", "country"}) {
    const json::Value* p = json::get(v, part);
    if (!p) continue;
    if (p->IsString()) add_string(param, str(*p), out);
    else if (p->IsArray())
      for (const auto& el : p->GetArray())
        if (el.IsString()) add_string(param, str(el), out);
  }
}

void index_date(std::string_view param, const json::Value& v, std::vector<IndexEntry>& out) {
  IndexEntry e = base(param, ParamType::date);
  if (v.IsString()) {
    auto r = fhir_time::parse(str(v));
    if (!r) return;
    e.lo_ms = r->lo_ms;
    e.hi_ms = r->hi_ms;
  } else if (v.IsObject()) {  // Period: an absent end is open
    auto start = json::get_string(v, "start");
    auto end = json::get_string(v, "end");
    if (!start && !end) return;
    e.lo_ms = kMinTime;
    e.hi_ms = kMaxTime;
    if (start) {
      auto r = fhir_time::parse(*start);
      if (!r) return;
      e.lo_ms = r->lo_ms;
    }
    if (end) {
      auto r = fhir_time::parse(*end);
      if (!r) return;
      e.hi_ms = r->hi_ms;
    }
  } else {
    return;
  }
  out.push_back(std::move(e));
}

void add_reference(std::string_view param, std::string_view text, bool canonical,
                   std::vector<IndexEntry>& out) {
  auto parts = parse_reference(text);
  if (!parts) return;
  IndexEntry e = base(param, ParamType::reference);
  e.ref_type = parts->type;
  e.ref_id = parts->id;
  e.ref_url = parts->url;
  out.push_back(e);
  // A versioned canonical (url|1.0) also matches a search for the bare url.
  if (canonical) {
    auto bar = e.ref_url.find('|');
    if (bar != std::string::npos) {
      e.ref_url.resize(bar);
      out.push_back(std::move(e));
    }
  }
}

void index_reference(std::string_view param, const json::Value& v, std::vector<IndexEntry>& out) {
  if (v.IsString()) return add_reference(param, str(v), true, out);  // canonical
  if (!v.IsObject()) return;
  if (auto ref = json::get_string(v, "reference")) add_reference(param, *ref, false, out);
  if (const json::Value* ident = json::get(v, "identifier"))
    index_token(std::string(param) + kIdentifierSuffix, *ident, out);
}

void index_uri(std::string_view param, const json::Value& v, std::vector<IndexEntry>& out) {
  if (!v.IsString() || v.GetStringLength() == 0) return;
  IndexEntry e = base(param, ParamType::uri);
  e.text = std::string(str(v));
  out.push_back(std::move(e));
}

void index_param(const model::SearchParam& p, const json::Value& resource,
                 std::vector<IndexEntry>& out) {
  if (!p.rows_of.empty()) return;  // searched through another parameter's rows
  std::vector<const json::Value*> values;
  for (std::string_view path : p.paths) walk(resource, split_path(path), 0, values);
  for (const json::Value* v : values) {
    switch (p.type) {
      case ParamType::token: index_token(p.name, *v, out); break;
      case ParamType::string: index_string(p.name, *v, out); break;
      case ParamType::date: index_date(p.name, *v, out); break;
      case ParamType::reference: index_reference(p.name, *v, out); break;
      case ParamType::uri: index_uri(p.name, *v, out); break;
      case ParamType::number: break;  // no number parameters are served
    }
  }
}

}  // namespace

std::vector<IndexEntry> extract_index(const model::ResourceType& type, const json::Value& resource) {
  std::vector<IndexEntry> out;
  if (!resource.IsObject()) return out;
  for (const auto& p : model::common_params()) index_param(p, resource, out);
  for (const auto& p : type.params) index_param(p, resource, out);
  // The same value reached twice (e.g. a name part also in name.text) is one row.
  std::vector<IndexEntry> unique;
  unique.reserve(out.size());
  for (auto& e : out)
    if (std::find(unique.begin(), unique.end(), e) == unique.end()) unique.push_back(std::move(e));
  return unique;
}

}  // namespace fhirgw::search
