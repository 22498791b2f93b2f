// Leak case 8 and the perimeter: a missing or wrong purpose, a missing scope,
// an unknown caller, forged, tampered, expired, re-signed and alg-none tokens,
// forged client assertions, certificate-bound tokens used without the
// certificate, and the rate limit. Every one is a denial, never data.
#include <chrono>

#include "auth/assertion.hpp"
#include "auth/jwks.hpp"
#include "auth/jwt.hpp"
#include "security_support.hpp"

namespace fhirgw::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A request that would return data to an authorised Age UK caller, and what
// it returns when the caller is not (status, or a Bundle with nothing in it).
struct Probe {
  std::string path;
  bool search;
};
const std::vector<Probe> kProbes = {{"/Patient/pat-consent", false},
                                    {"/CarePlan/cp-consent", false},
                                    {"/CarePlan/cp-consent/_history", false},
                                    {"/Patient?_id=pat-consent", true},
                                    {"/CarePlan?_count=100", true},
                                    {"/CarePlan?_summary=count", true},
                                    {"/MedicationStatement?patient=pat-consent", true}};

// No resource data: not a 2xx with a resource, no Bundle entries, total 0.
void expect_no_data(const HttpResponse& r, const std::string& what) {
  EXPECT_THAT(entry_refs(r, ""), IsEmpty()) << what << ": " << show(r);
  auto d = parse_body(r);
  std::string type = d.IsObject() ? std::string(json::get_string(d, "resourceType").value_or("")) : "";
  if (type == "Bundle") {
    EXPECT_EQ(bundle_total(r), 0) << what << ": " << show(r);
  } else if (r.status < 300) {
    ADD_FAILURE() << what << " returned a resource: " << show(r);
  }
  EXPECT_EQ(r.body.find("Consenting"), std::string::npos) << what;
  EXPECT_EQ(r.body.find("Frailty care plan"), std::string::npos) << what;
}

void expect_401(const HttpResponse& r, const std::string& what) {
  EXPECT_EQ(r.status, 401) << what << ": " << show(r);
  EXPECT_THAT(r.header("www-authenticate"), HasSubstr("Bearer")) << what;
  expect_no_data(r, what);
}

struct Jwt {
  json::Document header, payload;
  std::string signature;
};

Jwt split_jwt(const std::string& token) {
  Jwt j;
  auto a = token.find('.'), b = token.rfind('.');
  auto h = auth::base64url_decode(token.substr(0, a));
  auto p = auth::base64url_decode(token.substr(a + 1, b - a - 1));
  j.header = h ? json::parse(*h).value() : json::Document();
  j.payload = p ? json::parse(*p).value() : json::Document();
  j.signature = token.substr(b + 1);
  return j;
}

std::string encode_unsigned(const json::Value& header, const json::Value& payload) {
  return auth::base64url_encode(json::to_string(header)) + "." + auth::base64url_encode(json::to_string(payload));
}

std::string resign(const json::Value& header, const json::Value& payload, const std::string& key_file,
                   auth::JwsAlg alg) {
  auto key = auth::load_private_key_pem(key_file);
  EXPECT_TRUE(key.ok());
  if (!key.ok()) return {};
  auto t = auth::sign_jws(alg, key->get(), json::to_string(header), json::to_string(payload));
  EXPECT_TRUE(t.ok());
  return t.ok() ? *t : "";
}

class Authentication : public GovernedSuite {
 protected:
  static std::unique_ptr<HttpClient> with_token(const std::string& token, const std::string& purpose = "CAREMGT",
                                                const std::string& cert = {}) {
    auto c = gw().http(cert);
    std::vector<std::string> h;
    if (!token.empty()) h.push_back("Authorization: Bearer " + token);
    if (!purpose.empty()) h.push_back("X-Purpose-Of-Use: " + purpose);
    c->set_default_headers(h);
    return c;
  }
  static std::string ageuk_token() {
    auto t = gw().token("ageuk-app", kAgeUkScopes);
    EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().message());
    return t.ok() ? *t : "";
  }
};

TEST_F(Authentication, TheProbesReturnDataToAnAuthorisedCaller) {
  // The baseline the denials below are measured against.
  for (const auto& p : kProbes) {
    auto r = ageuk().get(p.path);
    EXPECT_EQ(r.status, 200) << p.path << ": " << show(r);
    if (p.search) {
      EXPECT_GT(bundle_total(r), 0) << p.path;
    }
  }
}

TEST_F(Authentication, MissingOrWrongPurposeIsADenial) {
  const std::string token = ageuk_token();
  for (const std::string purpose : {"", "TREAT", "HRESCH", "NOT-A-PURPOSE", "caremgt", "CAREMGT,TREAT"}) {
    auto c = with_token(token, purpose);
    for (const auto& p : kProbes) {
      auto r = c->get(p.path);
      EXPECT_TRUE(r.status == 200 || r.status == 403 || r.status == 404 || r.status == 400)
          << "purpose '" << purpose << "' " << p.path << ": " << show(r);
      expect_no_data(r, "purpose '" + purpose + "' " + p.path);
    }
    // Writes too.
    auto r = c->send("POST", "/Flag",
                     R"({"resourceType":"Flag","status":"active","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/flag-category","code":"clinical"}]}],"code":{"text":"x"},"subject":{"reference":"Patient/pat-consent"},"period":{"start":"2026-01-01"}})");
    EXPECT_GE(r.status, 400) << "purpose '" << purpose << "': " << show(r);
  }
}

TEST_F(Authentication, MissingScopeIsADenial) {
  auto careplan_only = session("ageuk-app", "system/CarePlan.rs", "CAREMGT");
  for (const auto& path : {"/Patient/pat-consent", "/Patient?_id=pat-consent", "/MedicationStatement/ms-consent",
                           "/MedicationStatement?patient=pat-consent", "/Patient/pat-consent/_history"}) {
    auto r = careplan_only->get(path);
    EXPECT_EQ(r.status, 403) << path << ": " << show(r);
    expect_no_data(r, path);
  }
  // Read but not search, search but not read.
  auto read_only = session("ageuk-app", "system/CarePlan.r", "CAREMGT");
  EXPECT_EQ(read_only->get("/CarePlan/cp-consent").status, 200);
  auto r = read_only->get("/CarePlan?_id=cp-consent");
  EXPECT_EQ(r.status, 403) << show(r);
  expect_no_data(r, "search with a read-only scope");
  auto search_only = session("ageuk-app", "system/CarePlan.s", "CAREMGT");
  r = search_only->get("/CarePlan/cp-consent");
  EXPECT_EQ(r.status, 403) << show(r);
  EXPECT_EQ(search_only->get("/CarePlan?_id=cp-consent").status, 200);
  // Scopes beyond the registration are never granted.
  for (const auto& scope : {"system/Consent.rs", "system/*.rs", "system/CarePlan.cruds", "system/Patient.d",
                            "patient/Patient.rs", "user/*.read"}) {
    auto t = gw().token("ageuk-app", scope);
    EXPECT_FALSE(t.ok()) << "granted " << scope;
  }
  // A token with no scope at all reads nothing.
  auto none = gw().token("ageuk-app", "");
  if (none.ok()) {
    auto c = with_token(*none);
    for (const auto& p : kProbes) expect_no_data(c->get(p.path), "no scopes " + p.path);
  }
}

TEST_F(Authentication, UnknownCallersAndMalformedCredentialsAreRefused) {
  auto anonymous = gw().http();
  for (const auto& p : kProbes) expect_401(anonymous->get(p.path), "no token " + p.path);
  expect_401(anonymous->send("POST", "/", R"({"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"GET","url":"Patient/pat-consent"}}]})"),
             "anonymous batch");
  expect_401(anonymous->get("/_history"), "anonymous history");
  for (const std::string bad : {"Bearer", "Bearer ", "Bearer not-a-jwt", "Bearer a.b.c", "Basic dXNlcjpwYXNz",
                                "Bearer eyJhbGciOiJub25lIn0.e30.", "bearer  x", "Token abc"}) {
    auto r = anonymous->get("/Patient/pat-consent", {"Authorization: " + bad, "X-Purpose-Of-Use: CAREMGT"});
    expect_401(r, "Authorization: " + bad);
  }
  // An unregistered client cannot get a token with its own key...
  auto assertion = auth::mint_client_assertion("intruder-app", gw().client_key_file("intruder"),
                                               gw().base_url() + "/auth/token", std::nullopt,
                                               std::chrono::seconds(120), "intruder-1");
  ASSERT_TRUE(assertion.ok());
  auto r = anonymous->request("POST", "/auth/token", auth::token_request_body(*assertion, "system/Patient.rs"),
                              {"Content-Type: application/x-www-form-urlencoded"});
  EXPECT_TRUE(r.status == 400 || r.status == 401) << show(r);
  EXPECT_EQ(r.body.find("access_token"), std::string::npos) << show(r);
  // ...nor impersonate a registered one with a key that is not registered for it.
  assertion = auth::mint_client_assertion("ageuk-app", gw().client_key_file("intruder"), gw().base_url() + "/auth/token",
                                          std::nullopt, std::chrono::seconds(120), "ageuk-1");
  ASSERT_TRUE(assertion.ok());
  r = anonymous->request("POST", "/auth/token", auth::token_request_body(*assertion, "system/Patient.rs"),
                         {"Content-Type: application/x-www-form-urlencoded"});
  EXPECT_TRUE(r.status == 400 || r.status == 401) << show(r);
  EXPECT_EQ(r.body.find("access_token"), std::string::npos) << show(r);
  // A genuine assertion is single-use: replaying it is refused.
  assertion = auth::mint_client_assertion("ageuk-app", gw().client_key_file("ageuk"), gw().base_url() + "/auth/token",
                                          std::nullopt, std::chrono::seconds(120), "ageuk-1");
  ASSERT_TRUE(assertion.ok());
  auto first = anonymous->request("POST", "/auth/token", auth::token_request_body(*assertion, "system/Patient.rs"),
                                  {"Content-Type: application/x-www-form-urlencoded"});
  EXPECT_EQ(first.status, 200) << show(first);
  auto replay = anonymous->request("POST", "/auth/token", auth::token_request_body(*assertion, "system/Patient.rs"),
                                   {"Content-Type: application/x-www-form-urlencoded"});
  EXPECT_TRUE(replay.status == 400 || replay.status == 401) << show(replay);
  EXPECT_EQ(replay.body.find("access_token"), std::string::npos);
}

TEST_F(Authentication, ForgedTamperedAndExpiredTokensAreRefused) {
  const std::string genuine = ageuk_token();
  ASSERT_FALSE(genuine.empty());
  Jwt j = split_jwt(genuine);
  ASSERT_TRUE(j.header.IsObject() && j.payload.IsObject());
  auto& pa = j.payload.GetAllocator();
  auto gateway_alg = auth::parse_alg(std::string(json::get_string(j.header, "alg").value_or("")));
  ASSERT_TRUE(gateway_alg.has_value());
  std::map<std::string, std::string> forged;

  // Tampered: wider scope, same signature.
  {
    json::Document p;
    p.CopyFrom(j.payload, p.GetAllocator());
    json::set_string(p, "scope", "system/*.cruds", p.GetAllocator());
    forged["tampered scope"] = encode_unsigned(j.header, p) + "." + j.signature;
    json::set_string(p, "scope", std::string(json::get_string(j.payload, "scope").value_or("")), p.GetAllocator());
    json::set_string(p, "client_id", "trust-app", p.GetAllocator());
    forged["tampered client_id"] = encode_unsigned(j.header, p) + "." + j.signature;
  }
  // Signature cut off, or taken from another token.
  forged["no signature"] = genuine.substr(0, genuine.rfind('.') + 1);
  {
    auto other = gw().token("trust-app", kTrustScopes);
    ASSERT_TRUE(other.ok());
    forged["signature of another token"] = genuine.substr(0, genuine.rfind('.') + 1) + split_jwt(*other).signature;
  }
  // alg none and HMAC confusion, keeping the gateway's kid.
  {
    json::Document h;
    h.CopyFrom(j.header, h.GetAllocator());
    json::set_string(h, "alg", "none", h.GetAllocator());
    forged["alg none"] = encode_unsigned(h, j.payload) + ".";
    json::set_string(h, "alg", "HS256", h.GetAllocator());
    forged["alg HS256"] = encode_unsigned(h, j.payload) + "." + auth::base64url_encode(std::string(32, 'x'));
  }
  // Signed by a key the gateway never issued with (same kid claimed).
  forged["signed by another key"] = resign(j.header, j.payload, gw().client_key_file("intruder"), auth::JwsAlg::ES384);
  // Signed by the gateway's own key but expired, not yet valid, for another audience or issuer.
  {
    json::Document p;
    p.CopyFrom(j.payload, p.GetAllocator());
    p["exp"].SetInt64(now_s() - 3600);
    p["iat"].SetInt64(now_s() - 3900);
    forged["expired"] = resign(j.header, p, gw().signing_key_file(), *gateway_alg);
    p["exp"].SetInt64(now_s() + 7200);
    p["iat"].SetInt64(now_s() + 3600);
    forged["issued in the future"] = resign(j.header, p, gw().signing_key_file(), *gateway_alg);
    p["iat"].SetInt64(now_s());
    p["exp"].SetInt64(now_s() + 120);
    json::set_string(p, "iss", "https://evil.example", p.GetAllocator());
    forged["wrong issuer"] = resign(j.header, p, gw().signing_key_file(), *gateway_alg);
    json::set_string(p, "iss", std::string(json::get_string(j.payload, "iss").value_or("")), p.GetAllocator());
    json::set_string(p, "aud", "https://evil.example", p.GetAllocator());
    forged["wrong audience"] = resign(j.header, p, gw().signing_key_file(), *gateway_alg);
    json::Document q;
    q.CopyFrom(j.payload, q.GetAllocator());
    json::set_string(q, "client_id", "intruder-app", q.GetAllocator());
    forged["unregistered client, genuine signature"] = resign(j.header, q, gw().signing_key_file(), *gateway_alg);
  }
  // A client assertion (what a partner signs) is not an access token.
  {
    auto assertion = auth::mint_client_assertion("ageuk-app", gw().client_key_file("ageuk"), gw().base_url(),
                                                  std::nullopt, std::chrono::seconds(120), "ageuk-1");
    ASSERT_TRUE(assertion.ok());
    forged["client assertion as bearer"] = *assertion;
  }
  (void)pa;
  for (const auto& [what, token] : forged) {
    ASSERT_FALSE(token.empty()) << what;
    auto c = with_token(token);
    for (const auto& p : kProbes) expect_401(c->get(p.path), what + " " + p.path);
  }
  // The genuine token still works (the forgeries were refused for what they changed).
  EXPECT_EQ(with_token(genuine)->get("/Patient/pat-consent").status, 200);
}

TEST_F(Authentication, CertificateBoundTokensNeedTheirCertificate) {
  auto bound = gw().token("trust-mtls", kTrustScopes, "trust-mtls");
  ASSERT_TRUE(bound.ok()) << bound.error().message();
  auto with_cert = with_token(*bound, "TREAT", "trust-mtls");
  EXPECT_EQ(with_cert->get("/Patient/pat-consent").status, 200);
  // Without the certificate, or with another certificate from the same CA.
  for (const std::string cert : {"", "stranger"}) {
    auto c = with_token(*bound, "TREAT", cert);
    for (const auto& p : kProbes) expect_401(c->get(p.path), "bound token with cert '" + cert + "' " + p.path);
  }
  // An unregistered certificate alone authenticates nobody.
  auto stranger = with_token("", "TREAT", "stranger");
  for (const auto& p : kProbes) expect_401(stranger->get(p.path), "unregistered certificate " + p.path);
  // (A client registered with both a JWKS and a certificate can still fetch an
  // unbound token with its key alone: both are credentials by design; see README.)
}

TEST_F(Authentication, RateLimitAnswers429WithRetryAfter) {
  auto flood = session("ageuk-flood", "system/CarePlan.rs", "CAREMGT");
  HttpResponse limited;
  int sent = 0;
  for (; sent < 2000; ++sent) {
    auto r = flood->get("/CarePlan/cp-consent");
    if (r.status == 429) {
      limited = r;
      break;
    }
    ASSERT_EQ(r.status, 200) << "request " << sent << ": " << show(r);
  }
  ASSERT_EQ(limited.status, 429) << "no 429 after " << sent << " requests";
  EXPECT_GE(sent, 150) << "the burst allowance is about 200";
  EXPECT_FALSE(limited.header("retry-after").empty());
  EXPECT_EQ(limited.body.find("Frailty care plan"), std::string::npos);
  // Per client: Age UK's other client is still served.
  EXPECT_EQ(ageuk().get("/CarePlan/cp-consent").status, 200);
}

TEST_F(Authentication, TheAuditTrailRecordsDenials) {
  // A scope refusal, an unauthenticated request and a hidden read.
  auto careplan_only = session("ageuk-app", "system/CarePlan.rs", "CAREMGT");
  EXPECT_EQ(careplan_only->get("/Patient/pat-consent").status, 403);
  EXPECT_EQ(gw().http()->get("/Patient/pat-dissent").status, 401);
  EXPECT_EQ(ageuk().get("/CarePlan/cp-dissent").status, 404);
  auto r = ig_officer().get("/AuditEvent?outcome=4&_count=1000");
  ASSERT_EQ(r.status, 200) << show(r);
  EXPECT_GE(bundle_total(r), 3) << show(r);
  EXPECT_NE(r.body.find("ageuk-app"), std::string::npos);
  // Each denial says why, for the IG officer (never for the partner).
  EXPECT_NE(r.body.find("scopes do not allow read on Patient"), std::string::npos) << "scope refusal: " << show(r);
  EXPECT_NE(r.body.find("authentication required"), std::string::npos) << "unauthenticated request: " << show(r);
  EXPECT_NE(r.body.find("withheld CarePlan/cp-dissent"), std::string::npos) << "hidden read: " << show(r);
  r = ig_officer().get("/AuditEvent?agent=ageuk-app&_count=1000");
  ASSERT_EQ(r.status, 200) << show(r);
  EXPECT_GT(bundle_total(r), 0);
  // The trail never holds the hidden resource's content.
  EXPECT_EQ(r.body.find("Dissenter plan"), std::string::npos);
  // The CSV export is for IG officers only.
  EXPECT_EQ(ageuk().get("/AuditEvent?_format=csv").status, 403);
  EXPECT_EQ(ig_officer().get("/AuditEvent?_format=csv").status, 200);
}

}  // namespace
}  // namespace fhirgw::testing
