// EMIS-style import against the SQLite store: every table's mapping, and the
// engine's rules (re-import, versions, bulk, cascade, orphans, quarantine).
#include <gtest/gtest.h>

#include "core/systems.hpp"
#include "emis/emis_mapper.hpp"
#include "import/importer.hpp"
#include "mapping/fhir_builder.hpp"
#include "store_support.hpp"

using namespace fhirgw;
using namespace fhirgw::adapters;
using namespace fhirgw::adapters::test;

namespace {

const std::string kP1 = "A1B2C3D4-0001-4E5F-8A9B-000000000001";
const std::string kP2 = "A1B2C3D4-0002-4E5F-8A9B-000000000002";
const std::string kP3 = "A1B2C3D4-0003-4E5F-8A9B-000000000003";
const std::string kSuffix = "_20250116120000_5A5A5A5A-0000-4000-8000-00000000AAAA.csv";
const std::vector<std::string> kPatientHeader = {"PatientGuid", "OrganisationGuid", "Sex", "DateOfBirth", "Surname",
                                                 "NhsNumber", "NHSNumberStatus", "Deleted", "ProcessingId"};

std::string id(const std::string& table, const std::string& key) { return derived_id("emis", "Y99999", table, key); }

class EmisImport : public StoreFixture {
 protected:
  ImportReport import(const std::filesystem::path& dir) {
    auto r = import_file_set(*store_, Format::emis, dir, config_, validating());
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
    return r.ok() ? *r : ImportReport{};
  }
  ImportReport import_sample() { return import(data_dir("emis-bulk")); }
  // A delta directory holding one file of a table.
  std::filesystem::path delta(const std::string& name, const std::string& table, const std::string& content,
                              int proc = 1101) {
    auto d = work_.path() / name;
    write_file(d / (std::to_string(proc) + "-" + std::to_string(proc + 10) + "_" + table + kSuffix), content);
    return d;
  }
  static const FileReport* file(const ImportReport& r, const std::string& table) {
    for (const auto& f : r.files) {
      if (f.table == table) return &f;
    }
    return nullptr;
  }
  ImportConfig config_ = sample_config();
};

}  // namespace

TEST_F(EmisImport, SampleBulkAccountsForEveryRow) {
  auto r = import_sample();
  EXPECT_TRUE(r.bulk);
  EXPECT_EQ(r.organisations, std::vector<std::string>{"Y99999"});
  EXPECT_EQ(r.totals.created, 15);
  EXPECT_EQ(r.totals.unchanged, 8);  // coding lookup rows
  EXPECT_EQ(r.totals.quarantined, 0);
  EXPECT_EQ(r.totals.total(), 23);
  EXPECT_EQ(file(r, "CareRecord_Observation")->counts.created, 5);
  EXPECT_EQ(file(r, "Prescribing_IssueRecord")->counts.created, 3);
  auto text = render_text(r);
  EXPECT_NE(text.find("TOTAL"), std::string::npos);
  auto json = json::parse(render_json(r));
  ASSERT_TRUE(json.ok());
  EXPECT_EQ((*json)["totals"]["created"].GetInt(), 15);
}

TEST_F(EmisImport, PatientShapeIdentifiersAndVerification) {
  import_sample();
  auto p = resource("Patient", id("Admin_Patient", kP1));
  EXPECT_EQ(std::string(p["meta"]["profile"][0].GetString()), model::find_type("Patient")->profile);
  EXPECT_EQ(std::string(p["meta"]["tag"][0]["system"].GetString()), systems::kController);
  EXPECT_EQ(std::string(p["meta"]["tag"][0]["code"].GetString()), "Y99999");
  EXPECT_EQ(std::string(p["identifier"][0]["system"].GetString()),
            "https://fhir-gateway.org.uk/Id/emis/Y99999/Admin_Patient");
  EXPECT_EQ(std::string(p["identifier"][0]["value"].GetString()), kP1);
  const auto& nhs = p["identifier"][1];
  EXPECT_EQ(std::string(nhs["system"].GetString()), systems::kNhsNumber);
  EXPECT_EQ(std::string(nhs["value"].GetString()), "9992345675");
  EXPECT_EQ(std::string(nhs["extension"][0]["url"].GetString()), kNhsVerificationExtension);
  EXPECT_EQ(std::string(nhs["extension"][0]["valueCodeableConcept"]["coding"][0]["code"].GetString()), "01");
  EXPECT_EQ(std::string(p["gender"].GetString()), "female");
  EXPECT_EQ(std::string(p["birthDate"].GetString()), "1957-03-14");
  EXPECT_EQ(std::string(p["name"][0]["family"].GetString()), "Hartley");
  EXPECT_EQ(std::string(p["address"][0]["postalCode"].GetString()), "LS6 9ZZ");

  // 999123456x fails Modulus 11: kept, but never as an NHS number.
  auto p3 = resource("Patient", id("Admin_Patient", kP3));
  EXPECT_EQ(std::string(p3["identifier"][1]["system"].GetString()), kInvalidNhsNumberSystem);
  EXPECT_FALSE(p3["identifier"][1].HasMember("extension"));
}

TEST_F(EmisImport, ConsentFromConfiguredCodes) {
  import_sample();
  auto permit = resource("Consent", id("CareRecord_Observation", "0B100000-0000-4000-8000-000000000001"));
  EXPECT_EQ(std::string(permit["provision"]["type"].GetString()), "permit");
  EXPECT_EQ(std::string(permit["scope"]["coding"][0]["code"].GetString()), "patient-privacy");
  EXPECT_EQ(std::string(permit["category"][1]["coding"][0]["system"].GetString()), systems::kReadV2);
  EXPECT_EQ(std::string(permit["category"][1]["coding"][0]["code"].GetString()), "9Nd7.");
  EXPECT_EQ(std::string(permit["patient"]["reference"].GetString()), "Patient/" + id("Admin_Patient", kP1));
  EXPECT_EQ(std::string(permit["dateTime"].GetString()), "2024-06-03T14:30:00+01:00");
  EXPECT_EQ(std::string(permit["organization"][0]["identifier"]["value"].GetString()), "Y99999");
  auto deny = resource("Consent", id("CareRecord_Observation", "0B100000-0000-4000-8000-000000000002"));
  EXPECT_EQ(std::string(deny["provision"]["type"].GetString()), "deny");
}

TEST_F(EmisImport, QuestionnaireGroupBecomesOneResponse) {
  import_sample();
  auto qr = resource("QuestionnaireResponse", id("CareRecord_Observation", "0B100000-0000-4000-8000-000000000010"));
  EXPECT_EQ(std::string(qr["questionnaire"].GetString()), "https://fhir-gateway.org.uk/Questionnaire/frailty-check");
  EXPECT_EQ(std::string(qr["status"].GetString()), "completed");
  ASSERT_EQ(qr["item"].Size(), 2u);  // ordered by linkId whatever the row order
  EXPECT_EQ(std::string(qr["item"][0]["linkId"].GetString()), "q1");
  EXPECT_EQ(std::string(qr["item"][0]["answer"][0]["valueString"].GetString()), "Yes, twice");
  EXPECT_EQ(std::string(qr["item"][1]["linkId"].GetString()), "q2");
  EXPECT_EQ(qr["item"][1]["answer"][0]["valueQuantity"]["value"].GetDouble(), 14.0);
  EXPECT_EQ(std::string(qr["item"][1]["answer"][0]["valueQuantity"]["unit"].GetString()), "s");
  // Children are parts, not resources of their own.
  EXPECT_FALSE(record("QuestionnaireResponse", id("CareRecord_Observation", "0B100000-0000-4000-8000-000000000011")));
}

TEST_F(EmisImport, MedicationStatementWithLastIssueAndConfidentiality) {
  import_sample();
  auto ms = resource("MedicationStatement", id("Prescribing_DrugRecord", "0C100000-0000-4000-8000-000000000001"));
  EXPECT_EQ(std::string(ms["status"].GetString()), "active");
  EXPECT_EQ(std::string(ms["medicationCodeableConcept"]["coding"][0]["system"].GetString()), systems::kDmd);
  EXPECT_EQ(std::string(ms["medicationCodeableConcept"]["coding"][0]["code"].GetString()), "319283006");
  EXPECT_EQ(std::string(ms["category"]["coding"][0]["code"].GetString()), "continuous");
  EXPECT_EQ(std::string(ms["extension"][0]["url"].GetString()), kLastIssueDateExtension);
  EXPECT_EQ(std::string(ms["extension"][0]["valueDateTime"].GetString()), "2024-12-18");
  EXPECT_FALSE(ms["meta"].HasMember("security"));
  auto acute = resource("MedicationStatement", id("Prescribing_DrugRecord", "0C100000-0000-4000-8000-000000000002"));
  EXPECT_EQ(std::string(acute["status"].GetString()), "completed");
  EXPECT_EQ(std::string(acute["category"]["coding"][0]["code"].GetString()), "acute");
  EXPECT_EQ(std::string(acute["effectivePeriod"]["end"].GetString()), "2022-06-10");
  EXPECT_EQ(std::string(acute["meta"]["security"][0]["code"].GetString()), "R");
  EXPECT_EQ(std::string(acute["meta"]["security"][0]["system"].GetString()), systems::kConfidentiality);
}

TEST_F(EmisImport, FlagAndCarePlan) {
  import_sample();
  auto flag = resource("Flag", id("CareRecord_Alert", "0A100000-0000-4000-8000-000000000001"));
  EXPECT_EQ(std::string(flag["status"].GetString()), "active");
  EXPECT_EQ(std::string(flag["code"]["text"].GetString()), "Complex case: single named clinician for contacts");
  EXPECT_EQ(std::string(flag["category"][0]["coding"][0]["code"].GetString()), "clinical");
  EXPECT_EQ(std::string(flag["subject"]["reference"].GetString()), "Patient/" + id("Admin_Patient", kP2));
  EXPECT_EQ(std::string(flag["period"]["start"].GetString()), "2025-01-15");
  auto plan = resource("CarePlan", id("CareRecord_CarePlan", "0E100000-0000-4000-8000-000000000001"));
  EXPECT_EQ(std::string(plan["status"].GetString()), "active");
  EXPECT_EQ(std::string(plan["intent"].GetString()), "plan");
  EXPECT_EQ(std::string(plan["title"].GetString()), "Anticipatory care plan");
  EXPECT_EQ(std::string(plan["note"][0]["text"].GetString()), "Discussed with patient, \"keep at home\"\nwhere safe");
  EXPECT_EQ(std::string(plan["note"][1]["text"].GetString()), "Review due 2025-03-01");
}

TEST_F(EmisImport, ReimportIsANoOpWithNoNewVersions) {
  import_sample();
  auto again = import_sample();
  EXPECT_EQ(again.totals.unchanged, 23);
  EXPECT_EQ(again.totals.created + again.totals.updated + again.totals.deleted + again.totals.quarantined, 0);
  EXPECT_EQ(again.bulk_deleted, 0);
  EXPECT_EQ(record("Patient", id("Admin_Patient", kP1))->version, 1);
  EXPECT_EQ(record("QuestionnaireResponse", id("CareRecord_Observation", "0B100000-0000-4000-8000-000000000010"))->version, 1);
  EXPECT_EQ(record("MedicationStatement", id("Prescribing_DrugRecord", "0C100000-0000-4000-8000-000000000001"))->version, 1);
}

TEST_F(EmisImport, ChangedRowMakesExactlyOneNewVersion) {
  import_sample();
  auto d = delta("d1", "Admin_Patient",
                 csv_line(kPatientHeader) +
                     csv_line({kP1, kEmisOrgGuid, "F", "1957-03-14", "Hartley-Jones", "9992345675", "01", "false", "1101"}));
  auto r = import(d);
  EXPECT_FALSE(r.bulk);
  EXPECT_EQ(r.totals.updated, 1);
  EXPECT_EQ(r.totals.total(), 1);
  auto rec = record("Patient", id("Admin_Patient", kP1));
  EXPECT_EQ(rec->version, 2);
  EXPECT_NE(rec->json.find("Hartley-Jones"), std::string::npos);
  EXPECT_EQ(record("Patient", id("Admin_Patient", kP2))->version, 1);
}

TEST_F(EmisImport, DeltaParentRowKeepsStoredChildren) {
  import_sample();
  // The header observation changes date; its answers are not in the delta.
  auto d = delta("d1", "CareRecord_Observation",
                 csv_line({"ObservationGuid", "PatientGuid", "OrganisationGuid", "EffectiveDate",
                           "EffectiveDatePrecision", "CodeId", "Deleted", "ProcessingId"}) +
                     csv_line({"0B100000-0000-4000-8000-000000000010", kP1, kEmisOrgGuid, "2024-06-04", "YMD", "1100",
                               "false", "1101"}));
  // Coding lookups are per set: deltas carry them too.
  std::filesystem::copy(data_dir("emis-bulk") / ("1-1100_Coding_ClinicalCode_20250115120000_5A5A5A5A-0000-4000-8000-00000000AAAA.csv"),
                        d / ("1101-1111_Coding_ClinicalCode" + kSuffix));
  auto r = import(d);
  EXPECT_EQ(r.totals.updated, 1);
  auto qr = resource("QuestionnaireResponse", id("CareRecord_Observation", "0B100000-0000-4000-8000-000000000010"));
  EXPECT_EQ(std::string(qr["authored"].GetString()), "2024-06-04");
  EXPECT_EQ(qr["item"].Size(), 2u);
}

TEST_F(EmisImport, IssueInDeltaUpdatesStoredMedicationStatement) {
  import_sample();
  auto d = delta("d1", "Prescribing_IssueRecord",
                 csv_line({"IssueRecordGuid", "PatientGuid", "OrganisationGuid", "DrugRecordGuid", "EffectiveDate",
                           "Deleted", "ProcessingId"}) +
                     csv_line({"0D100000-0000-4000-8000-000000000009", kP1, kEmisOrgGuid,
                               "0C100000-0000-4000-8000-000000000001", "2025-01-14", "false", "1101"}) +
                     csv_line({"0D100000-0000-4000-8000-000000000010", kP1, kEmisOrgGuid,
                               "0C100000-0000-4000-8000-0000000000FF", "2025-01-14", "false", "1102"}));
  auto r = import(d);
  EXPECT_EQ(r.totals.updated, 1);
  ASSERT_EQ(r.totals.quarantined, 1);  // its drug record does not exist
  EXPECT_EQ(r.quarantine[0].column, "DrugRecordGuid");
  EXPECT_EQ(r.quarantine[0].line, 3);
  auto ms = resource("MedicationStatement", id("Prescribing_DrugRecord", "0C100000-0000-4000-8000-000000000001"));
  EXPECT_EQ(std::string(ms["extension"][0]["valueDateTime"].GetString()), "2025-01-14");
}

TEST_F(EmisImport, PatientDeleteCascadesToEveryResourceOfThePatient) {
  import_sample();
  auto d = delta("del", "Admin_Patient",
                 csv_line(kPatientHeader) + csv_line({kP1, "", "", "", "", "", "", "true", "1101"}));
  auto r = import(d);
  EXPECT_EQ(r.totals.deleted, 1);
  EXPECT_EQ(r.cascade_deleted, 4);  // consent, questionnaire response, two medication statements
  EXPECT_TRUE(record("Patient", id("Admin_Patient", kP1))->deleted);
  EXPECT_TRUE(record("Consent", id("CareRecord_Observation", "0B100000-0000-4000-8000-000000000001"))->deleted);
  EXPECT_TRUE(record("MedicationStatement", id("Prescribing_DrugRecord", "0C100000-0000-4000-8000-000000000002"))->deleted);
  EXPECT_FALSE(record("Flag", id("CareRecord_Alert", "0A100000-0000-4000-8000-000000000001"))->deleted);  // P2's
}

TEST_F(EmisImport, DeleteOfANeverSeenRecordIsUnchanged) {
  import_sample();
  auto d = delta("del", "CareRecord_Alert",
                 csv_line({"AlertGuid", "PatientGuid", "OrganisationGuid", "AlertText", "StartDate", "IsActive",
                           "Deleted", "ProcessingId"}) +
                     csv_line({"0A100000-0000-4000-8000-0000000000AA", "", kEmisOrgGuid, "", "", "", "true", "1101"}));
  auto r = import(d);
  EXPECT_EQ(r.totals.unchanged, 1);
  EXPECT_EQ(r.totals.total(), 1);
}

TEST_F(EmisImport, BulkReplacesWhatItNoLongerContains) {
  import_sample();
  auto d = work_.path() / "bulk2";
  write_file(d / ("1-20_Admin_Patient" + kSuffix),
             csv_line(kPatientHeader) +
                 csv_line({kP1, kEmisOrgGuid, "F", "1957-03-14", "Hartley", "9992345675", "01", "false", "1"}));
  auto r = import(d);
  EXPECT_TRUE(r.bulk);
  EXPECT_EQ(r.totals.updated, 1);  // P1 without title, given name, postcode
  EXPECT_EQ(r.bulk_deleted, 2 + 2 + 1 + 2 + 1 + 1);  // patients, consents, QR, meds, flag, care plan
  EXPECT_TRUE(record("Patient", id("Admin_Patient", kP3))->deleted);
  EXPECT_TRUE(record("CarePlan", id("CareRecord_CarePlan", "0E100000-0000-4000-8000-000000000001"))->deleted);
  EXPECT_FALSE(record("Patient", id("Admin_Patient", kP1))->deleted);
}

TEST_F(EmisImport, OrphansDuplicatesAndBadRowsAreAccountedExactly) {
  import_sample();
  auto d = delta("mixed", "Admin_Patient",
                 csv_line(kPatientHeader) +
                     csv_line({kP2, kEmisOrgGuid, "M", "1984-11-02", "First", "9993456780", "01", "false", "1101"}) +
                     csv_line({kP2, kEmisOrgGuid, "M", "1984-11-02", "Second", "9993456780", "01", "false", "1102"}) +
                     csv_line({"A1B2C3D4-0009-4E5F-8A9B-000000000009", kEmisOrgGuid, "X", "1984-11-02", "Bad sex",
                               "9993456780", "01", "false", "1103"}) +
                     csv_line({"A1B2C3D4-0010-4E5F-8A9B-000000000010", kEmisOrgGuid, "F", "1984-13-02", "Bad date",
                               "9993456780", "01", "false", "1104"}) +
                     "\"ragged\",\"row\"\r\n" +
                     csv_line({"A1B2C3D4-0011-4E5F-8A9B-000000000011", kEmisOrgGuid, "F", "1990-01-01",
                               "Impossible NHS", "9991234560", "01", "false", "1105"}));
  write_file(d / ("1101-1111_CareRecord_Alert" + kSuffix),
             csv_line({"AlertGuid", "PatientGuid", "OrganisationGuid", "AlertText", "StartDate", "IsActive", "Deleted",
                       "ProcessingId"}) +
                 csv_line({"0A100000-0000-4000-8000-0000000000B1", "A1B2C3D4-FFFF-4E5F-8A9B-00000000FFFF",
                           kEmisOrgGuid, "Orphan", "2025-01-01", "true", "false", "1106"}));
  write_file(d / ("1101-1111_CareRecord_CarePlan" + kSuffix),
             csv_line({"CarePlanGuid", "PatientGuid", "OrganisationGuid", "Title", "StartDate", "Deleted"}) +
                 csv_line({"0E100000-0000-4000-8000-0000000000C1", kP1, kEmisOrgGuid, "No status column", "2025-01-01",
                           "false"}) +
                 csv_line({"0E100000-0000-4000-8000-0000000000C2", kP1, kEmisOrgGuid, "No status column", "2025-01-01",
                           "false"}));
  write_file(d / ("1101-1111_CareRecord_Observation" + kSuffix),
             csv_line({"ObservationGuid", "PatientGuid", "OrganisationGuid", "EffectiveDate", "EffectiveDatePrecision",
                       "CodeId", "Deleted", "ProcessingId"}) +
                 csv_line({"0B100000-0000-4000-8000-0000000000D1", kP1, kEmisOrgGuid, "2024-01-01", "YMD", "999999",
                           "false", "1107"}));
  auto r = import(d);

  const auto* patients = file(r, "Admin_Patient");
  EXPECT_EQ(patients->superseded, 1);
  EXPECT_EQ(patients->counts.unchanged, 1);    // the first P2 row, superseded
  EXPECT_EQ(patients->counts.updated, 1);      // the second P2 row
  EXPECT_EQ(patients->counts.created, 1);      // impossible NHS number: imported, flagged
  EXPECT_EQ(patients->counts.quarantined, 3);  // bad sex, bad date, ragged
  EXPECT_NE(record("Patient", id("Admin_Patient", kP2))->json.find("Second"), std::string::npos);
  EXPECT_EQ(record("Patient", id("Admin_Patient", kP2))->version, 2);
  auto flagged = resource("Patient", id("Admin_Patient", "A1B2C3D4-0011-4E5F-8A9B-000000000011"));
  EXPECT_EQ(std::string(flagged["identifier"][1]["system"].GetString()), kInvalidNhsNumberSystem);

  EXPECT_EQ(file(r, "CareRecord_Alert")->counts.quarantined, 1);
  EXPECT_EQ(file(r, "CareRecord_CarePlan")->counts.quarantined, 2);
  EXPECT_FALSE(file(r, "CareRecord_CarePlan")->rejected.empty());
  EXPECT_EQ(file(r, "CareRecord_Observation")->counts.quarantined, 1);
  EXPECT_EQ(r.totals.total(), 10);
  EXPECT_EQ(r.quarantine_total, 7);

  auto find = [&](const std::string& file_part, int64_t line) -> const store::QuarantineEntry* {
    for (const auto& q : r.quarantine) {
      if (q.file.find(file_part) != std::string::npos && q.line == line) return &q;
    }
    return nullptr;
  };
  const auto* sex = find("Admin_Patient", 4);
  ASSERT_TRUE(sex);
  EXPECT_EQ(sex->column, "Sex");
  const auto* date = find("Admin_Patient", 5);
  ASSERT_TRUE(date);
  EXPECT_EQ(date->column, "DateOfBirth");
  EXPECT_EQ(date->message, "invalid date '1984-13-02', expected yyyy-MM-dd");
  const auto* ragged = find("Admin_Patient", 6);
  ASSERT_TRUE(ragged);
  EXPECT_EQ(ragged->column, "");
  EXPECT_EQ(ragged->raw, "\"ragged\",\"row\"");
  const auto* orphan = find("CareRecord_Alert", 2);
  ASSERT_TRUE(orphan);
  EXPECT_EQ(orphan->column, "PatientGuid");
  EXPECT_NE(orphan->message.find("orphan"), std::string::npos);
  const auto* missing = find("CareRecord_CarePlan", 3);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->column, "Status");
  EXPECT_EQ(missing->message, "1101-1111_CareRecord_CarePlan" + kSuffix + ": missing required column Status");
  const auto* code = find("CareRecord_Observation", 2);
  ASSERT_TRUE(code);
  EXPECT_EQ(code->column, "CodeId");
  EXPECT_EQ(code->message, "unknown CodeId 999999: not in Coding_ClinicalCode");

  // Quarantine reached the store too, under the import id.
  auto stored = store_->list_quarantine(r.import_id, 100, 0);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->size(), 7u);
}

TEST_F(EmisImport, DeltasApplyInProcessingIdOrder) {
  import_sample();
  auto d = work_.path() / "two";
  // The later delta (higher ProcessingId) wins although its name sorts first.
  write_file(d / ("2001-2010_Admin_Patient" + kSuffix),
             csv_line(kPatientHeader) +
                 csv_line({kP2, kEmisOrgGuid, "M", "1984-11-02", "Later", "9993456780", "01", "false", "2001"}));
  write_file(d / ("1201-1210_Admin_Patient" + kSuffix),
             csv_line(kPatientHeader) +
                 csv_line({kP2, kEmisOrgGuid, "M", "1984-11-02", "Earlier", "9993456780", "01", "false", "1201"}));
  auto r = import(d);
  EXPECT_EQ(r.files[0].file.substr(0, 4), "1201");
  EXPECT_EQ(r.totals.updated, 1);
  EXPECT_EQ(r.totals.unchanged, 1);
  EXPECT_NE(record("Patient", id("Admin_Patient", kP2))->json.find("Later"), std::string::npos);
}

TEST_F(EmisImport, CancelMidImportLeavesTheStoreUnchanged) {
  int calls = 0;
  auto r = import_file_set(*store_, Format::emis, data_dir("emis-bulk"), config_,
                           validating([&](const ImportProgress&) { return ++calls < 5; }));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "import cancelled");
  EXPECT_FALSE(record("Patient", id("Admin_Patient", kP1)));
}

TEST_F(EmisImport, StoreFailureMidImportLeavesTheStoreAsBefore) {
  import_sample();
  auto d = delta("d1", "Admin_Patient",
                 csv_line(kPatientHeader) +
                     csv_line({kP1, kEmisOrgGuid, "F", "1957-03-14", "Changed", "9992345675", "01", "false", "1101"}) +
                     csv_line({kP2, kEmisOrgGuid, "M", "1984-11-02", "Changed", "9993456780", "01", "false", "1102"}));
  FailingStore failing(*store_, 2);
  auto r = import_file_set(failing, Format::emis, d, config_, validating());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "injected failure");
  EXPECT_EQ(record("Patient", id("Admin_Patient", kP1))->version, 1);
  EXPECT_EQ(record("Patient", id("Admin_Patient", kP1))->json.find("Changed"), std::string::npos);
}

TEST_F(EmisImport, FileNames) {
  auto f = emis::parse_file_name("1001-1500_Admin_Patient_20250115120000_5A5A5A5A-0000-4000-8000-00000000AAAA.csv");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->proc_start, 1001);
  EXPECT_EQ(f->proc_end, 1500);
  EXPECT_EQ(f->table, "Admin_Patient");
  EXPECT_FALSE(emis::parse_file_name("Admin_Patient.csv"));
  EXPECT_FALSE(emis::parse_file_name("x-1_Admin_Patient_20250115120000_G.csv"));
}
