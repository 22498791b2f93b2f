#include <gtest/gtest.h>

#include <set>

#include "store/sqlite/db.hpp"
#include "store/postgres/operations.hpp"
#include "store/postgres/pg.hpp"
#include "store/sqlite/operations.hpp"
#include "store_fixture.hpp"

using namespace fhirgw;
using namespace fhirgw::testing;

namespace {

class SearchTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (not_set_up()) return;
    update("Patient", "p1", patient("p1", "A81001", "Brontë", "Zoë", "1980-05-02", "female", "9000000009"));
    update("Patient", "p2", patient("p2", "A81001", "Smith", "John", "1975-11-30", "male", "9000000017"));
    update("Patient", "p3", patient("p3", "A81001", "Smithson", "Ann", "1990-01-15", "female", "9000000025"));
    update("Patient", "p4", patient("p4", "B82002", "Jones", "Émile", "2001-07-04", "male", "9000000033"));

    update("MedicationStatement", "m1",
           medication("m1", "A81001", "p1", "111", R"("effectiveDateTime": "2024-01-15T09:30:00+00:00")"));
    update("MedicationStatement", "m2",
           medication("m2", "A81001", "p1", "222", R"("effectivePeriod": {"start": "2023-06-01"})", "completed"));
    update("MedicationStatement", "m3",
           medication("m3", "A81001", "p2", "111",
                      R"("effectivePeriod": {"start": "2023-01-01", "end": "2023-03-31"})"));
    update("MedicationStatement", "m4", medication("m4", "A81001", "p3", "333", R"("note": [])", "stopped"));

    update("CarePlan", "c1",
           careplan("c1", "A81001", "p1", "active", R"({"start": "2024-01-01", "end": "2024-12-31"})"));
    update("CarePlan", "c2", careplan("c2", "A81001", "p2", "completed", R"({"end": "2022-06-30"})"));

    update("Flag", "f1", R"({"resourceType": "Flag", "id": "f1", )" + meta("A81001") +
                             R"(, "status": "active", "identifier": [{"system": "urn:test:flag", "value": "F-1"}],)"
                             R"( "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/flag-category", "code": "safety"}]}],)"
                             R"( "code": {"text": "Violent"}, "period": {"start": "2024-02-01"},)"
                             R"( "subject": {"reference": "Patient/p2", "identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9000000017"}}})");
    update("Questionnaire", "q1", R"({"resourceType": "Questionnaire", "id": "q1", "status": "active",)"
                                  R"( "url": "https://fhir-gateway.org.uk/Questionnaire/wellbeing", "version": "2.0",)"
                                  R"( "name": "WellBeing", "identifier": [{"system": "urn:test:q", "value": "WB"}]})");
    update("QuestionnaireResponse", "r1",
           R"({"resourceType": "QuestionnaireResponse", "id": "r1", )" + meta("A81001", false, "VOL1") +
               R"(, "status": "completed", "questionnaire": "https://fhir-gateway.org.uk/Questionnaire/wellbeing|2.0",)"
               R"( "identifier": {"system": "urn:test:qr", "value": "R-1"}, "subject": {"reference": "Patient/p1"},)"
               R"( "author": {"reference": "Organization/VOL1"}, "authored": "2024-02-02T10:00:00+00:00"})");
    update("Consent", "k1", R"({"resourceType": "Consent", "id": "k1", )" + meta("A81001") +
                                R"(, "status": "active", "patient": {"reference": "Patient/p1"},)"
                                R"( "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],)"
                                R"( "provision": {"purpose": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "TREAT"}],)"
                                R"( "actor": [{"role": {"text": "recipient"}, "reference": {"reference": "Organization/VOL1"}}]}})");
  }
};

}  // namespace

TEST_P(SearchTest, PatientParameters) {
  EXPECT_EQ(ids("Patient", {{"identifier", "https://fhir.nhs.uk/Id/nhs-number|9000000009"}}), Ids{"p1"});
  EXPECT_EQ(ids("Patient", {{"identifier", "9000000017"}}), Ids{"p2"});
  EXPECT_EQ(ids("Patient", {{"identifier", "|9000000017"}}), Ids{});  // it has a system
  EXPECT_EQ(ids("Patient", {{"identifier", "https://fhir.nhs.uk/Id/nhs-number|"}}), (Ids{"p1", "p2", "p3", "p4"}));
  EXPECT_EQ(ids("Patient", {{"identifier", "urn:other|9000000009"}}), Ids{});
  EXPECT_EQ(ids("Patient", {{"family", "BRONTE"}}), Ids{"p1"});  // case and accent insensitive
  EXPECT_EQ(ids("Patient", {{"family", "smi"}}), (Ids{"p2", "p3"}));  // starts-with
  EXPECT_EQ(ids("Patient", {{"family", "mith"}}), Ids{});
  EXPECT_EQ(ids("Patient", {{"given", "emile"}}), Ids{"p4"});
  EXPECT_EQ(ids("Patient", {{"name", "ann"}}), Ids{"p3"});
  EXPECT_EQ(ids("Patient", {{"name", "jo"}}), (Ids{"p2", "p4"}));  // John (given), Jones (family)
  EXPECT_EQ(ids("Patient", {{"birthdate", "1980"}}), Ids{"p1"});
  EXPECT_EQ(ids("Patient", {{"birthdate", "1975-11-30"}}), Ids{"p2"});
  EXPECT_EQ(ids("Patient", {{"birthdate", "ge1990-01-01"}}), (Ids{"p3", "p4"}));
  EXPECT_EQ(ids("Patient", {{"birthdate", "lt1980-05-02"}}), Ids{"p2"});
  EXPECT_EQ(ids("Patient", {{"birthdate", "ge1975"}, {"birthdate", "le1990-01-15"}}), (Ids{"p1", "p2", "p3"}));
  EXPECT_EQ(ids("Patient", {{"gender", "female"}}), (Ids{"p1", "p3"}));
  EXPECT_EQ(ids("Patient", {{"gender", "female,male"}, {"family", "s"}}), (Ids{"p2", "p3"}));
  EXPECT_EQ(ids("Patient", {{"_id", "p1,p4,nope"}}), (Ids{"p1", "p4"}));
  EXPECT_EQ(ids("Patient", {{"_lastUpdated", "gt2020-01-01"}}), (Ids{"p1", "p2", "p3", "p4"}));
  EXPECT_EQ(ids("Patient", {{"_lastUpdated", "lt2020-01-01"}}), Ids{});
  auto p1 = store_->read("Patient", "p1");
  ASSERT_TRUE(p1.ok() && p1->has_value());
  std::string instant = fhir_time::format_instant((*p1)->last_updated_ms);
  auto exact = ids("Patient", {{"_lastUpdated", instant}});
  EXPECT_NE(std::find(exact.begin(), exact.end(), "p1"), exact.end());
}

TEST_P(SearchTest, StringAndTokenModifiers) {
  EXPECT_EQ(ids("Patient", {{"family:exact", "Brontë"}}), Ids{"p1"});
  EXPECT_EQ(ids("Patient", {{"family:exact", "bronte"}}), Ids{});
  EXPECT_EQ(ids("Patient", {{"family:exact", "Smith"}}), Ids{"p2"});  // not Smithson
  EXPECT_EQ(ids("Patient", {{"family:contains", "ONT"}}), Ids{"p1"});
  EXPECT_EQ(ids("Patient", {{"name:contains", "mil"}}), Ids{"p4"});
  EXPECT_EQ(ids("Patient", {{"gender:not", "female"}}), (Ids{"p2", "p4"}));
  EXPECT_EQ(ids("Patient", {{"_id:not", "p1"}}), (Ids{"p2", "p3", "p4"}));
  EXPECT_EQ(ids("MedicationStatement", {{"effective:missing", "true"}}), Ids{"m4"});
  EXPECT_EQ(ids("MedicationStatement", {{"effective:missing", "false"}}), (Ids{"m1", "m2", "m3"}));
  EXPECT_EQ(ids("CarePlan", {{"date:missing", "false"}}), (Ids{"c1", "c2"}));
}

TEST_P(SearchTest, MedicationStatementParameters) {
  EXPECT_EQ(ids("MedicationStatement", {{"patient", "Patient/p1"}}), (Ids{"m1", "m2"}));
  EXPECT_EQ(ids("MedicationStatement", {{"patient", "p2"}}), Ids{"m3"});
  EXPECT_EQ(ids("MedicationStatement", {{"subject", "p1,p3"}}), (Ids{"m1", "m2", "m4"}));
  EXPECT_EQ(ids("MedicationStatement", {{"subject:Patient", "p3"}}), Ids{"m4"});
  EXPECT_EQ(ids("MedicationStatement", {{"status", "active"}}), (Ids{"m1", "m3"}));
  EXPECT_EQ(ids("MedicationStatement", {{"code", "https://dmd.nhs.uk|111"}}), (Ids{"m1", "m3"}));
  EXPECT_EQ(ids("MedicationStatement", {{"code", "http://snomed.info/sct|111"}}), Ids{});
  EXPECT_EQ(ids("MedicationStatement", {{"code", "222,333"}}), (Ids{"m2", "m4"}));
  EXPECT_EQ(ids("MedicationStatement", {{"category", "community"}}), (Ids{"m1", "m2", "m3", "m4"}));
  EXPECT_EQ(ids("MedicationStatement", {{"identifier", "urn:test:ms|m3"}}), Ids{"m3"});
  EXPECT_EQ(ids("MedicationStatement", {{"effective", "2024-01-15"}}), Ids{"m1"});
  // m2 is open-ended: still running, so it is "after" any date and never "eq" a finite one.
  EXPECT_EQ(ids("MedicationStatement", {{"effective", "gt2025-01-01"}}), Ids{"m2"});
  EXPECT_EQ(ids("MedicationStatement", {{"effective", "eb2023-06-01"}}), Ids{"m3"});
  EXPECT_EQ(ids("MedicationStatement", {{"effective", "2023"}}), Ids{"m3"});
}

TEST_P(SearchTest, OtherTypesParameters) {
  EXPECT_EQ(ids("CarePlan", {{"patient", "p1"}}), Ids{"c1"});
  EXPECT_EQ(ids("CarePlan", {{"subject", "Patient/p2"}}), Ids{"c2"});
  EXPECT_EQ(ids("CarePlan", {{"status", "active"}}), Ids{"c1"});
  EXPECT_EQ(ids("CarePlan", {{"category", "http://snomed.info/sct|734163000"}}), (Ids{"c1", "c2"}));
  EXPECT_EQ(ids("CarePlan", {{"intent", "plan"}}), (Ids{"c1", "c2"}));
  EXPECT_EQ(ids("CarePlan", {{"date", "2024-06"}}), Ids{});   // the plan runs longer than June
  EXPECT_EQ(ids("CarePlan", {{"date", "2024"}}), Ids{"c1"});   // contained in the year
  EXPECT_EQ(ids("CarePlan", {{"date", "lt2000-01-01"}}), Ids{"c2"});  // open start
  EXPECT_EQ(ids("CarePlan", {{"identifier", "c2"}}), Ids{"c2"});

  EXPECT_EQ(ids("Flag", {{"patient", "p2"}}), Ids{"f1"});
  EXPECT_EQ(ids("Flag", {{"subject", "Patient/p2"}}), Ids{"f1"});
  EXPECT_EQ(ids("Flag", {{"subject:identifier", "https://fhir.nhs.uk/Id/nhs-number|9000000017"}}), Ids{"f1"});
  EXPECT_EQ(ids("Flag", {{"date", "ge2024-02-01"}}), Ids{"f1"});
  EXPECT_EQ(ids("Flag", {{"identifier", "urn:test:flag|F-1"}}), Ids{"f1"});
  EXPECT_EQ(ids("Flag", {{"status", "inactive"}}), Ids{});
  EXPECT_EQ(ids("Flag", {{"category", "safety"}}), Ids{"f1"});

  EXPECT_EQ(ids("QuestionnaireResponse", {{"patient", "p1"}}), Ids{"r1"});
  EXPECT_EQ(ids("QuestionnaireResponse", {{"subject", "Patient/p1"}}), Ids{"r1"});
  EXPECT_EQ(ids("QuestionnaireResponse", {{"questionnaire", "https://fhir-gateway.org.uk/Questionnaire/wellbeing"}}),
            Ids{"r1"});
  EXPECT_EQ(ids("QuestionnaireResponse",
                {{"questionnaire", "https://fhir-gateway.org.uk/Questionnaire/wellbeing|2.0"}}),
            Ids{"r1"});
  EXPECT_EQ(ids("QuestionnaireResponse", {{"questionnaire", "Questionnaire/wellbeing"}}), Ids{"r1"});
  EXPECT_EQ(ids("QuestionnaireResponse", {{"status", "completed"}}), Ids{"r1"});
  EXPECT_EQ(ids("QuestionnaireResponse", {{"authored", "2024-02-02"}}), Ids{"r1"});
  EXPECT_EQ(ids("QuestionnaireResponse", {{"author", "Organization/VOL1"}}), Ids{"r1"});
  EXPECT_EQ(ids("QuestionnaireResponse", {{"author:Patient", "VOL1"}}), Ids{});
  EXPECT_EQ(ids("QuestionnaireResponse", {{"identifier", "R-1"}}), Ids{"r1"});

  EXPECT_EQ(ids("Consent", {{"patient", "p1"}}), Ids{"k1"});
  EXPECT_EQ(ids("Consent", {{"status", "active"}}), Ids{"k1"});
  EXPECT_EQ(ids("Consent", {{"category", "http://loinc.org|59284-0"}}), Ids{"k1"});
  EXPECT_EQ(ids("Consent", {{"actor", "Organization/VOL1"}}), Ids{"k1"});
  EXPECT_EQ(ids("Consent", {{"purpose", "TREAT"}}), Ids{"k1"});

  EXPECT_EQ(ids("Questionnaire", {{"url", "https://fhir-gateway.org.uk/Questionnaire/wellbeing"}}), Ids{"q1"});
  EXPECT_EQ(ids("Questionnaire", {{"url", "https://fhir-gateway.org.uk/Questionnaire"}}), Ids{});
  EXPECT_EQ(ids("Questionnaire", {{"name", "well"}}), Ids{"q1"});
  EXPECT_EQ(ids("Questionnaire", {{"status", "active"}}), Ids{"q1"});
  EXPECT_EQ(ids("Questionnaire", {{"identifier", "urn:test:q|WB"}}), Ids{"q1"});
  EXPECT_EQ(ids("Questionnaire", {{"version", "2.0"}}), Ids{"q1"});
}

TEST_P(StoreTest, DatePrefixSemanticsOnRanges) {
  auto plan = [&](const std::string& id, const std::string& period) {
    update("CarePlan", id, careplan(id, "A81001", "p1", "active", period));
  };
  plan("d1", R"({"start": "2024-03-10", "end": "2024-03-10"})");  // one day inside March
  plan("d2", R"({"start": "2024-03-01", "end": "2024-03-31"})");  // exactly March
  plan("d3", R"({"start": "2024-02-15", "end": "2024-03-05"})");  // straddles the start
  plan("d4", R"({"start": "2024-03-20"})");                       // open end
  plan("d5", R"({"end": "2024-02-10"})");                         // open start, before March
  auto date = [&](const std::string& v) { return ids("CarePlan", {{"date", v}}); };
  EXPECT_EQ(date("2024-03"), (Ids{"d1", "d2"}));
  EXPECT_EQ(date("eq2024-03"), (Ids{"d1", "d2"}));
  EXPECT_EQ(date("ne2024-03"), (Ids{"d3", "d4", "d5"}));
  EXPECT_EQ(date("gt2024-03"), Ids{"d4"});
  EXPECT_EQ(date("lt2024-03"), (Ids{"d3", "d5"}));
  EXPECT_EQ(date("ge2024-03"), (Ids{"d1", "d2", "d4"}));
  EXPECT_EQ(date("le2024-03"), (Ids{"d1", "d2", "d3", "d5"}));
  EXPECT_EQ(date("sa2024-03"), Ids{});
  EXPECT_EQ(date("eb2024-03"), Ids{"d5"});
  EXPECT_EQ(date("sa2024-03-05"), (Ids{"d1", "d4"}));
  EXPECT_EQ(date("eb2024-03-15"), (Ids{"d1", "d3", "d5"}));
  EXPECT_EQ(date("2024-03-10T00:00:00Z"), Ids{});  // a second cannot contain a day
  auto ap = date("ap2024-03-10");
  EXPECT_NE(std::find(ap.begin(), ap.end(), "d1"), ap.end());
  // ge/le keep ranges that reach past the value, so this is "overlaps March", not "within".
  EXPECT_EQ(ids("CarePlan", {{"date", "ge2024-03-01"}, {"date", "le2024-03-31"}}), (Ids{"d1", "d2", "d3", "d4"}));
}

TEST_P(SearchTest, ChainingMatchesThroughLiveTargets) {
  EXPECT_EQ(ids("MedicationStatement", {{"patient.identifier", "9000000009"}}), (Ids{"m1", "m2"}));
  EXPECT_EQ(ids("MedicationStatement", {{"subject:Patient.family", "smith"}}), (Ids{"m3", "m4"}));
  EXPECT_EQ(ids("MedicationStatement", {{"subject:Patient.family:exact", "Smith"}}), Ids{"m3"});
  EXPECT_EQ(ids("MedicationStatement", {{"patient.gender", "female"}, {"code", "333"}}), Ids{"m4"});
  EXPECT_EQ(ids("CarePlan", {{"patient.birthdate", "lt1979"}}), Ids{"c2"});
  EXPECT_EQ(ids("QuestionnaireResponse", {{"patient._id", "p1"}}), Ids{"r1"});
  remove("Patient", "p3");  // a deleted target no longer matches
  EXPECT_EQ(ids("MedicationStatement", {{"subject:Patient.family", "smith"}}), Ids{"m3"});
}

TEST_P(SearchTest, IncludeAndRevinclude) {
  auto q = query("MedicationStatement", {{"patient", "p1"}, {"_include", "MedicationStatement:patient"}});
  auto page = run(q);
  EXPECT_EQ(ids_of(page.matches), (Ids{"MedicationStatement/m1", "MedicationStatement/m2"}));
  EXPECT_EQ(ids_of(page.included), Ids{"Patient/p1"});  // once, though both refer to it

  q = query("Patient", {{"_id", "p1,p2"},
                        {"_revinclude", "MedicationStatement:patient"},
                        {"_revinclude", "Flag:subject"}});
  page = run(q);
  EXPECT_EQ(ids_of(page.matches), (Ids{"Patient/p1", "Patient/p2"}));
  EXPECT_EQ(ids_of(page.included),
            (Ids{"MedicationStatement/m1", "MedicationStatement/m2", "MedicationStatement/m3", "Flag/f1"}));

  // The include target filter and the match page bound what is included.
  q = query("QuestionnaireResponse", {{"_include", "QuestionnaireResponse:author:Patient"}});
  EXPECT_TRUE(run(q).included.empty());
  q = query("MedicationStatement", {{"_include", "MedicationStatement:patient"}, {"_count", "1"}});
  page = run(q);
  EXPECT_EQ(ids_of(page.matches), Ids{"MedicationStatement/m1"});
  EXPECT_EQ(ids_of(page.included), Ids{"Patient/p1"});
  // Deleted resources are never included.
  remove("MedicationStatement", "m3");
  q = query("Patient", {{"_id", "p2"}, {"_revinclude", "MedicationStatement:subject"}});
  EXPECT_TRUE(run(q).included.empty());
}

TEST_P(SearchTest, TotalsAndCountOnly) {
  auto q = query("MedicationStatement", {{"_count", "2"}});
  auto page = run(q);
  EXPECT_EQ(page.matches.size(), 2u);
  EXPECT_EQ(page.total, 4);
  EXPECT_TRUE(page.next);

  q = query("MedicationStatement", {{"_summary", "count"}});
  page = run(q);
  EXPECT_TRUE(page.matches.empty());
  EXPECT_EQ(page.total, 4);
  q = query("MedicationStatement", {{"_count", "0"}, {"status", "active"}});
  page = run(q);
  EXPECT_TRUE(page.matches.empty());
  EXPECT_EQ(page.total, 2);
  EXPECT_FALSE(page.next);
  q = query("MedicationStatement", {{"_total", "none"}});
  page = run(q);
  EXPECT_FALSE(page.total);
  EXPECT_EQ(page.matches.size(), 4u);
  EXPECT_FALSE(page.next);

  // A first page that holds every match counts itself; a later page still
  // reports the whole total, not its own size.
  q = query("MedicationStatement", {{"_count", "4"}});
  page = run(q);
  EXPECT_EQ(page.matches.size(), 4u);
  EXPECT_FALSE(page.next);
  EXPECT_EQ(page.total, 4);
  q = query("MedicationStatement", {{"_count", "3"}});
  page = run(q);
  ASSERT_TRUE(page.next);
  q.after = page.next;
  page = run(q);
  EXPECT_EQ(page.matches.size(), 1u);
  EXPECT_FALSE(page.next);
  EXPECT_EQ(page.total, 4);
}

TEST_P(SearchTest, SearchesAreDrivenByTheirIndexes) {
  search::Grant g;  // a realistic narrowing, with every kind of condition
  g.controllers = {"A81001"};
  g.types = {"MedicationStatement", "Patient"};
  g.patients_out = {"p9"};
  g.excluded_codes = {{"https://dmd.nhs.uk", "999"}};
  search::Visibility vis{false, {g}};
  if (backend() == "postgres") {
    // Tables this small are cheapest to scan, so forbid scans where any other
    // path exists: what remains shows the indexes the SQL can be driven by.
    auto db = store::postgres::Connection::open(url_);
    ASSERT_TRUE(db.ok()) << db.error().message();
    ASSERT_TRUE((*db)->exec("ANALYZE; SET enable_seqscan = off").ok());
    auto plan_of = [&](const search::Query& q) {
      auto sql = store::postgres::search_page_sql(q);
      EXPECT_TRUE(sql.ok());
      auto plan = (*db)->query("EXPLAIN " + sql->numbered(), sql->binds);
      EXPECT_TRUE(plan.ok()) << plan.error().message();
      std::string text;
      for (int i = 0; plan.ok() && i < plan->size(); ++i) text += plan->text_at(i, 0) + "\n";
      return text;
    };
    auto text = plan_of(query("MedicationStatement", {{"patient", "p1"}}, vis));
    EXPECT_NE(text.find("idx_ref_value"), std::string::npos) << text;
    EXPECT_EQ(text.find("Seq Scan"), std::string::npos) << text;
    text = plan_of(query("MedicationStatement", {{"patient.identifier", "9000000009"}}, vis));
    EXPECT_NE(text.find("idx_token_value"), std::string::npos) << text;
    EXPECT_NE(text.find("idx_ref_value"), std::string::npos) << text;
    EXPECT_EQ(text.find("Seq Scan"), std::string::npos) << text;
    // Unfiltered: the type's live rows in row order, no sort step.
    text = plan_of(query("Patient", {}, vis));
    EXPECT_NE(text.find("resources_type_live"), std::string::npos) << text;
    EXPECT_EQ(text.find("Sort"), std::string::npos) << text;
    return;
  }
  auto db = store::sqlite::Connection::open(db_path(), true);
  ASSERT_TRUE(db.ok());
  auto plan_of = [&](const search::Query& q) {
    auto sql = store::sqlite::search_page_sql(q);
    EXPECT_TRUE(sql.ok());
    auto plan = (*db)->prepare("EXPLAIN QUERY PLAN " + sql->text);
    EXPECT_TRUE(plan.ok()) << plan.error().message();
    plan->bind_all(sql->binds);
    std::string text;
    while (*plan->step()) text += plan->text_at(3) + "\n";
    return text;
  };
  // By patient: the reference index drives (alone: it carries the resource
  // ids), resources are fetched by row key, and no sort step is needed for
  // the default order.
  auto text = plan_of(query("MedicationStatement", {{"patient", "p1"}}, vis));
  EXPECT_NE(text.find("SEARCH idx_ref USING COVERING INDEX idx_ref_value"), std::string::npos) << text;
  EXPECT_NE(text.find("SEARCH r USING INTEGER PRIMARY KEY"), std::string::npos) << text;
  EXPECT_EQ(text.find("resources_type"), std::string::npos) << text;  // not a scan of the whole type
  EXPECT_EQ(text.find("TEMP B-TREE"), std::string::npos) << text;
  EXPECT_EQ(text.find("SCAN r"), std::string::npos) << text;
  // Chained: the target's token index, then the reference index by target id.
  text = plan_of(query("MedicationStatement", {{"patient.identifier", "9000000009"}}, vis));
  EXPECT_NE(text.find("idx_token_value"), std::string::npos) << text;
  EXPECT_NE(text.find("idx_ref_value (type=? AND param=? AND ref_id=?"), std::string::npos) << text;
  EXPECT_EQ(text.find("SCAN"), text.find("SCAN json_each")) << text;
  // Unfiltered: the type's live rows in row order.
  text = plan_of(query("Patient", {}, vis));
  EXPECT_NE(text.find("resources_type_live"), std::string::npos) << text;
  EXPECT_EQ(text.find("TEMP B-TREE"), std::string::npos) << text;
}

FHIRGW_STORE_BACKENDS(SearchTest);
