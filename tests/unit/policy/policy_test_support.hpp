#pragma once
// Helpers shared by the policy tests: a scratch directory for policy and
// ValueSet files, and a small policy every engine test starts from.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/fhir_time.hpp"
#include "core/json.hpp"
#include "core/systems.hpp"
#include "policy/consent.hpp"
#include "policy/policy_loader.hpp"

namespace fhirgw::policy::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "policy-test-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::string& rel, const std::string& text) const {
    auto p = path_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }

 private:
  std::filesystem::path path_;
};

inline std::string value_set(const std::string& id, const std::vector<Coding>& codes) {
  std::string s = R"({"resourceType":"ValueSet","id":")" + id + R"(","status":"active","compose":{"include":[)";
  for (size_t i = 0; i < codes.size(); ++i) {
    if (i) s += ",";
    s += R"({"system":")" + codes[i].first + R"(","concept":[{"code":")" + codes[i].second + R"("}]})";
  }
  return s + "]}}";
}

inline constexpr const char* kSct = "http://snomed.info/sct";
inline constexpr const char* kRead2 = "http://read.info/readv2";
inline constexpr const char* kCtv3 = "http://read.info/ctv3";

inline int64_t at(const char* instant) { return fhir_time::parse(instant)->lo_ms; }

// Controllers P1, P2; partners VOL (voluntary), TRU and OTH (statutory).
inline const char* kBasePolicy = R"(version: "t1"
code_sets:
  sensitive: sets/sensitive.json
  frail-flags: sets/frail.json
organisations:
  - {code: P1, name: Practice One, kind: controller}
  - {code: P2, name: Practice Two, kind: controller}
  - {code: VOL, name: Voluntary Org, kind: voluntary}
  - {code: TRU, name: Community Trust, kind: statutory}
  - {code: OTH, name: Other Trust, kind: statutory}
consent_codes:
  permit:
    - {system: http://read.info/readv2, code: "9Nd7."}
    - {system: http://read.info/ctv3, code: XaNwR, applies_to: [VOL]}
  deny:
    - {system: http://read.info/readv2, code: "9Nd1."}
agreements:
  - id: vol-explicit
    title: Voluntary frailty support
    legal_basis: consent
    controllers: [P1, P2]
    partners: [voluntary]
    valid_from: 2025-01-01
    valid_to: 2026-12-31
    purposes: [CAREMGT]
    consent_mode: explicit
    cohort:
      any_of:
        - min_age: 65
        - has_active_flag: {code_sets: [frail-flags]}
    resources:
      Patient: {interactions: [read, search]}
      CarePlan: {interactions: [read, search, update], hidden_fields: [note], exclusions: [sensitive]}
      Flag: {interactions: [read, search, create]}
      QuestionnaireResponse: {interactions: [read, search, create], hidden_fields: [item.answer.valueString]}
      MedicationStatement: {interactions: [read], hidden_fields: [dosage.text], exclusions: [sensitive]}
  - id: trust-implied
    title: Trust direct care
    legal_basis: public task
    controllers: [P1]
    partners: [TRU]
    valid_from: 2025-01-01
    valid_to: 2027-12-31
    purposes: [TREAT]
    consent_mode: implied
    resources:
      Patient: {interactions: [read, search]}
      CarePlan: {interactions: [read, search, create, update]}
      MedicationStatement: {interactions: [read, search], exclusions: [sensitive]}
  - id: trust-expired
    title: Old pilot
    legal_basis: public task
    controllers: [P2]
    partners: [TRU]
    valid_from: 2020-01-01
    valid_to: 2020-12-31
    purposes: [TREAT]
    consent_mode: implied
    resources:
      CarePlan: {interactions: [read]}
)";

// Writes the base policy's code sets into dir and loads `yaml` from there.
inline Policy load_in(const TempDir& dir, const std::string& yaml) {
  dir.write("sets/sensitive.json", value_set("sensitive", {{kSct, "S1"}, {kSct, "S2"}}));
  dir.write("sets/frail.json", value_set("frail", {{kSct, "FRAIL"}}));
  LoadOptions opt;
  opt.base_dir = dir.path().string();
  auto p = load_policy_text(yaml, opt);
  if (!p) {
    std::string all;
    for (const auto& i : p.error().issues) all += i.diagnostics + "\n";
    ADD_FAILURE() << all;
    return Policy{};
  }
  return std::move(p).value();
}

// A Consent resource described by its parts; "" leaves a part out.
struct ConsentSpec {
  std::string id, patient;
  std::string status = "active";
  std::string provision;              // permit | deny | ""
  std::string code_system, code;      // carried in category
  std::string actor_org, actor_kind;  // ODS code / organisation kind
  bool actor_unrecognised = false;    // an actor the gateway cannot read
  std::string purpose;                // ActReason code
  std::string start, end;             // provision.period
  std::string source;                 // controller tag (who recorded it)
  std::string author;                 // author-organisation tag (a partner write)
};

inline std::string consent_json(const ConsentSpec& c) {
  auto q = [](const std::string& s) { return "\"" + s + "\""; };
  std::string tags;
  if (!c.source.empty()) tags += R"({"system":")" + std::string(systems::kController) + R"(","code":)" + q(c.source) + "}";
  if (!c.author.empty()) tags += std::string(tags.empty() ? "" : ",") + R"({"system":")" + systems::kAuthorOrg + R"(","code":)" + q(c.author) + "}";
  std::string s = R"({"resourceType":"Consent","id":)" + q(c.id) + R"(,"meta":{"tag":[)" + tags + R"(]},"status":)" + q(c.status) +
                  R"(,"scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"patient-privacy"}]})" +
                  R"(,"patient":{"reference":"Patient/)" + c.patient + R"("})";
  if (!c.code.empty())
    s += R"(,"category":[{"coding":[{"system":)" + q(c.code_system) + R"(,"code":)" + q(c.code) + "}]}]";
  std::string prov;
  auto add = [&](const std::string& kv) { prov += (prov.empty() ? "" : ",") + kv; };
  if (!c.provision.empty()) add(R"("type":)" + q(c.provision));
  std::string actors;
  auto actor = [&](const std::string& sys, const std::string& value) {
    actors += std::string(actors.empty() ? "" : ",") + R"({"role":{"coding":[{"code":"IRCP"}]},"reference":{"identifier":{"system":)" + q(sys) + R"(,"value":)" + q(value) + "}}}";
  };
  if (!c.actor_org.empty()) actor(systems::kOdsCode, c.actor_org);
  if (!c.actor_kind.empty()) actor(kOrgKindSystem, c.actor_kind);
  if (c.actor_unrecognised) actors += std::string(actors.empty() ? "" : ",") + R"({"role":{"coding":[{"code":"IRCP"}]},"reference":{"display":"someone"}})";
  if (!actors.empty()) add(R"("actor":[)" + actors + "]");
  if (!c.purpose.empty()) add(R"("purpose":[{"system":")" + std::string(kActReasonSystem) + R"(","code":)" + q(c.purpose) + "}]");
  if (!c.start.empty() || !c.end.empty()) {
    std::string per;
    if (!c.start.empty()) per += R"("start":)" + q(c.start);
    if (!c.end.empty()) per += std::string(per.empty() ? "" : ",") + R"("end":)" + q(c.end);
    add(R"("period":{)" + per + "}");
  }
  if (!prov.empty()) s += R"(,"provision":{)" + prov + "}";
  return s + "}";
}

inline ConsentRecord consent_record(const ConsentSpec& c) {
  auto doc = json::parse(consent_json(c));
  EXPECT_TRUE(doc) << consent_json(c);
  auto r = parse_consent(*doc);
  EXPECT_TRUE(r) << (r ? "" : r.error().message());
  return r ? std::move(r).value() : ConsentRecord{};
}

}  // namespace fhirgw::policy::testing
