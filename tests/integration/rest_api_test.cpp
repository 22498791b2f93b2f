// The FHIR REST API of the real binary, over real HTTP on loopback, in
// development mode (no authentication or policy: those have their own suites).
#include <gtest/gtest.h>

#include <set>

#include "core/json.hpp"
#include "gateway_process.hpp"
#include "http_client.hpp"
#include "json_body.hpp"

using namespace fhirgw;
using namespace fhirgw::testing;

namespace {

// UK Core: an NHS number carries its verification status.
const std::string kVerified =
    R"("extension":[{"url":"https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus",)"
    R"("valueCodeableConcept":{"coding":[{"system":"https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland","code":"01"}]}}])";
const std::string kCarePlanCategory =
    R"("category":[{"coding":[{"system":"http://snomed.info/sct","code":"734163000","display":"Care plan"}]}])";
const std::string kFlagCategory =
    R"("category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/flag-category","code":"safety"}]}])";

std::string flag_json(const std::string& patient_id, const std::string& text) {
  return R"({"resourceType":"Flag","status":"active",)" + kFlagCategory + R"(,"period":{"start":"2025-01-15"},"code":{"text":")" +
         text + R"("},"subject":{"reference":"Patient/)" + patient_id + R"("}})";
}

std::string patient_json(const std::string& family, const std::string& nhs, const std::string& birth = "1950-01-01") {
  return R"({"resourceType":"Patient","name":[{"family":")" + family + R"(","given":["Ann"]}],"gender":"female","birthDate":")" +
         birth + R"(","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":")" + nhs + R"(",)" + kVerified + "}]}";
}

std::string careplan_json(const std::string& patient_id, const std::string& status = "active",
                          const std::string& start = "2025-01-01") {
  return R"({"resourceType":"CarePlan","status":")" + status + R"(","intent":"plan","title":"Care plan",)" +
         kCarePlanCategory + R"(,"subject":{"reference":"Patient/)" + patient_id + R"("},"period":{"start":")" + start +
         R"("}})";
}

class RestApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    gateway_ = new GatewayProcess({"serve", "--development", "--listen", "127.0.0.1:0", "--store",
                                   "sqlite:" + dir_->file("gateway.db")});
    ASSERT_TRUE(gateway_->wait_ready()) << gateway_->output();
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(gateway_->stop(), 0);  // graceful SIGTERM exits 0
    delete gateway_;
    delete dir_;
  }
  HttpClient client{gateway_->base_url()};

  std::string create(const std::string& type, const std::string& body) {
    auto r = client.send("POST", "/" + type, body);
    EXPECT_EQ(r.status, 201) << r.body;
    auto d = parse(r.body);
    return d.IsObject() && d.HasMember("id") ? d["id"].GetString() : "";
  }

  static TempDir* dir_;
  static GatewayProcess* gateway_;
};
TempDir* RestApi::dir_ = nullptr;
GatewayProcess* RestApi::gateway_ = nullptr;

TEST_F(RestApi, HealthReadinessMetricsAndRequestIds) {
  auto h = client.get("/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_FALSE(h.header("x-request-id").empty());
  EXPECT_EQ(client.get("/readyz").status, 200);
  auto m = client.get("/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("fhirgw_requests_total"), std::string::npos);
  EXPECT_NE(m.body.find("fhirgw_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(m.body.find("fhirgw_store_queue_depth"), std::string::npos);
  EXPECT_NE(m.body.find("fhirgw_open_connections"), std::string::npos);
  // Writes and the commits that carried them (several may share one).
  auto gauge = [](const std::string& text, const std::string& name) {
    auto at = text.find("\n" + name + " ");
    return at == std::string::npos ? -1.0 : std::stod(text.substr(at + name.size() + 2));
  };
  const double writes_before = gauge(m.body, "fhirgw_store_committed_writes");
  ASSERT_GE(writes_before, 0) << m.body;
  create("Patient", R"({"resourceType":"Patient","name":[{"family":"Gauge"}]})");
  m = client.get("/metrics");
  EXPECT_EQ(gauge(m.body, "fhirgw_store_committed_writes"), writes_before + 1);
  EXPECT_GE(gauge(m.body, "fhirgw_store_commits"), 1);
  EXPECT_LE(gauge(m.body, "fhirgw_store_commits"), gauge(m.body, "fhirgw_store_committed_writes"));
  auto echoed = client.get("/metadata", {"X-Request-Id: trace-123"});
  EXPECT_EQ(echoed.header("x-request-id"), "trace-123");
}

TEST_F(RestApi, CapabilityStatementListsWhatIsImplemented) {
  auto r = client.get("/metadata");
  ASSERT_EQ(r.status, 200);
  auto d = parse(r.body);
  EXPECT_STREQ(d["resourceType"].GetString(), "CapabilityStatement");
  EXPECT_STREQ(d["fhirVersion"].GetString(), "4.0.1");
  std::set<std::string> types;
  for (const auto& res : d["rest"][0]["resource"].GetArray()) {
    types.insert(res["type"].GetString());
    if (std::string(res["type"].GetString()) == "Flag") {
      std::set<std::string> params;
      for (const auto& p : res["searchParam"].GetArray()) params.insert(p["name"].GetString());
      EXPECT_TRUE(params.count("status") && params.count("category") && params.count("patient"));
    }
  }
  for (const char* t : {"Patient", "CarePlan", "Flag", "QuestionnaireResponse", "MedicationStatement", "Consent", "Questionnaire"})
    EXPECT_TRUE(types.count(t)) << t;
}

TEST_F(RestApi, CreateReadVreadUpdateDeleteHistory) {
  auto created = client.send("POST", "/Patient", patient_json("Hartley", "9992345675"));
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.header("etag"), "W/\"1\"");
  EXPECT_FALSE(created.header("last-modified").empty());
  auto d = parse(created.body);
  std::string id = d["id"].GetString();
  EXPECT_NE(created.header("location").find("/Patient/" + id + "/_history/1"), std::string::npos);
  EXPECT_STREQ(d["meta"]["versionId"].GetString(), "1");

  auto read = client.get("/Patient/" + id);
  EXPECT_EQ(read.status, 200);
  EXPECT_EQ(read.header("etag"), "W/\"1\"");

  std::string updated = patient_json("Hartley-Smith", "9992345675");
  updated.insert(1, "\"id\":\"" + id + "\",");
  auto up = client.send("PUT", "/Patient/" + id, updated, {"If-Match: W/\"1\""});
  EXPECT_EQ(up.status, 200) << up.body;
  EXPECT_EQ(up.header("etag"), "W/\"2\"");
  auto stale = client.send("PUT", "/Patient/" + id, updated, {"If-Match: W/\"1\""});
  EXPECT_EQ(stale.status, 412) << stale.body;
  EXPECT_NE(stale.body.find("OperationOutcome"), std::string::npos);

  auto v1 = client.get("/Patient/" + id + "/_history/1");
  EXPECT_EQ(v1.status, 200);
  EXPECT_NE(v1.body.find("\"Hartley\""), std::string::npos);
  EXPECT_EQ(client.get("/Patient/" + id + "/_history/9").status, 404);

  auto del = client.request("DELETE", "/Patient/" + id);
  EXPECT_EQ(del.status, 204);
  auto gone = client.get("/Patient/" + id);
  EXPECT_EQ(gone.status, 410) << gone.body;
  EXPECT_NE(gone.body.find("OperationOutcome"), std::string::npos);
  EXPECT_EQ(client.request("DELETE", "/Patient/" + id).status, 204);  // idempotent

  auto hist = client.get("/Patient/" + id + "/_history");
  ASSERT_EQ(hist.status, 200);
  auto h = parse(hist.body);
  EXPECT_STREQ(h["type"].GetString(), "history");
  ASSERT_EQ(h["entry"].Size(), 3u);  // delete, update, create; newest first
  EXPECT_STREQ(h["entry"][0]["request"]["method"].GetString(), "DELETE");
  EXPECT_STREQ(h["entry"][2]["request"]["method"].GetString(), "POST");
  auto type_hist = client.get("/Patient/_history");
  EXPECT_EQ(type_hist.status, 200);
}

TEST_F(RestApi, UpdateCreatesWithClientIdAndChecksIds) {
  std::string body = patient_json("Okafor", "9993456780");
  body.insert(1, "\"id\":\"client-chosen-1\",");
  auto r = client.send("PUT", "/Patient/client-chosen-1", body);
  EXPECT_EQ(r.status, 201) << r.body;
  auto same = client.send("PUT", "/Patient/client-chosen-1", body);
  EXPECT_EQ(same.status, 200);
  EXPECT_EQ(same.header("etag"), "W/\"1\"");  // identical content: no new version
  auto mismatch = client.send("PUT", "/Patient/other-id", body);
  EXPECT_EQ(mismatch.status, 400);
  EXPECT_NE(mismatch.body.find("Patient.id"), std::string::npos);
  EXPECT_EQ(client.get("/Patient/never-existed").status, 404);
}

TEST_F(RestApi, PreferReturnVariants) {
  auto minimal = client.send("POST", "/Patient", patient_json("Min", "9992345675"), {"Prefer: return=minimal"});
  EXPECT_EQ(minimal.status, 201);
  EXPECT_TRUE(minimal.body.empty());
  EXPECT_FALSE(minimal.header("location").empty());
  auto oo = client.send("POST", "/Patient", patient_json("Oo", "9992345675"), {"Prefer: return=OperationOutcome"});
  EXPECT_EQ(oo.status, 201);
  EXPECT_NE(oo.body.find("OperationOutcome"), std::string::npos);
}

TEST_F(RestApi, ConditionalCreateUpdateDelete) {
  std::string body = patient_json("Conditional", "9994567896");
  auto first = client.send("POST", "/Patient", body,
                           {"If-None-Exist: identifier=https://fhir.nhs.uk/Id/nhs-number|9994567896"});
  EXPECT_EQ(first.status, 201);
  auto second = client.send("POST", "/Patient", body,
                            {"If-None-Exist: identifier=https://fhir.nhs.uk/Id/nhs-number|9994567896"});
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(parse(first.body)["id"].GetString(), std::string(parse(second.body)["id"].GetString()));

  auto cu = client.send("PUT", "/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9994567896",
                        patient_json("Conditional-Updated", "9994567896"));
  EXPECT_EQ(cu.status, 200) << cu.body;
  EXPECT_EQ(cu.header("etag"), "W/\"2\"");
  auto cu_new = client.send("PUT", "/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018",
                            patient_json("Brand-New", "9990000018"));
  EXPECT_EQ(cu_new.status, 201) << cu_new.body;

  create("Patient", patient_json("Twin", "9995678918"));
  create("Patient", patient_json("Twin", "9995678918"));
  auto many = client.send("PUT", "/Patient?family:exact=Twin", patient_json("Twin", "9995678918"));
  EXPECT_EQ(many.status, 412);
  EXPECT_EQ(client.request("DELETE", "/Patient?family:exact=Twin").status, 412);
  EXPECT_EQ(client.request("DELETE", "/Patient?family:exact=Conditional-Updated").status, 204);
  auto after = client.get("/Patient?family:exact=Conditional-Updated");
  EXPECT_EQ(parse(after.body)["total"].GetInt(), 0);
  auto no_criteria = client.send("PUT", "/Patient?bogus=1", patient_json("X", "9992345675"));
  EXPECT_EQ(no_criteria.status, 400);  // criteria are strict: an ignored one would widen the match
}

TEST_F(RestApi, ContentNegotiation) {
  EXPECT_EQ(client.get("/Patient?_format=xml").status, 406);
  EXPECT_EQ(client.get("/Patient", {"Accept: application/fhir+xml"}).status, 406);
  EXPECT_EQ(client.get("/Patient", {"Accept: application/fhir+json"}).status, 200);
  EXPECT_EQ(client.get("/Patient?_format=json").status, 200);
  auto wrong = client.request("POST", "/Patient", patient_json("X", "9992345675"), {"Content-Type: text/plain"});
  EXPECT_EQ(wrong.status, 415);
  auto json_ct = client.request("POST", "/Patient", patient_json("X", "9992345675"), {"Content-Type: application/json"});
  EXPECT_EQ(json_ct.status, 201);
  auto pretty = client.get("/metadata?_pretty=true");
  EXPECT_NE(pretty.body.find("\n  "), std::string::npos);
}

TEST_F(RestApi, BadInputIsAnOperationOutcomeNamingTheElement) {
  auto bad_json = client.send("POST", "/Patient", "{\"resourceType\":\"Patient\",");
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_NE(bad_json.body.find("line 1"), std::string::npos) << bad_json.body;
  auto wrong_type = client.send("POST", "/Patient", R"({"resourceType":"Flag"})");
  EXPECT_EQ(wrong_type.status, 400);
  EXPECT_NE(wrong_type.body.find("\"expression\":[\"resourceType\"]"), std::string::npos) << wrong_type.body;
  EXPECT_EQ(client.get("/Observation").status, 404);
  EXPECT_EQ(client.request("PATCH", "/Patient/x").status, 405);
  EXPECT_EQ(client.get("/Patient/bad$id").status, 400);
}

TEST_F(RestApi, SearchParametersModifiersAndChaining) {
  std::string p1 = create("Patient", patient_json("Whitfield", "9991112227", "1931-07-22"));
  std::string p2 = create("Patient", patient_json("Whitaker", "9990000026", "1984-11-02"));
  create("CarePlan", careplan_json(p1, "active", "2025-01-10"));
  create("CarePlan", careplan_json(p1, "completed", "2024-03-01"));
  create("CarePlan", careplan_json(p2, "active", "2025-06-01"));

  auto by_patient = parse(client.get("/CarePlan?patient=" + p1).body);
  EXPECT_EQ(by_patient["total"].GetInt(), 2);
  EXPECT_EQ(parse(client.get("/CarePlan?subject=Patient/" + p1 + "&status=active").body)["total"].GetInt(), 1);
  EXPECT_EQ(parse(client.get("/CarePlan?date=sa2024-12-31&patient=" + p1).body)["total"].GetInt(), 1);
  EXPECT_EQ(parse(client.get("/Patient?birthdate=lt1940&family=whit").body)["total"].GetInt(), 1);
  EXPECT_EQ(parse(client.get("/Patient?family=WHIT").body)["total"].GetInt(), 2);  // starts-with, any case
  EXPECT_EQ(parse(client.get("/Patient?family:exact=whitfield").body)["total"].GetInt(), 0);
  EXPECT_EQ(parse(client.get("/Patient?family:contains=tak").body)["total"].GetInt(), 1);
  auto chained = parse(client.get("/CarePlan?subject:Patient.identifier=https://fhir.nhs.uk/Id/nhs-number|9991112227").body);
  EXPECT_EQ(chained["total"].GetInt(), 2);
  auto count_only = parse(client.get("/CarePlan?patient=" + p1 + "&_summary=count").body);
  EXPECT_EQ(count_only["total"].GetInt(), 2);
  EXPECT_EQ(count_only["entry"].Size(), 0u);

  auto included = parse(client.get("/CarePlan?patient=" + p2 + "&_include=CarePlan:subject").body);
  ASSERT_EQ(included["entry"].Size(), 2u);
  EXPECT_STREQ(included["entry"][1]["search"]["mode"].GetString(), "include");
  auto rev = parse(client.get("/Patient?_id=" + p1 + "&_revinclude=CarePlan:subject").body);
  EXPECT_EQ(rev["entry"].Size(), 3u);

  auto elements = parse(client.get("/Patient?_id=" + p1 + "&_elements=birthDate").body);
  const auto& res = elements["entry"][0]["resource"];
  EXPECT_TRUE(res.HasMember("birthDate"));
  EXPECT_FALSE(res.HasMember("name"));

  auto unknown = parse(client.get("/Patient?nonsense=1").body);
  bool outcome_entry = false;
  for (const auto& e : unknown["entry"].GetArray())
    if (std::string(e["search"]["mode"].GetString()) == "outcome") outcome_entry = true;
  EXPECT_TRUE(outcome_entry);
  EXPECT_EQ(client.get("/Patient?nonsense=1", {"Prefer: handling=strict"}).status, 400);
  EXPECT_EQ(client.get("/Patient?birthdate=notadate").status, 400);

  auto sorted = parse(client.get("/Patient?family=whit&_sort=-birthdate").body);
  EXPECT_STREQ(sorted["entry"][0]["resource"]["birthDate"].GetString(), "1984-11-02");
}

TEST_F(RestApi, PagingNeitherSkipsNorRepeatsWhenDataChanges) {
  std::string p = create("Patient", patient_json("Pager", "9992345675"));
  for (int i = 0; i < 25; ++i) create("Flag", flag_json(p, "f" + std::to_string(i)));
  std::set<std::string> seen;
  std::string next = "/Flag?patient=" + p + "&_count=10";
  int pages = 0;
  std::string deleted_on_page2;
  while (!next.empty()) {
    auto r = client.get(next);
    ASSERT_EQ(r.status, 200) << r.body;
    auto d = parse(r.body);
    for (const auto& e : d["entry"].GetArray()) {
      std::string id = e["resource"]["id"].GetString();
      EXPECT_TRUE(seen.insert(id).second) << "repeated " << id;
    }
    ++pages;
    if (pages == 1) {
      // Between pages a new flag arrives; it sorts after everything seen so far.
      create("Flag", flag_json(p, "late"));
    }
    next.clear();
    if (d.HasMember("link"))
      for (const auto& l : d["link"].GetArray())
        if (std::string(l["relation"].GetString()) == "next") next = l["url"].GetString();
  }
  EXPECT_EQ(seen.size(), 26u);  // 25 + the one created mid-paging (it sorts last)
  EXPECT_EQ(pages, 3);
}

TEST_F(RestApi, PagingLinksAreOpaqueAndSigned) {
  std::string p = create("Patient", patient_json("Opaque", "9992345675"));
  create("Flag", flag_json(p, "one"));
  create("Flag", flag_json(p, "two"));
  auto r = parse(client.get("/Flag?_count=1&patient=" + p).body);
  std::string next;
  for (const auto& l : r["link"].GetArray())
    if (std::string(l["relation"].GetString()) == "next") next = l["url"].GetString();
  ASSERT_FALSE(next.empty());
  EXPECT_EQ(next.find("_count"), std::string::npos);  // the query travels inside the cursor
  std::string tampered = next;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'a' ? 'b' : 'a';
  EXPECT_EQ(client.get(tampered).status, 400);
}

TEST_F(RestApi, BatchAndTransaction) {
  std::string tx = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"fullUrl":"urn:uuid:11111111-1111-4111-8111-111111111111","resource":)" + patient_json("Bundled", "9992345675") +
                   R"(,"request":{"method":"POST","url":"Patient"}},
    {"resource":{"resourceType":"CarePlan","status":"active","intent":"plan","title":"Plan",)" + kCarePlanCategory +
                   R"(,"period":{"start":"2025-01-01"},"subject":{"reference":"urn:uuid:11111111-1111-4111-8111-111111111111"}},
     "request":{"method":"POST","url":"CarePlan"}}]})";
  auto r = client.send("POST", "/", tx);
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = parse(r.body);
  EXPECT_STREQ(d["type"].GetString(), "transaction-response");
  ASSERT_EQ(d["entry"].Size(), 2u);
  EXPECT_STREQ(d["entry"][0]["response"]["status"].GetString(), "201 Created");
  std::string patient_ref = std::string("Patient/") + d["entry"][0]["resource"]["id"].GetString();
  EXPECT_EQ(std::string(d["entry"][1]["resource"]["subject"]["reference"].GetString()), patient_ref);

  // All or nothing: the second entry is invalid, so the first is not kept.
  std::string failing = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":)" + patient_json("ShouldNotExist", "9992345675") + R"(,"request":{"method":"POST","url":"Patient"}},
    {"resource":{"resourceType":"Flag"},"request":{"method":"PUT","url":"Flag/other-id"}}]})";
  auto f = client.send("POST", "/", failing);
  EXPECT_GE(f.status, 400);
  EXPECT_NE(f.body.find("Bundle.entry[1]"), std::string::npos) << f.body;
  EXPECT_EQ(parse(client.get("/Patient?family:exact=ShouldNotExist").body)["total"].GetInt(), 0);

  std::string batch = R"({"resourceType":"Bundle","type":"batch","entry":[
    {"resource":)" + patient_json("Batched", "9992345675") + R"(,"request":{"method":"POST","url":"Patient"}},
    {"request":{"method":"GET","url":"Patient/does-not-exist"}}]})";
  auto b = parse(client.send("POST", "/", batch).body);
  EXPECT_STREQ(b["type"].GetString(), "batch-response");
  EXPECT_STREQ(b["entry"][0]["response"]["status"].GetString(), "201 Created");
  EXPECT_STREQ(b["entry"][1]["response"]["status"].GetString(), "404 Not Found");
  EXPECT_TRUE(b["entry"][1]["response"].HasMember("outcome"));
}

}  // namespace
