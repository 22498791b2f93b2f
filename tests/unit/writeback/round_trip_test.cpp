// Export then import: the importer recognises the gateway's own write-back
// keys. Into the same store the set changes nothing (the practice echoing
// the partner's writes back); into a store that knows the writes only from
// its outbox (restored from an older backup) it recreates them under the
// partner's ids. On generated data, both formats.
#include <set>

#include "mapping/writeback_keys.hpp"
#include "writeback_fixture.hpp"

using namespace fhirgw;
using namespace fhirgw::adapters;
using namespace fhirgw::adapters::test;

namespace {

class RoundTrip : public WritebackFixture, public ::testing::WithParamInterface<Format> {
 protected:
  // Partner writes on several generated patients: a questionnaire, a flag and
  // a care plan each, one flag updated twice, one created and deleted.
  void partner_writes(const std::vector<std::string>& patients) {
    for (size_t i = 0; i < 6; ++i) {
      const auto& p = patients[i];
      std::string n = std::to_string(i);
      written_.push_back(write_partner(*store_, questionnaire_json("qr-" + n, p)));
      written_.push_back(write_partner(*store_, flag_json("flag-" + n, p, "Falls concern " + n)));
      written_.push_back(write_partner(*store_, care_plan_json("cp-" + n, p)));
    }
    written_.push_back(write_partner(*store_, flag_json("flag-0", patients[0], "Falls concern, updated")));
  }

  std::string format_name() const { return std::string(to_string(GetParam())); }

  // A second store with the same practice extract and outbox, but without the partner resources.
  std::unique_ptr<store::Store> restored_store() {
    auto s = store::open_store("sqlite:" + (dir_.path() / "restored.db").string());
    EXPECT_TRUE(s.ok());
    EXPECT_TRUE(import_file_set(**s, GetParam(), bulk_dir_, config_, engine_only()).ok());
    auto outbox = store_->list_outbox(kPractice, 0);
    EXPECT_TRUE(outbox.ok());
    auto tx = (*s)->begin();
    for (const auto& e : *outbox) {
      auto st = (*tx)->add_outbox(e);
      EXPECT_TRUE(st.ok()) << st.error().message();
    }
    EXPECT_TRUE((*tx)->commit().ok());
    return std::move(*s);
  }

  std::vector<store::Record> written_;
};

json::Document parse(const std::string& text) {
  auto d = json::parse(text);
  EXPECT_TRUE(d.ok());
  return std::move(*d);
}

std::string str(const json::Value& v, const char* path) {
  const auto* x = json::get_path(v, path);
  return x && x->IsString() ? std::string(x->GetString()) : std::string();
}

}  // namespace

TEST_P(RoundTrip, ImportingTheExportIntoTheSameStoreChangesNothing) {
  auto patients = seed(GetParam());
  partner_writes(patients);
  auto out = work_.path() / "out";
  auto exported = export_set(GetParam(), out);
  ASSERT_EQ(exported.exported.size(), 18u) << render_text(exported);
  int64_t seq_before = *store_->change_seq();

  auto report = import_file_set(*store_, GetParam(), out, config_, engine_only());
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(report->totals.created, 0) << render_text(*report);
  EXPECT_EQ(report->totals.updated, 0);
  EXPECT_EQ(report->totals.deleted, 0);
  EXPECT_EQ(report->totals.quarantined, 0) << render_text(*report);
  EXPECT_GT(report->writeback_echoed, 18);
  EXPECT_EQ(*store_->change_seq(), seq_before) << "no new version of anything";
  // No duplicates: the practice-side ids the mapper would have derived do not exist.
  for (const auto& e : exported.exported) {
    auto table = std::string(*writeback_table(GetParam(), e.type));
    auto dup = store_->read(e.type, derived_id(format_name(), kPractice, table, e.key));
    ASSERT_TRUE(dup.ok());
    EXPECT_FALSE(dup->has_value()) << e.type << " duplicated under the practice key";
  }
  // A second run is a no-op too.
  auto again = import_file_set(*store_, GetParam(), out, config_, engine_only());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->totals.created + again->totals.updated + again->totals.deleted, 0);
}

TEST_P(RoundTrip, PracticeBulkDoesNotRemovePartnerWrites) {
  auto patients = seed(GetParam());
  partner_writes(patients);
  auto report = import_file_set(*store_, GetParam(), bulk_dir_, config_, engine_only());
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->bulk_deleted, 0);
  for (const auto& w : written_) {
    auto r = record(w.type, w.id);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->deleted) << w.type << "/" << w.id;
  }
}

TEST_P(RoundTrip, RestoredStoreGetsThePartnerResourcesBackUnderTheirIds) {
  auto patients = seed(GetParam());
  partner_writes(patients);
  auto out = work_.path() / "out";
  auto exported = export_set(GetParam(), out);
  auto restored = restored_store();
  auto report = import_file_set(*restored, GetParam(), out, config_, engine_only());
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(report->totals.quarantined, 0) << render_text(*report);
  EXPECT_GE(report->totals.created, 18) << render_text(*report);  // parents; children count with them
  for (const auto& e : exported.exported) {
    auto original = store_->read(e.type, e.id);
    auto back = restored->read(e.type, e.id);
    ASSERT_TRUE(back.ok() && back->has_value()) << e.type << "/" << e.id << " not recreated under its id";
    const auto& rec = **back;
    EXPECT_EQ(rec.author_org, kPartner) << "authorship is restored from the outbox";
    EXPECT_EQ(rec.controller, kPractice);
    auto a = parse((*original)->json);
    auto b = parse(rec.json);
    EXPECT_EQ(str(a, "subject.reference"), str(b, "subject.reference"));
    if (e.type == "QuestionnaireResponse") {
      EXPECT_EQ(str(b, "questionnaire"), kFrailty);
      EXPECT_EQ(answers_of(a), answers_of(b)) << rec.json;
      EXPECT_EQ(str(b, "authored"), "2025-07-01T10:30:00+01:00");  // the same instant, London time
    } else if (e.type == "Flag") {
      auto fa = writeback::flag_content(a), fb = writeback::flag_content(b);
      EXPECT_EQ(fa.status, fb.status);
      EXPECT_EQ(fa.text, fb.text);
      EXPECT_EQ(fa.category, fb.category);
      EXPECT_EQ(fa.start, fb.start.substr(0, 10));
    } else {
      auto ca = writeback::care_plan_content(a), cb = writeback::care_plan_content(b);
      EXPECT_EQ(ca.title, cb.title);
      EXPECT_EQ(ca.status, cb.status);
      EXPECT_EQ(ca.description, cb.description);
      EXPECT_EQ(ca.start, cb.start.substr(0, 10));
      if (GetParam() == Format::systmone) {
        // SystmOne items have no order: compare them as a set.
        auto items = [](const writeback::CarePlanContent& c) {
          std::set<std::pair<std::string, std::string>> out;
          for (const auto& a : c.activities) out.emplace(a.description, a.status);
          return out;
        };
        EXPECT_EQ(items(ca), items(cb));
        EXPECT_EQ(cb.activities.size(), 2u);
      } else {
        ASSERT_EQ(cb.notes.size(), 1u);  // EMIS-style: activities travel in the notes
        EXPECT_NE(cb.notes[0].find("Weekly welfare call [in-progress]"), std::string::npos);
      }
    }
  }
  EXPECT_EQ(str(parse((*restored->read("Flag", "flag-0"))->json), "code.text"), "Falls concern, updated");
  // Exporting from the restored store gives the same keys again.
  auto again = export_writeback(*restored, GetParam(), kPractice, 0, work_.path() / "again", config_);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->exported.size(), exported.exported.size());
  for (size_t i = 0; i < exported.exported.size(); ++i) EXPECT_EQ(again->exported[i].key, exported.exported[i].key);
}

TEST_P(RoundTrip, DeletedPartnerWriteIsExportedAsADelete) {
  auto patients = seed(GetParam());
  write_partner(*store_, flag_json("flag-gone", patients[0], "Temporary"));
  {
    auto tx = store_->begin();  // holds the writer until it goes out of scope
    ASSERT_TRUE((*tx)->put({store::WriteKind::remove, "Flag", "flag-gone", "", std::nullopt}).ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }
  auto out = work_.path() / "out";
  auto exported = export_set(GetParam(), out);
  ASSERT_EQ(exported.exported.size(), 1u) << render_text(exported);
  EXPECT_TRUE(exported.exported[0].deleted);
  // The practice, which has the flag from an earlier export, removes it; the
  // gateway's own copy is already gone and stays gone.
  auto report = import_file_set(*store_, GetParam(), out, config_, engine_only());
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->totals.quarantined, 0);
  auto rec = record("Flag", "flag-gone");
  ASSERT_TRUE(rec);
  EXPECT_TRUE(rec->deleted);
}

TEST_P(RoundTrip, PracticeDeletingTheEchoedRecordRemovesThePartnerWrite) {
  auto patients = seed(GetParam());
  write_partner(*store_, flag_json("flag-1", patients[0], "To be removed at the practice"));
  auto exported = export_set(GetParam(), work_.path() / "out");
  ASSERT_EQ(exported.exported.size(), 1u);
  // The practice's next delta deletes the row it imported from us.
  auto delta = work_.path() / "delta";
  std::filesystem::create_directories(delta);
  std::string key = exported.exported[0].key;
  if (GetParam() == Format::emis) {
    write_file(delta / ("5000-5000_CareRecord_Alert_20250801120000_" + generator_emis_org_guid(kPractice) + ".csv"),
               csv_line({"AlertGuid", "PatientGuid", "OrganisationGuid", "StartDate", "IsActive", "Deleted",
                         "ProcessingId", "AlertText"}) +
                   csv_line({key, "", generator_emis_org_guid(kPractice), "", "", "true", "5000", ""}));
  } else {
    write_file(delta / "SRManifest.csv", csv_line({"FileName", "IsDelta"}) + csv_line({"SRSpecialNotes", "Y"}));
    write_file(delta / "SRSpecialNotes.csv",
               csv_line({"RowIdentifier", "IDOrganisationVisibleTo", "IDPatient", "DateStart", "Type", "Note",
                         "RemovedData"}) +
                   csv_line({key, options_.systmone_org_id, "", "", "", "", "1"}));
  }
  auto report = import_file_set(*store_, GetParam(), delta, config_, engine_only());
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(report->totals.deleted, 1) << render_text(*report);
  EXPECT_TRUE(record("Flag", "flag-1")->deleted);
}

INSTANTIATE_TEST_SUITE_P(Formats, RoundTrip, ::testing::Values(Format::emis, Format::systmone),
                         [](const auto& info) { return std::string(to_string(info.param)); });
