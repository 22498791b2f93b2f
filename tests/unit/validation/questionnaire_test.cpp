// A QuestionnaireResponse checked against the five holistic questions.
#include <rapidjson/pointer.h>

#include "validation_fixture.hpp"

namespace fhirgw::validation {
namespace {

using namespace testing;

json::Document qr_with(std::initializer_list<std::pair<const char*, const char*>> sets,
                       std::initializer_list<const char*> removals = {}) {
  json::Document d = fixture("questionnaireresponse-valid.json");
  for (const auto& [ptr, text] : sets) {
    json::Document v;
    v.Parse(text);
    EXPECT_FALSE(v.HasParseError()) << text;
    rapidjson::Pointer(ptr).Set(d, json::Value(v, d.GetAllocator()));
  }
  for (const char* ptr : removals) EXPECT_TRUE(rapidjson::Pointer(ptr).Erase(d)) << ptr;
  return d;
}

bool has_issue(const std::vector<Issue>& issues, std::string_view expr, std::string_view code) {
  for (const auto& i : issues)
    if (i.expression == expr && i.code == code) return true;
  return false;
}

TEST(QuestionnaireResponse, CompleteAnswersAreValid) {
  EXPECT_TRUE(validator().validate(fixture("questionnaireresponse-valid.json")).empty());
}

TEST(QuestionnaireResponse, InvalidFixture) {
  auto issues = validator().validate(fixture("questionnaireresponse-invalid.json"));
  EXPECT_EQ(errors(issues).size(), 2u) << describe(issues);
  EXPECT_TRUE(has_issue(issues, "QuestionnaireResponse.item[2].item[1].answer[0].valueString", "value")) << describe(issues);
  EXPECT_TRUE(has_issue(issues, "QuestionnaireResponse", "required")) << describe(issues);
}

TEST(QuestionnaireResponse, UnknownAndMisplacedLinkIds) {
  EXPECT_ONE_ERROR(validator().validate(qr_with({{"/item/5", R"({"linkId":"visitorz","answer":[{"valueString":"x"}]})"}})),
                   "QuestionnaireResponse.item[5].linkId", "structure");
  // A real linkId at the wrong level (a child of 'falls' directly under the root).
  auto issues = validator().validate(qr_with({{"/item/5", R"({"linkId":"falls.fallen","answer":[{"valueBoolean":true}]})"}}));
  EXPECT_ONE_ERROR(issues, "QuestionnaireResponse.item[5].linkId", "structure");
  EXPECT_NE(errors(issues)[0].diagnostics.find("not expected at this level"), std::string::npos);
}

TEST(QuestionnaireResponse, AnswerTypesMatchItemTypes) {
  EXPECT_ONE_ERROR(validator().validate(qr_with({{"/item/1/item/1/answer/0", R"({"valueString":"two"})"}})),
                   "QuestionnaireResponse.item[1].item[1].answer[0].valueString", "value");
  // open-choice accepts free text; choice does not.
  EXPECT_TRUE(errors(validator().validate(qr_with({{"/item/0/item/0/answer/0", R"({"valueString":"Neighbour"})"}}))).empty());
  EXPECT_ONE_ERROR(validator().validate(qr_with({{"/item/2/item/0/answer/0", R"({"valueString":"quite"})"}})),
                   "QuestionnaireResponse.item[2].item[0].answer[0].valueString", "value");
  // A coded answer must be one of the answerOptions.
  EXPECT_ONE_ERROR(validator().validate(qr_with({{"/item/2/item/0/answer/0/valueCoding/code", "\"extremely\""}})),
                   "QuestionnaireResponse.item[2].item[0].answer[0].valueCoding", "code-invalid");
  // Groups take no answers.
  EXPECT_ONE_ERROR(validator().validate(qr_with({{"/item/3/answer", R"([{"valueBoolean":true}])"}})),
                   "QuestionnaireResponse.item[3].answer", "structure");
}

TEST(QuestionnaireResponse, RepeatsAndSingleAnswers) {
  // visitors.who repeats; medication.help does not.
  EXPECT_ONE_ERROR(validator().validate(qr_with({{"/item/2/item/1/answer/1", R"({"valueBoolean":true})"}})),
                   "QuestionnaireResponse.item[2].item[1].answer", "structure");
  EXPECT_ONE_ERROR(validator().validate(qr_with({{"/item/5", R"({"linkId":"memory","item":[{"linkId":"memory.worried","answer":[{"valueBoolean":true}]},{"linkId":"memory.recognising","answer":[{"valueBoolean":true}]}]})"}})),
                   "QuestionnaireResponse.item[5]", "structure");
}

TEST(QuestionnaireResponse, RequiredItemsAndEnableWhen) {
  // Fallen, but the number of falls is missing: required because enabled.
  EXPECT_ONE_ERROR(validator().validate(qr_with({}, {"/item/1/item/1"})), "QuestionnaireResponse.item[1]", "required");
  // Not fallen: the count is disabled, so not required...
  EXPECT_TRUE(errors(validator().validate(qr_with({{"/item/1/item/0/answer/0/valueBoolean", "false"}}, {"/item/1/item/1"}))).empty());
  // ...and must not be answered.
  EXPECT_ONE_ERROR(validator().validate(qr_with({{"/item/1/item/0/answer/0/valueBoolean", "false"}})),
                   "QuestionnaireResponse.item[1].item[1]", "business-rule");
  // A required question present without an answer.
  EXPECT_ONE_ERROR(validator().validate(qr_with({}, {"/item/3/item/0/answer"})), "QuestionnaireResponse.item[3].item[0]",
                   "required");
  // While in progress, nothing is required yet.
  EXPECT_TRUE(errors(validator().validate(qr_with({{"/status", "\"in-progress\""}}, {"/item/4", "/item/3"}))).empty());
}

TEST(QuestionnaireResponse, QuestionnaireMustBeKnown) {
  EXPECT_ONE_ERROR(validator().validate(qr_with({{"/questionnaire", "\"https://example.org/Questionnaire/unknown\""}})),
                   "QuestionnaireResponse.questionnaire", "not-found");
  // The profile requires the questionnaire to be named at all.
  EXPECT_ONE_ERROR(validator().validate(qr_with({}, {"/questionnaire"})), "QuestionnaireResponse.questionnaire", "required");
  // A version suffix still finds the shipped Questionnaire.
  EXPECT_TRUE(validator().validate(qr_with({{"/questionnaire", "\"https://fhir-gateway.org.uk/Questionnaire/holistic-five-questions|1.0.0\""}})).empty());
}

TEST(QuestionnaireResponse, ExternalLookupIsConsulted) {
  auto q = std::make_shared<json::Document>(parse(R"({"resourceType":"Questionnaire","url":"https://example.org/Questionnaire/q1","status":"active",
      "item":[{"linkId":"mood","type":"integer","required":true}]})"));
  std::string asked;
  QuestionnaireLookup lookup = [&](std::string_view url) -> std::shared_ptr<const json::Document> {
    asked = std::string(url);
    return url == "https://example.org/Questionnaire/q1" ? q : nullptr;
  };
  auto qr = parse(R"({"resourceType":"QuestionnaireResponse","meta":{"tag":[{"system":"https://fhir-gateway.org.uk/CodeSystem/controller","code":"Y99999"}]},
      "questionnaire":"https://example.org/Questionnaire/q1","status":"completed","subject":{"reference":"Patient/p1"},
      "authored":"2025-02-03","item":[{"linkId":"mood","answer":[{"valueString":"fine"}]}]})");
  EXPECT_ONE_ERROR(validator().validate(qr, {}, &lookup), "QuestionnaireResponse.item[0].answer[0].valueString", "value");
  EXPECT_EQ(asked, "https://example.org/Questionnaire/q1");
  // The built-in five questions are still found when the lookup does not know them.
  EXPECT_TRUE(validator().validate(fixture("questionnaireresponse-valid.json"), {}, &lookup).empty());
}

}  // namespace
}  // namespace fhirgw::validation
