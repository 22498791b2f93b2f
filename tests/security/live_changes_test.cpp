// Leak cases 3 and 9: a consent withdrawal recorded at the practice (by
// another process on the same store) and a policy or client change take
// effect on the very next request, without a restart: every version, every
// search, every include and every write about the patient vanishes at once.
// An invalid policy is refused and the old one stays in force.
#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "security_support.hpp"

namespace fhirgw::testing {
namespace {

using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::Not;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

std::string flag_for(const std::string& patient_id) {
  return R"({"resourceType":"Flag","status":"active","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/flag-category","code":"clinical"}]}],"code":{"text":"Falls concern"},"subject":{"reference":"Patient/)" +
         patient_id + R"("},"period":{"start":"2026-01-01"}})";
}

class LiveChanges : public GovernedSuite {
 protected:
  // The policy version the IG officer's $explain reports (what decisions use now).
  static std::string policy_version() {
    auto r = ig_officer().get("/$explain?client=ageuk-app&resource=CarePlan/cp-consent&interaction=read&purpose=CAREMGT");
    EXPECT_EQ(r.status, 200) << show(r);
    auto d = parse_body(r);
    return d.IsObject() ? std::string(json::get_string(d, "policyVersion").value_or("")) : "";
  }
  static HttpResponse reload() { return ig_officer().request("POST", "/$reload-policy"); }
  // Age UK sees the consenting patient's records (or, when !visible, nothing of them).
  static void expect_ageuk_sees_consenting_patient(bool visible, HttpClient& c, const std::string& when) {
    for (const auto& ref : {"Patient/pat-consent", "CarePlan/cp-consent", "MedicationStatement/ms-consent"}) {
      auto r = c.get(std::string("/") + ref);
      EXPECT_EQ(r.status, visible ? 200 : 404) << when << " " << ref << ": " << show(r);
    }
    auto r = c.get("/CarePlan?patient=pat-consent&_summary=count");
    EXPECT_EQ(r.status, 200) << show(r);
    if (visible) {
      EXPECT_GT(bundle_total(r), 0) << when;
    } else {
      EXPECT_EQ(bundle_total(r), 0) << when << ": " << show(r);
    }
  }
};

TEST_F(LiveChanges, ConsentWithdrawalHidesEveryVersionOnTheNextRequest) {
  auto& a = ageuk();
  auto& t = trust();
  // Before: the withdrawing patient's records, both versions of the plan, are visible.
  const std::vector<std::string> reads = {"/Patient/pat-withdraw", "/CarePlan/cp-withdraw",
                                          "/CarePlan/cp-withdraw/_history/1", "/CarePlan/cp-withdraw/_history/2",
                                          "/MedicationStatement/ms-withdraw", "/Patient/pat-withdraw/_history/1"};
  for (HttpClient* c : {&a, &t})
    for (const auto& p : reads) { auto r0 = c->get(p); ASSERT_EQ(r0.status, 200) << p << show(r0); }
  auto history = a.get("/CarePlan/cp-withdraw/_history");
  ASSERT_EQ(history.status, 200);
  ASSERT_EQ(entry_refs(history, "").size(), 2u) << show(history);
  // A paging link taken before the withdrawal, positioned before the plan's rows.
  auto before_page = a.get("/CarePlan?patient=pat-withdraw,pat-consent&_count=1");
  ASSERT_EQ(before_page.status, 200);
  const std::string next = path_of(bundle_link(before_page, "next"), gw().base_url());
  ASSERT_FALSE(next.empty());
  auto type_history_next = path_of(bundle_link(a.get("/CarePlan/_history?_count=1"), "next"), gw().base_url());
  ASSERT_FALSE(type_history_next.empty());

  // The practice records a dissent, through another process on the same store.
  auto dissent = gw().record_dissent("pat-withdraw");
  ASSERT_TRUE(dissent.ok()) << dissent.error().message();

  // The very next request (no restart, no wait) sees it: every version of everything is gone.
  for (HttpClient* c : {&a, &t}) {
    for (const auto& p : reads) {
      auto r = c->get(p);
      EXPECT_EQ(r.status, 404) << p << ": " << show(r);
      auto random = c->get(std::string(p).replace(p.find("withdraw"), 8, "nothing1"));
      EXPECT_EQ(without(r.body, "withdraw"), without(random.body, "nothing1")) << p;
    }
    auto h = c->get("/CarePlan/cp-withdraw/_history");
    EXPECT_EQ(h.status, 404) << show(h);
    EXPECT_THAT(entry_refs(h, ""), IsEmpty());
    for (const auto& q : {"/CarePlan?patient=pat-withdraw", "/MedicationStatement?patient=pat-withdraw",
                          "/Patient?_id=pat-withdraw", "/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9990000050",
                          "/CarePlan?subject:Patient.identifier=https://fhir.nhs.uk/Id/nhs-number|9990000050"}) {
      auto r = c->get(q);
      EXPECT_EQ(bundle_total(r), 0) << q << ": " << show(r);
      EXPECT_THAT(entry_refs(r, ""), IsEmpty()) << q;
    }
    // Type history, whole-system history and includes: no version of the patient's records.
    for (const auto& q : {"/CarePlan/_history?_count=1000", "/Patient/_history?_count=1000",
                          "/CarePlan?_include=CarePlan:subject&_count=1000",
                          "/Patient?_revinclude=CarePlan:subject&_revinclude=MedicationStatement:subject&_count=1000"}) {
      auto r = c->get(q);
      ASSERT_EQ(r.status, 200) << q << ": " << show(r);
      auto refs = entry_refs(r, "");
      for (const auto& hidden : {"CarePlan/cp-withdraw", "Patient/pat-withdraw", "MedicationStatement/ms-withdraw"})
        EXPECT_THAT(refs, Not(Contains(hidden))) << q;
    }
  }
  // Links issued before the withdrawal do not bring the records back.
  for (const auto& link : {next, type_history_next}) {
    auto r = a.get(link);
    EXPECT_EQ(r.status, 200) << link << ": " << show(r);
    for (const auto& ref : entry_refs(r, "")) EXPECT_EQ(ref.find("withdraw"), std::string::npos) << link;
  }
  // No writes about the patient any more either.
  auto w = a.send("POST", "/Flag", flag_for("pat-withdraw"));
  EXPECT_EQ(w.status, 403) << show(w);
  // The consent is the practice's: still on record there, and the patient's other records are intact.
  EXPECT_EQ(gw().practice_request("GET", "/CarePlan/cp-withdraw/_history/1").status, 200);
  // The other patients are unaffected.
  EXPECT_EQ(a.get("/CarePlan/cp-consent").status, 200);
}

// Leak case 9 says "on every gateway instance": two governed instances on one
// store (sharing one audit trail, re-chained on append) both see a withdrawal
// on their very next request. Its own patient: tests share one gateway.
TEST_F(LiveChanges, AWithdrawalReachesEveryInstance) {
  auto replica_a = gw().replica_session("ageuk-app", kAgeUkScopes, "CAREMGT");
  ASSERT_TRUE(replica_a.ok()) << replica_a.error().message();
  auto replica_t = gw().replica_session("trust-app", kTrustScopes, "TREAT");
  ASSERT_TRUE(replica_t.ok()) << replica_t.error().message();
  HttpClient& ra = **replica_a;
  HttpClient& rt = **replica_t;
  for (int i = 0; i < 3; ++i) {  // interleave: both instances append to the trail
    ASSERT_EQ(ra.get("/CarePlan/cp-withdraw2").status, 200);
    ASSERT_EQ(ageuk().get("/CarePlan/cp-withdraw2").status, 200);
  }
  // A paging link issued by the primary is the caller's own on the replica too.
  auto first = ageuk().get("/CarePlan?patient=pat-withdraw2,pat-consent&_count=1");
  const std::string next = path_of(bundle_link(first, "next"), gw().base_url());
  EXPECT_EQ(ra.get(next).status, 200);
  EXPECT_EQ(rt.get(next).status, 400);
  ASSERT_TRUE(gw().record_dissent("pat-withdraw2").ok());
  for (HttpClient* c : {&ra, &rt, &ageuk(), &trust()}) {
    EXPECT_EQ(c->get("/CarePlan/cp-withdraw2").status, 404);
    EXPECT_EQ(c->get("/CarePlan/cp-withdraw2/_history/1").status, 404);
    EXPECT_EQ(bundle_total(c->get("/CarePlan?patient=pat-withdraw2")), 0);
  }
}

TEST_F(LiveChanges, DroppingAnAgreementTakesEffectOnTheNextRequest) {
  const std::string original = read_text(gw().policy_file());
  const std::string v1 = policy_version();
  ASSERT_FALSE(v1.empty());
  expect_ageuk_sees_consenting_patient(true, ageuk(), "before");

  // Drop the Age UK agreement from the policy file, then reload through the API.
  auto from = original.find("  - id: ageuk-frailty");
  auto to = original.find("  - id: community-trust-direct-care");
  ASSERT_NE(from, std::string::npos);
  ASSERT_NE(to, std::string::npos);
  // Keep the comment that precedes the trust's agreement out of the way: cut up to its line.
  to = original.rfind("\n  #", to);
  std::string dropped = original.substr(0, from) + original.substr(to + 1);
  write_text(gw().policy_file(), dropped);
  auto r = reload();
  ASSERT_EQ(r.status, 200) << show(r);
  const std::string v2 = policy_version();
  EXPECT_NE(v2, v1);
  // The same token, the next request: nothing.
  expect_ageuk_sees_consenting_patient(false, ageuk(), "after dropping the agreement");
  EXPECT_EQ(bundle_total(ageuk().get("/Patient?_summary=count")), 0);
  EXPECT_EQ(ageuk().send("POST", "/Flag", flag_for("pat-consent")).status, 403);
  // The trust's agreement is untouched.
  EXPECT_EQ(trust().get("/CarePlan/cp-consent").status, 200);

  // Restore; Age UK sees again.
  write_text(gw().policy_file(), original);
  ASSERT_EQ(reload().status, 200);
  EXPECT_EQ(policy_version(), v1);
  expect_ageuk_sees_consenting_patient(true, ageuk(), "after restoring");
}

TEST_F(LiveChanges, SighupReloadsThePolicyFile) {
  const std::string original = read_text(gw().policy_file());
  const std::string v1 = policy_version();
  // Age UK loses MedicationStatement; a SIGHUP reloads (asynchronously: wait for the new version).
  std::string narrowed = original;
  const std::string ms = "      MedicationStatement:\n        interactions: [read, search]            # the medication list, no free text\n";
  auto pos = narrowed.find(ms);
  ASSERT_NE(pos, std::string::npos) << "the example policy changed; update this test";
  narrowed.replace(pos, ms.size(), "      MedicationStatement:\n        interactions: []\n");
  write_text(gw().policy_file(), narrowed);
  ASSERT_EQ(kill(gw().process().pid(), SIGHUP), 0);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string v2 = v1;
  while (v2 == v1 && std::chrono::steady_clock::now() < deadline) v2 = policy_version();
  ASSERT_NE(v2, v1) << "SIGHUP did not reload the policy";
  auto r = ageuk().get("/MedicationStatement/ms-consent");
  EXPECT_EQ(r.status, 404) << show(r);
  EXPECT_EQ(bundle_total(ageuk().get("/MedicationStatement?patient=pat-consent")), 0);
  r = ageuk().get("/Patient?_id=pat-consent&_revinclude=MedicationStatement:subject");
  EXPECT_THAT(entry_refs(r, "include"), IsEmpty()) << show(r);
  EXPECT_EQ(ageuk().get("/CarePlan/cp-consent").status, 200);
  write_text(gw().policy_file(), original);
  ASSERT_EQ(reload().status, 200);
  EXPECT_EQ(ageuk().get("/MedicationStatement/ms-consent").status, 200);
}

TEST_F(LiveChanges, AnInvalidPolicyIsRefusedAndTheOldOneStays) {
  const std::string original = read_text(gw().policy_file());
  const std::string v1 = policy_version();
  const std::vector<std::string> invalid = {
      original + "\nagreementz: []\n",                         // unknown key
      "version: [unclosed\n",                                    // not YAML
      "",                                                        // empty
      std::string(original).replace(original.find("consent_mode: explicit"), 22, "consent_mode: whatever"),
      std::string(original).replace(original.find("exclusions: [rcgp-sensitive]"), 28, "exclusions: [no-such-set]"),
  };
  for (const auto& text : invalid) {
    write_text(gw().policy_file(), text);
    auto r = reload();
    EXPECT_EQ(r.status, 422) << show(r);
    EXPECT_FALSE(outcome_text(r).empty());
    EXPECT_EQ(policy_version(), v1) << "an invalid policy replaced the one in force";
    // Sharing goes on exactly as before: neither widened nor narrowed.
    expect_ageuk_sees_consenting_patient(true, ageuk(), "after an invalid reload");
    EXPECT_EQ(ageuk().get("/CarePlan/cp-dissent").status, 404);
    EXPECT_EQ(ageuk().get("/MedicationStatement/ms-sensitive").status, 404);
  }
  // Line numbers point the IG officer at the problem.
  write_text(gw().policy_file(), original + "\nagreementz: []\n");
  auto r = reload();
  EXPECT_NE(outcome_text(r).find(":"), std::string::npos) << show(r);
  write_text(gw().policy_file(), original);
  ASSERT_EQ(reload().status, 200);
  EXPECT_EQ(policy_version(), v1);
}

TEST_F(LiveChanges, RemovingAClientRevokesItsTokensOnTheNextRequest) {
  const std::string original = read_text(gw().clients_file());
  auto token = gw().token("ageuk-flood", "system/CarePlan.rs");
  ASSERT_TRUE(token.ok());
  auto c = gw().http();
  c->set_default_headers({"Authorization: Bearer " + *token, "X-Purpose-Of-Use: CAREMGT"});
  ASSERT_EQ(c->get("/CarePlan/cp-consent").status, 200);
  auto from = original.find("  - client_id: ageuk-flood");
  auto to = original.find("  - client_id: trust-app");
  ASSERT_NE(from, std::string::npos);
  write_text(gw().clients_file(), original.substr(0, from) + original.substr(to));
  ASSERT_EQ(reload().status, 200);
  auto r = c->get("/CarePlan/cp-consent");
  EXPECT_EQ(r.status, 401) << show(r);
  EXPECT_EQ(r.body.find("Frailty care plan"), std::string::npos);
  write_text(gw().clients_file(), original);
  ASSERT_EQ(reload().status, 200);
}

}  // namespace
}  // namespace fhirgw::testing
