#include "policy/consent.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "policy_test_support.hpp"

namespace fhirgw::policy {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::ConsentSpec;
using testing::consent_record;

class ConsentRules : public ::testing::Test {
 protected:
  void SetUp() override { policy = testing::load_in(dir, testing::kBasePolicy); }

  ConsentFinding eval(const char* partner, const char* purpose = "TREAT", const char* patient = "pat1",
                      const char* controller = "P1") {
    return evaluate_consent(policy, index, patient, controller, *policy.find_organisation(partner), purpose, now);
  }
  void add(ConsentSpec s) {
    if (s.patient.empty()) s.patient = "pat1";
    index.upsert(consent_record(s));
  }

  testing::TempDir dir;
  Policy policy;
  ConsentIndex index;
  int64_t now = testing::at("2025-06-01T12:00:00Z");
};

TEST_F(ConsentRules, NoRecordsMeansNeitherPermitNorDissent) {
  auto f = eval("TRU");
  EXPECT_FALSE(f.permit);
  EXPECT_FALSE(f.dissent);
  EXPECT_THAT(f.notes, ElementsAre("the patient has no consent records"));
}

TEST_F(ConsentRules, DissentWinsWhateverTheOrder) {
  // A newer permit does not override an older dissent, nor the reverse.
  add({.id = "old-deny", .provision = "deny", .source = "P1"});
  add({.id = "new-permit", .provision = "permit", .source = "P1"});
  auto f = eval("TRU");
  EXPECT_TRUE(f.dissent);
  EXPECT_TRUE(f.permit);  // both found; the engine lets the dissent win
  EXPECT_THAT(f.dissents, ElementsAre("old-deny"));
  ConsentIndex reversed;
  reversed.upsert(consent_record({.id = "new-permit", .patient = "pat1", .provision = "permit", .source = "P1"}));
  reversed.upsert(consent_record({.id = "old-deny", .patient = "pat1", .provision = "deny", .source = "P1"}));
  EXPECT_TRUE(evaluate_consent(policy, reversed, "pat1", "P1", *policy.find_organisation("TRU"), "TREAT", now).dissent);
}

TEST_F(ConsentRules, PracticeDissentIsNotOverriddenByAPartnerPermit) {
  add({.id = "practice-dissent", .code_system = testing::kRead2, .code = "9Nd1.", .source = "P1"});
  add({.id = "partner-permit", .provision = "permit", .actor_org = "VOL", .author = "VOL"});
  auto f = eval("VOL", "CAREMGT");
  EXPECT_TRUE(f.dissent);
  EXPECT_THAT(f.dissents, ElementsAre("practice-dissent"));
}

TEST_F(ConsentRules, APermitCountsOnlyFromThePracticeOrThePartnerItself) {
  add({.id = "by-vol", .provision = "permit", .author = "VOL"});
  add({.id = "by-oth", .provision = "permit", .author = "OTH"});
  add({.id = "by-nobody", .provision = "permit"});
  EXPECT_THAT(eval("VOL").permits, ElementsAre("by-vol"));
  EXPECT_THAT(eval("OTH").permits, ElementsAre("by-oth"));
  EXPECT_THAT(eval("TRU").permits, IsEmpty());  // neither the practice's nor TRU's own
  add({.id = "by-practice", .provision = "permit", .source = "P1"});
  EXPECT_THAT(eval("TRU").permits, ElementsAre("by-practice"));
  // The same record, for a patient of another practice, does not count for TRU.
  EXPECT_FALSE(eval("TRU", "TREAT", "pat1", "P2").permit);
}

TEST_F(ConsentRules, OnlyActiveConsentsCount) {
  add({.id = "gone", .status = "inactive", .provision = "deny", .source = "P1"});
  add({.id = "draft", .status = "draft", .provision = "deny", .source = "P1"});
  add({.id = "rejected", .status = "rejected", .provision = "permit", .source = "P1"});
  auto f = eval("TRU");
  EXPECT_FALSE(f.dissent);
  EXPECT_FALSE(f.permit);
  EXPECT_EQ(f.notes.size(), 3u);
  EXPECT_EQ(f.notes[0], "Consent/gone is inactive: ignored");
}

TEST_F(ConsentRules, ActorsAreOrganisationsOrKinds) {
  add({.id = "for-voluntary", .provision = "permit", .actor_kind = "voluntary", .source = "P1"});
  add({.id = "for-tru", .provision = "permit", .actor_org = "TRU", .source = "P1"});
  EXPECT_THAT(eval("VOL").permits, ElementsAre("for-voluntary"));
  EXPECT_THAT(eval("TRU").permits, ElementsAre("for-tru"));
  EXPECT_THAT(eval("OTH").permits, IsEmpty());
  add({.id = "not-statutory", .provision = "deny", .actor_kind = "statutory", .source = "P1"});
  EXPECT_FALSE(eval("VOL").dissent);
  EXPECT_TRUE(eval("TRU").dissent);
  EXPECT_TRUE(eval("OTH").dissent);
}

TEST_F(ConsentRules, UnreadableActorsFailClosed) {
  add({.id = "permit-someone", .provision = "permit", .actor_unrecognised = true, .source = "P1"});
  EXPECT_FALSE(eval("TRU").permit);  // a permit for someone unknown permits nobody
  add({.id = "deny-someone", .provision = "deny", .actor_unrecognised = true, .source = "P1"});
  EXPECT_TRUE(eval("TRU").dissent);  // a dissent from someone unknown applies to all
  EXPECT_TRUE(eval("VOL").dissent);
}

TEST_F(ConsentRules, PurposesNarrowPermitsAndDissents) {
  add({.id = "permit-treat", .provision = "permit", .purpose = "TREAT", .source = "P1"});
  add({.id = "deny-caremgt", .provision = "deny", .purpose = "CAREMGT", .source = "P1"});
  auto treat = eval("TRU", "TREAT");
  EXPECT_TRUE(treat.permit);
  EXPECT_FALSE(treat.dissent);
  auto caremgt = eval("TRU", "CAREMGT");
  EXPECT_FALSE(caremgt.permit);
  EXPECT_TRUE(caremgt.dissent);
}

TEST_F(ConsentRules, PeriodsBound) {
  add({.id = "expired", .provision = "permit", .end = "2025-05-31", .source = "P1"});
  add({.id = "future", .provision = "deny", .start = "2025-06-02", .source = "P1"});
  auto f = eval("TRU");
  EXPECT_FALSE(f.permit);
  EXPECT_FALSE(f.dissent);
  add({.id = "current", .provision = "permit", .start = "2025-01-01", .end = "2025-06-01", .source = "P1"});
  EXPECT_THAT(eval("TRU").permits, ElementsAre("current"));  // the end date is inclusive
}

TEST_F(ConsentRules, PolicyCodesClassify) {
  // A deny code makes the Consent a general dissent even if it says permit.
  add({.id = "coded-deny", .provision = "permit", .code_system = testing::kRead2, .code = "9Nd1.",
       .actor_org = "VOL", .purpose = "CAREMGT", .source = "P1"});
  auto f = eval("TRU", "TREAT");
  EXPECT_TRUE(f.dissent);
  EXPECT_FALSE(f.permit);
  index.erase("coded-deny");
  EXPECT_FALSE(eval("TRU").dissent);
  // A permit code with applies_to permits only those.
  add({.id = "third-party", .code_system = testing::kCtv3, .code = "XaNwR", .source = "P1"});
  EXPECT_THAT(eval("VOL").permits, ElementsAre("third-party"));
  EXPECT_FALSE(eval("TRU").permit);
  // A general permit code.
  add({.id = "general", .code_system = testing::kRead2, .code = "9Nd7.", .source = "P1"});
  EXPECT_THAT(eval("TRU").permits, ElementsAre("general"));
  // A code the policy does not list and no provision type: ignored.
  add({.id = "unknown-code", .code_system = testing::kRead2, .code = "XXXX.", .source = "P1"});
  EXPECT_THAT(eval("OTH").permits, ElementsAre("general"));
}

TEST_F(ConsentRules, UpsertReplacesAndEraseRemoves) {
  add({.id = "c1", .provision = "deny", .source = "P1"});
  EXPECT_TRUE(eval("TRU").dissent);
  add({.id = "c1", .status = "inactive", .provision = "deny", .source = "P1"});  // withdrawn
  EXPECT_FALSE(eval("TRU").dissent);
  EXPECT_EQ(index.size(), 1u);
  index.erase("c1");
  EXPECT_EQ(index.size(), 0u);
  EXPECT_EQ(index.for_patient("pat1"), nullptr);
}

TEST(ConsentParse, ReadsTheFieldsAndRefusesWhatItCannotPlace) {
  auto r = testing::consent_record({.id = "c", .patient = "p9", .provision = "deny", .actor_org = "TRU",
                                    .purpose = "TREAT", .start = "2025-01-01", .source = "P2"});
  EXPECT_EQ(r.patient_id, "p9");
  EXPECT_EQ(r.declared, Provision::deny);
  EXPECT_EQ(r.source_org, "P2");
  ASSERT_EQ(r.actors.size(), 1u);
  EXPECT_EQ(r.actors[0].organisation, "TRU");
  EXPECT_THAT(r.purposes, ElementsAre("TREAT"));
  EXPECT_EQ(r.start_ms, testing::at("2025-01-01T00:00:00Z"));
  auto no_patient = json::parse(R"({"resourceType":"Consent","id":"x","status":"active"})");
  EXPECT_FALSE(parse_consent(*no_patient));
  auto not_consent = json::parse(R"({"resourceType":"Flag","id":"x"})");
  EXPECT_FALSE(parse_consent(*not_consent));
  auto research = json::parse(R"({"resourceType":"Consent","id":"x","status":"active","patient":{"reference":"Patient/p"},
    "scope":{"coding":[{"code":"research"}]},"provision":{"type":"permit"}})");
  EXPECT_FALSE(parse_consent(*research)->about_sharing);
}

TEST_F(ConsentRules, ExtractCodesBecomeConsentsThatRoundTrip) {
  auto deny = consent_from_extract_code(policy, {"c-deny", "pat1", "P1", testing::kRead2, "9Nd1.", "2025-02-03"});
  ASSERT_TRUE(deny);
  auto rd = parse_consent(*deny);
  ASSERT_TRUE(rd);
  EXPECT_EQ(rd->declared, Provision::deny);
  EXPECT_EQ(rd->source_org, "P1");
  EXPECT_EQ(json::get_path(*deny, "dateTime")->GetString(), std::string("2025-02-03"));
  auto eff = effective_provision(policy, *rd);
  ASSERT_TRUE(eff);
  EXPECT_TRUE(eff->general);

  auto third = consent_from_extract_code(policy, {"c-permit", "pat1", "P1", testing::kCtv3, "XaNwR", ""});
  ASSERT_TRUE(third);
  auto rp = parse_consent(*third);
  ASSERT_TRUE(rp);
  ASSERT_EQ(rp->actors.size(), 1u);
  EXPECT_EQ(rp->actors[0].organisation, "VOL");
  index.upsert(*rp);
  EXPECT_TRUE(eval("VOL").permit);
  EXPECT_FALSE(eval("TRU").permit);
  index.upsert(*rd);
  EXPECT_TRUE(eval("VOL").dissent);

  EXPECT_FALSE(consent_from_extract_code(policy, {"c", "pat1", "P1", testing::kRead2, "1234.", ""}));
}

TEST(ConsentIndexBuild, ReportsUnparseableResources) {
  auto good = json::parse(testing::consent_json({.id = "ok", .patient = "p", .provision = "deny"}));
  auto bad = json::parse(R"({"resourceType":"Consent","status":"active"})");
  std::vector<std::string> problems;
  auto idx = build_consent_index({&*good, &*bad}, &problems);
  EXPECT_EQ(idx.size(), 1u);
  EXPECT_EQ(problems.size(), 1u);
}

}  // namespace
}  // namespace fhirgw::policy
