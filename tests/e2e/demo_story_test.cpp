// The story of docs/demo.md, step by step, against the demo as
// scripts/demo-run.sh starts it (smaller practices, any free port).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/json.hpp"
#include "gateway_process.hpp"
#include "http_client.hpp"
#include "json_body.hpp"

using namespace fhirgw;
using namespace fhirgw::testing;

namespace {

const std::string kNhs = "https://fhir.nhs.uk/Id/nhs-number";
const std::string kComplexCase = "https://fhir-gateway.org.uk/CodeSystem/care-flag|complex-case";

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

std::string env_value(const std::string& env_file, const std::string& name) {
  std::ifstream in(env_file);
  std::string line;
  while (std::getline(in, line)) {
    auto pos = line.find(name + "=");
    if (pos != std::string::npos && line.rfind("export ", 0) == 0) return line.substr(pos + name.size() + 1);
  }
  return "";
}

class DemoStory : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    demo_ = dir_->path() + "/demo";
    setenv("DEMO_DIR", demo_.c_str(), 1);
    setenv("DEMO_LISTEN", "127.0.0.1:0", 1);
    setenv("DEMO_PATIENTS", "120", 1);
    setenv("BUILD_DIR", FHIRGW_BINARY_DIR, 1);
    demo_process_ = new GatewayProcess({std::string(FHIRGW_SOURCE_DIR) + "/scripts/demo-run.sh"}, "/bin/bash");
    ASSERT_TRUE(demo_process_->wait_ready(240000)) << demo_process_->output();
    story_nhs_ = env_value(demo_ + "/env.sh", "STORY_NHS");
  }
  static void TearDownTestSuite() {
    demo_process_->stop();
    delete demo_process_;
    delete dir_;
  }

  std::string token(const std::string& client, const std::string& scope = {}) {
    std::vector<std::string> args = {"token", "--client", client, "--key", demo_ + "/keys/" + client + ".key.pem",
                                     "--kid", client + "-1", "--token-url", base() + "/auth/token",
                                     "--ca", demo_ + "/tls/ca.pem"};
    if (!scope.empty()) args.insert(args.end(), {"--scope", scope});
    std::string out;
    EXPECT_EQ(run_command(args, &out), 0) << out;
    return first_line(out);
  }
  std::unique_ptr<HttpClient> as(const std::string& client, const std::string& purpose, const std::string& scope = {}) {
    HttpOptions o;
    o.ca_file = demo_ + "/tls/ca.pem";
    auto c = std::make_unique<HttpClient>(base(), o);
    std::vector<std::string> headers = {"Authorization: Bearer " + token(client, scope)};
    if (!purpose.empty()) headers.push_back("X-Purpose-Of-Use: " + purpose);
    c->set_default_headers(headers);
    return c;
  }
  std::unique_ptr<HttpClient> ageuk() {
    return as("ageuk-northtown", "CAREMGT",
              "system/Patient.rs system/CarePlan.rus system/Flag.crs system/QuestionnaireResponse.crs "
              "system/MedicationStatement.rs system/Questionnaire.rs");
  }
  std::unique_ptr<HttpClient> ig() { return as("ig-officer", ""); }
  static std::string base() { return demo_process_->base_url(); }
  std::string story_patient_id() {
    auto d = parse(ageuk()->get("/Patient?identifier=" + kNhs + "|" + story_nhs_).body);
    if (!d.HasMember("entry") || d["entry"].Empty()) return "";
    return d["entry"][0]["resource"]["id"].GetString();
  }
  std::string story_sensitive_code() {
    std::string out;
    run_command({std::string(FHIRGW_SOURCE_DIR) + "/scripts/demo_practice.py", "sensitive", demo_}, &out, "/usr/bin/python3");
    std::istringstream in(out);
    std::string nhs, code, ods;
    while (in >> nhs >> code >> ods)
      if (nhs == story_nhs_) return code;
    return "";
  }

  static TempDir* dir_;
  static GatewayProcess* demo_process_;
  static std::string demo_, story_nhs_;
};
TempDir* DemoStory::dir_ = nullptr;
GatewayProcess* DemoStory::demo_process_ = nullptr;
std::string DemoStory::demo_, DemoStory::story_nhs_;

// The steps share one demo and run in order (gtest runs TEST_Fs of a suite in
// declaration order within one process; under ctest each step runs in its own
// process against its own demo, so each step prepares what it needs).

TEST_F(DemoStory, Step1_ComplexCasePatientsThePartnerMaySee) {
  ASSERT_FALSE(story_nhs_.empty()) << "the demo found no story patient";
  auto d = parse(ageuk()->get("/Flag?code=" + kComplexCase + "&_include=Flag:patient&_count=50").body);
  ASSERT_TRUE(d.HasMember("total"));
  int64_t ageuk_total = d["total"].GetInt64();
  EXPECT_GT(ageuk_total, 0);
  int includes = 0;
  for (const auto& e : d["entry"].GetArray()) {
    std::string mode = e["search"]["mode"].GetString();
    std::string type = e["resource"]["resourceType"].GetString();
    if (mode == "include") {
      ++includes;
      EXPECT_EQ(type, "Patient");
      EXPECT_FALSE(e["resource"].HasMember("telecom"));  // hidden from Age UK
      EXPECT_FALSE(e["resource"].HasMember("address"));
    } else {
      EXPECT_EQ(type, "Flag");
    }
  }
  EXPECT_GT(includes, 0);
  auto trust = parse(as("community-trust", "TREAT", "system/*.rs")->get("/Flag?code=" + kComplexCase + "&_summary=count").body);
  EXPECT_GE(trust["total"].GetInt64(), ageuk_total);  // implied consent: the trust sees at least as much
  auto no_purpose = parse(as("ageuk-northtown", "", "system/Flag.crs")->get("/Flag?code=" + kComplexCase).body);
  EXPECT_EQ(no_purpose["total"].GetInt64(), 0);  // no purpose of use: nothing
}

TEST_F(DemoStory, Step2_ReadOnePatientsCarePlanWithoutTheHiddenNote) {
  std::string pid = story_patient_id();
  ASSERT_FALSE(pid.empty());
  auto d = parse(ageuk()->get("/CarePlan?patient=" + pid).body);
  ASSERT_GT(d["total"].GetInt64(), 0);
  for (const auto& e : d["entry"].GetArray()) {
    EXPECT_FALSE(e["resource"].HasMember("note"));
    std::string meta = json::to_string(e["resource"]["meta"]);
    EXPECT_NE(meta.find("REDACTED"), std::string::npos);
  }
}

TEST_F(DemoStory, Step3_PostTheFiveQuestionQuestionnaireResponse) {
  std::string pid = story_patient_id();
  ASSERT_FALSE(pid.empty());
  std::ifstream in(std::string(FHIRGW_SOURCE_DIR) + "/docs/examples/holistic-five-questions-response.json");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string body = ss.str();
  body.replace(body.find("PATIENT_ID"), 10, pid);
  auto client = ageuk();
  auto created = client->send("POST", "/QuestionnaireResponse", body);
  ASSERT_EQ(created.status, 201) << created.body;
  auto d = parse(created.body);
  std::string tags = json::to_string(d["meta"]["tag"]);
  EXPECT_NE(tags.find("AGEUK1"), std::string::npos);  // authorship stamped by the gateway
  EXPECT_NE(tags.find("controller"), std::string::npos);
  // A required answer missing: 422 naming the item.
  auto doc = parse(body);
  auto& falls = doc["item"][1]["item"];
  falls.Erase(falls.Begin());
  auto invalid = client->send("POST", "/QuestionnaireResponse", json::to_string(doc));
  EXPECT_EQ(invalid.status, 422) << invalid.body;
  EXPECT_NE(invalid.body.find("falls"), std::string::npos) << invalid.body;
}

TEST_F(DemoStory, Step4_ASensitiveMedicationIsWithheldAndExplained) {
  std::string pid = story_patient_id();
  std::string code = story_sensitive_code();
  ASSERT_FALSE(pid.empty());
  ASSERT_FALSE(code.empty());
  auto meds = ageuk()->get("/MedicationStatement?patient=" + pid + "&_count=100");
  ASSERT_EQ(meds.status, 200);
  EXPECT_GT(parse(meds.body)["total"].GetInt64(), 0);
  EXPECT_EQ(meds.body.find(code), std::string::npos);  // the sensitive medicine is not listed
  auto why = ig()->get("/$explain?client=ageuk-northtown&purpose=CAREMGT&resource=MedicationStatement%3Fpatient.identifier%3D" +
                       kNhs + "%7C" + story_nhs_ + "%26code%3Dhttps%3A%2F%2Fdmd.nhs.uk%7C" + code);
  ASSERT_EQ(why.status, 200) << why.body;
  auto d = parse(why.body);
  EXPECT_STREQ(d["decision"].GetString(), "deny");
  EXPECT_STREQ(d["rule"].GetString(), "exclusion");
}

TEST_F(DemoStory, Step5to8_WithdrawalWhyAuditAndExport) {
  std::string pid = story_patient_id();
  ASSERT_FALSE(pid.empty());
  // Age UK writes something first, so there is something to export.
  std::ifstream in(std::string(FHIRGW_SOURCE_DIR) + "/docs/examples/holistic-five-questions-response.json");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string body = ss.str();
  body.replace(body.find("PATIENT_ID"), 10, pid);
  ASSERT_EQ(ageuk()->send("POST", "/QuestionnaireResponse", body).status, 201);

  // 5. The practice records a withdrawal (a delta extract), the integrator imports it.
  std::string out;
  ASSERT_EQ(run_command({std::string(FHIRGW_SOURCE_DIR) + "/scripts/demo_practice.py", "withdraw", demo_, story_nhs_},
                        &out, "/usr/bin/python3"),
            0)
      << out;
  std::string delta = first_line(out);
  ASSERT_EQ(run_command({"import", "--format", "systmone", "--store", "sqlite:" + demo_ + "/gateway.db", "--import-config",
                         demo_ + "/import.yaml", "--policy", std::string(FHIRGW_SOURCE_DIR) + "/config/policy.example.yaml",
                         delta},
                        &out),
            0)
      << out;
  auto partner = ageuk();
  EXPECT_EQ(parse(partner->get("/Patient?identifier=" + kNhs + "|" + story_nhs_ + "&_summary=count").body)["total"].GetInt64(), 0);
  EXPECT_EQ(partner->get("/Patient/" + pid).status, 404);
  EXPECT_EQ(parse(partner->get("/CarePlan?patient=" + pid + "&_summary=count").body)["total"].GetInt64(), 0);

  // 6. Why.
  auto why = parse(ig()->get("/$explain?client=ageuk-northtown&purpose=CAREMGT&resource=Patient/" + pid).body);
  EXPECT_STREQ(why["decision"].GetString(), "deny");
  EXPECT_STREQ(why["rule"].GetString(), "consent");

  // 7. The audit trail, as the IG officer (and not as a partner).
  auto trail = ig()->get("/AuditEvent?agent=ageuk-northtown&patient=" + pid);
  ASSERT_EQ(trail.status, 200) << trail.body;
  EXPECT_GE(parse(trail.body)["total"].GetInt64(), 2);
  EXPECT_EQ(partner->get("/AuditEvent").status, 403);
  ASSERT_EQ(run_command({"audit", "verify", "--store", "sqlite:" + demo_ + "/gateway.db"}, &out), 0) << out;
  EXPECT_NE(out.find("intact"), std::string::npos);

  // 8. Export the partner's writes as a SystmOne-style file set.
  for (const char* org : {"Y90001", "Y90002"}) {
    std::string dir = dir_->path() + "/writeback-" + org;
    ASSERT_EQ(run_command({"export", "--format", "systmone", "--organisation", org, "--since", "2025-01-01", "--store",
                           "sqlite:" + demo_ + "/gateway.db", "--import-config", demo_ + "/import.yaml", dir},
                          &out),
              0)
        << out;
    EXPECT_TRUE(std::filesystem::exists(dir + "/SRManifest.csv"));
  }
  size_t answered = 0;
  for (const char* org : {"Y90001", "Y90002"}) {
    std::ifstream f(dir_->path() + "/writeback-" + org + "/SRAnsweredQuestionnaire.csv");
    std::string line;
    while (std::getline(f, line)) ++answered;
  }
  EXPECT_GE(answered, 3u);  // two headers and at least one answered questionnaire
  // Written back under the practice's own SystmOne organisation ids, not ODS codes.
  std::ifstream manifest_rows(dir_->path() + "/writeback-Y90001/SRAnsweredQuestionnaire.csv");
  std::string all((std::istreambuf_iterator<char>(manifest_rows)), std::istreambuf_iterator<char>());
  if (all.find('\n') != std::string::npos && all.size() > all.find('\n') + 1) {
    EXPECT_EQ(all.find("\"Y90001\""), std::string::npos) << all;
  }
}

}  // namespace
