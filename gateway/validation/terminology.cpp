#include "validation/terminology.hpp"

#include <algorithm>

namespace fhirgw::validation {
namespace {

std::string_view sv(const json::Value& v) { return {v.GetString(), v.GetStringLength()}; }

void collect_concepts(const json::Value& concepts, std::vector<std::string>& out) {
  if (!concepts.IsArray()) return;
  for (const auto& c : concepts.GetArray()) {
    if (!c.IsObject()) continue;
    if (auto code = json::get_string(c, "code")) out.emplace_back(*code);
    if (const auto* nested = json::get(c, "concept")) collect_concepts(*nested, out);  // hierarchies
  }
}

template <class V>
void sort_unique(V& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

std::string_view strip_version(std::string_view canonical) {
  return canonical.substr(0, canonical.find('|'));
}

bool ExpandedValueSet::contains(std::string_view system, std::string_view code) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), std::pair(system, code),
                             [](const auto& a, const auto& b) {
                               int c = std::string_view(a.first).compare(b.first);
                               return c < 0 || (c == 0 && std::string_view(a.second) < b.second);
                             });
  return it != entries_.end() && it->first == system && it->second == code;
}

bool ExpandedValueSet::contains_code(std::string_view code) const {
  return std::binary_search(codes_.begin(), codes_.end(), code, std::less<>());
}

bool ExpandedValueSet::has_system(std::string_view system) const {
  return std::binary_search(systems_.begin(), systems_.end(), system, std::less<>());
}

void Terminology::add(const json::Value& r) {
  auto type = json::get_string(r, "resourceType");
  auto url = json::get_string(r, "url");
  if (!type || !url) return;
  if (*type == "CodeSystem") {
    CodeSystemCodes cs;
    auto content = json::get_string(r, "content");
    cs.complete = content && *content == "complete";
    if (const auto* concepts = json::get(r, "concept")) collect_concepts(*concepts, cs.codes);
    sort_unique(cs.codes);
    code_systems_[std::string(*url)] = std::move(cs);
  } else if (*type == "ValueSet") {
    auto doc = std::make_shared<json::Document>();
    doc->SetObject();
    if (const auto* compose = json::get(r, "compose"))
      doc->AddMember("compose", json::Value(*compose, doc->GetAllocator()), doc->GetAllocator());
    value_sets_[std::string(*url)] = std::move(doc);
  }
}

bool Terminology::has_value_set(std::string_view url) const {
  return value_sets_.count(std::string(strip_version(url))) > 0;
}

const ExpandedValueSet* Terminology::find(std::string_view url) const {
  auto it = expanded_.find(std::string(strip_version(url)));
  return it == expanded_.end() ? nullptr : it->second.get();
}

const ExpandedValueSet* Terminology::expand(std::string_view url_in) {
  std::string url(strip_version(url_in));
  if (auto it = expanded_.find(url); it != expanded_.end()) return it->second.get();
  auto vs_it = value_sets_.find(url);
  if (vs_it == value_sets_.end()) return nullptr;
  if (std::find(expanding_.begin(), expanding_.end(), url) != expanding_.end()) return nullptr;
  expanding_.push_back(url);

  auto out = std::make_unique<ExpandedValueSet>();
  // Adds the concepts one include/exclude names; false if it cannot be enumerated.
  auto gather = [&](const json::Value& clause, std::vector<std::pair<std::string, std::string>>& into) {
    if (!clause.IsObject()) return false;
    if (json::get(clause, "filter")) return false;
    auto system = json::get_string(clause, "system");
    const auto* concepts = json::get(clause, "concept");
    bool ok = true;
    if (system && concepts && concepts->IsArray()) {
      for (const auto& c : concepts->GetArray())
        if (auto code = json::get_string(c, "code")) into.emplace_back(*system, *code);
    } else if (system) {
      auto cs = code_systems_.find(std::string(*system));
      if (cs == code_systems_.end() || !cs->second.complete) ok = false;
      else
        for (const auto& code : cs->second.codes) into.emplace_back(*system, code);
    }
    if (const auto* nested = json::get(clause, "valueSet"); nested && nested->IsArray()) {
      for (const auto& ref : nested->GetArray()) {
        if (!ref.IsString()) continue;
        const ExpandedValueSet* inner = expand(sv(ref));
        if (!inner || !inner->complete()) { ok = false; continue; }
        if (system) {
          // system + valueSet means the intersection.
          std::vector<std::pair<std::string, std::string>> kept;
          for (auto& e : into)
            if (inner->contains(e.first, e.second)) kept.push_back(e);
          into = std::move(kept);
        } else {
          into.insert(into.end(), inner->entries_.begin(), inner->entries_.end());
        }
      }
    }
    if (!system && !json::get(clause, "valueSet")) ok = false;
    return ok;
  };

  const json::Value* compose = json::get(*vs_it->second, "compose");
  const json::Value* includes = compose ? json::get(*compose, "include") : nullptr;
  if (!includes || !includes->IsArray() || includes->Empty()) out->complete_ = false;
  if (includes && includes->IsArray())
    for (const auto& inc : includes->GetArray())
      if (!gather(inc, out->entries_)) out->complete_ = false;
  sort_unique(out->entries_);
  if (const auto* excludes = compose ? json::get(*compose, "exclude") : nullptr;
      excludes && excludes->IsArray()) {
    std::vector<std::pair<std::string, std::string>> removed;
    for (const auto& exc : excludes->GetArray())
      if (!gather(exc, removed)) out->complete_ = false;
    sort_unique(removed);
    std::vector<std::pair<std::string, std::string>> kept;
    std::set_difference(out->entries_.begin(), out->entries_.end(), removed.begin(), removed.end(),
                        std::back_inserter(kept));
    out->entries_ = std::move(kept);
  }
  for (const auto& e : out->entries_) {
    out->codes_.push_back(e.second);
    out->systems_.push_back(e.first);
  }
  sort_unique(out->codes_);
  sort_unique(out->systems_);

  expanding_.pop_back();
  auto* raw = out.get();
  expanded_[url] = std::move(out);
  return raw;
}

}  // namespace fhirgw::validation
