#include "policy/engine.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "policy/dry_run.hpp"
#include "policy/explain.hpp"
#include "policy/redact.hpp"
#include "policy_test_support.hpp"

namespace fhirgw::policy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::ConsentSpec;

json::Document doc_of(std::string_view text) {
  auto r = json::parse(text);
  EXPECT_TRUE(r);
  return r ? std::move(r).value() : json::Document();
}

std::vector<std::string> rules_of(const Decision& d, StepOutcome o) {
  std::vector<std::string> out;
  for (const auto& s : d.chain)
    if (s.outcome == o && (out.empty() || out.back() != s.rule)) out.push_back(s.rule);
  return out;
}

class Engine : public ::testing::Test {
 protected:
  void SetUp() override {
    policy = testing::load_in(dir, testing::kBasePolicy);
    patients["old"] = {"old", "P1", true, "1940-03-01", {}};
    patients["young"] = {"young", "P1", true, "1990-03-01", {}};
    patients["frail"] = {"frail", "P2", true, "1990-03-01", {{{testing::kSct, "FRAIL"}}}};
    patients["unverified"] = {"unverified", "P1", false, "1940-03-01", {}};
    patients["dissenter"] = {"dissenter", "P1", true, "1940-03-01", {}};
    consents.upsert(testing::consent_record({.id = "old-permit", .patient = "old", .code_system = testing::kRead2, .code = "9Nd7.", .source = "P1"}));
    consents.upsert(testing::consent_record({.id = "frail-permit", .patient = "frail", .provision = "permit", .actor_kind = "voluntary", .source = "P2"}));
    consents.upsert(testing::consent_record({.id = "young-permit", .patient = "young", .provision = "permit", .source = "P1"}));
    consents.upsert(testing::consent_record({.id = "unverified-permit", .patient = "unverified", .provision = "permit", .source = "P1"}));
    consents.upsert(testing::consent_record({.id = "dissent", .patient = "dissenter", .code_system = testing::kRead2, .code = "9Nd1.", .source = "P1"}));
  }

  Request request(const char* org, const char* purpose, model::Interaction i = model::Interaction::read,
                  const char* type = "CarePlan") const {
    Request r;
    r.caller.authenticated = true;
    r.caller.client_id = std::string(org) + "-app";
    r.caller.organisation = org;
    r.caller.roles = {"partner"};
    r.purpose = purpose;
    r.interaction = i;
    r.type = type;
    r.scope_allows = true;
    r.now_ms = now;
    return r;
  }
  static ResourceFacts resource(const char* type, const char* id, const char* controller, const char* patient) {
    ResourceFacts f;
    f.type = type;
    f.id = id;
    f.controller = controller;
    f.patient_id = patient;
    return f;
  }
  Decision decide_for(const Request& r, const ResourceFacts& f) {
    auto it = patients.find(f.patient_id);
    return decide(policy, consents, r, f, it == patients.end() ? nullptr : &it->second);
  }

  testing::TempDir dir;
  Policy policy;
  ConsentIndex consents;
  PatientDirectory patients;
  int64_t now = testing::at("2025-06-01T12:00:00Z");
};

TEST_F(Engine, PermitsWithTheWholeChainInOrder) {
  auto d = decide_for(request("TRU", "TREAT"), resource("CarePlan", "cp1", "P1", "old"));
  EXPECT_TRUE(d.permit);
  EXPECT_EQ(d.rule, "permit");
  EXPECT_EQ(d.agreement, "trust-implied");
  EXPECT_EQ(d.policy_version, policy.version_stamp);
  EXPECT_THAT(d.hidden_fields, IsEmpty());
  EXPECT_THAT(rules_of(d, StepOutcome::pass),
              ElementsAre("authenticated", "scope", "role", "organisation", "purpose", "agreement", "resource-type",
                          "consent", "nhs-number", "exclusion", "permit"));
  EXPECT_THAT(rules_of(d, StepOutcome::fail), IsEmpty());
  EXPECT_EQ(d.reason(), "permitted under agreement 'trust-implied'");
}

TEST_F(Engine, ExplicitConsentPermitsWithHiddenFieldsAndNamesTheConsent) {
  auto d = decide_for(request("VOL", "CAREMGT"), resource("CarePlan", "cp1", "P1", "old"));
  EXPECT_TRUE(d.permit) << d.reason();
  EXPECT_EQ(d.agreement, "vol-explicit");
  EXPECT_THAT(d.hidden_fields, ElementsAre("note"));
  EXPECT_THAT(d.consents, ElementsAre("old-permit"));
  EXPECT_THAT(rules_of(d, StepOutcome::pass), ::testing::Contains("cohort"));
}

struct DenyCase {
  const char* name;
  std::function<void(Request&, ResourceFacts&, Policy&)> change;
  const char* rule;
  const char* says;
};

TEST_F(Engine, EachRuleDeniesOnItsOwn) {
  const std::vector<DenyCase> cases = {
      {"no policy", [](Request&, ResourceFacts&, Policy& p) { p = Policy{}; }, "policy", "no policy is in force"},
      {"unknown caller", [](Request& r, ResourceFacts&, Policy&) { r.caller = Caller{}; }, "authenticated", "unknown caller"},
      {"unauthenticated", [](Request& r, ResourceFacts&, Policy&) { r.caller.authenticated = false; }, "authenticated", "not authenticated"},
      {"missing scope", [](Request& r, ResourceFacts&, Policy&) { r.scope_allows = false; }, "scope", "scopes do not allow read on CarePlan"},
      {"ig officer", [](Request& r, ResourceFacts&, Policy&) { r.caller.roles = {"ig-officer"}; }, "role", "ig-officer role never reads"},
      {"ig officer and partner", [](Request& r, ResourceFacts&, Policy&) { r.caller.roles = {"partner", "ig-officer"}; }, "role", "ig-officer"},
      {"integrator", [](Request& r, ResourceFacts&, Policy&) { r.caller.roles = {"integrator"}; }, "role", "integrator role"},
      {"admin", [](Request& r, ResourceFacts&, Policy&) { r.caller.roles = {"admin", "partner"}; }, "role", "admin role"},
      {"no partner role", [](Request& r, ResourceFacts&, Policy&) { r.caller.roles = {}; }, "role", "does not hold the partner role"},
      {"internal kind", [](Request& r, ResourceFacts&, Policy&) { r.caller.kind = OrgKind::internal; }, "role", "internal clients"},
      {"unknown organisation", [](Request& r, ResourceFacts&, Policy&) { r.caller.organisation = "ZZZ"; }, "organisation", "ZZZ is not in the policy"},
      {"kind mismatch", [](Request& r, ResourceFacts&, Policy&) { r.caller.kind = OrgKind::voluntary; }, "organisation", "policy says statutory"},
      {"missing purpose", [](Request& r, ResourceFacts&, Policy&) { r.purpose.clear(); }, "purpose", "states no purpose"},
      {"unknown purpose", [](Request& r, ResourceFacts&, Policy&) { r.purpose = "FUN"; }, "purpose", "'FUN' is not a known purpose"},
      {"conflicting purpose", [](Request& r, ResourceFacts&, Policy&) { r.caller.purpose = "HRESCH"; }, "purpose", "but the token says HRESCH"},
      {"purpose not agreed", [](Request& r, ResourceFacts&, Policy&) { r.purpose = "HRESCH"; }, "agreement", "no agreement in force"},
      {"controller not covered", [](Request&, ResourceFacts& f, Policy&) { f.controller = "P9"; }, "agreement", "records of P9"},
      {"expired agreement", [](Request&, ResourceFacts& f, Policy&) { f.controller = "P2"; }, "agreement", "no agreement in force"},
      {"delete", [](Request& r, ResourceFacts&, Policy&) { r.interaction = model::Interaction::remove; }, "interaction", "delete is never permitted"},
      {"type not allowed", [](Request&, ResourceFacts& f, Policy&) { f.type = "Flag"; }, "resource-type", "does not allow read on Flag"},
      {"search not allowed", [](Request& r, ResourceFacts& f, Policy& p) { f.type = "CarePlan"; r.interaction = model::Interaction::search; p.agreements[1].resources[1].actions = {Action::read}; }, "resource-type", "does not allow search on CarePlan"},
      {"type history counts as search", [](Request& r, ResourceFacts&, Policy& p) { r.interaction = model::Interaction::history_type; p.agreements[1].resources[1].actions = {Action::read}; }, "resource-type", "does not allow search"},
      {"no patient", [](Request&, ResourceFacts& f, Policy&) { f.patient_id.clear(); }, "patient", "names no patient"},
      {"unknown patient", [](Request&, ResourceFacts& f, Policy&) { f.patient_id = "ghost"; }, "patient", "patient ghost is unknown"},
      {"dissent", [](Request&, ResourceFacts& f, Policy&) { f.patient_id = "dissenter"; }, "consent", "has dissented"},
      {"unverified NHS number", [](Request&, ResourceFacts& f, Policy&) { f.patient_id = "unverified"; }, "nhs-number", "not verified"},
      {"confidential", [](Request&, ResourceFacts& f, Policy&) { f.confidential = true; }, "confidential", "marked confidential"},
      {"excluded code", [](Request&, ResourceFacts& f, Policy&) { f.type = "MedicationStatement"; f.codes = {{"http://x", "1"}, {testing::kSct, "S2"}}; }, "exclusion", "sensitive: http://snomed.info/sct|S2"},
  };
  // Traced ($explain) and untraced (the request path): the same decision and
  // the same reason; untraced keeps no passes or notes.
  for (bool trace : {true, false}) {
    for (const auto& c : cases) {
      Request r = request("TRU", "TREAT");
      r.trace = trace;
      ResourceFacts f = resource("CarePlan", "cp1", "P1", "old");
      Policy p = policy;
      c.change(r, f, p);
      auto it = patients.find(f.patient_id);
      Decision d = decide(p, consents, r, f, it == patients.end() ? nullptr : &it->second);
      EXPECT_FALSE(d.permit) << c.name;
      EXPECT_EQ(d.rule, c.rule) << c.name;
      EXPECT_THAT(d.reason(), HasSubstr(c.says)) << c.name;
      EXPECT_TRUE(d.agreement.empty()) << c.name;
      EXPECT_TRUE(d.hidden_fields.empty()) << c.name;
      ASSERT_FALSE(d.chain.empty()) << c.name;
      EXPECT_EQ(d.chain.back().outcome, StepOutcome::fail) << c.name;
      if (!trace) {
        EXPECT_THAT(rules_of(d, StepOutcome::pass), IsEmpty()) << c.name;
        EXPECT_THAT(rules_of(d, StepOutcome::note), IsEmpty()) << c.name;
      }
    }
  }
}

TEST_F(Engine, AnUntracedPermitIsTheSameDecisionWithoutItsSentences) {
  for (const char* org : {"TRU", "VOL"}) {
    Request traced = request(org, org == std::string("TRU") ? "TREAT" : "CAREMGT");
    Request untraced = traced;
    untraced.trace = false;
    auto f = resource("CarePlan", "cp1", "P1", "old");
    auto a = decide_for(traced, f);
    auto b = decide_for(untraced, f);
    ASSERT_TRUE(a.permit) << a.reason();
    EXPECT_TRUE(b.permit) << org;
    EXPECT_EQ(b.rule, a.rule);
    EXPECT_EQ(b.agreement, a.agreement);
    EXPECT_EQ(b.hidden_fields, a.hidden_fields);
    EXPECT_EQ(b.consents, a.consents);
    EXPECT_EQ(b.policy_version, a.policy_version);
    EXPECT_THAT(b.chain, IsEmpty()) << org;  // nothing failed, and passes are not recorded
  }
}

TEST_F(Engine, ExplicitModeNeedsAPermitAndDissentNamesTheConsent) {
  consents.erase("young-permit");
  auto d = decide_for(request("VOL", "CAREMGT"), resource("CarePlan", "cp", "P1", "young"));
  EXPECT_EQ(d.rule, "consent");
  EXPECT_THAT(d.reason(), HasSubstr("explicit consent is required"));
  auto dis = decide_for(request("TRU", "TREAT"), resource("CarePlan", "cp", "P1", "dissenter"));
  EXPECT_THAT(dis.consents, ElementsAre("dissent"));
}

TEST_F(Engine, CohortAndExpiredAgreementsAreExplained) {
  // young: permit, verified, but 35 years old and no frailty flag.
  auto d = decide_for(request("VOL", "CAREMGT"), resource("CarePlan", "cp", "P1", "young"));
  EXPECT_EQ(d.rule, "cohort");
  EXPECT_THAT(d.reason(), HasSubstr("age 35 fails minimum 65"));
  // frail: young too but flagged, at P2, permit for any voluntary organisation.
  auto f = decide_for(request("VOL", "CAREMGT"), resource("CarePlan", "cp", "P2", "frail"));
  EXPECT_TRUE(f.permit) << f.reason();
  auto e = decide_for(request("TRU", "TREAT"), resource("CarePlan", "cp", "P2", "frail"));
  EXPECT_EQ(e.rule, "agreement");
  bool noted = false;
  for (const auto& s : e.chain)
    noted = noted || (s.outcome == StepOutcome::note && s.sentence.find("'trust-expired' is not in force (valid 2020-01-01 to 2020-12-31)") != std::string::npos);
  EXPECT_TRUE(noted);
}

TEST_F(Engine, ReferenceDataIsSharedButNeverPatientData) {
  auto q = resource("Questionnaire", "five-questions", "", "");
  EXPECT_TRUE(decide_for(request("VOL", "CAREMGT", model::Interaction::search, "Questionnaire"), q).permit);
  EXPECT_FALSE(decide_for(request("VOL", "", model::Interaction::read, "Questionnaire"), q).permit);
  EXPECT_EQ(decide_for(request("VOL", "CAREMGT", model::Interaction::create, "Questionnaire"), q).rule, "interaction");
  auto tagged = resource("Questionnaire", "odd", "P1", "");
  EXPECT_EQ(decide_for(request("VOL", "CAREMGT"), tagged).rule, "reference-data");
}

TEST_F(Engine, WritesAreNotReads) {
  EXPECT_EQ(decide_for(request("TRU", "TREAT", model::Interaction::create), resource("CarePlan", "x", "P1", "old")).rule,
            "interaction");
}

TEST_F(Engine, MayOperateByRole) {
  Caller c;
  c.authenticated = true;
  c.roles = {"ig-officer"};
  EXPECT_TRUE(may_operate(c, Operation::explain));
  EXPECT_TRUE(may_operate(c, Operation::read_audit));
  EXPECT_FALSE(may_operate(c, Operation::import));
  c.roles = {"integrator"};
  EXPECT_TRUE(may_operate(c, Operation::import));
  EXPECT_TRUE(may_operate(c, Operation::export_writeback));
  EXPECT_FALSE(may_operate(c, Operation::read_audit));
  c.roles = {"partner"};
  for (auto op : {Operation::import, Operation::export_writeback, Operation::read_quarantine, Operation::read_audit,
                  Operation::explain, Operation::dry_run, Operation::reload_policy})
    EXPECT_FALSE(may_operate(c, op));
  c.roles = {"admin"};
  c.authenticated = false;
  EXPECT_FALSE(may_operate(c, Operation::reload_policy));
}

// ---- writes

class EngineWrite : public Engine {
 protected:
  Decision write(const char* org, model::Interaction i, const ResourceFacts& incoming, const char* body,
                 const ResourceFacts* current, const char* purpose = "CAREMGT") {
    auto doc = json::parse(body);
    EXPECT_TRUE(doc);
    auto it = patients.find(incoming.patient_id);
    return decide_write(policy, consents, request(org, purpose, i, incoming.type.c_str()), incoming, *doc, current,
                        it == patients.end() ? nullptr : &it->second);
  }
};

TEST_F(EngineWrite, PartnerCreatesForAVisiblePatient) {
  auto qr = resource("QuestionnaireResponse", "new", "", "old");
  auto d = write("VOL", model::Interaction::create, qr, R"({"resourceType":"QuestionnaireResponse","status":"completed"})", nullptr);
  EXPECT_TRUE(d.permit) << d.reason();
  EXPECT_EQ(d.agreement, "vol-explicit");
  auto young = resource("QuestionnaireResponse", "new", "", "young");
  EXPECT_EQ(write("VOL", model::Interaction::create, young, "{}", nullptr).rule, "cohort");
  auto ghost = resource("QuestionnaireResponse", "new", "", "ghost");
  EXPECT_EQ(write("VOL", model::Interaction::create, ghost, "{}", nullptr).rule, "subject");
  auto dissent = resource("CarePlan", "new", "", "dissenter");
  EXPECT_EQ(write("TRU", model::Interaction::create, dissent, "{}", nullptr, "TREAT").rule, "consent");
  auto wrong_controller = resource("QuestionnaireResponse", "new", "P2", "old");
  EXPECT_EQ(write("VOL", model::Interaction::create, wrong_controller, "{}", nullptr).rule, "subject");
  auto not_allowed = resource("MedicationStatement", "new", "", "old");
  EXPECT_EQ(write("VOL", model::Interaction::create, not_allowed, "{}", nullptr).rule, "resource-type");
}

TEST_F(EngineWrite, MayNotWriteHiddenFields) {
  auto qr = resource("QuestionnaireResponse", "new", "", "old");
  auto d = write("VOL", model::Interaction::create, qr,
                 R"({"item":[{"linkId":"1","answer":[{"valueString":"secret"}]}]})", nullptr);
  EXPECT_EQ(d.rule, "hidden-field");
  EXPECT_THAT(d.reason(), HasSubstr("item.answer.valueString"));
  EXPECT_TRUE(write("VOL", model::Interaction::create, qr, R"({"item":[{"linkId":"1","answer":[{"valueInteger":3}]}]})", nullptr).permit);
}

TEST_F(EngineWrite, UpdatesOnlyWhatThePartnerAuthoredAndCanSee) {
  auto mine = resource("CarePlan", "cp", "P1", "old");
  mine.author_org = "VOL";
  auto incoming = resource("CarePlan", "cp", "P1", "old");
  auto d = write("VOL", model::Interaction::update, incoming, R"({"status":"active"})", &mine);
  EXPECT_TRUE(d.permit) << d.reason();
  EXPECT_THAT(rules_of(d, StepOutcome::pass), ::testing::IsSupersetOf({"not-visible", "authorship", "consent"}));

  auto practice = resource("CarePlan", "cp", "P1", "old");
  EXPECT_EQ(write("VOL", model::Interaction::update, incoming, "{}", &practice).rule, "authorship");

  auto hidden = mine;
  hidden.confidential = true;
  auto h = write("VOL", model::Interaction::update, incoming, "{}", &hidden);
  EXPECT_EQ(h.rule, "not-visible");  // the REST layer answers 404, as for a missing resource

  auto moved = resource("CarePlan", "cp", "P2", "frail");
  EXPECT_EQ(write("VOL", model::Interaction::update, moved, "{}", &mine).rule, "not-visible");
  auto moved_same_practice = resource("CarePlan", "cp", "P1", "young");
  auto m = decide_write(policy, consents, request("VOL", "CAREMGT", model::Interaction::update), moved_same_practice,
                        *json::parse("{}"), &mine, &patients["old"]);
  EXPECT_EQ(m.rule, "subject");

  EXPECT_EQ(write("VOL", model::Interaction::update, incoming, "{}", nullptr).rule, "current-version");
  EXPECT_EQ(write("VOL", model::Interaction::update, incoming, R"({"note":[{"text":"x"}]})", &mine).rule, "hidden-field");
  EXPECT_EQ(write("VOL", model::Interaction::read, incoming, "{}", &mine).rule, "interaction");
}

// ---- redaction

TEST(Redact, RemovesPathsThroughArraysAndLabels) {
  auto doc = doc_of(R"({"resourceType":"MedicationStatement","id":"m",
    "note":[{"text":"private"}],
    "dosage":[{"text":"two a day","timing":{"code":{"text":"BD"}}},{"text":"one"}],
    "effectiveDateTime":"2025-01-01","effectivePeriod":{"start":"2025"},"effectiveness":"kept",
    "meta":{"versionId":"3"}})");
  redact(doc, doc.GetAllocator(), {"note", "dosage.text", "effective[x]"});
  EXPECT_EQ(json::to_string(doc),
            R"({"resourceType":"MedicationStatement","id":"m","dosage":[{"timing":{"code":{"text":"BD"}}}],"effectiveness":"kept",)"
            R"("meta":{"versionId":"3","security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ObservationValue","code":"REDACTED","display":"redacted"}]}})");
  // Idempotent: the label is not added twice.
  redact(doc, doc.GetAllocator(), {"note"});
  EXPECT_EQ(json::get_path(doc, "meta.security")->Size(), 1u);
}

TEST(Redact, LabelsEvenWhenNothingWasPresentAndNothingWhenNothingIsHidden) {
  auto doc = doc_of(R"({"resourceType":"CarePlan","id":"c"})");
  redact(doc, doc.GetAllocator(), {});
  EXPECT_EQ(json::to_string(doc), R"({"resourceType":"CarePlan","id":"c"})");
  redact(doc, doc.GetAllocator(), {"note"});
  EXPECT_EQ(json::get_path(doc, "meta.security")->Size(), 1u);
  EXPECT_TRUE(has_field(*json::parse(R"({"a":[{"b":null},{"b":1}]})"), "a.b"));
  EXPECT_FALSE(has_field(*json::parse(R"({"a":[{"b":null}]})"), "a.b"));
  EXPECT_FALSE(has_field(*json::parse(R"({"a":1})"), "a.b"));
}

TEST(ResourceFactsOf, ReadsGovernanceColumnsAndCodes) {
  auto doc = doc_of(R"({"resourceType":"MedicationStatement","id":"m1",
    "meta":{"tag":[{"system":"https://fhir-gateway.org.uk/CodeSystem/controller","code":"P1"},
                   {"system":"https://fhir-gateway.org.uk/CodeSystem/author-organisation","code":"VOL"}],
            "security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-Confidentiality","code":"R"}]},
    "subject":{"reference":"Patient/pat-9"},
    "medicationCodeableConcept":{"coding":[{"system":"https://dmd.nhs.uk","code":"123"}]},
    "reasonCode":[{"coding":[{"system":"http://snomed.info/sct","code":"S1"}]}]})");
  auto f = resource_facts(doc);
  EXPECT_EQ(f.type, "MedicationStatement");
  EXPECT_EQ(f.controller, "P1");
  EXPECT_EQ(f.author_org, "VOL");
  EXPECT_EQ(f.patient_id, "pat-9");
  EXPECT_TRUE(f.confidential);
  EXPECT_THAT(f.codes, ElementsAre(Coding{"https://dmd.nhs.uk", "123"}, Coding{testing::kSct, "S1"}));
  auto patient = doc_of(R"({"resourceType":"Patient","id":"p1","birthDate":"1950-02-03",
    "meta":{"tag":[{"system":"https://fhir-gateway.org.uk/CodeSystem/controller","code":"P2"}]},
    "identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9992345675","extension":[{
      "url":"https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus",
      "valueCodeableConcept":{"coding":[{"system":"https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland","code":"01"}]}}]}]})");
  EXPECT_EQ(resource_facts(patient).patient_id, "p1");
  auto pf = patient_facts(patient);
  EXPECT_EQ(pf.controller, "P2");
  EXPECT_TRUE(pf.nhs_number_verified);
  add_flag(pf, *json::parse(R"({"resourceType":"Flag","status":"active","code":{"coding":[{"system":"http://snomed.info/sct","code":"FRAIL"}]}})"));
  add_flag(pf, *json::parse(R"({"resourceType":"Flag","status":"inactive","code":{"coding":[{"system":"http://snomed.info/sct","code":"OLD"}]}})"));
  add_flag(pf, *json::parse(R"({"resourceType":"Flag","status":"active","period":{"start":"2025-03-01","end":"2025-06-30T12:00:00Z"},"code":{"coding":[{"system":"http://snomed.info/sct","code":"SPRING"}]}})"));
  add_flag(pf, *json::parse(R"({"resourceType":"Flag","status":"active","period":{"start":"soon"},"code":{"coding":[{"system":"http://snomed.info/sct","code":"UNREADABLE"}]}})"));
  ASSERT_EQ(pf.flag_codes.size(), 2u);
  EXPECT_EQ(pf.flag_codes[0].code, (Coding{testing::kSct, "FRAIL"}));
  EXPECT_EQ(pf.flag_codes[1].code, (Coding{testing::kSct, "SPRING"}));
  // A flag counts within its period only: from its start's first instant to its end's last.
  const FlagCode& spring = pf.flag_codes[1];
  EXPECT_FALSE(spring.active_at(testing::at("2025-02-28T23:59:59Z")));
  EXPECT_TRUE(spring.active_at(testing::at("2025-03-01T00:00:00Z")));
  EXPECT_TRUE(spring.active_at(testing::at("2025-06-30T12:00:00Z")));
  EXPECT_FALSE(spring.active_at(testing::at("2025-06-30T12:00:01Z")));
  EXPECT_TRUE(pf.flag_codes[0].active_at(0));
}

// A cohort by flag follows the flag's period at the decision's instant: a
// flag that ends later takes the patient out of the cohort then.
TEST(Cohort, FlagCountsOnlyWithinItsPeriod) {
  PatientFacts pf;
  pf.id = "p1";
  add_flag(pf, *json::parse(R"({"resourceType":"Flag","status":"active","period":{"start":"2025-03-01","end":"2025-06-30"},"code":{"coding":[{"system":"http://snomed.info/sct","code":"FRAIL"}]}})"));
  Cohort cohort;
  CohortCondition frail;
  frail.check = CohortCheck::has_active_flag;
  frail.flag_codes = {{testing::kSct, "FRAIL"}};
  cohort.conditions.push_back(frail);
  EXPECT_FALSE(in_cohort(cohort, pf, testing::at("2025-02-28T12:00:00Z")));
  EXPECT_TRUE(in_cohort(cohort, pf, testing::at("2025-06-30T23:59:59Z")));
  EXPECT_FALSE(in_cohort(cohort, pf, testing::at("2025-07-01T00:00:00Z")));
}

TEST(Age, WholeYearsOnFullDatesOnly) {
  EXPECT_EQ(age_in_years("1960-06-01", testing::at("2025-06-01T00:00:00Z")), 65);
  EXPECT_EQ(age_in_years("1960-06-02", testing::at("2025-06-01T23:59:59Z")), 64);
  EXPECT_EQ(age_in_years("1960-02-29", testing::at("2025-02-28T12:00:00Z")), 64);
  EXPECT_EQ(age_in_years("1960", testing::at("2025-06-01T00:00:00Z")), -1);
  EXPECT_EQ(age_in_years("", 0), -1);
}

// ---- explain

TEST_F(Engine, ExplainGivesTheDecisionAndItsChainAsJson) {
  auto f = resource("MedicationStatement", "m1", "P1", "old");
  f.codes = {{testing::kSct, "S1"}};
  auto doc = explain(policy, consents, request("VOL", "CAREMGT", model::Interaction::read, "MedicationStatement"), f,
                     &patients["old"]);
  EXPECT_EQ(std::string(doc["decision"].GetString()), "deny");
  EXPECT_EQ(std::string(doc["rule"].GetString()), "exclusion");
  EXPECT_EQ(std::string(doc["policyVersion"].GetString()), policy.version_stamp);
  EXPECT_EQ(std::string(doc["exclusions"][0].GetString()), "sensitive: http://snomed.info/sct|S1");
  EXPECT_EQ(std::string(doc["request"]["resource"].GetString()), "MedicationStatement/m1");
  EXPECT_EQ(std::string(doc["request"]["organisation"].GetString()), "VOL");
  ASSERT_TRUE(doc["chain"].IsArray());
  const auto& last = doc["chain"][doc["chain"].Size() - 1];
  EXPECT_EQ(std::string(last["rule"].GetString()), "exclusion");
  EXPECT_EQ(std::string(last["outcome"].GetString()), "fail");

  f.codes.clear();
  auto ok = explain(policy, consents, request("VOL", "CAREMGT"), f, &patients["old"]);
  EXPECT_EQ(std::string(ok["decision"].GetString()), "permit");
  EXPECT_EQ(std::string(ok["agreement"].GetString()), "vol-explicit");
  EXPECT_EQ(std::string(ok["agreementTitle"].GetString()), "Voluntary frailty support");
  EXPECT_EQ(std::string(ok["consentMode"].GetString()), "explicit");
  EXPECT_EQ(std::string(ok["hiddenFields"][0].GetString()), "dosage.text");
  EXPECT_EQ(std::string(ok["consents"][0].GetString()), "old-permit");

  auto w = explain(policy, consents, request("VOL", "CAREMGT", model::Interaction::create), resource("Flag", "f", "", "old"),
                   &patients["old"]);
  EXPECT_EQ(std::string(w["decision"].GetString()), "permit");
}

// ---- dry run

TEST_F(Engine, DryRunCountsWhatChanges) {
  std::vector<ResourceFacts> resources = {
      resource("CarePlan", "a", "P1", "old"),         resource("CarePlan", "b", "P1", "young"),
      resource("CarePlan", "c", "P1", "dissenter"),   resource("CarePlan", "d", "P2", "frail"),
      resource("Flag", "e", "P1", "old"),             resource("Questionnaire", "q", "", ""),
  };
  // Proposed: the trust's agreement moves to explicit consent and adds Flag.
  std::string yaml = testing::kBasePolicy;
  const std::string from = "    consent_mode: implied\n    resources:\n      Patient: {interactions: [read, search]}\n";
  ASSERT_NE(yaml.find(from), std::string::npos);
  yaml.replace(yaml.find(from), from.size(),
               "    consent_mode: explicit\n    resources:\n      Patient: {interactions: [read, search]}\n"
               "      Flag: {interactions: [read]}\n");
  Policy proposed = testing::load_in(dir, yaml);
  ASSERT_TRUE(proposed.loaded);
  auto report = dry_run(policy, proposed, consents, patients, resources, {"TREAT"}, now);
  EXPECT_EQ(report.current_version, policy.version_stamp);
  EXPECT_EQ(report.proposed_version, proposed.version_stamp);
  ASSERT_EQ(report.partners.size(), 1u);  // only TRU sees anything for TREAT
  const auto& tru = report.partners[0];
  EXPECT_EQ(tru.partner, "TRU");
  EXPECT_EQ(tru.resources_before, 2u);  // a, b (c dissented, d at P2)
  EXPECT_EQ(tru.patients_before, 2u);
  // After: explicit; old has a general permit, young a general permit from P1 → a, b, e.
  EXPECT_EQ(tru.resources_after, 3u);
  EXPECT_EQ(tru.resources_became_visible, 1u);
  EXPECT_EQ(tru.resources_became_hidden, 0u);
  EXPECT_THAT(tru.became_visible_examples, ElementsAre("Flag/e"));
  EXPECT_EQ(tru.patients_became_visible, 0u);

  // No agreements in the proposal: everything becomes hidden.
  Policy nothing = testing::load_in(dir, "version: none\norganisations: []\nconsent_codes: {permit: [], deny: []}\nagreements: []\n");
  auto gone = dry_run(policy, nothing, consents, patients, resources, {}, now);
  size_t hidden = 0;
  for (const auto& row : gone.partners) {
    EXPECT_EQ(row.resources_after, 0u);
    EXPECT_EQ(row.resources_became_hidden, row.resources_before);
    EXPECT_EQ(row.patients_became_hidden, row.patients_before);
    hidden += row.resources_became_hidden;
  }
  EXPECT_EQ(hidden, 2u /*TRU TREAT*/ + 2u /*VOL: a (old), d (frail)*/ + 1u /*VOL: e*/);
  auto js = to_json(gone);
  EXPECT_TRUE(js["partners"].IsArray());
  EXPECT_EQ(js["partners"].Size(), gone.partners.size());
  EXPECT_TRUE(js["partners"][0].HasMember("resourcesBecomeHidden"));
}

// ---- narrowing, by example (the property test checks it exhaustively)

TEST_F(Engine, NarrowGivesGrantsPerAgreementAndType) {
  auto v = narrow(policy, consents, request("TRU", "TREAT", model::Interaction::search, "CarePlan"), patients);
  EXPECT_FALSE(v.all);
  ASSERT_EQ(v.grants.size(), 1u);
  const auto& g = v.grants[0];
  EXPECT_THAT(g.controllers, ElementsAre("P1"));
  EXPECT_THAT(g.types, ElementsAre("CarePlan"));
  EXPECT_TRUE(g.exclude_confidential);
  // Implied consent, 5 patients: 3 allowed (old, young, frail), 2 refused
  // (dissenter, unverified): the IN list is no longer than the NOT IN list.
  EXPECT_TRUE(g.patients_restricted);
  EXPECT_THAT(g.patients_in, ElementsAre("frail", "old", "young"));
  patients["more1"] = {"more1", "P1", true, "", {}};
  patients["more2"] = {"more2", "P1", true, "", {}};
  auto longer = narrow(policy, consents, request("TRU", "TREAT", model::Interaction::search, "CarePlan"), patients);
  ASSERT_EQ(longer.grants.size(), 1u);
  EXPECT_FALSE(longer.grants[0].patients_restricted);
  EXPECT_THAT(longer.grants[0].patients_out, ElementsAre("dissenter", "unverified", ""));
  auto ms = narrow(policy, consents, request("TRU", "TREAT", model::Interaction::search, "MedicationStatement"), patients);
  ASSERT_EQ(ms.grants.size(), 1u);
  EXPECT_THAT(ms.grants[0].excluded_codes, ElementsAre(Coding{testing::kSct, "S1"}, Coding{testing::kSct, "S2"}));
  // The voluntary agreement does not allow searching MedicationStatement.
  EXPECT_TRUE(narrow(policy, consents, request("VOL", "CAREMGT", model::Interaction::search, "MedicationStatement"), patients).grants.empty());
  auto vol = narrow(policy, consents, request("VOL", "CAREMGT", model::Interaction::search, "CarePlan"), patients);
  ASSERT_EQ(vol.grants.size(), 1u);
  EXPECT_TRUE(vol.grants[0].patients_restricted);
  EXPECT_THAT(vol.grants[0].patients_in, ElementsAre("frail", "old"));
  Request bad = request("TRU", "");
  EXPECT_TRUE(narrow(policy, consents, bad, patients).grants.empty());
  EXPECT_FALSE(narrow(policy, consents, bad, patients).all);
}

}  // namespace
}  // namespace fhirgw::policy
