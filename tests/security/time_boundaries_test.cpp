// Decisions that change with the clock alone: a frailty flag that ends (the
// patient leaves Age UK's "65 or frail" cohort) and a dissent whose period
// starts later. Nothing is written when the instant passes, yet the very next
// request after it must decide on the new facts: reads, searches and counts,
// even though the same reads were just answered (and their decisions and the
// search narrowing kept) moments before.
#include <chrono>
#include <thread>

#include "core/fhir_time.hpp"
#include "security_support.hpp"

namespace fhirgw::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr int64_t kLeadMs = 3000;  // how far ahead the flag ends and the dissent starts

// An instant at whole seconds, kLeadMs from now.
int64_t soon_ms() { return (fhir_time::now_ms() + kLeadMs) / 1000 * 1000; }
std::string at_second(int64_t ms) { return fhir_time::format_instant(ms).substr(0, 19) + "Z"; }

std::string frailty_flag_ending(const std::string& end) {
  return R"({"resourceType":"Flag","id":"flag-frail-until","meta":{"tag":[{"system":"https://fhir-gateway.org.uk/CodeSystem/controller","code":"Y90001"}]},)"
         R"("status":"active","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/flag-category","code":"clinical"}]}],)"
         R"("code":{"coding":[{"system":"http://snomed.info/sct","code":"925831000000107","display":"Moderate frailty"}]},)"
         R"("subject":{"reference":"Patient/pat-frail-until"},"period":{"start":"2025-01-15","end":")" + end + R"("}})";
}

std::string dissent_starting(const std::string& start) {
  return R"({"resourceType":"Consent","id":"consent-dissent-from","meta":{"tag":[{"system":"https://fhir-gateway.org.uk/CodeSystem/controller","code":"Y90001"}]},)"
         R"("status":"active","scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"patient-privacy"}]},)"
         R"("category":[{"coding":[{"system":"http://loinc.org","code":"59284-0"}]},{"coding":[{"system":"http://read.info/readv2","code":"9Nd1."}]}],)"
         R"("patient":{"reference":"Patient/pat-dissent-from"},"dateTime":"2026-01-01T09:00:00+00:00",)"
         R"("organization":[{"identifier":{"system":"https://fhir.nhs.uk/Id/ods-organization-code","value":"Y90001"}}],)"
         R"("policyRule":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"OPTOUT"}]},)"
         R"("provision":{"type":"deny","period":{"start":")" + start + R"("}}})";
}

class TimeBoundaries : public GovernedSuite {
 protected:
  // The care plan read, searched and counted: all visible, or all hidden.
  static void expect_visible(HttpClient& c, const std::string& patient, bool visible, const std::string& when) {
    const std::string plan = "CarePlan/cp-" + patient.substr(4);
    auto read = c.get("/" + plan);
    EXPECT_EQ(read.status, visible ? 200 : 404) << when << " " << plan << ": " << show(read);
    auto search = c.get("/CarePlan?patient=" + patient);
    EXPECT_EQ(search.status, 200) << when << ": " << show(search);
    if (visible) {
      EXPECT_THAT(entry_refs(search), ElementsAre(plan)) << when;
    } else {
      EXPECT_THAT(entry_refs(search), IsEmpty()) << when << ": " << show(search);
    }
    EXPECT_EQ(bundle_total(c.get("/CarePlan?patient=" + patient + "&_summary=count")), visible ? 1 : 0) << when;
    EXPECT_EQ(bundle_total(c.get("/CarePlan?patient=" + patient + "&_total=accurate")), visible ? 1 : 0) << when;
  }

  static void sleep_until(int64_t ms) {
    while (fhir_time::now_ms() < ms) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
};

TEST_F(TimeBoundaries, AFlagThatEndsTakesThePatientOutOfTheCohortThen) {
  // Young and not frail: only the trust (no cohort) sees the plan.
  expect_visible(ageuk(), "pat-frail-until", false, "before the flag");
  const int64_t end = soon_ms();
  auto w = gw().practice_request("PUT", "/Flag/flag-frail-until", frailty_flag_ending(at_second(end)));
  ASSERT_TRUE(w.status == 200 || w.status == 201) << show(w);
  // Frail until `end` (its last second included): Age UK sees it, twice, so
  // the second answers come from kept decisions.
  for (int i = 0; i < 2; ++i) expect_visible(ageuk(), "pat-frail-until", true, "while the flag lasts");
  ASSERT_LT(fhir_time::now_ms(), end) << "the machine was too slow to check before the flag ended";
  sleep_until(end + 1000);  // a period end in seconds lasts to the end of that second
  expect_visible(ageuk(), "pat-frail-until", false, "after the flag ended");
  expect_visible(trust(), "pat-frail-until", true, "for the trust, whose agreement has no cohort");
}

TEST_F(TimeBoundaries, ADissentHidesThePatientFromTheMomentItsPeriodStarts) {
  const int64_t start = soon_ms();
  auto w = gw().practice_request("PUT", "/Consent/consent-dissent-from", dissent_starting(at_second(start)));
  ASSERT_TRUE(w.status == 200 || w.status == 201) << show(w);
  for (int i = 0; i < 2; ++i)
    for (HttpClient* c : {&ageuk(), &trust()}) expect_visible(*c, "pat-dissent-from", true, "before the dissent starts");
  ASSERT_LT(fhir_time::now_ms(), start) << "the machine was too slow to check before the dissent started";
  sleep_until(start);
  for (HttpClient* c : {&ageuk(), &trust()}) {
    expect_visible(*c, "pat-dissent-from", false, "once the dissent started");
    EXPECT_EQ(c->get("/Patient/pat-dissent-from").status, 404);
  }
  // Other patients are unaffected.
  EXPECT_EQ(ageuk().get("/CarePlan/cp-consent").status, 200);
}

}  // namespace
}  // namespace fhirgw::testing
