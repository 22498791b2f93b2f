#include "governed_gateway.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "auth/assertion.hpp"

namespace fhirgw::testing {

namespace fs = std::filesystem;

namespace {

constexpr const char* kControllerSystem = "https://fhir-gateway.org.uk/CodeSystem/controller";
constexpr const char* kAuthorSystem = "https://fhir-gateway.org.uk/CodeSystem/author-organisation";
// The code set the example policy excludes: a small stand-in for the real
// RCGP list, holding the dm+d code of the "sensitive medication" below.
constexpr const char* kSensitiveDmd = "39113611000001102";
constexpr const char* kPagingCategory = "https://fhir-gateway.org.uk/test/CodeSystem/suite|paging";

Status fail(const std::string& what) { return Error::internal("governed gateway fixture: " + what); }

bool write_file(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Lower-case hex SHA-256 of the certificate's DER: what the gateway compares.
std::string cert_fingerprint(const std::string& pem_file) {
  FILE* f = std::fopen(pem_file.c_str(), "r");
  if (!f) return {};
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (!cert) return {};
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  X509_digest(cert, EVP_sha256(), md, &n);
  X509_free(cert);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

// A port free right now on the loopback interface (for a process that must be told its port).
int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

// ---- seed resources ---------------------------------------------------------

std::string tags(const std::string& controller, const std::string& author = {}) {
  std::string t = R"({"system":")" + std::string(kControllerSystem) + R"(","code":")" + controller + R"("})";
  if (!author.empty()) t += R"(,{"system":")" + std::string(kAuthorSystem) + R"(","code":")" + author + R"("})";
  return t;
}

std::string meta(const std::string& controller, const std::string& author = {}, bool confidential = false) {
  std::string m = R"({"tag":[)" + tags(controller, author) + "]";
  if (confidential)
    m += R"(,"security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-Confidentiality","code":"R"}])";
  return m + "}";
}

std::string patient(const std::string& id, const std::string& controller, const std::string& nhs,
                    const std::string& verification, const std::string& birth, const std::string& family,
                    bool confidential = false) {
  return R"({"resourceType":"Patient","id":")" + id + R"(","meta":)" + meta(controller, {}, confidential) +
         R"(,"identifier":[{"extension":[{"url":"https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus",)"
         R"("valueCodeableConcept":{"coding":[{"system":"https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland","code":")" +
         verification + R"("}]}}],"system":"https://fhir.nhs.uk/Id/nhs-number","value":")" + nhs +
         R"("}],"active":true,"name":[{"use":"official","family":")" + family +
         R"(","given":["Test"]}],"telecom":[{"system":"phone","value":"0113 496 0000","use":"home"}],)"
         R"("gender":"female","birthDate":")" + birth +
         R"(","address":[{"use":"home","line":["1 Secret Street"],"postalCode":"LS6 9ZZ"}]})";
}

std::string consent(const std::string& id, const std::string& patient_id, const std::string& controller,
                    bool permit, const std::string& date = "2025-01-15T11:02:00+00:00") {
  const std::string code = permit ? "9Nd7." : "9Nd1.";
  return R"({"resourceType":"Consent","id":")" + id + R"(","meta":)" + meta(controller) +
         R"(,"status":"active","scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"patient-privacy"}]},)"
         R"("category":[{"coding":[{"system":"http://loinc.org","code":"59284-0"}]},{"coding":[{"system":"http://read.info/readv2","code":")" +
         code + R"("}]}],"patient":{"reference":"Patient/)" + patient_id + R"("},"dateTime":")" + date +
         R"(","organization":[{"identifier":{"system":"https://fhir.nhs.uk/Id/ods-organization-code","value":")" +
         controller + R"("}}],"policyRule":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":")" +
         (permit ? "OPTIN" : "OPTOUT") + R"("}]},"provision":{"type":")" + (permit ? "permit" : "deny") + R"("}})";
}

std::string careplan(const std::string& id, const std::string& patient_id, const std::string& controller,
                     const std::string& title, const std::string& author = {}, bool confidential = false,
                     const std::string& extra_category = {}, const std::string& status = "active") {
  std::string category = R"({"coding":[{"system":"http://snomed.info/sct","code":"735324008"}]})";
  if (!extra_category.empty()) {
    auto bar = extra_category.find('|');
    category += R"(,{"coding":[{"system":")" + extra_category.substr(0, bar) + R"(","code":")" +
                extra_category.substr(bar + 1) + R"("}]})";
  }
  return R"({"resourceType":"CarePlan","id":")" + id + R"(","meta":)" + meta(controller, author, confidential) +
         R"(,"status":")" + status + R"(","intent":"plan","category":[)" + category + R"(],"title":")" + title +
         R"(","subject":{"reference":"Patient/)" + patient_id +
         R"("},"period":{"start":"2025-01-15"},"note":[{"text":"SECRET-NOTE )" + id + R"("}]})";
}

std::string medication(const std::string& id, const std::string& patient_id, const std::string& controller,
                       const std::string& dmd, const std::string& display) {
  return R"({"resourceType":"MedicationStatement","id":")" + id + R"(","meta":)" + meta(controller) +
         R"(,"status":"active","medicationCodeableConcept":{"coding":[{"system":"https://dmd.nhs.uk","code":")" + dmd +
         R"(","display":")" + display + R"("}]},"subject":{"reference":"Patient/)" + patient_id +
         R"("},"effectivePeriod":{"start":"2024-06-01"},"dateAsserted":"2025-01-15T11:02:00+00:00",)"
         R"("note":[{"text":"SECRET-NOTE )" + id + R"("}],"dosage":[{"text":"SECRET-DOSAGE )" + id +
         R"(","asNeededBoolean":true}]})";
}

std::string flag(const std::string& id, const std::string& patient_id, const std::string& controller) {
  return R"({"resourceType":"Flag","id":")" + id + R"(","meta":)" + meta(controller) +
         R"(,"status":"active","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/flag-category","code":"clinical"}]}],)"
         R"("code":{"coding":[{"system":"http://snomed.info/sct","code":"925831000000107","display":"Moderate frailty"}]},)"
         R"("subject":{"reference":"Patient/)" + patient_id + R"("},"period":{"start":"2025-01-15"}})";
}

struct Seed {
  std::string role, type, id, json;
};

// Who sees what under the example policy (ageuk: explicit consent, verified
// NHS number, cohort 65+ or frail, hides Patient.telecom/address,
// CarePlan.note, MedicationStatement.note/dosage.text; trust: implied
// consent; both exclude rcgp-sensitive from CarePlan/Flag/MedicationStatement).
std::vector<Seed> seed_resources() {
  std::vector<Seed> s;
  auto add = [&](std::string role, std::string type, std::string id, std::string json) {
    s.push_back({std::move(role), std::move(type), std::move(id), std::move(json)});
  };
  // A patient with a consent permit and a care plan, seeded as "<who> patient",
  // "<who> permit" and "<who> careplan" (pat-, consent-permit- and cp-<suffix>).
  auto consented = [&](const std::string& who, const std::string& suffix, const std::string& practice,
                       const std::string& nhs, const std::string& verification, const std::string& birth,
                       const std::string& family, const std::string& plan_title) {
    const std::string pat = "pat-" + suffix, permit = "consent-permit-" + suffix, plan = "cp-" + suffix;
    add(who + " patient", "Patient", pat, patient(pat, practice, nhs, verification, birth, family));
    add(who + " permit", "Consent", permit, consent(permit, pat, practice, true));
    add(who + " careplan", "CarePlan", plan, careplan(plan, pat, practice, plan_title));
  };
  // Visible to both partners.
  consented("consenting", "consent", "Y90001", "9990000018", "01", "1940-05-01", "Consenting", "Frailty care plan");
  add("ageuk careplan", "CarePlan", "cp-ageuk", careplan("cp-ageuk", "pat-consent", "Y90001", "Age UK support plan", "AGEUK1"));
  add("consenting medication", "MedicationStatement", "ms-consent", medication("ms-consent", "pat-consent", "Y90001", "322236009", "Paracetamol 500mg tablets"));
  add("consenting flag", "Flag", "flag-consent", flag("flag-consent", "pat-consent", "Y90001"));
  // Hidden from both: confidential, or carrying an excluded code.
  add("confidential careplan", "CarePlan", "cp-confidential", careplan("cp-confidential", "pat-consent", "Y90001", "Confidential plan", {}, true));
  add("sensitive medication", "MedicationStatement", "ms-sensitive", medication("ms-sensitive", "pat-consent", "Y90001", kSensitiveDmd, "Sensitive product"));
  // A confidential Patient whose care plan is not confidential: the plan is
  // visible, the Patient never (an _include of the plan's subject must not bring it).
  add("confidential patient", "Patient", "pat-confidential", patient("pat-confidential", "Y90001", "9990000085", "01", "1936-06-06", "Confidential", true));
  add("confidential patient permit", "Consent", "consent-permit-confidential", consent("consent-permit-confidential", "pat-confidential", "Y90001", true));
  add("careplan of confidential patient", "CarePlan", "cp-confpatient", careplan("cp-confpatient", "pat-confidential", "Y90001", "Plan of a confidential patient"));
  // Dissent at the practice (and a permit too: the dissent must win).
  add("dissenting patient", "Patient", "pat-dissent", patient("pat-dissent", "Y90001", "9990000026", "01", "1941-02-03", "Dissenting"));
  add("dissenting permit", "Consent", "consent-permit-dissent", consent("consent-permit-dissent", "pat-dissent", "Y90001", true));
  add("dissenting dissent", "Consent", "consent-dissent-dissent", consent("consent-dissent-dissent", "pat-dissent", "Y90001", false, "2025-02-01T09:00:00+00:00"));
  add("dissenting careplan", "CarePlan", "cp-dissent", careplan("cp-dissent", "pat-dissent", "Y90001", "Dissenter plan"));
  add("dissenting medication", "MedicationStatement", "ms-dissent", medication("ms-dissent", "pat-dissent", "Y90001", "322236009", "Paracetamol 500mg tablets"));
  add("dissenting flag", "Flag", "flag-dissent", flag("flag-dissent", "pat-dissent", "Y90001"));
  // No consent recorded: hidden from Age UK (explicit), visible to the trust (implied).
  add("patient without consent", "Patient", "pat-noconsent", patient("pat-noconsent", "Y90002", "9990000034", "01", "1942-07-08", "Noconsent"));
  add("careplan without consent", "CarePlan", "cp-noconsent", careplan("cp-noconsent", "pat-noconsent", "Y90002", "Implied plan"));
  // NHS number not verified: hidden from Age UK (verification required).
  consented("unverified", "unverified", "Y90001", "9990000042", "02", "1939-09-09", "Unverified", "Unverified plan");
  // Outside Age UK's cohort (under 65, not frail).
  consented("young", "young", "Y90001", "9990000069", "01", "1990-01-01", "Young", "Young plan");
  // A practice no agreement covers: hidden from everyone.
  consented("unknown practice", "elsewhere", "Y88888", "9990000077", "01", "1938-03-03", "Elsewhere", "Elsewhere plan");
  // Visible until the withdrawal test records a dissent (cp-withdraw gets a second version).
  consented("withdrawing", "withdraw", "Y90002", "9990000050", "01", "1943-04-04", "Withdrawing", "Withdrawing plan");
  // A second withdrawing patient, for the multi-instance test (tests share one gateway).
  consented("second withdrawing", "withdraw2", "Y90002", "0999000063", "01", "1941-05-05", "Withdrawing-Two", "Second withdrawing plan");
  add("withdrawing medication", "MedicationStatement", "ms-withdraw", medication("ms-withdraw", "pat-withdraw", "Y90002", "322236009", "Paracetamol 500mg tablets"));
  // For the time-boundary tests: a young patient Age UK sees only while a
  // frailty flag lasts, and an old one until a dissent's period starts (the
  // flag and the dissent are written by the tests, with periods relative to now).
  consented("frail-until", "frail-until", "Y90001", "9990000107", "01", "1992-02-02", "Frail-Until", "Frail-until plan");
  consented("dissent-from", "dissent-from", "Y90001", "9990000115", "01", "1942-06-06", "Dissent-From", "Dissent-from plan");
  // Paging: 12 visible to Age UK interleaved with 12 hidden ones, one category.
  for (int i = 0; i < 24; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "cp-page-%02d", i);
    bool visible = i % 2 == 0;
    add(visible ? "paging careplan visible" : "paging careplan hidden", "CarePlan", id,
        careplan(id, visible ? "pat-consent" : "pat-dissent", "Y90001", "Paging plan", {}, false, kPagingCategory));
  }
  return s;
}

std::string seed_transaction(const std::vector<Seed>& seeds) {
  std::string b = R"({"resourceType":"Bundle","type":"transaction","entry":[)";
  for (size_t i = 0; i < seeds.size(); ++i) {
    if (i) b += ",";
    b += R"({"resource":)" + seeds[i].json + R"(,"request":{"method":"PUT","url":")" + seeds[i].type + "/" +
         seeds[i].id + R"("}})";
  }
  return b + "]}";
}

constexpr const char* kValueSet = R"vs({
  "resourceType": "ValueSet",
  "id": "rcgp-sensitive-categories",
  "url": "https://fhir-gateway.org.uk/ValueSet/rcgp-sensitive-categories",
  "status": "active",
  "compose": {"include": [
    {"system": "https://dmd.nhs.uk", "concept": [{"code": "39113611000001102", "display": "Sensitive product (test)"}]},
    {"system": "http://snomed.info/sct", "concept": [{"code": "8098009", "display": "Sexually transmitted infectious disease"}]}
  ]}
})vs";

struct ClientSpec {
  const char* client_id;
  const char* organisation;
  const char* kind;
  const char* roles;
  const char* scopes;
  const char* key;   // keys/<key>.jwks.json
  const char* cert;  // tls/client-<cert>.pem fingerprint registered ("" = none)
};

const std::vector<ClientSpec>& client_specs() {
  static const std::vector<ClientSpec> c = {
      {"ageuk-app", "AGEUK1", "voluntary", "[partner]",
       R"(["system/Patient.rs","system/CarePlan.rus","system/Flag.crs","system/QuestionnaireResponse.crs","system/MedicationStatement.rs","system/Questionnaire.rs"])",
       "ageuk", ""},
      {"ageuk-flood", "AGEUK1", "voluntary", "[partner]",
       R"(["system/Patient.rs","system/CarePlan.rus","system/Flag.crs","system/MedicationStatement.rs"])", "ageukflood", ""},
      {"trust-app", "RZZ", "statutory", "[partner]", R"(["system/*.rs"])", "trust", ""},
      {"trust-writer", "RZZ", "statutory", "[partner]", R"(["system/*.cruds"])", "trustwriter", ""},
      {"trust-mtls", "RZZ", "statutory", "[partner]", R"(["system/*.rs"])", "trustmtls", "trust-mtls"},
      {"ig-officer", "ICB1", "internal", "[ig-officer]", "[]", "igofficer", ""},
  };
  return c;
}

const std::vector<std::string>& key_names() {
  static const std::vector<std::string> n = {"gateway", "ageuk", "ageukflood", "trust", "trustwriter",
                                             "trustmtls", "igofficer", "intruder"};
  return n;
}

// Keys and certificates take a dozen process runs to make, and ctest starts
// a gateway per test: they are made once per build tree (test material only)
// and copied into each gateway's folder.
Status key_material(const std::string& cache) {
  auto complete = [](const std::string& dir) {
    for (const auto& n : key_names())
      if (!fs::exists(dir + "/keys/" + n + ".jwks.json")) return false;
    for (const char* f : {"tls/ca.pem", "tls/server.pem", "tls/server.key", "tls/client-trust-mtls.pem",
                          "tls/client-stranger.key"})
      if (!fs::exists(dir + "/" + f)) return false;
    return true;
  };
  if (complete(cache)) return {};
  // Made aside and renamed into place, so concurrent test processes never see half a set.
  const std::string tmp = cache + ".tmp-" + std::to_string(getpid());
  std::error_code ec;
  fs::remove_all(tmp, ec);
  std::string out;
  for (const auto& name : key_names())
    if (run_command({"keygen", "--out", tmp + "/keys", "--name", name}, &out) != 0) return fail("keygen: " + out);
  const std::string script = std::string(FHIRGW_SOURCE_DIR) + "/scripts/make-certs.sh";
  if (run_command({script, tmp + "/tls", "trust-mtls", "stranger"}, &out, "/bin/bash") != 0)
    return fail("make-certs.sh: " + out);
  fs::remove_all(cache, ec);  // an incomplete older set
  fs::rename(tmp, cache, ec);
  fs::remove_all(tmp, ec);    // another process won the race: use its set
  return complete(cache) ? Status{} : fail("key material in " + cache + " is incomplete");
}

}  // namespace

Result<std::unique_ptr<GovernedGateway>> GovernedGateway::start() {
  std::unique_ptr<GovernedGateway> g(new GovernedGateway());
  if (auto s = g->build(); !s.ok()) return std::move(s).error();
  if (auto s = g->seed(); !s.ok()) return std::move(s).error();
  if (auto s = g->start_governed(); !s.ok()) return std::move(s).error();
  return g;
}

GovernedGateway::~GovernedGateway() {
  practice_http_.reset();
  if (practice_) practice_->stop();
  if (replica_) replica_->stop();
  if (governed_) governed_->stop();
}

std::string GovernedGateway::bare_id(const std::string& role) const {
  const std::string& full = id(role);
  return full.substr(full.find('/') + 1);
}

Status GovernedGateway::build() {
  const std::string cache = std::string(FHIRGW_BINARY_DIR) + "/tests/governed-gateway-material";
  if (auto s = key_material(cache); !s.ok()) return s;
  std::error_code ec;
  fs::copy(cache, dir_.path(), fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
  if (ec) return fail("cannot copy key material: " + ec.message());

  std::string clients = "clients:\n";
  for (const auto& c : client_specs()) {
    clients += std::string("  - client_id: ") + c.client_id + "\n    organisation: " + c.organisation +
               "\n    kind: " + c.kind + "\n    roles: " + c.roles + "\n    allowed_scopes: " + c.scopes +
               "\n    jwks_file: keys/" + c.key + ".jwks.json\n";
    if (*c.cert) {
      std::string fp = cert_fingerprint(client_cert_file(c.cert));
      if (fp.empty()) return fail(std::string("cannot fingerprint client certificate ") + c.cert);
      clients += "    cert_fingerprints: [\"" + fp + "\"]\n";
    }
  }
  if (!write_file(clients_file(), clients)) return fail("cannot write clients.yaml");

  // The example policy, with validity periods pushed out so the suite does
  // not expire with the example agreements.
  std::string policy = read_file(std::string(FHIRGW_SOURCE_DIR) + "/config/policy.example.yaml");
  if (policy.empty()) return fail("config/policy.example.yaml is missing");
  policy = std::regex_replace(policy, std::regex("valid_to: [0-9-]+"), "valid_to: 2099-12-31");
  if (!write_file(policy_file(), policy)) return fail("cannot write policy.yaml");
  if (!write_file(dir_.file("fhir-profiles/valuesets/rcgp-sensitive-categories.json"), kValueSet))
    return fail("cannot write the code set");
  fs::create_directories(dir_.file("db"));
  return {};
}

Status GovernedGateway::seed() {
  GatewayProcess dev({"serve", "--development", "--listen", "127.0.0.1:0", "--store", store_url()});
  if (!dev.wait_ready()) return fail("development gateway did not start: " + dev.output());
  HttpClient http(dev.base_url());
  auto seeds = seed_resources();
  auto r = http.send("POST", "/", seed_transaction(seeds));
  if (r.status != 200) return fail("seed transaction failed: " + std::to_string(r.status) + " " + r.body + r.error);
  // A second version of the withdrawing patient's care plan, for history and vread.
  std::string v2 = careplan("cp-withdraw", "pat-withdraw", "Y90002", "Withdrawing plan (reviewed)");
  r = http.send("PUT", "/CarePlan/cp-withdraw", v2);
  if (r.status != 200) return fail("second version failed: " + std::to_string(r.status) + " " + r.body);
  for (const auto& s : seeds) {
    std::string ref = s.type + "/" + s.id;
    if (s.role.rfind("paging careplan", 0) == 0) {
      groups_[s.role].push_back(ref);
    } else {
      ids_[s.role] = ref;
    }
  }
  dev.stop();
  return {};
}

Status GovernedGateway::start_governed() {
  governed_ = std::make_unique<GatewayProcess>(std::vector<std::string>{
      "serve", "--listen", "127.0.0.1:0", "--store", store_url(), "--tls-cert", dir_.file("tls/server.pem"),
      "--tls-key", dir_.file("tls/server.key"), "--tls-client-ca", ca_file(), "--policy", policy_file(),
      "--clients", clients_file(), "--signing-key", signing_key_file()});
  if (!governed_->wait_ready()) return fail("governed gateway did not start: " + governed_->output());
  return {};
}

Result<std::string> GovernedGateway::token(const std::string& client_id, const std::string& scopes,
                                           const std::string& cert_name) const {
  std::string key;
  for (const auto& c : client_specs())
    if (client_id == c.client_id) key = c.key;
  if (key.empty()) return Error::invalid("no such test client: " + client_id);
  auth::TokenFetchOptions opts;
  opts.scope = scopes;
  opts.kid = key + "-1";
  opts.http.ca_file = ca_file();
  if (!cert_name.empty()) {
    opts.http.client_cert_file = client_cert_file(cert_name);
    opts.http.client_key_file = client_cert_key_file(cert_name);
  }
  auto t = auth::fetch_access_token(base_url() + "/auth/token", client_id, client_key_file(key), opts);
  if (!t.ok()) return std::move(t).error();
  return t->access_token;
}

std::unique_ptr<HttpClient> GovernedGateway::http(const std::string& cert_name) const {
  HttpOptions o;
  o.ca_file = ca_file();
  if (!cert_name.empty()) {
    o.client_cert_file = client_cert_file(cert_name);
    o.client_key_file = client_cert_key_file(cert_name);
  }
  return std::make_unique<HttpClient>(base_url(), o);
}

Result<std::unique_ptr<HttpClient>> GovernedGateway::session(const std::string& client_id, const std::string& scopes,
                                                             const std::string& purpose,
                                                             const std::string& cert_name) const {
  auto t = token(client_id, scopes, cert_name);
  if (!t.ok()) return std::move(t).error();
  auto c = http(cert_name);
  std::vector<std::string> headers = {"Authorization: Bearer " + *t};
  if (!purpose.empty()) headers.push_back("X-Purpose-Of-Use: " + purpose);
  c->set_default_headers(headers);
  return c;
}

HttpResponse GovernedGateway::practice_request(const std::string& method, const std::string& path,
                                               const std::string& json) {
  if (!practice_) {
    practice_ = std::make_unique<GatewayProcess>(
        std::vector<std::string>{"serve", "--development", "--listen", "127.0.0.1:0", "--store", store_url()});
    if (!practice_->wait_ready()) {
      HttpResponse r;
      r.error = "practice (development) gateway did not start: " + practice_->output();
      practice_.reset();
      return r;
    }
    practice_http_ = std::make_unique<HttpClient>(practice_->base_url());
  }
  return json.empty() ? practice_http_->request(method, path) : practice_http_->send(method, path, json);
}

Result<std::string> GovernedGateway::record_dissent(const std::string& patient_id) {
  std::string controller;
  auto r = practice_request("GET", "/Patient/" + patient_id);
  if (r.status != 200) return Error::invalid("cannot read Patient/" + patient_id + ": " + r.body + r.error);
  std::smatch m;
  if (std::regex_search(r.body, m, std::regex(R"re(CodeSystem/controller","code":"([A-Z0-9]+)")re")))
    controller = m[1];
  if (controller.empty()) return Error::invalid("Patient/" + patient_id + " has no controller tag");
  const std::string id = "consent-dissent-" + patient_id;
  r = practice_request("PUT", "/Consent/" + id, consent(id, patient_id, controller, false, "2026-01-01T09:00:00+00:00"));
  if (r.status != 201 && r.status != 200) return Error::invalid("recording the dissent failed: " + r.body + r.error);
  return id;
}

Result<std::unique_ptr<HttpClient>> GovernedGateway::replica_session(const std::string& client_id,
                                                                     const std::string& scopes,
                                                                     const std::string& purpose) {
  if (!replica_) {
    if (!write_file(dir_.file("replica.yaml"), "public_base_url: " + base_url() + "\n"))
      return Error::internal("cannot write replica.yaml");
    // It announces the primary's URL, so it gets a port chosen here to be reachable.
    const int port = free_port();
    if (port <= 0) return Error::internal("no free port for the replica");
    replica_url_ = "https://127.0.0.1:" + std::to_string(port);
    replica_ = std::make_unique<GatewayProcess>(std::vector<std::string>{
        "serve", "--config", dir_.file("replica.yaml"), "--listen", "127.0.0.1:" + std::to_string(port), "--store", store_url(),
        "--tls-cert", dir_.file("tls/server.pem"), "--tls-key", dir_.file("tls/server.key"), "--tls-client-ca",
        ca_file(), "--policy", policy_file(), "--clients", clients_file(), "--signing-key", signing_key_file()});
    if (!replica_->wait_ready()) {
      std::string out = replica_->output();
      replica_.reset();
      return Error::internal("replica did not start: " + out);
    }
  }
  auto t = token(client_id, scopes);
  if (!t.ok()) return std::move(t).error();
  auto c = std::make_unique<HttpClient>(replica_url_, HttpOptions{ca_file(), {}, {}, 30000});
  std::vector<std::string> headers = {"Authorization: Bearer " + *t};
  if (!purpose.empty()) headers.push_back("X-Purpose-Of-Use: " + purpose);
  c->set_default_headers(headers);
  return c;
}

int GovernedGateway::audit_verify(std::string* text) const {
  return run_command({"audit", "verify", "--store", store_url()}, text);
}

}  // namespace fhirgw::testing
