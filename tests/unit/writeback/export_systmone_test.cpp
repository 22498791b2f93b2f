// SystmOne-style write-back files: Windows-1252, SRE dates, reserved row ids,
// the manifest, and every table the partner's resources need.
#include "mapping/writeback_keys.hpp"
#include "writeback_fixture.hpp"

using namespace fhirgw;
using namespace fhirgw::adapters;
using namespace fhirgw::adapters::test;

namespace {
class SystmOneExport : public WritebackFixture {};

std::string patient_row_id(const json::Document& patient) {
  return std::string(*json::get_string(patient["identifier"][0], "value"));
}
}  // namespace

TEST_F(SystmOneExport, QuestionnaireAnswersAsCodesAndFreeText) {
  auto patients = seed(Format::systmone);
  write_partner(*store_, questionnaire_json("qr-1", patients[0]));
  auto out = work_.path() / "out";
  auto r = export_set(Format::systmone, out);
  ASSERT_EQ(r.exported.size(), 1u) << render_text(r);
  std::string key = r.exported[0].key;
  EXPECT_TRUE(is_writeback_row_id(key));

  auto answered = rows(out / "SRAnsweredQuestionnaire.csv", csv::Encoding::cp1252);
  ASSERT_EQ(answered.size(), 1u);
  EXPECT_EQ(answered[0].at("RowIdentifier"), key);
  EXPECT_EQ(answered[0].at("IDPatient"), patient_row_id(resource("Patient", patients[0])));
  EXPECT_EQ(answered[0].at("IDOrganisationVisibleTo"), options_.systmone_org_id);
  EXPECT_EQ(answered[0].at("DateEvent"), "01 Jul 2025 10:30:00");
  EXPECT_EQ(answered[0].at("RemovedData"), "0");
  auto questionnaires = rows(out / "SRQuestionnaire.csv", csv::Encoding::cp1252);
  ASSERT_EQ(questionnaires.size(), 1u);
  EXPECT_EQ(questionnaires[0].at("RowIdentifier"), answered[0].at("IDQuestionnaire"));
  EXPECT_EQ(questionnaires[0].at("QuestionnaireName"), "Frailty check");

  // Numeric answer and the "yes" finding are coded; the rest is free text.
  auto codes = rows(out / "SRCode.csv", csv::Encoding::cp1252);
  ASSERT_EQ(codes.size(), 2u);
  EXPECT_EQ(codes[0].at("CTV3Code"), "Y1F02");
  EXPECT_EQ(codes[0].at("IsNumeric"), "TRUE");
  EXPECT_EQ(codes[0].at("NumericValue"), "14.5");
  EXPECT_EQ(codes[0].at("NumericUnit"), "s");
  EXPECT_EQ(codes[1].at("CTV3Code"), "Y1F03");
  EXPECT_EQ(codes[1].at("IsNumeric"), "FALSE");
  for (const auto& c : codes) {
    EXPECT_EQ(c.at("IDQuestionnaire"), key);
    EXPECT_TRUE(is_writeback_row_id(c.at("RowIdentifier")));
  }
  auto text = rows(out / "SRFreeText.csv", csv::Encoding::cp1252);
  ASSERT_EQ(text.size(), 3u);
  EXPECT_EQ(text[0].at("Question"), "q1");
  EXPECT_EQ(text[0].at("FreeText"), "Yes, once");
  EXPECT_EQ(text[2].at("Question"), "What matters most to you");
  EXPECT_EQ(text[2].at("IDAnsweredQuestionnaire"), key);

  // Windows-1252 bytes on disk: the em dash is 0x97, not UTF-8's E2 80 94.
  auto bytes = read_file(out / "SRFreeText.csv");
  EXPECT_NE(bytes.find("My garden \x97 and"), std::string::npos);
  EXPECT_EQ(bytes.find("\xE2\x80\x94"), std::string::npos);
  EXPECT_NE(bytes.find("\"My garden \x97 and my neighbour's \"\"cat\"\"\",\"0\"\r\n"), std::string::npos);
}

TEST_F(SystmOneExport, ManifestMarksEveryFileDelta) {
  auto patients = seed(Format::systmone);
  write_partner(*store_, flag_json("flag-1", patients[1], "Falls concern"));
  auto out = work_.path() / "out";
  auto r = export_set(Format::systmone, out);
  auto manifest = rows(out / "SRManifest.csv", csv::Encoding::cp1252);
  ASSERT_EQ(manifest.size(), 8u);
  for (const auto& m : manifest) {
    EXPECT_EQ(m.at("IsDelta"), "Y") << m.at("FileName");
    EXPECT_TRUE(std::filesystem::exists(out / (m.at("FileName") + ".csv"))) << m.at("FileName");
    EXPECT_EQ(m.at("DateExtractFrom"), "01 Jan 1970 00:00:00");  // since 0
  }
  EXPECT_EQ(r.files.back().name, "SRManifest.csv");
}

TEST_F(SystmOneExport, FlagAndCarePlanRows) {
  auto patients = seed(Format::systmone);
  auto flag = flag_json("flag-1", patients[1], "Falls concern");
  flag.replace(flag.find("\"active\""), 8, "\"inactive\"");
  auto stored = write_partner(*store_, flag);
  write_partner(*store_, care_plan_json("cp-1", patients[2]));
  auto out = work_.path() / "out";
  auto r = export_set(Format::systmone, out);
  ASSERT_EQ(r.exported.size(), 2u);
  auto notes = rows(out / "SRSpecialNotes.csv", csv::Encoding::cp1252);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].at("Note"), "Falls concern");
  EXPECT_EQ(notes[0].at("DateStart"), "30 Jun 2025 00:00:00");
  EXPECT_FALSE(notes[0].at("DateExpired").empty()) << "an inactive flag expires";
  auto mapping = rows(out / "SRMapping.csv", csv::Encoding::cp1252);
  ASSERT_EQ(mapping.size(), 1u);
  EXPECT_EQ(mapping[0].at("RowIdentifier"), notes[0].at("Type"));
  EXPECT_EQ(mapping[0].at("Mapping"), "safety");

  auto plans = rows(out / "SRCarePlan.csv", csv::Encoding::cp1252);
  ASSERT_EQ(plans.size(), 1u);
  EXPECT_EQ(plans[0].at("NameOfCarePlanUsed"), "Age UK support plan");
  EXPECT_EQ(plans[0].at("Aim"), "Stay independent at home");
  EXPECT_EQ(plans[0].at("DateEnd"), "");
  auto items = rows(out / "SRCarePlanItem.csv", csv::Encoding::cp1252);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("IDCarePlan"), plans[0].at("RowIdentifier"));
  EXPECT_EQ(items[0].at("Instruction"), "Weekly welfare call");
  EXPECT_EQ(items[0].at("DateAdded"), "03 Feb 2025 00:00:00");
  EXPECT_EQ(items[0].at("DateRemoved"), "");
  EXPECT_EQ(items[1].at("DateRemoved"), "01 Mar 2025 00:00:00");
  EXPECT_NE(items[0].at("RowIdentifier"), items[1].at("RowIdentifier"));
  (void)stored;
}

TEST_F(SystmOneExport, TextWindows1252CannotCarryIsRefusedNotMangled) {
  auto patients = seed(Format::systmone);
  write_partner(*store_, flag_json("flag-emoji", patients[1], "Loves cats \xF0\x9F\x90\x88"));
  write_partner(*store_, flag_json("flag-ok", patients[1], "Zo\xC3\xAB prefers mornings"));
  auto out = work_.path() / "out";
  auto r = export_set(Format::systmone, out);
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_EQ(r.skipped[0].id, "flag-emoji");
  EXPECT_NE(r.skipped[0].reason.find("Windows-1252"), std::string::npos);
  ASSERT_EQ(r.exported.size(), 1u);
  auto bytes = read_file(out / "SRSpecialNotes.csv");
  EXPECT_NE(bytes.find("Zo\xEB prefers"), std::string::npos);
  EXPECT_EQ(bytes.find("cats"), std::string::npos);
}

TEST_F(SystmOneExport, PatientFromAnotherFormatIsRefused) {
  auto patients = seed(Format::emis);
  write_partner(*store_, flag_json("flag-1", patients[1], "x"));
  auto r = export_set(Format::systmone, work_.path() / "out");
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_NE(r.skipped[0].reason.find("systmone extract"), std::string::npos) << r.skipped[0].reason;
}
