// The mapping helpers that turn practice free text into codes: flag and care
// plan categories, code maps (config and application), error columns.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "core/ids.hpp"
#include "core/systems.hpp"
#include "mapping/categories.hpp"
#include "mapping/common_resources.hpp"
#include "mapping/source_key.hpp"
#include "mapping/source_mapper.hpp"

using namespace fhirgw;
using namespace fhirgw::adapters;

TEST(FlagCategory, PracticeCategoryTextsMapToHl7FlagCategories) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"clinical", "clinical"},
      {"Clinical", "clinical"},
      {"Complex case", "clinical"},
      {"Moderate frailty", "clinical"},
      {"Safeguarding", "safety"},
      {"Child protection", "safety"},
      {"Risk to staff: violent behaviour", "safety"},  // safety before behavioral
      {"Violent patient", "behavioral"},
      {"Behaviour", "behavioral"},
      {"Administrative", "admin"},
      {"admin", "admin"},
      {"Interpreter required", "contact"},
      {"Diet", "diet"},
      {"Drug", "drug"},
      {"Medication", "drug"},
      {"Lab results", "lab"},
      {"Research", "research"},
      {"DNACPR", "advance-directive"},
      {"Advance decision to refuse treatment", "advance-directive"},
      {"Collaborative", "clinical"},  // "lab" only at the start of a word
      {"", "clinical"},
      {"Something else entirely", "clinical"},
  };
  for (const auto& [text, code] : cases) {
    auto c = flag_category(text);
    EXPECT_EQ(c.system, "http://terminology.hl7.org/CodeSystem/flag-category");
    EXPECT_EQ(c.code, code) << text;
    EXPECT_FALSE(c.display.empty());
  }
}

TEST(CarePlanCategory, TitleOrCategoryPicksTheKindOfPlan) {
  EXPECT_EQ(care_plan_category("Anticipatory care plan").code, "736366004");
  EXPECT_EQ(care_plan_category("Advance care plan").code, "736366004");
  EXPECT_EQ(care_plan_category("End of life plan").code, "736366004");
  EXPECT_EQ(care_plan_category("Treatment escalation plan").code, "735324008");
  EXPECT_EQ(care_plan_category("Diabetes plan Frailty").code, "734163000");
  EXPECT_EQ(care_plan_category("").system, systems::kSnomed);
}

TEST(CodeMaps, LoadFromYamlAndAddTheSharedCodingOnce) {
  auto node = YAML::Load(R"(
code_maps:
  - from: {system: https://fhir-gateway.org.uk/CodeSystem/emis-local/Y99999, code: EMISCX001}
    to: {system: https://fhir-gateway.org.uk/CodeSystem/care-flag, code: complex-case, display: Complex case}
  - from: {system: https://fhir-gateway.org.uk/CodeSystem/systmone-special-note-type, code: Complex case}
    to: {system: https://fhir-gateway.org.uk/CodeSystem/care-flag, code: complex-case}
)");
  auto cfg = load_import_config(node);
  ASSERT_TRUE(cfg.ok()) << cfg.error().message();
  ASSERT_EQ(cfg->code_maps.size(), 2u);
  EXPECT_EQ(cfg->code_maps[0].display, "Complex case");
  EXPECT_EQ(cfg->code_maps[1].from.code, "Complex case");

  std::vector<Coding> codings = {
      {"https://fhir-gateway.org.uk/CodeSystem/emis-local/Y99999", "EMISCX001", "Complex case"},
      {kSpecialNoteTypeSystem, "Complex case", "Complex case"}};
  add_mapped_codings(*cfg, codings);
  ASSERT_EQ(codings.size(), 3u);  // both map to the same code: added once
  EXPECT_EQ(codings[0].code, "EMISCX001");  // the local ones stay first
  EXPECT_EQ(codings[2].system, kCareFlagSystem);
  EXPECT_EQ(codings[2].code, "complex-case");

  std::vector<Coding> unmapped = {{systems::kReadV2, "9Nd7.", ""}};
  add_mapped_codings(*cfg, unmapped);
  EXPECT_EQ(unmapped.size(), 1u);
}

TEST(CodeMaps, IncompleteEntriesAreRefusedWithTheirLine) {
  auto node = YAML::Load("code_maps:\n  - from: {system: s, code: c}\n    to: {system: t}\n");
  auto cfg = load_import_config(node);
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.error().message().find("code_maps"), std::string::npos);
  EXPECT_NE(cfg.error().message().find("line 2"), std::string::npos) << cfg.error().message();
  EXPECT_FALSE(load_import_config(YAML::Load("code_maps: {a: b}")).ok());
}

TEST(ColumnRules, LongestPrefixAtAnElementBoundary) {
  const std::vector<ColumnRule> rules = {{"T", "Flag.code", "CodeId"},
                                         {"T", "Flag.period", "StartDate"},
                                         {"T", "MedicationStatement.medication", "CodeId"},
                                         {"T", "Flag.period.end", "EndDate"},
                                         {"U", "Flag.code", "Other"}};
  EXPECT_EQ(column_by_rules(rules, "T", "Flag.code.coding[0].code"), "CodeId");
  EXPECT_EQ(column_by_rules(rules, "T", "Flag.period.end"), "EndDate");
  EXPECT_EQ(column_by_rules(rules, "T", "Flag.period"), "StartDate");
  EXPECT_EQ(column_by_rules(rules, "T", "MedicationStatement.medicationCodeableConcept"), "CodeId");
  EXPECT_EQ(column_by_rules(rules, "T", "Flag.codes"), "");
  EXPECT_EQ(column_by_rules(rules, "U", "Flag.code"), "Other");
  EXPECT_EQ(column_by_rules(rules, "V", "Flag.code"), "");
}

TEST(DerivedId, RememberedIdsAreTheIdsDerivedAfresh) {
  // derived_id remembers recent ids in a fixed number of slots; whatever it
  // remembers or overwrites, every answer is the SHA-1 derivation itself.
  auto fresh = [](const std::string& org, const std::string& table, const std::string& key) {
    return ids::derived_uuid("emis/" + org + "/" + table, key);
  };
  std::vector<std::string> keys;
  for (int i = 0; i < 1000; ++i) keys.push_back("key-" + std::to_string(i));
  for (int round = 0; round < 3; ++round) {
    for (size_t i = 0; i < keys.size(); i += (round == 1 ? 7 : 1)) {
      ASSERT_EQ(derived_id("emis", "A81001", "Admin_Patient", keys[i]), fresh("A81001", "Admin_Patient", keys[i]));
      // The same key under another organisation or table is another id.
      ASSERT_EQ(derived_id("emis", "B82002", "Admin_Patient", keys[i]), fresh("B82002", "Admin_Patient", keys[i]));
      ASSERT_EQ(derived_id("emis", "A81001", "CareRecord_Alert", keys[i]),
                fresh("A81001", "CareRecord_Alert", keys[i]));
    }
  }
  EXPECT_NE(derived_id("emis", "A81001", "Admin_Patient", "k"), derived_id("emis", "A81001", "Admin_Patient", "k2"));
}
