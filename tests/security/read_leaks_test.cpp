// Read-side leak cases (consent-model.md "Enforcement without leaks" 1, 2, 4,
// 7 and 10, and hidden fields): partners attack the governed gateway through
// reads, searches, includes, chains, paging links, history and operations.
// Nothing in here changes consent or policy, so the seeded visibility holds.
#include <set>

#include "security_support.hpp"

namespace fhirgw::testing {
namespace {

using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAreArray;

const char* kPaging = "category=https://fhir-gateway.org.uk/test/CodeSystem/suite|paging";

// Roles Age UK may see under the example policy, and roles it must never see.
const std::vector<std::string> kAgeUkVisible = {"consenting patient", "consenting careplan", "ageuk careplan",
                                                "consenting medication", "consenting flag",
                                                "careplan of confidential patient"};
const std::vector<std::string> kAgeUkHidden = {
    "confidential careplan", "sensitive medication", "confidential patient", "dissenting patient",
    "dissenting careplan",   "dissenting medication", "dissenting flag",    "patient without consent",
    "careplan without consent", "unverified patient", "unverified careplan", "young patient",
    "young careplan", "unknown practice patient", "unknown practice careplan", "consenting permit"};
// The trust (implied consent) sees patients without consent and outside Age UK's cohort, never these.
const std::vector<std::string> kTrustHidden = {
    "confidential careplan", "sensitive medication", "confidential patient", "dissenting patient",
    "dissenting careplan", "dissenting medication", "dissenting flag", "unverified patient",
    "unverified careplan", "unknown practice patient", "unknown practice careplan"};

// Text that only ever appears in fields hidden from Age UK.
void expect_no_hidden_fields(const HttpResponse& r, const std::string& where) {
  EXPECT_EQ(r.body.find("SECRET-"), std::string::npos) << where << ": a hidden note or dosage text leaked\n" << show(r);
  EXPECT_EQ(r.body.find("Secret Street"), std::string::npos) << where << ": Patient.address leaked\n" << show(r);
  EXPECT_EQ(r.body.find("0113 496"), std::string::npos) << where << ": Patient.telecom leaked\n" << show(r);
}

// Every match on every page of a search, following next links.
std::vector<std::string> all_pages(HttpClient& c, const std::string& base, std::string path,
                                   std::vector<size_t>* page_sizes = nullptr, int64_t* total = nullptr) {
  std::vector<std::string> out;
  for (int guard = 0; !path.empty() && guard < 50; ++guard) {
    auto r = c.get(path);
    EXPECT_EQ(r.status, 200) << show(r);
    if (r.status != 200) break;
    auto refs = entry_refs(r, "");
    if (total && guard == 0) *total = bundle_total(r);
    if (page_sizes) page_sizes->push_back(refs.size());
    out.insert(out.end(), refs.begin(), refs.end());
    path = path_of(bundle_link(r, "next"), base);
  }
  return out;
}

class ReadLeaks : public GovernedSuite {};

TEST_F(ReadLeaks, AgeUkReadsOnlyWhatThePolicyAllows) {
  // Twice: the second read is answered from the redaction kept for the version.
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& role : kAgeUkVisible) {
      auto r = ageuk().get("/" + gw().id(role));
      EXPECT_EQ(r.status, 200) << role << ": " << show(r);
      expect_no_hidden_fields(r, role);
    }
  }
  // The trust's agreement hides no field: a redaction kept for Age UK is not its answer.
  auto full = trust().get("/" + gw().id("consenting careplan"));
  EXPECT_EQ(full.status, 200) << show(full);
  EXPECT_NE(full.body.find("SECRET-NOTE"), std::string::npos) << show(full);
  for (const auto& role : kAgeUkHidden) {
    auto r = ageuk().get("/" + gw().id(role));
    if (role == "consenting permit") {
      EXPECT_EQ(r.status, 403) << "Age UK holds no Consent scope: " << show(r);
      continue;
    }
    EXPECT_EQ(r.status, 404) << role << " must look absent: " << show(r);
  }
}

TEST_F(ReadLeaks, TrustSeesImpliedConsentButNeverDissentConfidentialOrSensitive) {
  for (const auto& role : {"patient without consent", "careplan without consent", "young patient", "young careplan",
                           "consenting permit", "consenting careplan"}) {
    auto r = trust().get("/" + gw().id(role));
    EXPECT_EQ(r.status, 200) << role << ": " << show(r);
  }
  for (const auto& role : kTrustHidden) {
    auto r = trust().get("/" + gw().id(role));
    EXPECT_EQ(r.status, 404) << role << ": " << show(r);
  }
}

// Leak case 10: a hidden id answers exactly like an id that does not exist:
// read, vread, history, update (also with If-Match) and delete.
void expect_probes_alike(HttpClient& c, const std::string& role, const std::string& hidden, bool with_delete) {
  const std::string random = "no-such-id-7f3a";
  // A valid CarePlan body, so update attempts get past validation to the check.
  auto body_for = [](const std::string& id) {
    return R"({"resourceType":"CarePlan","id":")" + id +
           R"(","status":"active","intent":"plan","category":[{"coding":[{"system":"http://snomed.info/sct","code":"735324008"}]}],"title":"Probe","subject":{"reference":"Patient/pat-consent"},"period":{"start":"2025-01-15"}})";
  };
  struct Probe {
    std::string method, path, body;
    std::vector<std::string> headers;
  };
  auto probes = [&](const std::string& id) {
    std::vector<Probe> p = {{"GET", "/CarePlan/" + id, "", {}},
                            {"GET", "/CarePlan/" + id + "/_history/1", "", {}},
                            {"GET", "/CarePlan/" + id + "/_history/999", "", {}},
                            {"GET", "/CarePlan/" + id + "/_history", "", {}},
                            {"HEAD", "/CarePlan/" + id, "", {}},
                            {"GET", "/CarePlan/" + id, "", {"If-None-Match: W/\"1\""}},
                            {"PUT", "/CarePlan/" + id, body_for(id), {}},
                            {"PUT", "/CarePlan/" + id, body_for(id), {"If-Match: W/\"1\""}}};
    if (with_delete) p.push_back({"DELETE", "/CarePlan/" + id, "", {}});
    return p;
  };
  auto hidden_probes = probes(hidden), random_probes = probes(random);
  for (size_t i = 0; i < hidden_probes.size(); ++i) {
    const auto& h = hidden_probes[i];
    const auto& x = random_probes[i];
    auto rh = h.body.empty() ? c.request(h.method, h.path, {}, h.headers) : c.send(h.method, h.path, h.body, h.headers);
    auto rx = x.body.empty() ? c.request(x.method, x.path, {}, x.headers) : c.send(x.method, x.path, x.body, x.headers);
    const std::string what = role + ": " + h.method + " " + h.path + (h.headers.empty() ? "" : " " + h.headers[0]);
    if (h.headers.empty()) {
      EXPECT_EQ(rh.status, 404) << what << ": " << show(rh);
    }
    EXPECT_EQ(rh.status, rx.status) << what << " vs " << x.path << ": " << show(rh) << "\n" << show(rx);
    EXPECT_EQ(without(rh.body, hidden), without(rx.body, random)) << what;
    EXPECT_EQ(rh.header("etag"), rx.header("etag")) << what;
    EXPECT_EQ(rh.header("last-modified"), rx.header("last-modified")) << what;
    EXPECT_EQ(rh.header("content-location"), rx.header("content-location")) << what;
  }
}

TEST_F(ReadLeaks, NotFoundAndForbiddenLookTheSame) {
  for (const auto& role : {"dissenting careplan", "confidential careplan", "careplan without consent",
                           "unknown practice careplan", "young careplan", "unverified careplan"})
    expect_probes_alike(ageuk(), role, gw().bare_id(role), false);
  // A partner whose token allows every interaction, delete included: the policy must still hide.
  auto writer = session("trust-writer", "system/CarePlan.cruds", "TREAT");
  for (const auto& role : {"dissenting careplan", "confidential careplan", "unknown practice careplan"})
    expect_probes_alike(*writer, role, gw().bare_id(role), true);
  // Other types answer the same way.
  for (const auto& role : {"dissenting patient", "confidential patient", "unverified patient"}) {
    auto rh = ageuk().get("/" + gw().id(role));
    auto rx = ageuk().get("/Patient/no-such-id-7f3a");
    EXPECT_EQ(rh.status, 404) << role;
    EXPECT_EQ(without(rh.body, gw().bare_id(role)), without(rx.body, "no-such-id-7f3a")) << role;
  }
}

// Leak case 1: _include brings in only resources the caller may see.
TEST_F(ReadLeaks, IncludeNeverBringsInAHiddenResource) {
  // The visible plan's visible subject is included, redacted.
  auto r = ageuk().get("/CarePlan?_id=cp-consent&_include=CarePlan:subject");
  ASSERT_EQ(r.status, 200) << show(r);
  EXPECT_THAT(entry_refs(r, "match"), UnorderedElementsAreArray({gw().id("consenting careplan")}));
  EXPECT_THAT(entry_refs(r, "include"), UnorderedElementsAreArray({gw().id("consenting patient")}));
  expect_no_hidden_fields(r, "_include");

  // A visible plan whose subject is a confidential Patient: the plan, never the Patient.
  r = ageuk().get("/CarePlan?_id=cp-confpatient&_include=CarePlan:subject");
  ASSERT_EQ(r.status, 200) << show(r);
  EXPECT_THAT(entry_refs(r, "match"), UnorderedElementsAreArray({gw().id("careplan of confidential patient")}));
  EXPECT_THAT(entry_refs(r, "include"), IsEmpty()) << show(r);
  EXPECT_EQ(r.body.find("Patient/pat-confidential\"},\"search\""), std::string::npos);

  // Without a Patient scope nothing of type Patient is included either.
  auto careplan_only = session("ageuk-app", "system/CarePlan.rs", "CAREMGT");
  r = careplan_only->get("/CarePlan?_id=cp-consent&_include=CarePlan:subject");
  ASSERT_EQ(r.status, 200) << show(r);
  EXPECT_THAT(entry_refs(r, "include"), IsEmpty()) << "included past the token's scopes: " << show(r);

  // Every plan, every subject: the includes are exactly visible patients.
  r = ageuk().get("/CarePlan?_include=CarePlan:subject&_count=200");
  ASSERT_EQ(r.status, 200) << show(r);
  for (const auto& role : kAgeUkHidden) EXPECT_THAT(entry_refs(r, ""), Not(Contains(gw().id(role)))) << role;
  expect_no_hidden_fields(r, "_include all");
}

TEST_F(ReadLeaks, RevincludeNeverBringsInAHiddenResource) {
  auto r = ageuk().get("/Patient?_id=pat-consent&_revinclude=MedicationStatement:subject&_revinclude=CarePlan:subject");
  ASSERT_EQ(r.status, 200) << show(r);
  auto included = entry_refs(r, "include");
  EXPECT_THAT(included, Contains(gw().id("consenting medication")));
  EXPECT_THAT(included, Contains(gw().id("consenting careplan")));
  EXPECT_THAT(included, Not(Contains(gw().id("sensitive medication")))) << "excluded code leaked via _revinclude";
  EXPECT_THAT(included, Not(Contains(gw().id("confidential careplan")))) << "confidential plan leaked via _revinclude";
  expect_no_hidden_fields(r, "_revinclude");

  // No Consent scope and no agreement for Consent: never revincluded.
  r = ageuk().get("/Patient?_id=pat-consent&_revinclude=Consent:patient");
  EXPECT_EQ(r.status, 200) << show(r);
  EXPECT_THAT(entry_refs(r, "include"), IsEmpty()) << show(r);

  // The trust searching a dissenting patient's records by reference finds nothing, includes nothing.
  r = trust().get("/MedicationStatement?subject=Patient/pat-dissent&_include=MedicationStatement:subject");
  ASSERT_EQ(r.status, 200) << show(r);
  EXPECT_THAT(entry_refs(r, ""), IsEmpty()) << show(r);
  EXPECT_EQ(bundle_total(r), 0);
}

// Leak case 2: totals, counts and pages see only visible resources; cursors are the caller's own.
TEST_F(ReadLeaks, TotalsAndPagesCountOnlyVisibleResources) {
  const auto& visible = gw().group("paging careplan visible");
  std::vector<size_t> sizes;
  int64_t total = -1;
  auto seen = all_pages(ageuk(), gw().base_url(), "/CarePlan?" + std::string(kPaging) + "&_count=5", &sizes, &total);
  EXPECT_EQ(total, static_cast<int64_t>(visible.size()));
  EXPECT_THAT(seen, UnorderedElementsAreArray(visible));
  EXPECT_EQ(sizes, (std::vector<size_t>{5, 5, 2})) << "pages must be full";

  auto count = ageuk().get("/CarePlan?" + std::string(kPaging) + "&_summary=count");
  ASSERT_EQ(count.status, 200) << show(count);
  EXPECT_EQ(bundle_total(count), static_cast<int64_t>(visible.size()));
  EXPECT_THAT(entry_refs(count, ""), IsEmpty());
  EXPECT_EQ(bundle_link(count, "next"), "");

  // Patients: the count is exactly the visible ones, whatever the store holds.
  auto patients = ageuk().get("/Patient?_summary=count");
  EXPECT_EQ(bundle_total(patients), 4) << "consenting, two withdrawing, dissent-from: " << show(patients);
  auto trust_patients = trust().get("/Patient?_summary=count");
  EXPECT_EQ(bundle_total(trust_patients), 7)
      << "consenting, without consent, young, two withdrawing, frail-until, dissent-from: " << show(trust_patients);
}

TEST_F(ReadLeaks, NextLinksCannotBeReplayedByAnotherCaller) {
  auto first = ageuk().get("/CarePlan?" + std::string(kPaging) + "&_count=5");
  ASSERT_EQ(first.status, 200) << show(first);
  const std::string next = path_of(bundle_link(first, "next"), gw().base_url());
  ASSERT_FALSE(next.empty());
  auto mine = ageuk().get(next);
  EXPECT_EQ(mine.status, 200) << show(mine);

  auto theirs = trust().get(next);
  EXPECT_EQ(theirs.status, 400) << "another partner replayed the cursor: " << show(theirs);
  EXPECT_THAT(entry_refs(theirs, ""), IsEmpty());
  auto same_org = session("ageuk-flood", "system/CarePlan.rs", "CAREMGT");
  auto r = same_org->get(next);
  EXPECT_EQ(r.status, 400) << "another client of the same organisation replayed the cursor: " << show(r);
  r = gw().http()->get(next);
  EXPECT_EQ(r.status, 401) << show(r);
  EXPECT_THAT(entry_refs(r, ""), IsEmpty());

  // A tampered cursor: flip a character of the payload, and of the MAC.
  auto pos = next.find("_cursor=") + 8;
  std::string tampered = next;
  tampered[pos + 3] = tampered[pos + 3] == 'A' ? 'B' : 'A';
  r = ageuk().get(tampered);
  EXPECT_EQ(r.status, 400) << show(r);
  tampered = next;
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  r = ageuk().get(tampered);
  EXPECT_EQ(r.status, 400) << show(r);
  r = ageuk().get("/CarePlan?_cursor=garbage");
  EXPECT_EQ(r.status, 400) << show(r);

  // History cursors are bound the same way.
  auto h = ageuk().get("/CarePlan/_history?_count=2");
  ASSERT_EQ(h.status, 200) << show(h);
  const std::string hnext = path_of(bundle_link(h, "next"), gw().base_url());
  ASSERT_FALSE(hnext.empty()) << show(h);
  EXPECT_EQ(trust().get(hnext).status, 400);
  EXPECT_EQ(ageuk().get(hnext).status, 200);
}

// Leak case 4: chains only match through resources the caller may see.
TEST_F(ReadLeaks, ChainedParametersOnlyMatchThroughVisibleResources) {
  const std::string nhs = "https://fhir.nhs.uk/Id/nhs-number|";
  // Through the visible consenting patient: the visible plans match.
  auto r = ageuk().get("/CarePlan?subject:Patient.identifier=" + nhs + "9990000018&_count=100");
  ASSERT_EQ(r.status, 200) << show(r);
  EXPECT_THAT(entry_refs(r, "match"), Contains(gw().id("consenting careplan")));
  EXPECT_THAT(entry_refs(r, "match"), Not(Contains(gw().id("confidential careplan"))));

  // Through a dissenting patient's NHS number: nothing, total 0.
  for (const auto& path : {"/CarePlan?subject:Patient.identifier=", "/CarePlan?patient.identifier=",
                           "/MedicationStatement?patient.identifier=", "/Flag?subject:Patient.identifier="}) {
    r = ageuk().get(path + nhs + "9990000026");
    ASSERT_EQ(r.status, 200) << path << show(r);
    EXPECT_THAT(entry_refs(r, ""), IsEmpty()) << path;
    EXPECT_EQ(bundle_total(r), 0) << path;
    r = trust().get(path + nhs + "9990000026");
    EXPECT_EQ(bundle_total(r), 0) << path << show(r);
  }
  // Through a confidential Patient: its plan is visible, but not found through the hidden Patient.
  r = ageuk().get("/CarePlan?subject:Patient.identifier=" + nhs + "9990000085");
  EXPECT_EQ(bundle_total(r), 0) << show(r);
  // Through a patient outside the cohort (visible to the trust, not to Age UK).
  r = ageuk().get("/CarePlan?subject:Patient.identifier=" + nhs + "9990000069");
  EXPECT_EQ(bundle_total(r), 0) << show(r);
  r = trust().get("/CarePlan?subject:Patient.identifier=" + nhs + "9990000069");
  EXPECT_EQ(bundle_total(r), 1) << show(r);
  // Without a Patient scope a chain through Patient matches nothing.
  auto careplan_only = session("ageuk-app", "system/CarePlan.rs", "CAREMGT");
  r = careplan_only->get("/CarePlan?subject:Patient.identifier=" + nhs + "9990000018");
  EXPECT_EQ(bundle_total(r), 0) << show(r);
  // _has is not supported: it must never widen a search.
  r = ageuk().get("/Patient?_has:CarePlan:subject:status=active");
  if (r.status == 200) {
    for (const auto& ref : entry_refs(r, "match"))
      EXPECT_TRUE(ref == gw().id("consenting patient") || ref == gw().id("withdrawing patient") ||
                  ref == gw().id("second withdrawing patient") || ref == gw().id("dissent-from patient"))
          << ref;
  } else {
    EXPECT_EQ(r.status, 400) << show(r);
  }
}

// Hidden fields are stripped in every representation.
TEST_F(ReadLeaks, HiddenFieldsAreStrippedEverywhere) {
  const std::vector<std::string> paths = {
      "/Patient/pat-consent",
      "/Patient/pat-consent/_history/1",
      "/Patient/pat-consent/_history",
      "/Patient?_id=pat-consent",
      "/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018",
      "/Patient/_history",
      "/CarePlan/cp-consent",
      "/CarePlan?_id=cp-consent&_include=CarePlan:subject",
      "/CarePlan/_history?_count=100",
      "/MedicationStatement/ms-consent",
      "/MedicationStatement?patient=pat-consent",
      "/Patient?_id=pat-consent&_revinclude=MedicationStatement:subject&_revinclude=CarePlan:subject",
      // Shaping parameters must not un-redact.
      "/Patient/pat-consent?_elements=telecom,address",
      "/Patient?_id=pat-consent&_elements=telecom,address",
      "/Patient/pat-consent?_summary=true",
      "/Patient?_id=pat-consent&_summary=data",
      "/Patient?_id=pat-consent&_summary=false",
      "/CarePlan/cp-consent?_summary=text",
      "/CarePlan/cp-consent?_elements=note",
      "/MedicationStatement/ms-consent?_elements=note,dosage",
      "/Patient/pat-consent?_format=json&_pretty=true",
      "/Patient/pat-consent?_format=application/fhir%2Bjson",
  };
  for (const auto& p : paths) {
    auto r = ageuk().get(p);
    EXPECT_EQ(r.status, 200) << p << ": " << show(r);
    expect_no_hidden_fields(r, p);
  }
  // _format asking for another representation is refused, not served raw.
  for (const auto& p : {"/Patient/pat-consent?_format=xml", "/Patient/pat-consent?_format=text/html"}) {
    auto r = ageuk().get(p);
    EXPECT_NE(r.status, 200) << p;
    expect_no_hidden_fields(r, p);
  }
  // A batch GET is redacted the same way.
  std::string batch = R"({"resourceType":"Bundle","type":"batch","entry":[
      {"request":{"method":"GET","url":"Patient/pat-consent"}},
      {"request":{"method":"GET","url":"CarePlan?_id=cp-consent&_include=CarePlan:subject"}},
      {"request":{"method":"GET","url":"MedicationStatement/ms-consent"}}]})";
  auto r = ageuk().send("POST", "/", batch);
  EXPECT_EQ(r.status, 200) << show(r);
  expect_no_hidden_fields(r, "batch");
  // The trust's agreement hides nothing: the same fields are there (the test data is sound).
  r = trust().get("/Patient/pat-noconsent");
  EXPECT_NE(r.body.find("Secret Street"), std::string::npos) << show(r);
}

TEST_F(ReadLeaks, ConfidentialSensitiveAndUnverifiedAreNeverSearchable) {
  for (HttpClient* c : {&ageuk(), &trust()}) {
    auto r = c->get("/MedicationStatement?patient=pat-consent&_count=100");
    ASSERT_EQ(r.status, 200) << show(r);
    EXPECT_THAT(entry_refs(r, ""), Not(Contains(gw().id("sensitive medication"))));
    r = c->get("/MedicationStatement?code=https://dmd.nhs.uk|39113611000001102");
    EXPECT_EQ(bundle_total(r), 0) << "searching by the excluded code itself: " << show(r);
    r = c->get("/CarePlan?patient=pat-consent&_count=100");
    EXPECT_THAT(entry_refs(r, ""), Not(Contains(gw().id("confidential careplan"))));
    r = c->get("/CarePlan?_id=cp-confidential");
    EXPECT_EQ(bundle_total(r), 0) << show(r);
    r = c->get("/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9990000042");
    EXPECT_EQ(bundle_total(r), 0) << "unverified NHS number: " << show(r);
    r = c->get("/Patient?_id=pat-confidential");
    EXPECT_EQ(bundle_total(r), 0) << show(r);
    r = c->get("/Patient?family=Dissenting");
    EXPECT_EQ(bundle_total(r), 0) << show(r);
  }
}

// Leak case 7: operations never bypass the check.
TEST_F(ReadLeaks, NoOperationBypassesTheCheck) {
  for (HttpClient* c : {&ageuk(), &trust()}) {
    for (const auto& p : {"/$explain?client=ageuk-app&resource=CarePlan/cp-dissent&purpose=CAREMGT",
                          "/AuditEvent", "/AuditEvent?_format=csv"}) {
      auto r = c->get(p);
      EXPECT_EQ(r.status, 403) << p << ": " << show(r);
      EXPECT_EQ(r.body.find("cp-dissent\","), std::string::npos);
    }
    auto r = c->request("POST", "/$dry-run", "version: x\n", {"Content-Type: application/yaml"});
    EXPECT_EQ(r.status, 403) << show(r);
    r = c->request("POST", "/$reload-policy");
    EXPECT_EQ(r.status, 403) << show(r);
    for (const auto& p : {"/Patient/pat-dissent/$everything", "/Patient/pat-consent/$everything", "/$export",
                          "/Patient/$export", "/CarePlan/cp-dissent/$validate", "/$meta",
                          "/Patient/pat-dissent/$everything?_format=json", "/Patient/pat-dissent/$summary"}) {
      r = c->get(p);
      EXPECT_NE(r.status, 200) << p << ": " << show(r);
      EXPECT_THAT(entry_refs(r, ""), IsEmpty()) << p;
      EXPECT_EQ(r.body.find("Dissenting"), std::string::npos) << p;
    }
    // $validate judges the posted body only: an OperationOutcome, never stored data.
    r = c->send("POST", "/CarePlan/$validate", R"({"resourceType":"CarePlan","id":"cp-dissent"})");
    EXPECT_EQ(parse_body(r).IsObject() ? json::get_string(parse_body(r), "resourceType").value_or("") : "",
              "OperationOutcome") << show(r);
    EXPECT_EQ(r.body.find("Dissenter plan"), std::string::npos);
    // Whole-system history: only what the caller may see (Age UK's scopes do not allow it at all).
    r = c->get("/_history?_count=1000");
    if (r.status == 200) {
      for (const auto& role : kTrustHidden) EXPECT_THAT(entry_refs(r, ""), Not(Contains(gw().id(role)))) << role;
      EXPECT_EQ(bundle_total(r), static_cast<int64_t>(entry_refs(r, "").size()));
    } else {
      EXPECT_EQ(r.status, 403) << show(r);
    }
    if (c == &ageuk()) expect_no_hidden_fields(r, "/_history");
    r = c->send("POST", "/CarePlan/_search", "_id=cp-dissent", {"Content-Type: application/x-www-form-urlencoded"});
    EXPECT_THAT(entry_refs(r, ""), IsEmpty()) << "POST _search: " << show(r);
  }
  // The IG officer explains and audits, but reads no clinical data.
  for (const auto& p : {"/Patient/pat-consent", "/CarePlan?_count=100", "/Patient?_summary=count",
                        "/CarePlan/cp-consent/_history", "/_history", "/Consent"}) {
    auto r = ig_officer().get(p);
    EXPECT_EQ(r.status, 403) << p << ": " << show(r);
    EXPECT_EQ(r.body.find("Consenting"), std::string::npos);
  }
  // Even with a purpose and a token asking for scopes it was never allowed.
  auto wide = gw().token("ig-officer", "system/Patient.rs");
  EXPECT_FALSE(wide.ok()) << "a token with clinical scopes was issued to the IG officer";
}

}  // namespace
}  // namespace fhirgw::testing
