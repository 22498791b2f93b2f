// SystmOne-style import against the SQLite store.
#include <gtest/gtest.h>

#include <yaml-cpp/yaml.h>

#include "core/systems.hpp"
#include "import/importer.hpp"
#include "mapping/fhir_builder.hpp"
#include "store_support.hpp"

using namespace fhirgw;
using namespace fhirgw::adapters;
using namespace fhirgw::adapters::test;

namespace {

std::string id(const std::string& table, const std::string& key) {
  return derived_id("systmone", "Y99999", table, key);
}

class SystmOneImport : public StoreFixture {
 protected:
  ImportReport import(const std::filesystem::path& dir) {
    auto r = import_file_set(*store_, Format::systmone, dir, config_, validating());
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
    return r.ok() ? *r : ImportReport{};
  }
  std::filesystem::path delta_dir(const std::string& name) {
    auto d = work_.path() / name;
    write_file(d / "SRManifest.csv", csv_line({"FileName", "IsDelta"}) + csv_line({"SRPatient", "Y"}) +
                                         csv_line({"SRCarePlanItem", "Y"}) + csv_line({"SRCarePlan", "Y"}));
    return d;
  }
  ImportConfig config_ = sample_config();
};

}  // namespace

TEST_F(SystmOneImport, SampleAccountsForEveryRow) {
  auto r = import(data_dir("systmone-bulk"));
  EXPECT_TRUE(r.bulk);
  EXPECT_EQ(r.totals.quarantined, 0);
  // 2 lookups + never-seen patient delete + a non-consent code.
  EXPECT_EQ(r.totals.unchanged, 4);
  EXPECT_EQ(r.totals.created, 2 + 2 + 3 + 1 + 3 + 1 + 1 + 1 + 1);
  auto again = import(data_dir("systmone-bulk"));
  EXPECT_EQ(again.totals.unchanged, r.totals.total());
  EXPECT_EQ(record("CarePlan", id("SRCarePlan", "8200001"))->version, 1);
}

TEST_F(SystmOneImport, PatientFromCp1252WithSpineVerification) {
  import(data_dir("systmone-bulk"));
  auto p2 = resource("Patient", id("SRPatient", "5000002"));
  EXPECT_EQ(std::string(p2["name"][0]["given"][0].GetString()), "Zoë");
  EXPECT_EQ(std::string(p2["identifier"][0]["system"].GetString()),
            "https://fhir-gateway.org.uk/Id/systmone/Y99999/SRPatient");
  // Valid number but SpineMatched FALSE: present, not verified.
  EXPECT_EQ(std::string(p2["identifier"][1]["extension"][0]["valueCodeableConcept"]["coding"][0]["code"].GetString()), "02");
  auto p1 = resource("Patient", id("SRPatient", "5000001"));
  EXPECT_EQ(std::string(p1["identifier"][1]["extension"][0]["valueCodeableConcept"]["coding"][0]["code"].GetString()), "01");
  EXPECT_EQ(std::string(p1["birthDate"].GetString()), "1957-03-14");
  EXPECT_FALSE(record("Patient", id("SRPatient", "5000003")));  // a delete of a record never seen
}

TEST_F(SystmOneImport, ConsentFlagCarePlanAndActivities) {
  import(data_dir("systmone-bulk"));
  auto permit = resource("Consent", id("SRCode", "7000001"));
  EXPECT_EQ(std::string(permit["provision"]["type"].GetString()), "permit");
  EXPECT_EQ(std::string(permit["category"][1]["coding"][0]["system"].GetString()), systems::kCtv3);
  EXPECT_EQ(std::string(permit["dateTime"].GetString()), "2024-06-03T14:30:00+01:00");
  auto deny = resource("Consent", id("SRCode", "7000002"));
  EXPECT_EQ(std::string(deny["provision"]["type"].GetString()), "deny");
  EXPECT_FALSE(record("Consent", id("SRCode", "7000004")));

  auto flag = resource("Flag", id("SRSpecialNotes", "6700001"));
  EXPECT_EQ(std::string(flag["category"][0]["text"].GetString()), "Clinical");
  EXPECT_EQ(std::string(flag["code"]["text"].GetString()), "Single named clinician for all contacts");
  EXPECT_EQ(std::string(flag["period"]["start"].GetString()), "2025-01-15T00:00:00+00:00");

  auto plan = resource("CarePlan", id("SRCarePlan", "8200001"));
  EXPECT_EQ(std::string(plan["description"].GetString()), "Remain independent at home");
  ASSERT_EQ(plan["activity"].Size(), 2u);
  EXPECT_EQ(std::string(plan["activity"][0]["id"].GetString()), "SRCarePlanItem-8300001");
  EXPECT_EQ(std::string(plan["activity"][0]["detail"]["status"].GetString()), "in-progress");
  EXPECT_EQ(std::string(plan["activity"][1]["detail"]["status"].GetString()), "completed");
}

TEST_F(SystmOneImport, QuestionnaireResponseFromCodesAndFreeText) {
  import(data_dir("systmone-bulk"));
  auto qr = resource("QuestionnaireResponse", id("SRAnsweredQuestionnaire", "8000001"));
  // The configured canonical: the gateway's Questionnaire, not the practice's template version.
  EXPECT_EQ(std::string(qr["questionnaire"].GetString()), "https://fhir-gateway.org.uk/Questionnaire/frailty-check");
  ASSERT_EQ(qr["item"].Size(), 2u);
  EXPECT_EQ(std::string(qr["item"][0]["linkId"].GetString()), "q2");
  EXPECT_EQ(qr["item"][0]["answer"][0]["valueQuantity"]["value"].GetDouble(), 14.0);
  EXPECT_EQ(std::string(qr["item"][1]["linkId"].GetString()), "q5");
  EXPECT_EQ(std::string(qr["item"][1]["answer"][0]["valueString"].GetString()), "Staying at home — near my garden");
}

TEST_F(SystmOneImport, RepeatTemplatesAcuteAndOtherOrganisation) {
  import(data_dir("systmone-bulk"));
  auto repeat = resource("MedicationStatement", id("SRRepeatTemplate", "8400001"));
  EXPECT_EQ(std::string(repeat["category"]["coding"][0]["code"].GetString()), "continuous");
  EXPECT_EQ(std::string(repeat["extension"][0]["valueDateTime"].GetString()), "2024-12-18T10:00:00+00:00");
  EXPECT_EQ(std::string(repeat["medicationCodeableConcept"]["coding"][0]["code"].GetString()), "319283006");
  EXPECT_FALSE(record("MedicationStatement", id("SRPrimaryCareMedication", "8500001")));  // an issue, not a statement
  auto acute = resource("MedicationStatement", id("SRPrimaryCareMedication", "8500003"));
  EXPECT_EQ(std::string(acute["category"]["coding"][0]["code"].GetString()), "acute");
  EXPECT_EQ(std::string(acute["status"].GetString()), "completed");
  EXPECT_EQ(std::string(acute["informationSource"]["display"].GetString()), "Prescribed by another organisation");
}

TEST_F(SystmOneImport, BadCp1252ByteQuarantinesOnlyThatRow) {
  auto d = delta_dir("bad");
  write_file(d / "SRPatient.csv",
             csv_line({"RowIdentifier", "IDOrganisationVisibleTo", "Surname", "DateBirth", "Gender", "NHSNumber",
                       "RemovedData"}) +
                 csv_line({"5000010", "81001", "Bad\x81name", "01 Jan 1950 00:00", "F", "9992345675", "0"}) +
                 csv_line({"5000011", "81001", "Good", "01 Jan 1950 00:00", "F", "9992345675", "0"}) +
                 csv_line({"5000012", "81001", "Bad date", "1950-01-01", "F", "9992345675", "0"}));
  auto r = import(d);
  EXPECT_EQ(r.totals.created, 1);
  ASSERT_EQ(r.totals.quarantined, 2);
  EXPECT_EQ(r.quarantine[0].line, 2);
  EXPECT_EQ(r.quarantine[0].column, "Surname");
  EXPECT_EQ(r.quarantine[0].message, "byte 0x81 is undefined in Windows-1252 at byte 4 of the field");
  EXPECT_EQ(r.quarantine[1].line, 4);
  EXPECT_EQ(r.quarantine[1].column, "DateBirth");
}

TEST_F(SystmOneImport, CarePlanItemDeltaPatchesStoredPlan) {
  import(data_dir("systmone-bulk"));
  auto d = delta_dir("items");
  write_file(d / "SRCarePlanItem.csv",
             csv_line({"RowIdentifier", "IDCarePlan", "IDPatient", "Instruction", "RemovedData"}) +
                 csv_line({"8300002", "8200001", "5000001", "", "1"}) +
                 csv_line({"8300003", "8200001", "5000001", "Carer's assessment offered", "0"}) +
                 csv_line({"8300004", "8299999", "5000001", "No such plan", "0"}));
  auto r = import(d);
  EXPECT_EQ(r.totals.updated, 2);
  EXPECT_EQ(r.totals.quarantined, 1);
  EXPECT_EQ(r.quarantine[0].column, "IDCarePlan");
  auto plan = resource("CarePlan", id("SRCarePlan", "8200001"));
  ASSERT_EQ(plan["activity"].Size(), 2u);
  EXPECT_EQ(std::string(plan["activity"][1]["detail"]["description"].GetString()), "Carer's assessment offered");
  EXPECT_EQ(record("CarePlan", id("SRCarePlan", "8200001"))->version, 2);
}

TEST_F(SystmOneImport, ManifestIsRequired) {
  auto d = work_.path() / "nomanifest";
  write_file(d / "SRPatient.csv", "\"RowIdentifier\"\r\n");
  auto r = import_file_set(*store_, Format::systmone, d, config_, validating());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("SRManifest.csv is missing"), std::string::npos);
}

TEST(ImportConfigYaml, LoadsOrganisationsConsentCodesAndQuestionnaires) {
  auto node = YAML::Load(R"(
organisations:
  "81001": Y99999
default_organisation: Y99999
consent_codes:
  permit: [{system: "http://read.info/readv2", code: "9Nd7."}]
  deny:
    - {system: "http://read.info/readv2", code: "9Nd1."}
    - {system: "http://read.info/readv2", code: "9Nd7."}
questionnaires:
  - url: https://example.org/Questionnaire/q
    header: {system: "http://snomed.info/sct", code: "123"}
    systmone_name: Frailty check
    items:
      - {system: "http://snomed.info/sct", code: "456", linkId: q1}
      - {question: "Anything else?", linkId: q2}
)");
  auto c = load_import_config(node);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->organisation_code("81001"), "Y99999");
  EXPECT_EQ(c->organisation_code("99999"), "99999");
  EXPECT_EQ(c->consent_kind(systems::kReadV2, "9Nd1."), ConsentKind::deny);
  EXPECT_EQ(c->consent_kind(systems::kReadV2, "9Nd7."), ConsentKind::deny);  // deny wins
  EXPECT_FALSE(c->consent_kind(systems::kReadV2, "XXXX."));
  ASSERT_TRUE(c->questionnaire_by_header(systems::kSnomed, "123"));
  EXPECT_EQ(link_id_for_code(*c->questionnaire_by_name("Frailty check"), systems::kSnomed, "456"), "q1");
  EXPECT_EQ(link_id_for_question(c->questionnaires[0], "Anything else?"), "q2");
  auto bad = load_import_config(YAML::Load("questionnaires:\n  - items: []\n"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("url is required"), std::string::npos);
}
