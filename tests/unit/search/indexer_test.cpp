#include "search/indexer.hpp"

#include <gtest/gtest.h>

#include "core/fhir_time.hpp"
#include "search/normalize.hpp"
#include "search/reference.hpp"

using namespace fhirgw;
using search::IndexEntry;

namespace {

std::vector<IndexEntry> index_of(std::string_view type, const std::string& text) {
  auto doc = json::parse(text);
  EXPECT_TRUE(doc.ok()) << text;
  return search::extract_index(*model::find_type(type), *doc);
}

std::vector<IndexEntry> only(const std::vector<IndexEntry>& all, std::string_view param) {
  std::vector<IndexEntry> out;
  for (const auto& e : all)
    if (e.param == param) out.push_back(e);
  return out;
}

int64_t ms(std::string_view date, bool hi = false) {
  auto r = fhir_time::parse(date);
  EXPECT_TRUE(r) << date;
  return hi ? r->hi_ms : r->lo_ms;
}

}  // namespace

TEST(Normalize, LowerCasesAndFoldsLatin1Accents) {
  EXPECT_EQ(search::normalize_string("Zoë O'Brien-SMITH"), "zoe o'brien-smith");
  EXPECT_EQ(search::normalize_string("ÀÉÎÕÜ çñ ß Æsir Þór"), "aeiou cn ss aesir thor");
  EXPECT_EQ(search::normalize_string("naïve × 2"), "naive × 2");  // × is not a letter: kept
  EXPECT_EQ(search::normalize_string("Łódź"), "Łodź");  // outside Latin-1: kept as is
}

TEST(Reference, SplitsRelativeAbsoluteAndCanonical) {
  auto r = search::parse_reference("Patient/123");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->type, "Patient");
  EXPECT_EQ(r->id, "123");
  EXPECT_EQ(r->url, "");
  r = search::parse_reference("https://gw.example/fhir/Patient/abc/_history/3");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->type, "Patient");
  EXPECT_EQ(r->id, "abc");
  EXPECT_EQ(r->url, "https://gw.example/fhir/Patient/abc/_history/3");
  r = search::parse_reference("urn:uuid:9d3a0c61-0000-4000-8000-000000000000");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, "");
  r = search::parse_reference("just-an-id");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->type, "");
  EXPECT_EQ(r->id, "just-an-id");
  EXPECT_FALSE(search::parse_reference("#contained1"));
  EXPECT_FALSE(search::parse_reference(""));
  EXPECT_FALSE(search::parse_reference("not a/valid/ref!"));
}

TEST(Indexer, PatientTokensStringsDatesAndCommonParams) {
  auto all = index_of("Patient", R"({
    "resourceType": "Patient", "id": "p1",
    "meta": {"lastUpdated": "2024-03-01T10:00:00.000Z"},
    "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9000000009"},
                   {"value": "LOCAL-1"}],
    "name": [{"family": "Brontë", "given": ["Zoë", "Anne"], "prefix": ["Ms"]},
             {"text": "Zoe Bronte"}],
    "gender": "female",
    "birthDate": "1980-05"
  })");
  auto ids = only(all, "identifier");
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0].system, "https://fhir.nhs.uk/Id/nhs-number");
  EXPECT_EQ(ids[0].code, "9000000009");
  EXPECT_EQ(ids[1].system, "");
  EXPECT_EQ(ids[1].code, "LOCAL-1");

  auto family = only(all, "family");
  ASSERT_EQ(family.size(), 1u);
  EXPECT_EQ(family[0].text, "bronte");
  EXPECT_EQ(family[0].exact, "Brontë");
  auto given = only(all, "given");
  ASSERT_EQ(given.size(), 2u);
  EXPECT_EQ(given[0].text, "zoe");
  EXPECT_EQ(only(all, "name").size(), 5u);  // Brontë, Zoë, Anne, Ms, Zoe Bronte

  auto birth = only(all, "birthdate");
  ASSERT_EQ(birth.size(), 1u);
  EXPECT_EQ(birth[0].lo_ms, ms("1980-05-01"));
  EXPECT_EQ(birth[0].hi_ms, ms("1980-06-01"));

  auto gender = only(all, "gender");
  ASSERT_EQ(gender.size(), 1u);
  EXPECT_EQ(gender[0].code, "female");

  auto id = only(all, "_id");
  ASSERT_EQ(id.size(), 1u);
  EXPECT_EQ(id[0].code, "p1");
  auto updated = only(all, "_lastUpdated");
  ASSERT_EQ(updated.size(), 1u);
  EXPECT_EQ(updated[0].lo_ms, ms("2024-03-01T10:00:00.000Z"));
  EXPECT_EQ(updated[0].hi_ms, updated[0].lo_ms + 1);
}

TEST(Indexer, ChoiceTypesCodeableConceptsAndReferences) {
  auto dt = index_of("MedicationStatement", R"({
    "resourceType": "MedicationStatement", "id": "m1", "status": "active",
    "medicationCodeableConcept": {"coding": [
       {"system": "https://dmd.nhs.uk", "code": "39720311000001101"},
       {"system": "http://snomed.info/sct", "code": "322236009"}], "text": "Paracetamol"},
    "category": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/medication-statement-category", "code": "community"}]},
    "subject": {"reference": "Patient/p1", "identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9000000009"}},
    "effectiveDateTime": "2024-01-15T09:30:00+00:00"
  })");
  auto codes = only(dt, "code");
  ASSERT_EQ(codes.size(), 2u);
  EXPECT_EQ(codes[1].system, "http://snomed.info/sct");
  EXPECT_EQ(codes[1].code, "322236009");
  auto eff = only(dt, "effective");
  ASSERT_EQ(eff.size(), 1u);
  EXPECT_EQ(eff[0].lo_ms, ms("2024-01-15T09:30:00Z"));
  EXPECT_EQ(eff[0].hi_ms, eff[0].lo_ms + 1000);
  // subject (same path, same targets) searches patient's rows: one set, not two.
  auto subj = only(dt, "patient");
  ASSERT_EQ(subj.size(), 1u);
  EXPECT_EQ(subj[0].ref_type, "Patient");
  EXPECT_EQ(subj[0].ref_id, "p1");
  EXPECT_TRUE(only(dt, "subject").empty());
  EXPECT_EQ(model::index_name("MedicationStatement", "subject"), "patient");
  auto ident = only(dt, "patient:identifier");
  ASSERT_EQ(ident.size(), 1u);
  EXPECT_EQ(ident[0].type, model::ParamType::token);
  EXPECT_EQ(ident[0].code, "9000000009");

  // effectivePeriod with an open end: the range runs to +infinity.
  auto period = index_of("MedicationStatement", R"({
    "resourceType": "MedicationStatement", "id": "m2", "status": "active",
    "subject": {"reference": "https://gw.example/fhir/Patient/p2"},
    "effectivePeriod": {"start": "2023-06-01"}
  })");
  eff = only(period, "effective");
  ASSERT_EQ(eff.size(), 1u);
  EXPECT_EQ(eff[0].lo_ms, ms("2023-06-01"));
  EXPECT_EQ(eff[0].hi_ms, search::kMaxTime);
  subj = only(period, "patient");
  ASSERT_EQ(subj.size(), 1u);
  EXPECT_EQ(subj[0].ref_url, "https://gw.example/fhir/Patient/p2");
  EXPECT_EQ(subj[0].ref_id, "p2");
}

TEST(Indexer, PeriodsOpenAtEitherEnd) {
  auto cp = index_of("CarePlan", R"({"resourceType": "CarePlan", "id": "c1", "status": "active",
    "intent": "plan", "subject": {"reference": "#contained"}, "period": {"end": "2024-12-31"}})");
  auto date = only(cp, "date");
  ASSERT_EQ(date.size(), 1u);
  EXPECT_EQ(date[0].lo_ms, search::kMinTime);
  EXPECT_EQ(date[0].hi_ms, ms("2025-01-01"));
  EXPECT_TRUE(only(cp, "subject").empty());  // contained references are not indexed
  auto bad = index_of("CarePlan", R"({"resourceType": "CarePlan", "id": "c2", "period": {"start": "garbage"}})");
  EXPECT_TRUE(only(bad, "date").empty());
}

TEST(Indexer, NestedArraysCodingsAndCanonicals) {
  auto consent = index_of("Consent", R"({"resourceType": "Consent", "id": "k1", "status": "active",
    "patient": {"reference": "Patient/p1"},
    "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
    "provision": {"purpose": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "TREAT"}],
      "actor": [{"role": {"text": "x"}, "reference": {"reference": "Organization/o1"}},
                {"role": {"text": "y"}, "reference": {"reference": "Organization/o2"}}]}})");
  auto actors = only(consent, "actor");
  ASSERT_EQ(actors.size(), 2u);
  EXPECT_EQ(actors[1].ref_id, "o2");
  auto purpose = only(consent, "purpose");
  ASSERT_EQ(purpose.size(), 1u);  // a bare Coding
  EXPECT_EQ(purpose[0].code, "TREAT");

  auto qr = index_of("QuestionnaireResponse", R"({"resourceType": "QuestionnaireResponse", "id": "r1",
    "status": "completed", "questionnaire": "https://fhir-gateway.org.uk/Questionnaire/wellbeing|2.0",
    "authored": "2024-02-02T10:00:00Z"})");
  auto q = only(qr, "questionnaire");
  ASSERT_EQ(q.size(), 2u);  // as written and without the version
  EXPECT_EQ(q[0].ref_url, "https://fhir-gateway.org.uk/Questionnaire/wellbeing|2.0");
  EXPECT_EQ(q[1].ref_url, "https://fhir-gateway.org.uk/Questionnaire/wellbeing");
  EXPECT_EQ(q[0].ref_type, "Questionnaire");
  EXPECT_EQ(q[0].ref_id, "wellbeing");

  auto questionnaire = index_of("Questionnaire", R"({"resourceType": "Questionnaire", "id": "wellbeing",
    "url": "https://fhir-gateway.org.uk/Questionnaire/wellbeing", "version": "2.0", "name": "WellBeing",
    "status": "active"})");
  auto url = only(questionnaire, "url");
  ASSERT_EQ(url.size(), 1u);
  EXPECT_EQ(url[0].type, model::ParamType::uri);
  EXPECT_EQ(url[0].text, "https://fhir-gateway.org.uk/Questionnaire/wellbeing");
  EXPECT_EQ(only(questionnaire, "version").at(0).code, "2.0");
  EXPECT_EQ(only(questionnaire, "name").at(0).text, "wellbeing");
}

TEST(Indexer, BooleanTokensAndDuplicatesCollapse) {
  model::ResourceType t{"Thing", "", {}, {{"active", model::ParamType::token, {"active"}, {}, "", ""},
                                           {"label", model::ParamType::string, {"label", "alias"}, {}, "", ""}},
                        ""};
  auto doc = json::parse(R"({"resourceType": "Thing", "active": false, "label": "Same", "alias": "Same"})");
  ASSERT_TRUE(doc.ok());
  auto all = search::extract_index(t, *doc);
  auto active = only(all, "active");
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].code, "false");
  EXPECT_EQ(only(all, "label").size(), 1u);
}
