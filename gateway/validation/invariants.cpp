#include "validation/invariants.hpp"

#include <charconv>

#include "core/fhir_time.hpp"
#include "core/systems.hpp"
#include "validation/check_digits.hpp"

namespace fhirgw::validation {
namespace {

std::string_view sv(const json::Value& v) { return {v.GetString(), v.GetStringLength()}; }

bool has(const json::Value& obj, std::string_view key) { return json::get(obj, key) != nullptr; }

std::string indexed(std::string_view name, size_t i) {
  std::string s = ".";
  s += name;
  s += '[';
  s += std::to_string(i);
  s += ']';
  return s;
}

// ext-1: an extension has either nested extensions or a value, not both.
void ext_1(const json::Value& e, const json::Value&, InvariantSink& sink) {
  bool value = false;
  for (const auto& m : e.GetObject()) {
    std::string_view n = sv(m.name);
    if (n.size() > 5 && n.substr(0, 5) == "value") value = true;
  }
  bool nested = has(e, "extension");
  if (value == nested) sink.fail(value ? "it has both" : "it has neither");
}

// per-1: a period's start is not after its end.
void per_1(const json::Value& p, const json::Value&, InvariantSink& sink) {
  auto start = json::get_string(p, "start");
  auto end = json::get_string(p, "end");
  if (!start || !end) return;
  auto s = fhir_time::parse(*start);
  auto e = fhir_time::parse(*end);
  if (s && e && s->lo_ms >= e->hi_ms) sink.fail("start " + std::string(*start) + " is after end " + std::string(*end));
}

// qty-3: a unit code needs its system.
void qty_3(const json::Value& q, const json::Value&, InvariantSink& sink) {
  if (has(q, "code") && !has(q, "system")) sink.fail({}, ".system");
}

template <class F>
void for_each_contained(const json::Value& r, F f) {
  const auto* contained = json::get(r, "contained");
  if (!contained || !contained->IsArray()) return;
  for (rapidjson::SizeType i = 0; i < contained->Size(); ++i)
    if ((*contained)[i].IsObject()) f((*contained)[i], i);
}

void dom_2(const json::Value& r, const json::Value&, InvariantSink& sink) {
  for_each_contained(r, [&](const json::Value& c, size_t i) {
    if (has(c, "contained")) sink.fail({}, indexed("contained", i) + ".contained");
  });
}

void dom_4(const json::Value& r, const json::Value&, InvariantSink& sink) {
  for_each_contained(r, [&](const json::Value& c, size_t i) {
    if (json::get_path(c, "meta.versionId") || json::get_path(c, "meta.lastUpdated"))
      sink.fail({}, indexed("contained", i) + ".meta");
  });
}

void dom_5(const json::Value& r, const json::Value&, InvariantSink& sink) {
  for_each_contained(r, [&](const json::Value& c, size_t i) {
    if (json::get_path(c, "meta.security")) sink.fail({}, indexed("contained", i) + ".meta.security");
  });
}

void collect_local_refs(const json::Value& v, std::vector<std::string_view>& out) {
  if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      if (sv(m.name) == "reference" && m.value.IsString() && m.value.GetStringLength() > 0 &&
          m.value.GetString()[0] == '#')
        out.push_back(sv(m.value).substr(1));
      else
        collect_local_refs(m.value, out);
    }
  } else if (v.IsArray()) {
    for (const auto& x : v.GetArray()) collect_local_refs(x, out);
  }
}

// dom-3: every contained resource is referenced from the resource (or refers to it with "#").
void dom_3(const json::Value& r, const json::Value&, InvariantSink& sink) {
  if (!has(r, "contained")) return;
  std::vector<std::string_view> refs;
  collect_local_refs(r, refs);
  for_each_contained(r, [&](const json::Value& c, size_t i) {
    auto id = json::get_string(c, "id");
    bool referenced = false;
    for (auto ref : refs)
      if (ref.empty() || (id && ref == *id)) referenced = true;
    if (!referenced) sink.fail("contained resource is not referenced", indexed("contained", i));
  });
}

void gw_nhs_number(const json::Value& identifier, const json::Value&, InvariantSink& sink) {
  auto value = json::get_string(identifier, "value");
  if (!value) return;  // cardinality reports a missing value
  if (!nhs_number_valid(*value)) sink.fail("'" + std::string(*value) + "' fails the Modulus 11 check", ".value");
}

void scan_codes(const json::Value& v, std::string& path, InvariantSink& sink) {
  if (v.IsObject()) {
    auto system = json::get_string(v, "system");
    auto code = json::get_string(v, "code");
    if (system && code && (*system == systems::kSnomed || *system == systems::kDmd) &&
        !snomed_concept_id_valid(*code)) {
      sink.fail("'" + std::string(*code) + "' is not a valid SNOMED CT concept id", path + ".code");
    }
    for (const auto& m : v.GetObject()) {
      if (!m.value.IsObject() && !m.value.IsArray()) continue;
      size_t mark = path.size();
      path += '.';
      path.append(m.name.GetString(), m.name.GetStringLength());
      scan_codes(m.value, path, sink);
      path.resize(mark);
    }
  } else if (v.IsArray()) {
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      size_t mark = path.size();
      path += '[';
      path += std::to_string(i);
      path += ']';
      scan_codes(v[i], path, sink);
      path.resize(mark);
    }
  }
}

// gw-snomed-verhoeff: every SNOMED CT (and dm+d, whose ids are SCTIDs) coding
// anywhere in the resource has a well-formed concept id.
void gw_snomed(const json::Value& r, const json::Value&, InvariantSink& sink) {
  std::string path;
  scan_codes(r, path, sink);
}

void gw_dosage(const json::Value& d, const json::Value&, InvariantSink& sink) {
  if (has(d, "text") || has(d, "timing") || has(d, "doseAndRate") || has(d, "asNeededBoolean") ||
      has(d, "asNeededCodeableConcept"))
    return;
  sink.fail();
}

// qrs-1: an item nests items either directly or under its answers, not both.
void qrs_1(const json::Value& item, const json::Value&, InvariantSink& sink) {
  if (!has(item, "item")) return;
  const auto* answers = json::get(item, "answer");
  if (!answers || !answers->IsArray()) return;
  for (const auto& a : answers->GetArray())
    if (a.IsObject() && has(a, "item")) return sink.fail();
}

// ppc-1: a Consent names a policy or a policy rule.
void ppc_1(const json::Value& c, const json::Value&, InvariantSink& sink) {
  if (!has(c, "policy") && !has(c, "policyRule")) sink.fail();
}

// cpl-3: a care plan activity gives a reference or a detail, not both.
void cpl_3(const json::Value& a, const json::Value&, InvariantSink& sink) {
  if (has(a, "reference") && has(a, "detail")) sink.fail();
}

constexpr InvariantDef kInvariants[] = {
    {"ext-1", "Must have either extensions or value[x], not both", ext_1},
    {"per-1", "If present, start SHALL have a lower value than end", per_1},
    {"qty-3", "If a code for the unit is present, the system SHALL also be present", qty_3},
    {"dom-2", "If the resource is contained in another resource, it SHALL NOT contain nested Resources", dom_2},
    {"dom-3", "If the resource is contained in another resource, it SHALL be referred to from elsewhere in the resource", dom_3},
    {"dom-4", "If a resource is contained in another resource, it SHALL NOT have a meta.versionId or a meta.lastUpdated", dom_4},
    {"dom-5", "If a resource is contained in another resource, it SHALL NOT have a security label", dom_5},
    {"qrs-1", "Nested item can't be beneath both item and answer", qrs_1},
    {"ppc-1", "Either a Policy or PolicyRule", ppc_1},
    {"cpl-3", "Provide a reference or detail, not both", cpl_3},
    {"gw-nhs-number-mod11", "An NHS number is 10 digits whose last digit is the Modulus 11 check digit", gw_nhs_number},
    {"gw-snomed-verhoeff", "SNOMED CT and dm+d codes are concept ids: 6-18 digits, concept partition, Verhoeff check digit", gw_snomed},
    {"gw-dosage-has-instructions", "A dosage carries its instructions: text, timing, dose and rate, or as-needed", gw_dosage},
};

}  // namespace

void InvariantSink::fail(std::string_view detail, std::string_view subpath) {
  std::string msg(key_);
  msg += ": ";
  msg += human_;
  if (!detail.empty()) {
    msg += " (";
    msg += detail;
    msg += ')';
  }
  std::string expr = path_;
  expr += subpath;
  out_.push_back({severity_, "invariant", std::move(msg), std::move(expr)});
}

std::span<const InvariantDef> invariants() { return kInvariants; }

std::optional<uint16_t> find_invariant(std::string_view key) {
  for (size_t i = 0; i < std::size(kInvariants); ++i)
    if (kInvariants[i].key == key) return static_cast<uint16_t>(i);
  return std::nullopt;
}

}  // namespace fhirgw::validation
