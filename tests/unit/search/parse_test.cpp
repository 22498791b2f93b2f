#include "search/parse.hpp"

#include <gtest/gtest.h>

#include "core/fhir_time.hpp"

using namespace fhirgw;
using search::Modifier;
using search::Prefix;

namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

Result<search::Query> parse(std::string_view type, const Params& params, bool strict = true) {
  return search::parse_search(*model::find_type(type), params, strict);
}

search::Query ok(std::string_view type, const Params& params, bool strict = true) {
  auto q = parse(type, params, strict);
  EXPECT_TRUE(q.ok()) << (q.ok() ? "" : q.error().message());
  return q.ok() ? *q : search::Query{};
}

// The error's diagnostics names the parameter.
void expect_error(std::string_view type, const Params& params, std::string_view names,
                  std::string_view code = "invalid", bool strict = true) {
  auto q = parse(type, params, strict);
  ASSERT_FALSE(q.ok()) << "expected an error for " << params.at(0).first << "=" << params.at(0).second;
  EXPECT_EQ(q.error().status, 400);
  EXPECT_EQ(q.error().issues.at(0).code, code);
  EXPECT_NE(q.error().message().find(names), std::string::npos) << q.error().message();
}

}  // namespace

TEST(ParseSearch, DefaultsAndControlParameters) {
  auto q = ok("Patient", {});
  EXPECT_EQ(q.type, "Patient");
  EXPECT_EQ(q.count, 20);
  EXPECT_EQ(q.total, search::TotalMode::accurate);
  EXPECT_FALSE(q.visibility.all);
  EXPECT_TRUE(q.visibility.grants.empty());

  q = ok("Patient", {{"_count", "0"}, {"_summary", "count"}, {"_total", "none"}, {"_elements", "id, name"},
                     {"_format", "json"}, {"_pretty", "true"}, {"_cursor", "abc"}});
  EXPECT_EQ(q.count, 0);
  EXPECT_EQ(q.summary, search::Summary::count);
  EXPECT_EQ(q.total, search::TotalMode::none);
  EXPECT_EQ(q.elements, (std::vector<std::string>{"id", "name"}));
  EXPECT_TRUE(q.ignored.empty());

  EXPECT_EQ(ok("Patient", {{"_count", "5000"}}).count, 1000);
  for (auto [v, s] : std::vector<std::pair<std::string, search::Summary>>{
           {"true", search::Summary::true_}, {"text", search::Summary::text},
           {"data", search::Summary::data}, {"false", search::Summary::none}})
    EXPECT_EQ(ok("Patient", {{"_summary", v}}).summary, s);
  EXPECT_EQ(ok("Patient", {{"_total", "estimate"}}).total, search::TotalMode::estimate);

  expect_error("Patient", {{"_count", "-1"}}, "_count");
  expect_error("Patient", {{"_count", "ten"}}, "_count");
  expect_error("Patient", {{"_summary", "maybe"}}, "_summary");
  expect_error("Patient", {{"_total", "all"}}, "_total");
  expect_error("Patient", {{"_elements", "id,,name"}}, "_elements");
}

TEST(ParseSearch, TokenForms) {
  auto q = ok("Patient", {{"identifier", "https://fhir.nhs.uk/Id/nhs-number|9000000009,|LOCAL,urn:sys|,plain"}});
  ASSERT_EQ(q.clauses.size(), 1u);
  const auto& v = q.clauses[0].any_of;
  ASSERT_EQ(v.size(), 4u);
  EXPECT_TRUE(v[0].has_system);
  EXPECT_EQ(v[0].system, "https://fhir.nhs.uk/Id/nhs-number");
  EXPECT_EQ(v[0].code, "9000000009");
  EXPECT_TRUE(v[1].has_system);
  EXPECT_EQ(v[1].system, "");
  EXPECT_EQ(v[1].code, "LOCAL");
  EXPECT_EQ(v[2].system, "urn:sys");
  EXPECT_EQ(v[2].code, "");
  EXPECT_FALSE(v[3].has_system);
  EXPECT_EQ(v[3].code, "plain");

  q = ok("Patient", {{"gender:not", "male"}, {"identifier", "a\\,b\\|c"}});
  ASSERT_EQ(q.clauses.size(), 2u);  // repeated parameters are ANDed clauses
  EXPECT_EQ(q.clauses[0].modifier, Modifier::not_);
  ASSERT_EQ(q.clauses[1].any_of.size(), 1u);  // escaped comma and bar
  EXPECT_EQ(q.clauses[1].any_of[0].code, "a,b|c");
  EXPECT_FALSE(q.clauses[1].any_of[0].has_system);

  expect_error("Patient", {{"identifier", "|"}}, "identifier");
  expect_error("Patient", {{"gender", ""}}, "gender");
  expect_error("Patient", {{"gender", "male,,female"}}, "gender");
  expect_error("Patient", {{"gender:text", "male"}}, "gender:text", "not-supported");
}

TEST(ParseSearch, StringModifiersNormalise) {
  auto q = ok("Patient", {{"family", "BRONTË"}, {"given:exact", "Zoë"}, {"name:contains", "ron"}});
  ASSERT_EQ(q.clauses.size(), 3u);
  EXPECT_EQ(q.clauses[0].modifier, Modifier::none);
  EXPECT_EQ(q.clauses[0].any_of[0].text, "bronte");
  EXPECT_EQ(q.clauses[1].modifier, Modifier::exact);
  EXPECT_EQ(q.clauses[1].any_of[0].text, "Zoë");  // exact keeps case and accents
  EXPECT_EQ(q.clauses[2].modifier, Modifier::contains);
  expect_error("Patient", {{"family:phonetic", "x"}}, "family:phonetic", "not-supported");
}

TEST(ParseSearch, DatePrefixesAndRanges) {
  const std::pair<std::string, Prefix> cases[] = {
      {"eq", Prefix::eq}, {"ne", Prefix::ne}, {"lt", Prefix::lt}, {"gt", Prefix::gt}, {"le", Prefix::le},
      {"ge", Prefix::ge}, {"sa", Prefix::sa}, {"eb", Prefix::eb}};
  for (const auto& [text, prefix] : cases) {
    auto q = ok("Patient", {{"birthdate", text + "1980-05-02"}});
    ASSERT_EQ(q.clauses.size(), 1u);
    EXPECT_EQ(q.clauses[0].any_of[0].prefix, prefix) << text;
    EXPECT_EQ(q.clauses[0].any_of[0].lo_ms, fhir_time::parse("1980-05-02")->lo_ms);
    EXPECT_EQ(q.clauses[0].any_of[0].hi_ms, fhir_time::parse("1980-05-03")->lo_ms);
  }
  auto q = ok("Patient", {{"birthdate", "1980"}});
  EXPECT_EQ(q.clauses[0].any_of[0].prefix, Prefix::eq);
  EXPECT_EQ(q.clauses[0].any_of[0].hi_ms, fhir_time::parse("1981")->lo_ms);

  q = ok("Patient", {{"birthdate", "ap2000-01-01"}});
  const auto& ap = q.clauses[0].any_of[0];
  EXPECT_EQ(ap.prefix, Prefix::ap);
  EXPECT_LT(ap.lo_ms, fhir_time::parse("2000-01-01")->lo_ms);  // widened
  EXPECT_GT(ap.hi_ms, fhir_time::parse("2000-01-02")->lo_ms);

  q = ok("Patient", {{"_lastUpdated", "gt2024-01-01T10:00:00Z"}});
  EXPECT_EQ(q.clauses[0].param->name, "_lastUpdated");

  expect_error("Patient", {{"birthdate", "xx1980"}}, "birthdate");
  expect_error("Patient", {{"birthdate", "1980-13-01"}}, "birthdate");
  expect_error("Patient", {{"birthdate", "yesterday"}}, "birthdate");
  expect_error("Patient", {{"birthdate:exact", "1980"}}, "birthdate", "not-supported");
}

TEST(ParseSearch, MissingModifier) {
  auto q = ok("CarePlan", {{"date:missing", "true"}, {"subject:missing", "false"}});
  ASSERT_EQ(q.clauses.size(), 2u);
  EXPECT_EQ(q.clauses[0].modifier, Modifier::missing);
  EXPECT_TRUE(q.clauses[0].any_of[0].missing);
  EXPECT_FALSE(q.clauses[1].any_of[0].missing);
  expect_error("CarePlan", {{"date:missing", "yes"}}, "date:missing");
}

TEST(ParseSearch, ReferenceForms) {
  auto q = ok("CarePlan", {{"subject", "Patient/p1,p2,https://gw.example/fhir/Patient/p3"}});
  const auto& v = q.clauses.at(0).any_of;
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].ref_type, "Patient");
  EXPECT_EQ(v[0].ref_id, "p1");
  EXPECT_EQ(v[1].ref_type, "");
  EXPECT_EQ(v[1].ref_id, "p2");
  EXPECT_EQ(v[2].ref_url, "https://gw.example/fhir/Patient/p3");

  q = ok("QuestionnaireResponse", {{"author:Organization", "o1"}});
  EXPECT_EQ(q.clauses.at(0).any_of.at(0).ref_type, "Organization");
  EXPECT_EQ(q.clauses.at(0).any_of.at(0).ref_id, "o1");

  q = ok("CarePlan", {{"patient:identifier", "https://fhir.nhs.uk/Id/nhs-number|9000000009"}});
  EXPECT_EQ(q.clauses.at(0).modifier, Modifier::identifier);
  EXPECT_EQ(q.clauses.at(0).any_of.at(0).code, "9000000009");

  expect_error("CarePlan", {{"subject", "bad id!"}}, "subject");
  expect_error("QuestionnaireResponse", {{"author:Organization", "Patient/p1"}}, "author");
  expect_error("CarePlan", {{"subject:Observation", "x"}}, "subject:Observation", "not-supported");
}

TEST(ParseSearch, Chaining) {
  auto q = ok("CarePlan", {{"subject:Patient.identifier", "https://fhir.nhs.uk/Id/nhs-number|9000000009"}});
  ASSERT_EQ(q.clauses.size(), 1u);
  const auto& c = q.clauses[0];
  EXPECT_EQ(c.param->name, "subject");
  ASSERT_TRUE(c.chain);
  EXPECT_EQ(c.chain->target_type, "Patient");
  EXPECT_EQ(c.chain->param->name, "identifier");
  EXPECT_EQ(c.name, "subject:Patient.identifier");

  q = ok("MedicationStatement", {{"patient.family:exact", "Brontë"}});  // single target: implied
  EXPECT_EQ(q.clauses.at(0).chain->target_type, "Patient");
  EXPECT_EQ(q.clauses.at(0).modifier, Modifier::exact);

  expect_error("CarePlan", {{"subject.organization.name", "x"}}, "subject.organization.name", "not-supported");
  expect_error("Patient", {{"gender.name", "x"}}, "gender.name");
  expect_error("QuestionnaireResponse", {{"author.name", "x"}}, "author.name");  // ambiguous target
  expect_error("CarePlan", {{"subject.nonsense", "x"}}, "subject.nonsense", "not-supported");
  expect_error("QuestionnaireResponse", {{"author:Organization.name", "x"}}, "author:Organization.name",
               "not-supported");  // Organization is not served
}

TEST(ParseSearch, SortIncludeRevinclude) {
  auto q = ok("Patient", {{"_sort", "-birthdate,family,_id"},
                          {"_revinclude", "CarePlan:patient"},
                          {"_revinclude:iterate", "Flag:subject:Patient"}});
  ASSERT_EQ(q.sort.size(), 3u);
  EXPECT_TRUE(q.sort[0].descending);
  EXPECT_EQ(q.sort[0].name, "birthdate");
  EXPECT_FALSE(q.sort[1].descending);
  EXPECT_EQ(q.sort[2].name, "_id");
  ASSERT_EQ(q.revincludes.size(), 2u);
  EXPECT_EQ(q.revincludes[0].source_type, "CarePlan");
  EXPECT_EQ(q.revincludes[0].param, "patient");
  EXPECT_TRUE(q.revincludes[1].iterate);
  EXPECT_EQ(q.revincludes[1].target_type, "Patient");

  q = ok("MedicationStatement", {{"_include", "MedicationStatement:patient"}});
  ASSERT_EQ(q.includes.size(), 1u);
  EXPECT_EQ(q.includes[0].param, "patient");

  expect_error("Patient", {{"_sort", "-identifier,"}}, "_sort");
  expect_error("CarePlan", {{"_sort", "subject"}}, "_sort=subject", "not-supported");
  expect_error("Patient", {{"_include", "Observation:subject"}}, "_include");
  expect_error("Patient", {{"_include", "Patient:family"}}, "_include");
  expect_error("Patient", {{"_include", "CarePlan:subject"}}, "_include");  // not the searched type
  expect_error("Patient", {{"_include", "Patient"}}, "_include");
  expect_error("MedicationStatement", {{"_include", "MedicationStatement:subject:Group"}}, "_include");
  expect_error("Questionnaire", {{"_revinclude", "CarePlan:subject"}}, "_revinclude");
}

TEST(ParseSearch, UnknownParametersStrictVersusLenient) {
  expect_error("Patient", {{"shoe-size", "9"}}, "shoe-size", "not-supported");
  expect_error("Patient", {{"_has:Observation:patient:code", "x"}}, "_has", "not-supported");
  auto q = ok("Patient", {{"shoe-size", "9"}, {"family:phonetic", "x"}, {"_text", "y"}, {"gender", "male"},
                          {"_sort", "shoe-size"}},
              false);
  EXPECT_EQ(q.ignored, (std::vector<std::string>{"shoe-size", "family:phonetic", "_text", "_sort=shoe-size"}));
  ASSERT_EQ(q.clauses.size(), 1u);
  EXPECT_EQ(q.clauses[0].name, "gender");
  // Bad values are errors even when lenient.
  auto bad = parse("Patient", {{"birthdate", "nope"}}, false);
  EXPECT_FALSE(bad.ok());
}

TEST(ParseSearch, UriAndCanonical) {
  auto q = ok("Questionnaire", {{"url", "https://fhir-gateway.org.uk/Questionnaire/wellbeing"}});
  EXPECT_EQ(q.clauses.at(0).any_of.at(0).text, "https://fhir-gateway.org.uk/Questionnaire/wellbeing");
  q = ok("QuestionnaireResponse", {{"questionnaire", "https://fhir-gateway.org.uk/Questionnaire/wellbeing"}});
  EXPECT_EQ(q.clauses.at(0).any_of.at(0).ref_url, "https://fhir-gateway.org.uk/Questionnaire/wellbeing");
  expect_error("Questionnaire", {{"url:below", "https://x"}}, "url:below", "not-supported");
}
