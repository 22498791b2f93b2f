// Our own fhir-profiles files: they load, they are valid FHIR themselves, and
// they say what the spec says.
#include <set>

#include "core/resource_model.hpp"
#include "validation/check_digits.hpp"
#include "validation_fixture.hpp"

namespace fhirgw::validation {
namespace {

using namespace testing;
namespace fs = std::filesystem;

std::vector<fs::path> files(const char* dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(source_dir() / "fhir-profiles" / dir))
    if (e.path().extension() == ".json") out.push_back(e.path());
  return out;
}

TEST(ProfileFiles, LoadAndReportStats) {
  const auto& s = validator().stats();
  EXPECT_GE(s.structures, 190u);  // base resources and complex types plus ours
  EXPECT_GT(s.elements, 5000u);
  EXPECT_GT(s.value_sets, 50u);
  std::printf("[ load ] %.0f ms, %zu structures, %zu elements, %zu value sets expanded\n", s.load_ms, s.structures,
              s.elements, s.value_sets);
}

TEST(ProfileFiles, EveryResourceModelProfileIsLoaded) {
  for (const auto& t : model::resource_types()) EXPECT_TRUE(validator().has_profile(t.profile)) << t.profile;
  EXPECT_TRUE(validator().has_profile("https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus"));
  EXPECT_TRUE(validator().has_profile("https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-MedicationStatementLastIssueDate"));
}

TEST(ProfileFiles, EveryFileIsValidAgainstTheR4Base) {
  for (const char* dir : {"profiles", "valuesets", "questionnaires", "searchparameters"})
    for (const auto& f : files(dir)) {
      SCOPED_TRACE(f.filename().string());
      auto d = parse(read_text(f));
      EXPECT_NO_ERRORS(validator().validate_base(d));
      EXPECT_NO_ERRORS(validator().validate(d));
    }
}

TEST(ProfileFiles, ProfilesAreConstraintsOnTheBaseWithResourceModelUrls) {
  for (const auto& f : files("profiles")) {
    SCOPED_TRACE(f.filename().string());
    auto d = parse(read_text(f));
    EXPECT_EQ(*json::get_string(d, "derivation"), "constraint");
    std::string type(*json::get_string(d, "type"));
    EXPECT_EQ(*json::get_string(d, "baseDefinition"), "http://hl7.org/fhir/StructureDefinition/" + type);
    if (const auto* t = model::find_type(type)) {
      EXPECT_EQ(*json::get_string(d, "url"), t->profile);
    }
  }
}

TEST(ProfileFiles, SensitiveCategoriesUseWellFormedCodes) {
  auto d = parse(read_text(source_dir() / "fhir-profiles/valuesets/rcgp-sensitive-categories.json"));
  EXPECT_NE(std::string(*json::get_string(d, "description")).find("ILLUSTRATIVE"), std::string::npos);
  std::set<std::string> systems;
  size_t snomed = 0;
  for (const auto& inc : json::get(d, "compose")->FindMember("include")->value.GetArray()) {
    std::string system(*json::get_string(inc, "system"));
    systems.insert(system);
    for (const auto& c : inc["concept"].GetArray()) {
      std::string code(*json::get_string(c, "code"));
      if (system == "http://snomed.info/sct") {
        ++snomed;
        EXPECT_TRUE(snomed_concept_id_valid(code)) << code;
      } else if (system == "https://dmd.nhs.uk") {
        EXPECT_TRUE(snomed_concept_id_valid(code)) << code;  // dm+d ids are SNOMED CT concept ids
      } else {
        EXPECT_EQ(code.size(), 5u) << code;  // Read v2 / CTV3 codes are five characters
      }
    }
  }
  EXPECT_GE(snomed, 8u);
  EXPECT_TRUE(systems.count("http://read.info/readv2"));
  EXPECT_TRUE(systems.count("http://read.info/ctv3"));
  // The generator's sensitive medicines, so the policy withholds them.
  EXPECT_TRUE(systems.count("https://dmd.nhs.uk"));
}

TEST(ProfileFiles, ConsentCodesSayPermitOrDeny) {
  auto d = parse(read_text(source_dir() / "fhir-profiles/valuesets/consent-codes.json"));
  std::map<std::string, std::string> meaning;
  for (const auto& inc : d["compose"]["include"].GetArray())
    for (const auto& c : inc["concept"].GetArray())
      meaning[std::string(*json::get_string(c, "code"))] = c["designation"][0]["use"]["code"].GetString();
  EXPECT_EQ(meaning["9Nd7."], "permit");
  EXPECT_EQ(meaning["XaNwR"], "permit");
  for (const char* deny : {"9Nd1.", "93C1.", "9NdH.", "9NdJ."}) EXPECT_EQ(meaning[deny], "deny") << deny;
  EXPECT_EQ(meaning.size(), 9u);
}

TEST(ProfileFiles, HolisticQuestionnaireCoversTheFiveQuestions) {
  auto q = validator().builtin_questionnaire("https://fhir-gateway.org.uk/Questionnaire/holistic-five-questions");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(*json::get_string(*q, "status"), "active");
  std::vector<std::string> groups;
  std::set<std::string> link_ids;
  for (const auto& g : (*q)["item"].GetArray()) {
    groups.emplace_back(g["linkId"].GetString());
    EXPECT_EQ(std::string(g["type"].GetString()), "group");
    for (const auto& i : g["item"].GetArray()) EXPECT_TRUE(link_ids.insert(i["linkId"].GetString()).second);
  }
  EXPECT_EQ(groups, (std::vector<std::string>{"visitors", "falls", "medication", "memory", "daily-living"}));
  for (const char* adl : {"washing", "dressing", "shopping", "cooking", "cleaning"})
    EXPECT_TRUE(link_ids.count(std::string("daily-living.") + adl)) << adl;
}

// The practices' own frailty check, shipped so imported responses validate.
TEST(ProfileFiles, FrailtyCheckQuestionnaireHasTheFiveImportedItems) {
  auto q = validator().builtin_questionnaire("https://fhir-gateway.org.uk/Questionnaire/frailty-check");
  ASSERT_NE(q, nullptr);
  std::vector<std::pair<std::string, std::string>> items;
  for (const auto& i : (*q)["item"].GetArray()) items.emplace_back(i["linkId"].GetString(), i["type"].GetString());
  EXPECT_EQ(items, (std::vector<std::pair<std::string, std::string>>{
                       {"q1", "open-choice"}, {"q2", "quantity"}, {"q3", "open-choice"}, {"q4", "open-choice"},
                       {"q5", "text"}}));
}

json::Document frailty_response(std::string_view items) {
  return parse(R"({"resourceType":"QuestionnaireResponse","id":"qr1",
    "meta":{"profile":["https://fhir-gateway.org.uk/StructureDefinition/Gateway-QuestionnaireResponse"],
            "tag":[{"system":"https://fhir-gateway.org.uk/CodeSystem/controller","code":"Y99999"}]},
    "identifier":{"system":"https://fhir-gateway.org.uk/Id/emis/Y99999/CareRecord_Observation","value":"G1"},
    "questionnaire":"https://fhir-gateway.org.uk/Questionnaire/frailty-check","status":"completed",
    "subject":{"reference":"Patient/p1"},"authored":"2024-11-02T11:00:00+00:00",
    "item":)" + std::string(items) + "}");
}

TEST(ProfileFiles, FrailtyCheckAcceptsWhatBothPracticeSystemsRecord) {
  // EMIS-style: text answers and a timed test; SystmOne-style: the coded positive finding itself.
  auto emis = frailty_response(R"([
    {"id":"a","linkId":"q1","text":"Falls in the last 12 months","answer":[{"valueString":"Yes, twice"}]},
    {"id":"b","linkId":"q2","answer":[{"valueQuantity":{"value":17,"unit":"s"}}]},
    {"id":"c","linkId":"q3","answer":[{"valueCoding":{"system":"http://snomed.info/sct","code":"373067005"}}]},
    {"id":"d","linkId":"q5","answer":[{"valueString":"Staying in my own home"}]}])");
  EXPECT_NO_ERRORS(validator().validate(emis));
  auto systmone = frailty_response(R"([
    {"id":"a","linkId":"q4","answer":[{"valueCoding":{"system":"https://fhir-gateway.org.uk/CodeSystem/systmone-local/Y90001","code":"Y1F04","display":"Needs help with daily activities"}}]}])");
  EXPECT_NO_ERRORS(validator().validate(systmone));
}

TEST(ProfileFiles, FrailtyCheckRejectsUnknownItemsAndWrongAnswerTypes) {
  EXPECT_ONE_ERROR(validator().validate(frailty_response(R"([{"id":"a","linkId":"q9","answer":[{"valueString":"x"}]}])")),
                   "QuestionnaireResponse.item[0].linkId", "structure");
  EXPECT_ONE_ERROR(validator().validate(frailty_response(R"([{"id":"a","linkId":"q2","answer":[{"valueString":"slow"}]}])")),
                   "QuestionnaireResponse.item[0].answer[0].valueString", "value");
}

TEST(ProfileFiles, CareFlagCodeSystemHasComplexCase) {
  auto cs = parse(read_text(source_dir() / "fhir-profiles/valuesets/CodeSystem-care-flag.json"));
  EXPECT_EQ(*json::get_string(cs, "url"), "https://fhir-gateway.org.uk/CodeSystem/care-flag");
  ASSERT_EQ(cs["concept"].Size(), 1u);
  EXPECT_EQ(std::string(cs["concept"][0]["code"].GetString()), "complex-case");
  EXPECT_EQ(std::string(cs["concept"][0]["display"].GetString()), "Complex case: single named clinician for contacts");
  auto vs = parse(read_text(source_dir() / "fhir-profiles/valuesets/care-flag.json"));
  EXPECT_EQ(std::string(vs["compose"]["include"][0]["system"].GetString()), *json::get_string(cs, "url"));
}

}  // namespace
}  // namespace fhirgw::validation
