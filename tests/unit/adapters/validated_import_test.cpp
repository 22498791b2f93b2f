// Issue 7: every resource the adapters produce passes the gateway's own
// validator and carries meta.profile; a resource that does not is never
// written and its rows are quarantined with the element path.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <set>

#include "core/resource_model.hpp"
#include "core/systems.hpp"
#include "generator/generator.hpp"
#include "import/importer.hpp"
#include "store_support.hpp"

using namespace fhirgw;
using namespace fhirgw::adapters;
using namespace fhirgw::adapters::test;

namespace {

constexpr const char* kTypes[] = {"Patient", "Consent", "QuestionnaireResponse", "MedicationStatement", "Flag",
                                  "CarePlan"};

class ValidatedImport : public StoreFixture {
 protected:
  ImportReport import(Format format, const std::filesystem::path& dir, const ImportConfig& config) {
    auto r = import_file_set(*store_, format, dir, config, validating());
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
    return r.ok() ? *r : ImportReport{};
  }

  // Every live resource in the store, by type.
  std::map<std::string, std::vector<json::Document>> stored() {
    std::map<std::string, std::vector<json::Document>> out;
    auto records = store_->changed_since(0, std::vector<std::string>(std::begin(kTypes), std::end(kTypes)), 1000000);
    EXPECT_TRUE(records.ok());
    if (!records.ok()) return out;
    for (const auto& rec : *records) {
      if (rec.deleted) continue;
      auto d = json::parse(rec.json);
      EXPECT_TRUE(d.ok());
      if (d.ok()) out[rec.type].push_back(std::move(*d));
    }
    return out;
  }

  // Each stored resource validates cleanly and names its profile.
  void expect_all_valid(const std::map<std::string, std::vector<json::Document>>& by_type) {
    for (const auto& [type, docs] : by_type) {
      const auto* t = model::find_type(type);
      ASSERT_NE(t, nullptr) << type;
      for (const auto& d : docs) {
        auto issues = profile_validator().validate(d);
        std::string errors;
        for (const auto& i : issues) {
          if (i.severity == Severity::error || i.severity == Severity::fatal) {
            errors += i.expression + ": " + i.diagnostics + "\n";
          }
        }
        EXPECT_TRUE(errors.empty()) << type << "/" << json::get_string(d, "id").value_or("") << "\n" << errors;
        const auto* profiles = json::get(d["meta"], "profile");
        ASSERT_TRUE(profiles && profiles->IsArray() && profiles->Size() == 1) << type;
        EXPECT_EQ(std::string((*profiles)[0].GetString()), t->profile);
        bool controller = false;
        for (const auto& tag : d["meta"]["tag"].GetArray()) {
          controller = controller || json::get_string(tag, "system") == std::string_view(systems::kController);
        }
        EXPECT_TRUE(controller) << type;
      }
    }
  }
};

// Codes of every Flag, as "system|code".
std::set<std::string> flag_codes(const json::Value& flag) {
  std::set<std::string> out;
  if (const auto* code = json::get(flag, "code"); code && code->HasMember("coding")) {
    for (const auto& c : (*code)["coding"].GetArray()) {
      out.insert(std::string(c["system"].GetString()) + "|" + c["code"].GetString());
    }
  }
  return out;
}

}  // namespace

TEST_F(ValidatedImport, GeneratedEmisAndSystmOneSetsImportWithNothingQuarantined) {
  GeneratorOptions emis;
  emis.patients = 200;
  emis.seed = 11;
  emis.organisation = "Y99999";
  GeneratorOptions s1 = emis;
  s1.seed = 12;
  s1.organisation = "Y90001";
  s1.systmone_org_id = "81001";
  ASSERT_TRUE(generate_extract(Format::emis, work_.path() / "emis", emis).ok());
  ASSERT_TRUE(generate_extract(Format::systmone, work_.path() / "s1", s1).ok());

  auto re = import(Format::emis, work_.path() / "emis", generator_import_config(emis));
  EXPECT_TRUE(re.validated);
  EXPECT_EQ(re.totals.quarantined, 0) << render_text(re);
  EXPECT_EQ(re.invalid_resources, 0);
  auto rs = import(Format::systmone, work_.path() / "s1", generator_import_config(s1));
  EXPECT_EQ(rs.totals.quarantined, 0) << render_text(rs);
  EXPECT_EQ(rs.invalid_resources, 0);

  auto all = stored();
  for (const char* type : kTypes) EXPECT_FALSE(all[type].empty()) << "no " << type << " imported";
  expect_all_valid(all);

  // The complex-case alerts of both systems carry the shared care-flag code.
  size_t complex_emis = 0, complex_s1 = 0;
  for (const auto& f : all["Flag"]) {
    auto codes = flag_codes(f);
    if (!codes.count("https://fhir-gateway.org.uk/CodeSystem/care-flag|complex-case")) continue;
    std::string controller(f["meta"]["tag"][0]["code"].GetString());
    (controller == "Y99999" ? complex_emis : complex_s1)++;
  }
  EXPECT_GT(complex_emis, 0u);
  EXPECT_GT(complex_s1, 0u);

  // Deltas of both validate too.
  GeneratorOptions emis_delta = emis;
  emis_delta.bulk = false;
  GeneratorOptions s1_delta = s1;
  s1_delta.bulk = false;
  ASSERT_TRUE(generate_extract(Format::emis, work_.path() / "emis-d", emis_delta).ok());
  ASSERT_TRUE(generate_extract(Format::systmone, work_.path() / "s1-d", s1_delta).ok());
  auto de = import(Format::emis, work_.path() / "emis-d", generator_import_config(emis));
  EXPECT_EQ(de.totals.quarantined, 0) << render_text(de);
  auto ds = import(Format::systmone, work_.path() / "s1-d", generator_import_config(s1));
  EXPECT_EQ(ds.totals.quarantined, 0) << render_text(ds);
  expect_all_valid(stored());
}

TEST(ImportOptionsRule, AnImportWithoutValidatorIsRefusedUnlessSkippedExplicitly) {
  TempDir dir;
  auto s = store::open_store("sqlite:" + (dir.path() / "store.db").string());
  ASSERT_TRUE(s.ok());
  GeneratorOptions o;
  o.patients = 3;
  ASSERT_TRUE(generate_extract(Format::emis, dir.path() / "e", o).ok());
  auto refused = import_file_set(**s, Format::emis, dir.path() / "e", generator_import_config(o), ImportOptions{});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("validator"), std::string::npos);
  ImportOptions skip;
  skip.skip_validation = true;
  auto r = import_file_set(**s, Format::emis, dir.path() / "e", generator_import_config(o), skip);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_FALSE(r->validated);
  EXPECT_GT(r->totals.created, 0);
}

namespace {

const std::string kP1 = "A1B2C3D4-0001-4E5F-8A9B-000000000001";
const std::string kP2 = "A1B2C3D4-0002-4E5F-8A9B-000000000002";
const std::string kAlert = "0A100000-0000-4000-8000-000000000001";
const std::string kSuffix = "_20250116120000_5A5A5A5A-0000-4000-8000-00000000AAAA.csv";

std::string emis_id(const std::string& table, const std::string& key) {
  return derived_id("emis", "Y99999", table, key);
}

// A delta file set on top of the sample bulk (tests/data/extracts/emis-bulk).
class EmisValidation : public ValidatedImport {
 protected:
  void SetUp() override {
    ValidatedImport::SetUp();
    auto r = import(Format::emis, data_dir("emis-bulk"), config_);
    ASSERT_EQ(r.totals.quarantined, 0) << render_text(r);
    delta_ = work_.path() / "delta";
    add("Coding_ClinicalCode",
        {{"CodeId", "Term", "ReadTermId", "SnomedCTConceptId"},
         {"1100", "Frailty and wellbeing check", "EMISQFR00", ""},
         {"1101", "Falls in the last 12 months", "EMISQFR01", ""},
         {"1109", "Unlisted question", "EMISQFR09", ""},
         {"1200", "Complex case", "EMISCX001", ""}});
    add("Coding_DrugCode", {{"CodeId", "Term", "DmdProductCodeId"},
                            {"3001", "Amlodipine 5mg tablets", "319283006"},
                            {"3900", "Practice stock amlodipine 5mg tablets", ""}});
  }
  void add(const std::string& table, const std::vector<std::vector<std::string>>& rows) {
    std::string text;
    for (const auto& r : rows) text += csv_line(r);
    write_file(delta_ / ("1101-1110_" + table + kSuffix), text);
  }
  static std::vector<std::string> drug_row(const std::string& guid, const std::string& code) {
    return {guid, kP1, kEmisOrgGuid, "2024-10-01", "YMD", code, "One tablet daily", "Repeat", "true", "false", "1101"};
  }
  static const std::vector<std::string>& drug_header() {
    static const std::vector<std::string> h = {"DrugRecordGuid", "PatientGuid", "OrganisationGuid", "EffectiveDate",
                                               "EffectiveDatePrecision", "CodeId", "Dosage", "PrescriptionType",
                                               "IsActive", "Deleted", "ProcessingId"};
    return h;
  }
  static const store::QuarantineEntry* entry(const ImportReport& r, const std::string& table, int64_t line) {
    for (const auto& q : r.quarantine) {
      if (q.file.find("_" + table + "_") != std::string::npos && q.line == line) return &q;
    }
    return nullptr;
  }
  ImportConfig config_ = sample_config();
  std::filesystem::path delta_;
};

}  // namespace

TEST_F(EmisValidation, InvalidResourceIsNotWrittenAndItsRowIsQuarantinedWithTheElementPath) {
  // A drug with no dm+d product: the profile requires a dm+d coding.
  add("Prescribing_DrugRecord", {drug_header(), drug_row("0C100000-0000-4000-8000-000000000900", "3900"),
                                 drug_row("0C100000-0000-4000-8000-000000000901", "3001")});
  auto r = import(Format::emis, delta_, config_);
  EXPECT_EQ(r.invalid_resources, 1);
  EXPECT_EQ(r.totals.quarantined, 1) << render_text(r);
  const auto* q = entry(r, "Prescribing_DrugRecord", 2);
  ASSERT_NE(q, nullptr) << render_text(r);
  EXPECT_EQ(q->column, "CodeId");
  EXPECT_NE(q->message.find("MedicationStatement.medicationCodeableConcept"), std::string::npos) << q->message;
  EXPECT_NE(q->raw.find("0C100000-0000-4000-8000-000000000900"), std::string::npos);
  EXPECT_FALSE(record("MedicationStatement", emis_id("Prescribing_DrugRecord", "0C100000-0000-4000-8000-000000000900")));
  EXPECT_TRUE(record("MedicationStatement", emis_id("Prescribing_DrugRecord", "0C100000-0000-4000-8000-000000000901")));
  // Kept in the store's quarantine too, not only in the report.
  auto stored = store_->list_quarantine(r.import_id, 10, 0);
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].column, "CodeId");
}

TEST_F(EmisValidation, AnInvalidNewImageKeepsTheStoredVersion) {
  // The sample's alert, now ending before it starts (per-1).
  add("CareRecord_Alert", {{"AlertGuid", "PatientGuid", "OrganisationGuid", "AlertText", "AlertCategory", "StartDate",
                            "EndDate", "IsActive", "Deleted", "ProcessingId"},
                           {kAlert, kP2, kEmisOrgGuid, "Complex case", "clinical", "2025-01-15", "2024-01-01", "true",
                            "false", "1101"}});
  auto r = import(Format::emis, delta_, config_);
  ASSERT_EQ(r.totals.quarantined, 1) << render_text(r);
  EXPECT_EQ(r.quarantine[0].column, "StartDate");
  EXPECT_NE(r.quarantine[0].message.find("Flag.period"), std::string::npos) << r.quarantine[0].message;
  auto flag = record("Flag", emis_id("CareRecord_Alert", kAlert));
  ASSERT_TRUE(flag && !flag->deleted);
  EXPECT_EQ(flag->version, 1);
}

TEST_F(EmisValidation, ABadAnswerQuarantinesTheWholeGroupAndPinsItsOwnRow) {
  // EMISQFR09 is configured onto a linkId the Questionnaire does not have.
  config_.questionnaires[0].questions.push_back({local_code_system("emis", "Y99999"), "EMISQFR09", "", "q9"});
  const std::string header = "0B100000-0000-4000-8000-000000000900";
  add("CareRecord_Observation",
      {{"ObservationGuid", "PatientGuid", "OrganisationGuid", "EffectiveDate", "EffectiveDatePrecision", "CodeId",
        "ParentObservationGuid", "AssociatedText", "Deleted", "ProcessingId"},
       {header, kP1, kEmisOrgGuid, "2024-11-01", "YMD", "1100", "", "", "false", "1101"},
       {"0B100000-0000-4000-8000-000000000901", kP1, kEmisOrgGuid, "2024-11-01", "YMD", "1101", header, "No", "false",
        "1102"},
       {"0B100000-0000-4000-8000-000000000902", kP1, kEmisOrgGuid, "2024-11-01", "YMD", "1109", header, "Maybe",
        "false", "1103"}});
  auto r = import(Format::emis, delta_, config_);
  EXPECT_EQ(r.invalid_resources, 1);
  EXPECT_EQ(r.totals.quarantined, 3) << render_text(r);  // the header and both answers
  const auto* bad = entry(r, "CareRecord_Observation", 4);
  ASSERT_NE(bad, nullptr) << render_text(r);
  EXPECT_EQ(bad->column, "CodeId");
  EXPECT_NE(bad->message.find("QuestionnaireResponse.item[1].linkId"), std::string::npos) << bad->message;
  EXPECT_NE(bad->message.find("'q9'"), std::string::npos) << bad->message;
  const auto* good = entry(r, "CareRecord_Observation", 3);
  ASSERT_NE(good, nullptr);
  EXPECT_EQ(good->column, "");  // quarantined with its group, but not its fault
  EXPECT_EQ(good->message, bad->message);
  EXPECT_FALSE(record("QuestionnaireResponse", emis_id("CareRecord_Observation", header)));
}

TEST_F(EmisValidation, CodeMapsAddTheSharedCodingAndKeepTheLocalOne) {
  config_.code_maps.push_back({{local_code_system("emis", "Y99999"), "EMISCX001"},
                               "https://fhir-gateway.org.uk/CodeSystem/care-flag", "complex-case",
                               "Complex case: single named clinician for contacts"});
  // A local drug code mapped to its dm+d product makes the statement valid.
  config_.code_maps.push_back({{local_code_system("emis", "Y99999"), "3900"}, systems::kDmd, "319283006",
                               "Amlodipine 5mg tablets"});
  add("CareRecord_Alert", {{"AlertGuid", "PatientGuid", "OrganisationGuid", "CodeId", "AlertText", "AlertCategory",
                            "StartDate", "IsActive", "Deleted", "ProcessingId"},
                           {kAlert, kP2, kEmisOrgGuid, "1200", "Complex case: single named clinician for contacts",
                            "Safeguarding", "2025-01-15", "true", "false", "1101"}});
  add("Prescribing_DrugRecord", {drug_header(), drug_row("0C100000-0000-4000-8000-000000000900", "3900")});
  auto r = import(Format::emis, delta_, config_);
  EXPECT_EQ(r.totals.quarantined, 0) << render_text(r);

  auto flag = resource("Flag", emis_id("CareRecord_Alert", kAlert));
  EXPECT_EQ(flag_codes(flag), (std::set<std::string>{
                                  "https://fhir-gateway.org.uk/CodeSystem/emis-local/Y99999|EMISCX001",
                                  "https://fhir-gateway.org.uk/CodeSystem/care-flag|complex-case"}));
  // The practice's category text is kept; the coded category is HL7's.
  EXPECT_EQ(std::string(flag["category"][0]["coding"][0]["system"].GetString()),
            "http://terminology.hl7.org/CodeSystem/flag-category");
  EXPECT_EQ(std::string(flag["category"][0]["coding"][0]["code"].GetString()), "safety");
  EXPECT_EQ(std::string(flag["category"][0]["text"].GetString()), "Safeguarding");

  auto med = resource("MedicationStatement", emis_id("Prescribing_DrugRecord", "0C100000-0000-4000-8000-000000000900"));
  const auto& codings = med["medicationCodeableConcept"]["coding"];
  ASSERT_EQ(codings.Size(), 2u);
  EXPECT_EQ(std::string(codings[0]["system"].GetString()), local_code_system("emis", "Y99999"));
  EXPECT_EQ(std::string(codings[1]["system"].GetString()), systems::kDmd);
  EXPECT_EQ(std::string(codings[1]["code"].GetString()), "319283006");
}

// The shipped demo configuration with the demo practices' generated extracts
// (as scripts/demo-run.sh makes them): nothing quarantined, and the complex
// case and frailty alerts carry the shared codes partners search by.
TEST_F(ValidatedImport, DemoImportConfigMapsTheDemoPracticesCodes) {
  auto cfg = load_import_config(YAML::LoadFile(std::string(FHIRGW_SOURCE_DIR) + "/config/demo/import.yaml"));
  ASSERT_TRUE(cfg.ok()) << cfg.error().message();
  GeneratorOptions emis;
  emis.patients = 120;
  emis.seed = 103;
  emis.organisation = "Y99999";
  GeneratorOptions s2 = emis;
  s2.seed = 102;
  s2.organisation = "Y90002";
  s2.systmone_org_id = "81002";
  ASSERT_EQ(cfg->organisation_code(generator_emis_org_guid("Y99999")), "Y99999");
  ASSERT_TRUE(generate_extract(Format::emis, work_.path() / "emis", emis).ok());
  ASSERT_TRUE(generate_extract(Format::systmone, work_.path() / "s2", s2).ok());
  auto re = import(Format::emis, work_.path() / "emis", *cfg);
  EXPECT_EQ(re.totals.quarantined, 0) << render_text(re);
  auto rs = import(Format::systmone, work_.path() / "s2", *cfg);
  EXPECT_EQ(rs.totals.quarantined, 0) << render_text(rs);

  std::map<std::string, int> complex, frail;
  auto all = stored();
  for (const auto& f : all["Flag"]) {
    std::string controller(f["meta"]["tag"][0]["code"].GetString());
    auto codes = flag_codes(f);
    complex[controller] += codes.count("https://fhir-gateway.org.uk/CodeSystem/care-flag|complex-case");
    frail[controller] += codes.count("http://snomed.info/sct|925831000000107") +
                         codes.count("http://snomed.info/sct|925861000000102");
  }
  for (const char* org : {"Y99999", "Y90002"}) {
    EXPECT_GT(complex[org], 0) << org;
    EXPECT_GT(frail[org], 0) << org;
  }
  // Both systems' frailty checks answer the shipped Questionnaire, q5 included.
  std::set<std::string> link_ids;
  for (const auto& qr : all["QuestionnaireResponse"]) {
    EXPECT_EQ(std::string(qr["questionnaire"].GetString()), "https://fhir-gateway.org.uk/Questionnaire/frailty-check");
    for (const auto& item : qr["item"].GetArray()) link_ids.insert(item["linkId"].GetString());
  }
  EXPECT_EQ(link_ids, (std::set<std::string>{"q1", "q2", "q3", "q4", "q5"}));
  expect_all_valid(all);
}
