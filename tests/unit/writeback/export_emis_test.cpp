// EMIS-style write-back files: names, quoting, the observation group, alerts,
// care plans and the coding rows they need.
#include <regex>

#include "mapping/writeback_keys.hpp"
#include "writeback_fixture.hpp"

using namespace fhirgw;
using namespace fhirgw::adapters;
using namespace fhirgw::adapters::test;

namespace {
class EmisExport : public WritebackFixture {};
}  // namespace

TEST_F(EmisExport, QuestionnaireBecomesAnObservationGroup) {
  auto patients = seed(Format::emis);
  ASSERT_GE(patients.size(), 3u);
  write_partner(*store_, questionnaire_json("qr-1", patients[0]));
  auto out = work_.path() / "out";
  auto r = export_set(Format::emis, out);
  ASSERT_EQ(r.exported.size(), 1u);
  EXPECT_TRUE(r.skipped.empty());
  std::string key = r.exported[0].key;
  EXPECT_EQ(key, writeback_guid(kPractice, "QuestionnaireResponse", "qr-1"));

  // File names: {start}-{end}_{Schema}_{Table}_{timestamp}_{guid}.csv, a delta.
  std::regex name(R"((\d+)-(\d+)_(Coding_ClinicalCode|CareRecord_Observation|CareRecord_Alert|CareRecord_CarePlan)_(\d{14})_([0-9A-F-]{36})\.csv)");
  ASSERT_EQ(r.files.size(), 4u);
  for (const auto& f : r.files) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(f.name, m, name)) << f.name;
    EXPECT_GT(std::stoll(m[1]), 1) << "a processing id range starting at 1 would be a bulk";
    EXPECT_TRUE(std::filesystem::exists(out / f.name));
  }

  auto obs = rows(file_of(out, "CareRecord_Observation"), csv::Encoding::utf8);
  ASSERT_EQ(obs.size(), 6u);  // header + 5 answers (the nested group flattened)
  const auto& header = obs[0];
  EXPECT_EQ(header.at("ObservationGuid"), key);
  EXPECT_EQ(header.at("ParentObservationGuid"), "");
  EXPECT_EQ(header.at("EffectiveDate"), "2025-07-01");
  EXPECT_EQ(header.at("EffectiveTime"), "10:30:00");  // BST
  EXPECT_EQ(header.at("EffectiveDatePrecision"), "YMDT");
  EXPECT_EQ(header.at("Deleted"), "false");
  EXPECT_EQ(header.at("OrganisationGuid"), generator_emis_org_guid(kPractice));
  // The practice's PatientGuid for the subject.
  auto patient = resource("Patient", patients[0]);
  EXPECT_EQ(header.at("PatientGuid"), std::string(*json::get_string(patient["identifier"][0], "value")));
  std::map<std::string, std::string> codes;
  for (const auto& c : rows(file_of(out, "Coding_ClinicalCode"), csv::Encoding::utf8)) codes[c.at("CodeId")] = c.at("ReadTermId");
  EXPECT_EQ(codes.at(header.at("CodeId")), "EMISQFR00");
  std::set<std::string> child_keys;
  for (size_t i = 1; i < obs.size(); ++i) {
    EXPECT_EQ(obs[i].at("ParentObservationGuid"), key);
    EXPECT_TRUE(is_writeback_guid(obs[i].at("ObservationGuid")));
    EXPECT_TRUE(child_keys.insert(obs[i].at("ObservationGuid")).second);
    EXPECT_TRUE(codes.count(obs[i].at("CodeId"))) << "every CodeId resolves in Coding_ClinicalCode";
  }
  EXPECT_EQ(codes.at(obs[2].at("CodeId")), "EMISQFR02");
  EXPECT_EQ(obs[2].at("Value"), "14.5");
  EXPECT_EQ(obs[2].at("NumericUnit"), "s");
  EXPECT_EQ(obs[3].at("AssociatedText"), "Yes");
  EXPECT_EQ(obs[5].at("AssociatedText"), "My garden — and my neighbour's \"cat\"");
}

TEST_F(EmisExport, EveryFieldQuotedWithCrlfAndStableOnReexport) {
  auto patients = seed(Format::emis);
  write_partner(*store_, flag_json("flag-1", patients[1], "Falls concern, fell twice"));
  write_partner(*store_, care_plan_json("cp-1", patients[2]));
  auto a = export_set(Format::emis, work_.path() / "a");
  auto b = export_set(Format::emis, work_.path() / "b");
  ASSERT_EQ(a.files.size(), b.files.size());
  for (size_t i = 0; i < a.files.size(); ++i) {
    EXPECT_EQ(a.files[i].name, b.files[i].name);
    auto bytes = read_file(work_.path() / "a" / a.files[i].name);
    EXPECT_EQ(bytes, read_file(work_.path() / "b" / b.files[i].name)) << "re-exporting is byte-stable";
    // Every record ends CRLF and every field is quoted: with no multi-line
    // field, each line is "f1","f2",... with one "," per column boundary.
    size_t columns = 0, pos = 0;
    while (pos < bytes.size()) {
      size_t eol = bytes.find("\r\n", pos);
      ASSERT_NE(eol, std::string::npos);
      std::string line = bytes.substr(pos, eol - pos);
      pos = eol + 2;
      if (line.find('\n') != std::string::npos) continue;  // the Notes field spans lines
      EXPECT_EQ(line.front(), '"') << line;
      EXPECT_EQ(line.back(), '"') << line;
      size_t boundaries = 0;
      for (size_t p = line.find("\",\""); p != std::string::npos; p = line.find("\",\"", p + 3)) ++boundaries;
      if (columns == 0) columns = boundaries + 1;
      EXPECT_GE(boundaries + 1, columns) << line;
    }
  }
}

TEST_F(EmisExport, AlertAndCarePlanRows) {
  auto patients = seed(Format::emis);
  write_partner(*store_, flag_json("flag-1", patients[1], "Falls concern, fell twice"));
  write_partner(*store_, care_plan_json("cp-1", patients[2]));
  auto out = work_.path() / "out";
  auto r = export_set(Format::emis, out);
  ASSERT_EQ(r.exported.size(), 2u);
  auto alerts = rows(file_of(out, "CareRecord_Alert"), csv::Encoding::utf8);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].at("AlertGuid"), writeback_guid(kPractice, "Flag", "flag-1"));
  EXPECT_EQ(alerts[0].at("AlertText"), "Falls concern, fell twice");
  EXPECT_EQ(alerts[0].at("AlertCategory"), "safety");
  EXPECT_EQ(alerts[0].at("StartDate"), "2025-06-30");
  EXPECT_EQ(alerts[0].at("IsActive"), "true");
  std::map<std::string, std::map<std::string, std::string>> codes;
  for (const auto& c : rows(file_of(out, "Coding_ClinicalCode"), csv::Encoding::utf8)) codes[c.at("CodeId")] = c;
  EXPECT_EQ(codes.at(alerts[0].at("CodeId")).at("SnomedCTConceptId"), "129839007");
  auto plans = rows(file_of(out, "CareRecord_CarePlan"), csv::Encoding::utf8);
  ASSERT_EQ(plans.size(), 1u);
  EXPECT_EQ(plans[0].at("Title"), "Age UK support plan");
  EXPECT_EQ(plans[0].at("Status"), "active");
  EXPECT_EQ(plans[0].at("StartDate"), "2025-02-01");
  EXPECT_EQ(plans[0].at("Goal"), "Stay independent at home");
  EXPECT_EQ(plans[0].at("Notes"), "Activity: Weekly welfare call [in-progress]\nActivity: Benefits check [completed]");
  // Processing ids increase through the set.
  EXPECT_LT(std::stoll(alerts[0].at("ProcessingId")), std::stoll(plans[0].at("ProcessingId")));
}

TEST_F(EmisExport, RefusedResourcesAreReportedNotWritten) {
  auto patients = seed(Format::emis);
  // An unconfigured questionnaire has no EMIS header code.
  auto qr = questionnaire_json("qr-x", patients[0]);
  qr.replace(qr.find(kFrailty), std::string(kFrailty).size(), "https://example.org/Questionnaire/other");
  write_partner(*store_, qr);
  // A patient the practice's extract does not know.
  write_partner(*store_, flag_json("flag-x", "not-a-practice-patient", "x"));
  // A type that is not written back.
  write_partner(*store_, R"({"resourceType":"Consent","id":"c1","status":"active","patient":{"reference":"Patient/)" +
                             patients[0] + R"("}})");
  auto out = work_.path() / "out";
  auto r = export_set(Format::emis, out);
  EXPECT_TRUE(r.exported.empty());
  ASSERT_EQ(r.skipped.size(), 3u);
  EXPECT_NE(r.skipped[0].reason.find("no EMIS header code"), std::string::npos) << r.skipped[0].reason;
  EXPECT_NE(r.skipped[1].reason.find("did not come from"), std::string::npos) << r.skipped[1].reason;
  EXPECT_NE(r.skipped[2].reason.find("not written back"), std::string::npos) << r.skipped[2].reason;
  EXPECT_TRUE(rows(file_of(out, "CareRecord_Observation"), csv::Encoding::utf8).empty());
  EXPECT_NE(render_text(r).find("Not exported"), std::string::npos);
}

TEST_F(EmisExport, SinceLimitsTheWindowAndLatestVersionWins) {
  auto patients = seed(Format::emis);
  write_partner(*store_, flag_json("flag-1", patients[1], "first text"));
  auto v2 = write_partner(*store_, flag_json("flag-1", patients[1], "second text"));
  auto r = export_set(Format::emis, work_.path() / "all");
  ASSERT_EQ(r.exported.size(), 1u);
  EXPECT_EQ(r.exported[0].version, v2.version);
  auto alerts = rows(file_of(work_.path() / "all", "CareRecord_Alert"), csv::Encoding::utf8);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].at("AlertText"), "second text");
  auto later = export_set(Format::emis, work_.path() / "later", r.until_ms + 1);
  EXPECT_TRUE(later.exported.empty());
}
