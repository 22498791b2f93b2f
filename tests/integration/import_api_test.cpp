// The three ways in for extracts, against the real binary: the import and
// export commands, the asynchronous POST /$import (with its status and
// quarantine) and $export-writeback, and the watched inbox. A governed
// gateway on loopback with an integrator client and the example policy.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "core/json.hpp"
#include "gateway_process.hpp"
#include "http_client.hpp"

using namespace fhirgw;
using namespace fhirgw::testing;
namespace fs = std::filesystem;

namespace {

const fs::path kSource = FHIRGW_SOURCE_DIR;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

std::string base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// The sample extracts name practice Y99999 by these ids.
constexpr const char* kImportConfig = R"(organisations:
  "0E600000-0000-4000-8000-000000099999": Y99999
  "81001": Y99999
questionnaires:
  - url: https://fhir-gateway.org.uk/Questionnaire/frailty-check
    header: {system: https://fhir-gateway.org.uk/CodeSystem/emis-local/Y99999, code: EMISQFR00}
    systmone_name: Frailty check
    items:
      - {system: https://fhir-gateway.org.uk/CodeSystem/emis-local/Y99999, code: EMISQFR01, linkId: q1}
      - {system: https://fhir-gateway.org.uk/CodeSystem/emis-local/Y99999, code: EMISQFR02, linkId: q2}
      - {system: https://fhir-gateway.org.uk/CodeSystem/systmone-local/Y99999, code: Y1F02, linkId: q2}
      - {question: What matters most to you, linkId: q5}
)";

constexpr const char* kClients = R"(clients:
  - {client_id: integrator, organisation: ICB1, kind: internal, roles: [integrator], allowed_scopes: [], jwks_file: keys/integrator.jwks.json}
  - {client_id: igofficer, organisation: ICB1, kind: internal, roles: [ig-officer], allowed_scopes: [], jwks_file: keys/igofficer.jwks.json}
)";

class ImportApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    fs::path d = dir_->path();
    // The example policy, with a small stand-in for its sensitive code set.
    write_file(d / "policy.yaml", read_file(kSource / "config" / "policy.example.yaml"));
    write_file(d / "fhir-profiles/valuesets/rcgp-sensitive-categories.json",
               R"({"resourceType":"ValueSet","id":"rcgp","status":"active","compose":{"include":[{"system":"http://snomed.info/sct","concept":[{"code":"63487001"}]}]}})");
    write_file(d / "import.yaml", kImportConfig);
    write_file(d / "clients.yaml", kClients);
    write_file(d / "gateway.yaml", "inbox: inbox\nimport: import.yaml\n");
    for (const char* name : {"gateway", "integrator", "igofficer"}) {
      std::string out;
      ASSERT_EQ(run_command({"keygen", "--out", (d / "keys").string(), "--name", name}, &out), 0) << out;
    }
    fs::current_path(d);  // the policy's code set resolves from here
    gateway_ = new GatewayProcess({"serve", "--config", (d / "gateway.yaml").string(), "--listen", "127.0.0.1:0",
                                   "--store", "sqlite:" + (d / "db/gateway.db").string(), "--policy",
                                   (d / "policy.yaml").string(), "--clients", (d / "clients.yaml").string(),
                                   "--signing-key", (d / "keys/gateway.key.pem").string()});
    ASSERT_TRUE(gateway_->wait_ready()) << gateway_->output();
  }
  static void TearDownTestSuite() {
    if (gateway_) gateway_->stop();
    delete gateway_;
    gateway_ = nullptr;
    fs::current_path(fs::temp_directory_path());
    delete dir_;
    dir_ = nullptr;
  }

  static std::string token(const std::string& client) {
    std::string out;
    int rc = run_command({"token", "--client", client, "--key", (fs::path(dir_->path()) / "keys" / (client + ".key.pem")).string(),
                          "--kid", client + "-1", "--token-url", gateway_->base_url() + "/auth/token"},
                         &out);
    EXPECT_EQ(rc, 0) << out;
    // stdout and stderr arrive together: the token is the line shaped like a JWS.
    std::istringstream lines(out);
    std::string line, jws;
    while (std::getline(lines, line)) {
      if (line.find(' ') == std::string::npos && std::count(line.begin(), line.end(), '.') == 2) jws = line;
    }
    EXPECT_FALSE(jws.empty()) << out;
    return jws;
  }
  static HttpClient session(const std::string& client) {
    HttpClient c(gateway_->base_url());
    c.set_default_headers({"Authorization: Bearer " + token(client), "Accept: application/json"});
    return c;
  }
  static std::string upload_body(const fs::path& set, const std::string& format) {
    std::string body = R"({"resourceType":"Parameters","parameter":[{"name":"format","valueCode":")" + format + "\"}";
    for (const auto& e : fs::directory_iterator(set)) {
      body += R"(,{"name":"file","part":[{"name":"name","valueString":")" + e.path().filename().string() +
              R"("},{"name":"content","valueBase64Binary":")" + base64(read_file(e.path())) + "\"}]}";
    }
    return body + "]}";
  }
  // Polls a status URL until the import has finished (bounded).
  static HttpResponse wait_done(HttpClient& c, const std::string& url) {
    HttpResponse r;
    for (int i = 0; i < 600; ++i) {
      r = c.get(url);
      if (r.status != 202) return r;
      EXPECT_FALSE(r.header("x-progress").empty());
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return r;
  }
  static bool wait_for(const fs::path& p) {
    for (int i = 0; i < 600 && !fs::exists(p); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return fs::exists(p);
  }

  static TempDir* dir_;
  static GatewayProcess* gateway_;
};

TempDir* ImportApi::dir_ = nullptr;
GatewayProcess* ImportApi::gateway_ = nullptr;

fs::path sample(const char* name) { return kSource / "tests" / "data" / "extracts" / name; }

}  // namespace

TEST_F(ImportApi, CommandLineImportAndExport) {
  fs::path d = dir_->path();
  std::string store = "sqlite:" + (d / "cli/cli.db").string();
  std::string out;
  int rc = run_command({"import", "--format", "systmone", "--store", store, "--import-config",
                        (d / "import.yaml").string(), "--policy", (d / "policy.yaml").string(),
                        "--report-json", (d / "cli/report.json").string(), sample("systmone-bulk").string()},
                       &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("TOTAL"), std::string::npos) << out;
  EXPECT_NE(out.find("SRPatient.csv"), std::string::npos) << out;
  EXPECT_NE(out.find("importing "), std::string::npos) << "plain progress lines when not on a terminal:\n" << out;
  auto report = json::parse(read_file(d / "cli/report.json"));
  ASSERT_TRUE(report.ok());
  EXPECT_GT(json::get_path(*report, "totals.created")->GetInt64(), 0);

  // Consent codes come from the policy: without one the import refuses.
  rc = run_command({"import", "--format", "systmone", "--store", store, sample("systmone-bulk").string()}, &out);
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("--policy"), std::string::npos) << out;

  // A set with a file missing a required column is rejected: exit 1.
  fs::path bad = d / "cli/bad";
  write_file(bad / "SRManifest.csv", "\"FileName\",\"IsDelta\"\r\n\"SRPatient\",\"Y\"\r\n");
  write_file(bad / "SRPatient.csv", "\"RowIdentifier\",\"Surname\"\r\n\"1\",\"Smith\"\r\n");
  rc = run_command({"import", "--format", "systmone", "--store", store, "--import-config",
                    (d / "import.yaml").string(), "--policy", (d / "policy.yaml").string(), bad.string()},
                   &out);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("REJECTED"), std::string::npos) << out;

  rc = run_command({"export", "--format", "systmone", "--organisation", "Y99999", "--since", "2025-01-01", "--store",
                    store, "--import-config", (d / "import.yaml").string(), (d / "cli/out").string()},
                   &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_TRUE(fs::exists(d / "cli/out/SRManifest.csv")) << out;
  rc = run_command({"export", "--format", "emis", "--organisation", "Y99999", "--since", "yesterday", "--store", store,
                    (d / "cli/out2").string()},
                   &out);
  EXPECT_EQ(rc, 2) << out;
}

TEST_F(ImportApi, AsynchronousImportWithStatusAndQuarantine) {
  auto c = session("integrator");
  auto accepted = c.request("POST", "/$import", upload_body(sample("systmone-bulk"), "systmone"),
                            {"Content-Type: application/fhir+json"});
  ASSERT_EQ(accepted.status, 202) << accepted.body;
  std::string location = accepted.header("content-location");
  ASSERT_NE(location.find("/$import-status?id="), std::string::npos) << location;
  auto done = wait_done(c, location);
  ASSERT_EQ(done.status, 200) << done.body;
  auto report = json::parse(done.body);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(*json::get_string(*report, "format"), "systmone");
  EXPECT_GT(json::get_path(*report, "totals.rows")->GetInt64(), 0);
  std::string import_id(*json::get_string(*report, "importId"));

  auto q = c.get("/$import-quarantine?import=" + import_id);
  ASSERT_EQ(q.status, 200) << q.body;
  auto qdoc = json::parse(q.body);
  ASSERT_TRUE(qdoc.ok());
  EXPECT_EQ(static_cast<int64_t>(json::get(*qdoc, "entries")->Size()),
            json::get(*report, "quarantineTotal")->GetInt64());

  EXPECT_EQ(c.get("/$import-status?id=no-such-import").status, 404);
  // A bad upload is refused at once.
  auto bad = c.request("POST", "/$import", R"({"resourceType":"Parameters","parameter":[{"name":"format","valueCode":"emis"},{"name":"file","part":[{"name":"name","valueString":"../escape.csv"},{"name":"content","valueBase64Binary":"QQ=="}]}]})",
                       {"Content-Type: application/fhir+json"});
  EXPECT_EQ(bad.status, 400) << bad.body;
}

TEST_F(ImportApi, OnlyIntegratorsImportAndExport) {
  auto officer = session("igofficer");
  auto r = officer.request("POST", "/$import", upload_body(sample("emis-bulk"), "emis"),
                           {"Content-Type: application/fhir+json"});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(officer.request("POST", "/$export-writeback?format=emis&organisation=Y99999&since=2025-01-01").status, 403);
  EXPECT_EQ(officer.get("/$import-quarantine?import=x").status, 403);
  HttpClient anonymous(gateway_->base_url());
  EXPECT_EQ(anonymous.request("POST", "/$import", "{}", {"Content-Type: application/fhir+json"}).status, 401);
}

TEST_F(ImportApi, ExportWritebackReturnsTheFiles) {
  auto c = session("integrator");
  auto r = c.request("POST", "/$export-writeback?format=systmone&organisation=Y99999&since=2025-01-01");
  ASSERT_EQ(r.status, 200) << r.body;
  auto doc = json::parse(r.body);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(*json::get_string(*doc, "resourceType"), "Parameters");
  std::set<std::string> files;
  for (const auto& p : json::get(*doc, "parameter")->GetArray()) {
    if (json::get_string(p, "name") != std::string_view("file")) continue;
    files.insert(std::string(*json::get_string(json::get(p, "part")->GetArray()[0], "valueString")));
  }
  EXPECT_TRUE(files.count("SRManifest.csv"));
  EXPECT_TRUE(files.count("SRAnsweredQuestionnaire.csv"));
  EXPECT_EQ(c.request("POST", "/$export-writeback?format=emis").status, 400);
}

TEST_F(ImportApi, InboxImportsCompleteSetsAndFilesThem) {
  fs::path inbox = fs::path(dir_->path()) / "inbox";
  // A set without READY is left alone while it is still arriving.
  fs::create_directories(inbox / "emis" / "partial");
  fs::copy(sample("emis-bulk"), inbox / "emis" / "set1");
  write_file(inbox / "emis" / "set1" / "READY", "");
  ASSERT_TRUE(wait_for(inbox / "done" / "emis-set1" / "report.json"));
  EXPECT_TRUE(fs::exists(inbox / "done" / "emis-set1" / "report.txt"));
  EXPECT_FALSE(fs::exists(inbox / "emis" / "set1"));
  auto report = json::parse(read_file(inbox / "done" / "emis-set1" / "report.json"));
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(*json::get_string(*report, "format"), "emis");

  // A SystmOne set without its manifest is refused and filed under failed/.
  write_file(inbox / "systmone" / "broken" / "SRPatient.csv", "\"RowIdentifier\"\r\n\"1\"\r\n");
  write_file(inbox / "systmone" / "broken" / "READY", "");
  ASSERT_TRUE(wait_for(inbox / "failed" / "systmone-broken" / "report.txt"));
  EXPECT_NE(read_file(inbox / "failed" / "systmone-broken" / "report.txt").find("SRManifest"), std::string::npos);
  EXPECT_TRUE(fs::exists(inbox / "emis" / "partial"));
}
