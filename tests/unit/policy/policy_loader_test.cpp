#include "policy/policy_loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "policy_test_support.hpp"

namespace fhirgw::policy {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using testing::TempDir;

std::vector<std::string> problems(const Result<Policy>& r) {
  std::vector<std::string> out;
  if (r) return out;
  for (const auto& i : r.error().issues) out.push_back(i.diagnostics);
  return out;
}

Result<Policy> load(const TempDir& dir, const std::string& yaml) {
  dir.write("sets/sensitive.json", testing::value_set("s", {{testing::kSct, "S1"}}));
  dir.write("sets/frail.json", testing::value_set("f", {{testing::kSct, "FRAIL"}}));
  LoadOptions opt;
  opt.base_dir = dir.path().string();
  return load_policy_text(yaml, opt);
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

// The line (1-based) of the first occurrence of `needle` in text.
int line_of(const std::string& text, const std::string& needle) {
  auto pos = text.find(needle);
  EXPECT_NE(pos, std::string::npos) << needle;
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(pos), '\n'));
}

TEST(PolicyLoader, BasePolicyLoadsWithEverything) {
  TempDir dir;
  auto r = load(dir, testing::kBasePolicy);
  ASSERT_TRUE(r) << problems(r).front();
  const Policy& p = *r;
  EXPECT_TRUE(p.loaded);
  EXPECT_EQ(p.version, "t1");
  EXPECT_THAT(p.organisations, SizeIs(5));
  EXPECT_EQ(p.find_organisation("VOL")->kind, OrgKind::voluntary);
  ASSERT_THAT(p.agreements, SizeIs(3));
  const Agreement& a = p.agreements[0];
  EXPECT_EQ(a.id, "vol-explicit");
  EXPECT_THAT(a.controllers, ElementsAre("P1", "P2"));
  EXPECT_THAT(a.partner_kinds, ElementsAre(OrgKind::voluntary));
  EXPECT_TRUE(a.partner_orgs.empty());
  EXPECT_EQ(a.consent_mode, ConsentMode::explicit_consent);
  EXPECT_TRUE(a.require_verified_nhs_number);  // the default
  EXPECT_EQ(a.valid_from_ms, testing::at("2025-01-01T00:00:00Z"));
  EXPECT_EQ(a.valid_until_ms, testing::at("2027-01-01T00:00:00Z"));  // valid_to is inclusive
  ASSERT_EQ(a.cohort.conditions.size(), 2u);
  EXPECT_TRUE(a.cohort.any_of);
  EXPECT_EQ(a.cohort.conditions[0].check, CohortCheck::min_age);
  EXPECT_EQ(a.cohort.conditions[0].years, 65);
  EXPECT_EQ(a.cohort.conditions[1].check, CohortCheck::has_active_flag);
  EXPECT_TRUE(a.cohort.conditions[1].flag_codes.count({testing::kSct, "FRAIL"}));
  const ResourceRule* cp = a.rule_for("CarePlan");
  ASSERT_NE(cp, nullptr);
  EXPECT_TRUE(cp->allows(Action::update));
  EXPECT_FALSE(cp->allows(Action::create));
  EXPECT_THAT(cp->hidden_fields, ElementsAre("note"));
  EXPECT_THAT(cp->exclusions, ElementsAre("sensitive"));
  EXPECT_EQ(p.agreements[1].consent_mode, ConsentMode::implied_consent);
  EXPECT_THAT(p.agreements[1].partner_orgs, ElementsAre("TRU"));
  ASSERT_THAT(p.permit_codes, SizeIs(2));
  EXPECT_THAT(p.permit_codes[1].applies_to_orgs, ElementsAre("VOL"));
  ASSERT_THAT(p.deny_codes, SizeIs(1));
  EXPECT_NE(p.find_deny_code(testing::kRead2, "9Nd1."), nullptr);
  EXPECT_EQ(p.code_sets.at("sensitive").size(), 1u);
  EXPECT_EQ(p.content_hash.size(), 64u);
  EXPECT_EQ(p.version_stamp, "t1+sha256:" + p.content_hash.substr(0, 12));
}

TEST(PolicyLoader, HashCoversPolicyTextAndCodeSets) {
  TempDir dir;
  auto a = load(dir, testing::kBasePolicy);
  auto b = load(dir, std::string(testing::kBasePolicy) + "# a comment\n");
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->content_hash, b->content_hash);
  auto c = load(dir, testing::kBasePolicy);
  ASSERT_TRUE(c);
  EXPECT_EQ(a->content_hash, c->content_hash);
  // Same text, a changed code set file: a different stamp.
  TempDir dir2;
  dir2.write("sets/sensitive.json", testing::value_set("s", {{testing::kSct, "S1"}, {testing::kSct, "S9"}}));
  dir2.write("sets/frail.json", testing::value_set("f", {{testing::kSct, "FRAIL"}}));
  LoadOptions opt;
  opt.base_dir = dir2.path().string();
  auto d = load_policy_text(testing::kBasePolicy, opt);
  ASSERT_TRUE(d);
  EXPECT_NE(d->content_hash, a->content_hash);
}

TEST(PolicyLoader, ExampleConfigLoads) {
  // The example names fhir-profiles/valuesets/rcgp-sensitive-categories.json,
  // resolved from the repository root; a stand-in is used if it is not there yet.
  TempDir fallback;
  fallback.write("fhir-profiles/valuesets/rcgp-sensitive-categories.json",
                 testing::value_set("rcgp", {{testing::kSct, "1234"}}));
  LoadOptions opt;
  opt.extra_dirs = {fallback.path().string()};
  auto r = load_policy_file(std::string(FHIRGW_SOURCE_DIR) + "/config/policy.example.yaml", opt);
  ASSERT_TRUE(r) << ::testing::PrintToString(problems(r));
  EXPECT_EQ(r->version, "2025.1");
  EXPECT_THAT(r->organisations, SizeIs(5));
  ASSERT_THAT(r->agreements, SizeIs(2));
  EXPECT_EQ(r->agreements[0].consent_mode, ConsentMode::explicit_consent);
  EXPECT_EQ(r->agreements[1].consent_mode, ConsentMode::implied_consent);
  EXPECT_THAT(r->agreements[0].rule_for("MedicationStatement")->hidden_fields,
              ElementsAre("note", "dosage.text"));  // the type prefix is dropped
  EXPECT_NE(r->find_permit_code(testing::kRead2, "9Nd7."), nullptr);
  for (const char* c : {"9Nd1.", "93C1.", "9NdH.", "9NdJ."}) EXPECT_NE(r->find_deny_code(testing::kRead2, c), nullptr) << c;
  EXPECT_NE(r->find_permit_code(testing::kCtv3, "XaNwR"), nullptr);
  for (const char* c : {"XaNwT", "XaNwU", "XaKII"}) EXPECT_NE(r->find_deny_code(testing::kCtv3, c), nullptr) << c;
}

TEST(PolicyLoader, UnknownKeysAreErrorsAtTheirLine) {
  TempDir dir;
  std::string yaml = replace(testing::kBasePolicy, "    consent_mode: implied\n    resources:\n      Patient",
                             "    consent_mode: implied\n    consnet_mode: explicit\n    resources:\n      Patient");
  auto r = load(dir, yaml);
  ASSERT_FALSE(r);
  EXPECT_THAT(problems(r), ElementsAre(AllOf(
                               HasSubstr("line " + std::to_string(line_of(yaml, "consnet_mode")) + ": "),
                               HasSubstr("agreement 'trust-implied': unknown key 'consnet_mode'"))));
  EXPECT_EQ(r.error().status, 422);

  auto top = load(dir, std::string(testing::kBasePolicy) + "sharing: everything\n");
  EXPECT_THAT(problems(top), ElementsAre(HasSubstr("policy: unknown key 'sharing'")));
  auto rule = load(dir, replace(testing::kBasePolicy, "Flag: {interactions: [read, search, create]}",
                                "Flag: {interactions: [read], hiden_fields: [note]}"));
  EXPECT_THAT(problems(rule), ElementsAre(HasSubstr("vol-explicit': Flag: unknown key 'hiden_fields'")));
}

TEST(PolicyLoader, ReportsEveryProblemWithItsLine) {
  TempDir dir;
  std::string yaml = testing::kBasePolicy;
  yaml = replace(yaml, "    partners: [voluntary]", "    partners: [voluntary, XYZ]");
  yaml = replace(yaml, "    purposes: [CAREMGT]", "    purposes: [CAREMGT, SHOPPING]");
  yaml = replace(yaml, "    consent_mode: explicit", "    consent_mode: sometimes");
  yaml = replace(yaml, "    valid_to: 2027-12-31", "    valid_to: 31/12/2027");
  yaml = replace(yaml, "    controllers: [P2]", "    controllers: [VOL]");
  auto r = load(dir, yaml);
  ASSERT_FALSE(r);
  auto ps = problems(r);
  ASSERT_THAT(ps, SizeIs(5)) << ::testing::PrintToString(ps);
  EXPECT_THAT(ps[0], HasSubstr("line " + std::to_string(line_of(yaml, "XYZ")) +
                               ": agreement 'vol-explicit': unknown partner 'XYZ'"));
  EXPECT_THAT(ps[1], HasSubstr("line " + std::to_string(line_of(yaml, "SHOPPING")) +
                               ": agreement 'vol-explicit': unknown purpose of use 'SHOPPING'"));
  EXPECT_THAT(ps[2], HasSubstr("line " + std::to_string(line_of(yaml, "sometimes")) +
                               ": agreement 'vol-explicit': consent_mode must be explicit or implied"));
  EXPECT_THAT(ps[3], HasSubstr("line " + std::to_string(line_of(yaml, "31/12/2027")) +
                               ": agreement 'trust-implied': valid_to must be a date YYYY-MM-DD"));
  EXPECT_THAT(ps[4], HasSubstr("line " + std::to_string(line_of(yaml, "controllers: [VOL]")) +
                               ": agreement 'trust-expired': 'VOL' is not a controller (kind voluntary)"));
}

TEST(PolicyLoader, RejectsBadValues) {
  TempDir dir;
  struct Case {
    std::string from, to, expect;
  };
  const std::vector<Case> cases = {
      {"valid_to: 2026-12-31", "valid_to: 2024-12-31", "valid_to 2024-12-31 is before valid_from 2025-01-01"},
      {"valid_from: 2025-01-01\n    valid_to: 2026", "valid_from: 2025-02-30\n    valid_to: 2026", "valid_from must be a date"},
      {"kind: statutory}\n  - {code: OTH", "kind: charity}\n  - {code: OTH", "kind must be statutory, voluntary or controller"},
      {"{code: P2, name", "{code: P1, name", "duplicate organisation code"},
      {"Flag: {interactions: [read, search, create]}", "Flag: {interactions: [read, delete]}", "unknown interaction 'delete'"},
      {"Flag: {interactions", "Flog: {interactions", "unknown resource type 'Flog'"},
      {"Flag: {interactions: [read, search, create]}", "Flag: {interactions: [read], exclusions: [nope]}", "unknown code set 'nope'"},
      {"Flag: {interactions: [read, search, create]}", "Flag: {interactions: [read], hidden_fields: [CarePlan.note]}", "names another resource type"},
      {"Flag: {interactions: [read, search, create]}", "Flag: {interactions: [read], hidden_fields: [\"note..x\"]}", "is not an element path"},
      {"Flag: {interactions: [read, search, create]}", "Questionnaire: {interactions: [read]}", "Questionnaire is reference data"},
      {"- min_age: 65", "- min_age: old", "min_age must be a whole number"},
      {"- min_age: 65", "- min_age: 65\n          max_age: 90", "exactly one of has_active_flag, min_age, max_age"},
      {"{code_sets: [frail-flags]}", "{code_sets: [missing-set]}", "unknown code set 'missing-set'"},
      {"- {system: http://read.info/readv2, code: \"9Nd1.\"}", "- {system: readv2, code: \"9Nd1.\"}", "system must be a full URL"},
      {"- {system: http://read.info/readv2, code: \"9Nd1.\"}", "- {system: http://read.info/readv2, code: \"9Nd1.\", applies_to: [TRU]}", "'applies_to' is not allowed"},
      {"- {system: http://read.info/readv2, code: \"9Nd1.\"}", "- {system: http://read.info/readv2, code: \"9Nd7.\"}", "listed more than once"},
      {"applies_to: [VOL]", "applies_to: [NOBODY]", "applies_to: unknown organisation 'NOBODY'"},
      {"require_verified_nhs_number", "require_verified_nhs_number", ""},  // placeholder, replaced below
      {"    consent_mode: implied\n    resources:\n      Patient", "    consent_mode: implied\n    require_verified_nhs_number: maybe\n    resources:\n      Patient", "require_verified_nhs_number must be true or false"},
      {"  - id: trust-expired", "  - id: trust-implied", "duplicate agreement id"},
      {"  - id: trust-expired", "  - id: Trust Expired", "id must be lower-case"},
      {"    legal_basis: consent\n", "", "agreement 'vol-explicit': missing 'legal_basis'"},
      {"frail-flags: sets/frail.json", "frail-flags: sets/absent.json", "code set 'frail-flags': file not found: sets/absent.json"},
  };
  for (const auto& c : cases) {
    if (c.expect.empty()) continue;
    auto r = load(dir, replace(testing::kBasePolicy, c.from, c.to));
    EXPECT_FALSE(r) << c.to;
    EXPECT_THAT(problems(r), Contains(HasSubstr(c.expect))) << c.to << "\n" << ::testing::PrintToString(problems(r));
  }
}

TEST(PolicyLoader, RejectsMalformedYamlAndShapes) {
  TempDir dir;
  EXPECT_THAT(problems(load(dir, "version: [unclosed\n")), ElementsAre(HasSubstr("YAML syntax error")));
  EXPECT_THAT(problems(load(dir, "")), ElementsAre(HasSubstr("the policy is empty")));
  EXPECT_THAT(problems(load(dir, "- just\n- a list\n")), ElementsAre(HasSubstr("policy must be a mapping")));
  auto r = load(dir, "version: v\norganisations: {}\nconsent_codes: {permit: [], deny: []}\nagreements: []\n");
  EXPECT_THAT(problems(r), ElementsAre(HasSubstr("line 2: organisations must be a list")));
  auto missing = problems(load(dir, "version: v\n"));
  EXPECT_THAT(missing, Contains(HasSubstr("missing 'organisations'")));
  EXPECT_THAT(missing, Contains(HasSubstr("missing 'agreements'")));
  EXPECT_THAT(missing, Contains(HasSubstr("missing 'consent_codes'")));
  auto dup = load(dir, std::string(testing::kBasePolicy) + "version: again\n");
  EXPECT_THAT(problems(dup), ElementsAre(HasSubstr("duplicate key 'version'")));
}

TEST(PolicyLoader, AMinimalPolicyWithoutAgreementsSharesNothingButLoads) {
  TempDir dir;
  auto r = load(dir, "version: empty\norganisations: []\nconsent_codes: {permit: [], deny: []}\nagreements: []\n");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->loaded);
  EXPECT_TRUE(r->agreements.empty());
}

TEST(PolicyLoader, LoadsAFileAndResolvesCodeSetsFromAncestorDirectories) {
  TempDir dir;
  dir.write("fhir-profiles/valuesets/sens.json", testing::value_set("s", {{testing::kSct, "S1"}}));
  dir.write("fhir-profiles/valuesets/frail.json", testing::value_set("f", {{testing::kSct, "F"}}));
  std::string yaml = replace(testing::kBasePolicy, "sensitive: sets/sensitive.json", "sensitive: fhir-profiles/valuesets/sens.json");
  yaml = replace(yaml, "frail-flags: sets/frail.json", "frail-flags: fhir-profiles/valuesets/frail.json");
  auto path = dir.write("config/policy.yaml", yaml);
  auto r = load_policy_file(path.string());
  ASSERT_TRUE(r) << ::testing::PrintToString(problems(r));
  EXPECT_EQ(r->source, path.string());
  EXPECT_EQ(r->code_set_files.at("sensitive"), (dir.path() / "fhir-profiles/valuesets/sens.json").string());
  EXPECT_FALSE(load_policy_file((dir.path() / "absent.yaml").string()));
}

TEST(ValueSetCodes, ReadsComposeAndNestedExpansion) {
  auto r = codes_of_value_set(R"({"resourceType":"ValueSet",
    "compose":{"include":[{"system":"http://snomed.info/sct","concept":[{"code":"A"},{"code":"B"}]}]},
    "expansion":{"contains":[{"system":"http://x","code":"C","contains":[{"system":"http://x","code":"D"}]}]}})");
  ASSERT_TRUE(r);
  EXPECT_THAT(*r, ElementsAre(Coding{"http://snomed.info/sct", "A"}, Coding{"http://snomed.info/sct", "B"},
                              Coding{"http://x", "C"}, Coding{"http://x", "D"}));
}

TEST(ValueSetCodes, RefusesWhatItCannotExpand) {
  EXPECT_FALSE(codes_of_value_set(R"({"resourceType":"CodeSystem"})"));
  EXPECT_FALSE(codes_of_value_set("{not json"));
  auto filter = codes_of_value_set(R"({"resourceType":"ValueSet","compose":{"include":[{"system":"http://snomed.info/sct",
    "filter":[{"property":"concept","op":"is-a","value":"123"}]}]}})");
  ASSERT_FALSE(filter);
  EXPECT_THAT(filter.error().message(), HasSubstr("filter"));
  // ... unless an expansion lists the codes.
  auto expanded = codes_of_value_set(R"({"resourceType":"ValueSet","compose":{"include":[{"system":"http://snomed.info/sct",
    "filter":[{"property":"concept","op":"is-a","value":"123"}]}]},"expansion":{"contains":[{"system":"http://snomed.info/sct","code":"124"}]}})");
  ASSERT_TRUE(expanded);
  EXPECT_EQ(expanded->size(), 1u);
}

TEST(ValueSetCodes, EmptyCodeSetIsAPolicyError) {
  TempDir dir;
  dir.write("sets/empty.json", R"({"resourceType":"ValueSet","compose":{"include":[]}})");
  auto yaml = replace(testing::kBasePolicy, "frail-flags: sets/frail.json", "frail-flags: sets/empty.json");
  dir.write("sets/sensitive.json", testing::value_set("s", {{testing::kSct, "S1"}}));
  LoadOptions opt;
  opt.base_dir = dir.path().string();
  auto r = load_policy_text(yaml, opt);
  EXPECT_THAT(problems(r), Contains(HasSubstr("holds no codes")));
}

}  // namespace
}  // namespace fhirgw::policy
