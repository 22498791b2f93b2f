#include "policy/facts.hpp"

#include "core/fhir_time.hpp"
#include "core/systems.hpp"

namespace fhirgw::policy {
namespace {

constexpr const char* kNhsVerificationExt =
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus";

std::string str(std::optional<std::string_view> v) { return v ? std::string(*v) : std::string(); }

std::string tag_code(const json::Value& res, const char* path, std::string_view system) {
  const json::Value* tags = json::get_path(res, path);
  if (!tags || !tags->IsArray()) return {};
  for (const auto& t : tags->GetArray())
    if (json::get_string(t, "system") == std::optional(system)) return str(json::get_string(t, "code"));
  return {};
}

std::string patient_of_reference(std::string_view ref) {
  auto pos = ref.rfind("Patient/");
  if (pos == std::string_view::npos || (pos != 0 && ref[pos - 1] != '/')) return {};
  std::string_view rest = ref.substr(pos + 8);
  return std::string(rest.substr(0, rest.find('/')));
}

void collect_codes(const json::Value& v, std::vector<Coding>& out, int depth) {
  if (depth > 64) return;
  if (v.IsObject()) {
    auto sys = json::get_string(v, "system");
    auto code = json::get_string(v, "code");
    if (sys && code) out.emplace_back(std::string(*sys), std::string(*code));
    for (const auto& m : v.GetObject()) {
      if (depth == 0 && std::string_view(m.name.GetString(), m.name.GetStringLength()) == "meta") continue;
      collect_codes(m.value, out, depth + 1);
    }
  } else if (v.IsArray()) {
    for (const auto& x : v.GetArray()) collect_codes(x, out, depth + 1);
  }
}

// civil date from days since epoch (H. Hinnant's algorithm)
void civil_from_days(int64_t z, int& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(yy + (m <= 2));
}

// meta.security carries confidentiality R (restricted) or V (very restricted).
bool marked_confidential(const json::Value& r) {
  const json::Value* sec = json::get_path(r, "meta.security");
  if (!sec || !sec->IsArray()) return false;
  for (const auto& s : sec->GetArray()) {
    auto code = json::get_string(s, "code");
    if (json::get_string(s, "system") == std::optional<std::string_view>(systems::kConfidentiality) &&
        (code == std::optional<std::string_view>("R") || code == std::optional<std::string_view>("V")))
      return true;
  }
  return false;
}

}  // namespace

ResourceFacts resource_facts(const json::Value& r) {
  ResourceFacts f;
  f.type = str(json::get_string(r, "resourceType"));
  f.id = str(json::get_string(r, "id"));
  f.controller = tag_code(r, "meta.tag", systems::kController);
  f.author_org = tag_code(r, "meta.tag", systems::kAuthorOrg);
  f.confidential = marked_confidential(r);
  if (f.type == "Patient") {
    f.patient_id = f.id;
  } else if (const model::ResourceType* t = model::find_type(f.type); t && !t->patient_param.empty()) {
    if (const model::SearchParam* p = model::find_param(*t, t->patient_param); p && !p->paths.empty()) {
      if (const json::Value* ref = json::get_path(r, p->paths.front()))
        f.patient_id = patient_of_reference(str(json::get_string(*ref, "reference")));
    }
  }
  collect_codes(r, f.codes, 0);
  return f;
}

PatientFacts patient_facts(const json::Value& p) {
  PatientFacts f;
  f.id = str(json::get_string(p, "id"));
  f.controller = tag_code(p, "meta.tag", systems::kController);
  f.birth_date = str(json::get_string(p, "birthDate"));
  f.confidential = marked_confidential(p);
  if (const json::Value* ids = json::get(p, "identifier"); ids && ids->IsArray()) {
    for (const auto& id : ids->GetArray()) {
      if (json::get_string(id, "system") != std::optional<std::string_view>(systems::kNhsNumber)) continue;
      const json::Value* exts = json::get(id, "extension");
      if (!exts || !exts->IsArray()) continue;
      for (const auto& e : exts->GetArray()) {
        if (json::get_string(e, "url") != std::optional<std::string_view>(kNhsVerificationExt)) continue;
        const json::Value* codings = json::get_path(e, "valueCodeableConcept.coding");
        if (!codings || !codings->IsArray()) continue;
        for (const auto& c : codings->GetArray())
          if (json::get_string(c, "code") == std::optional<std::string_view>("01")) f.nhs_number_verified = true;
      }
    }
  }
  return f;
}

void add_flag(PatientFacts& patient, const json::Value& flag) {
  if (json::get_string(flag, "status") != std::optional<std::string_view>("active")) return;
  FlagCode bounds;
  if (const json::Value* period = json::get(flag, "period")) {
    if (auto start = json::get_string(*period, "start")) {
      auto r = fhir_time::parse(*start);
      if (!r) return;
      bounds.from_ms = r->lo_ms;
    }
    if (auto end = json::get_string(*period, "end")) {
      auto r = fhir_time::parse(*end);
      if (!r) return;
      bounds.until_ms = r->hi_ms;
    }
  }
  const json::Value* codings = json::get_path(flag, "code.coding");
  if (!codings || !codings->IsArray()) return;
  for (const auto& c : codings->GetArray()) {
    auto sys = json::get_string(c, "system");
    auto code = json::get_string(c, "code");
    if (!sys || !code) continue;
    FlagCode f = bounds;
    f.code = {std::string(*sys), std::string(*code)};
    patient.flag_codes.push_back(std::move(f));
  }
}

int age_in_years(const std::string& birth_date, int64_t now_ms) {
  if (birth_date.size() != 10) return -1;
  auto r = fhir_time::parse(birth_date);
  if (!r || r->precision != fhir_time::Precision::day) return -1;
  int by, ny;
  unsigned bm, bd, nm, nd;
  civil_from_days(utc_day(r->lo_ms), by, bm, bd);
  civil_from_days(utc_day(now_ms), ny, nm, nd);
  int age = ny - by;
  if (nm < bm || (nm == bm && nd < bd)) --age;
  return age;
}

bool in_cohort(const Cohort& cohort, const PatientFacts& patient, int64_t now_ms, std::string* why) {
  if (cohort.empty()) {
    if (why) *why = "no cohort condition";
    return true;
  }
  std::string detail;  // only when asked why
  bool any = false, all = true;
  for (const auto& c : cohort.conditions) {
    bool holds = false;
    std::string sentence;
    switch (c.check) {
      case CohortCheck::has_active_flag: {
        for (const auto& f : patient.flag_codes)
          if (f.active_at(now_ms) && c.flag_codes.count(f.code)) holds = true;
        if (why) sentence = holds ? "has an active flag in the listed codes" : "has no active flag with a listed code";
        break;
      }
      case CohortCheck::min_age:
      case CohortCheck::max_age: {
        const int age = age_in_years(patient.birth_date, now_ms);
        const bool is_min = c.check == CohortCheck::min_age;
        if (age >= 0) holds = is_min ? age >= c.years : age <= c.years;
        if (!why) break;
        if (age < 0) {
          sentence = "age unknown (no full birth date), so age " + std::string(is_min ? ">= " : "<= ") +
                     std::to_string(c.years) + " cannot be shown";
        } else {
          sentence = "age " + std::to_string(age) + (holds ? " satisfies " : " fails ") +
                     (is_min ? "minimum " : "maximum ") + std::to_string(c.years);
        }
        break;
      }
    }
    any = any || holds;
    all = all && holds;
    if (why) detail += (detail.empty() ? "" : "; ") + sentence;
  }
  const bool result = cohort.any_of ? any : all;
  if (why) *why = std::string(cohort.any_of ? "any of" : "all of") + " [" + detail + "]";
  return result;
}

}  // namespace fhirgw::policy
