#include "auth/token_service.hpp"

#include <gtest/gtest.h>

#include "auth/assertion.hpp"
#include "auth/form.hpp"
#include "core/ids.hpp"
#include "test_support.hpp"

using namespace fhirgw;
using namespace fhirgw::auth;
using namespace fhirgw::auth::test;

namespace {

const std::string kTokenUrl = "https://gw.example/auth/token";
const std::string kIssuer = "https://gw.example/fhir";
const std::string kFp1 = std::string(64, 'a');  // registered to rsa-client
const std::string kFp2 = std::string(64, 'b');  // registered to cert-only
const std::string kFpOther = std::string(64, 'c');

struct Keys {
  PKey gateway = make_p256();
  PKey other_gateway = make_p256();
  PKey rsa = make_rsa();
  PKey rsa_new = make_rsa();
  PKey p384 = make_p384();
  PKey stranger = make_rsa();
};
const Keys& keys() {
  static Keys k;
  return k;
}

std::string error_of(const TokenResponse& r) {
  auto d = json::parse(r.body);
  return std::string(json::get_string(*d, "error").value_or(""));
}

class TokenServiceTest : public ::testing::Test {
 protected:
  TempDir dir;
  FakeClock clock;
  std::shared_ptr<InMemoryJtiCache> jti = std::make_shared<InMemoryJtiCache>(clock.clock());
  std::string gateway_key_file, rsa_jwks_file, registry_yaml;
  std::unique_ptr<TokenService> service;

  void SetUp() override {
    gateway_key_file = dir.write("gateway.pem", private_pem(keys().gateway));
    rsa_jwks_file = dir.write("rsa.jwks", jwks_of({{"r1", "RSA", "", "sig", keys().rsa}}));
    dir.write("ec.jwks", jwks_of({{"", "EC", "", "", keys().p384}}));  // no kid: all keys are tried
    registry_yaml = R"(clients:
  - client_id: rsa-client
    organisation: AGE01
    kind: voluntary
    roles: [partner]
    allowed_scopes: [system/CarePlan.rs, system/Patient.rs, "system/Flag.s?category=urgent"]
    jwks_file: rsa.jwks
  - client_id: mtls-client
    organisation: AGE01
    kind: voluntary
    roles: [partner]
    allowed_scopes: [system/CarePlan.rs]
    jwks_file: rsa.jwks
    cert_fingerprints: [")" + kFp1 + R"("]
  - client_id: ec-client
    organisation: RVJ01
    kind: statutory
    roles: [partner]
    allowed_scopes: ["system/*.rs"]
    jwks_file: ec.jwks
  - client_id: cert-only
    organisation: INT01
    kind: internal
    roles: [integrator]
    allowed_scopes: [system/Patient.cruds]
    cert_fingerprints: [")" + kFp2 + R"("]
)";
    service = make_service(gateway_key_file);
  }

  std::shared_ptr<const ClientRegistry> registry(const std::string& yaml) {
    auto reg = ClientRegistry::from_yaml_text(yaml, "clients.yaml", dir.path().string());
    EXPECT_TRUE(reg.ok()) << (reg ? "" : reg.error().message());
    return std::make_shared<ClientRegistry>(std::move(reg).value());
  }

  std::unique_ptr<TokenService> make_service(const std::string& key_file,
                                             std::vector<std::string> previous = {}) {
    TokenServiceConfig cfg;
    cfg.signing_key_file = key_file;
    cfg.previous_public_key_files = std::move(previous);
    cfg.issuer = kIssuer;
    cfg.token_url = kTokenUrl;
    cfg.client_jwks.min_refetch_interval = std::chrono::seconds(30);
    auto s = TokenService::create(cfg, registry(registry_yaml), jti, clock.clock());
    EXPECT_TRUE(s.ok()) << (s ? "" : s.error().message());
    return std::move(s).value();
  }

  // A valid assertion for `client`, then `edit` may change any claim.
  std::string assertion(const std::string& client, const PKey& key, JwsAlg alg, std::string kid,
                        const std::function<void(json::Document&)>& edit = {}) {
    json::Document c(rapidjson::kObjectType);
    auto& a = c.GetAllocator();
    json::set_string(c, "iss", client, a);
    json::set_string(c, "sub", client, a);
    json::set_string(c, "aud", kTokenUrl, a);
    json::set(c, "iat", json::Value(static_cast<int64_t>(clock.get())), a);
    json::set(c, "exp", json::Value(static_cast<int64_t>(clock.get() + 240)), a);
    json::set_string(c, "jti", ids::random_uuid(), a);
    if (edit) edit(c);
    auto t = sign_jwt(alg, key.get(), c, kid);
    EXPECT_TRUE(t.ok());
    return *t;
  }
  std::string rsa_assertion(const std::function<void(json::Document&)>& edit = {}) {
    return assertion("rsa-client", keys().rsa, JwsAlg::RS384, "r1", edit);
  }

  TokenResponse request(const std::string& assertion_text, const std::string& scope = "system/CarePlan.rs",
                        const std::string& fp = "") {
    return service->handle_token_request(token_request_body(assertion_text, scope), fp);
  }

  std::string token_for(const std::string& scope = "system/CarePlan.rs", const std::string& fp = "") {
    auto r = request(rsa_assertion(), scope, fp);
    EXPECT_EQ(r.status, 200) << r.body;
    auto d = json::parse(r.body);
    return std::string(*json::get_string(*d, "access_token"));
  }

  void expect_client_error(const TokenResponse& r, const std::string& fragment) {
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(error_of(r), "invalid_client") << r.body;
    EXPECT_NE(r.body.find(fragment), std::string::npos) << r.body;
  }
};

std::string set_claim(json::Document& c, const char* name, std::string value) {
  json::set_string(c, name, value, c.GetAllocator());
  return value;
}
void set_time(json::Document& c, const char* name, std::int64_t t) {
  json::set(c, name, json::Value(static_cast<int64_t>(t)), c.GetAllocator());
}

}  // namespace

TEST_F(TokenServiceTest, IssuesTokenAndAuthenticatesIt) {
  auto r = request(rsa_assertion(), "system/CarePlan.rs system/Patient.r");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.client_id, "rsa-client");
  EXPECT_FALSE(r.token_id.empty());
  auto body = json::parse(r.body);
  EXPECT_EQ(*json::get_string(*body, "token_type"), "bearer");
  EXPECT_EQ(json::get(*body, "expires_in")->GetInt(), 300);
  EXPECT_EQ(*json::get_string(*body, "scope"), "system/CarePlan.rs system/Patient.r");
  std::string token(*json::get_string(*body, "access_token"));

  auto caller = service->authenticate("Bearer " + token, "");
  ASSERT_TRUE(caller.ok()) << caller.error().message();
  EXPECT_TRUE(caller->authenticated);
  EXPECT_EQ(caller->client_id, "rsa-client");
  EXPECT_EQ(caller->organisation, "AGE01");
  EXPECT_EQ(caller->kind, OrgKind::voluntary);
  EXPECT_EQ(caller->roles, std::vector<std::string>{"partner"});
  EXPECT_EQ(caller->scopes, (std::vector<std::string>{"system/CarePlan.rs", "system/Patient.r"}));
  EXPECT_EQ(caller->token_id, r.token_id);
  // Scheme is case-insensitive.
  EXPECT_TRUE(service->authenticate("bearer " + token, "").ok());

  auto headers = TokenResponse::headers();
  EXPECT_NE(std::find(headers.begin(), headers.end(), std::pair<std::string, std::string>{"Cache-Control", "no-store"}),
            headers.end());
}

TEST_F(TokenServiceTest, EcClientWithoutKidTriesEveryKey) {
  auto r = request(assertion("ec-client", keys().p384, JwsAlg::ES384, ""), "system/Consent.rs");
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(TokenServiceTest, RejectsBadSignatures) {
  // Right kid, wrong key.
  expect_client_error(request(assertion("rsa-client", keys().stranger, JwsAlg::RS384, "r1")), "signature");
  // Tampered payload: a valid assertion for rsa-client with the sub/iss swapped after signing.
  std::string good = rsa_assertion();
  auto d1 = good.find('.'), d2 = good.rfind('.');
  std::string payload = *base64url_decode(good.substr(d1 + 1, d2 - d1 - 1));
  payload.replace(payload.find("\"exp\":"), 6, "\"exp\":9");
  std::string tampered = good.substr(0, d1 + 1) + base64url_encode(payload) + good.substr(d2);
  expect_client_error(request(tampered), "signature");
  // Not a JWS at all.
  expect_client_error(request("not-a-jwt"), "malformed");
}

TEST_F(TokenServiceTest, RejectsAlgNoneHmacAndMismatchedAlgs) {
  std::string claims = R"({"iss":"rsa-client","sub":"rsa-client","aud":")" + kTokenUrl +
                       R"(","exp":)" + std::to_string(clock.get() + 100) + R"(,"jti":"x1"})";
  std::string none = base64url_encode(R"({"alg":"none","kid":"r1"})") + "." + base64url_encode(claims) + ".AA";
  expect_client_error(request(none), "not allowed");
  std::string hs = base64url_encode(R"({"alg":"HS256","kid":"r1"})") + "." + base64url_encode(claims) + "." +
                   base64url_encode(std::string(32, 'x'));
  expect_client_error(request(hs), "not allowed");
  // ES384 signature claiming the RSA key's kid: the key type does not fit.
  expect_client_error(request(assertion("rsa-client", keys().p384, JwsAlg::ES384, "r1")), "signature");
}

TEST_F(TokenServiceTest, AlgorithmsAreLimitedByConfiguration) {
  TokenServiceConfig cfg;
  cfg.signing_key_file = gateway_key_file;
  cfg.issuer = kIssuer;
  cfg.token_url = kTokenUrl;
  cfg.assertion_algs = {JwsAlg::RS384, JwsAlg::ES384};
  auto strict = std::move(TokenService::create(cfg, registry(registry_yaml), jti, clock.clock())).value();
  auto rs256 = strict->handle_token_request(
      token_request_body(assertion("rsa-client", keys().rsa, JwsAlg::RS256, "r1"), "system/CarePlan.rs"), "");
  EXPECT_EQ(error_of(rs256), "invalid_client");
  auto rs384 = strict->handle_token_request(token_request_body(rsa_assertion(), "system/CarePlan.rs"), "");
  EXPECT_EQ(rs384.status, 200);
}

TEST_F(TokenServiceTest, RejectsBadClaims) {
  expect_client_error(request(rsa_assertion([](auto& c) { set_claim(c, "aud", "https://elsewhere/token"); })),
                      "aud");
  expect_client_error(request(rsa_assertion([](auto& c) { set_claim(c, "sub", "ec-client"); })), "iss and sub");
  expect_client_error(request(rsa_assertion([](auto& c) { json::remove(c, "sub"); })), "iss and sub");
  expect_client_error(request(assertion("nobody", keys().rsa, JwsAlg::RS384, "r1")), "unknown client");
  expect_client_error(request(rsa_assertion([&](auto& c) { set_time(c, "exp", clock.get() - 61); })), "expired");
  expect_client_error(request(rsa_assertion([](auto& c) { json::remove(c, "exp"); })), "exp is required");
  expect_client_error(request(rsa_assertion([](auto& c) { set_claim(c, "exp", "soon"); })), "exp is required");
  expect_client_error(request(rsa_assertion([&](auto& c) { set_time(c, "exp", clock.get() + 3600); })),
                      "too far");
  expect_client_error(request(rsa_assertion([&](auto& c) { set_time(c, "nbf", clock.get() + 600); })),
                      "not yet valid");
  expect_client_error(request(rsa_assertion([&](auto& c) { set_time(c, "iat", clock.get() + 600); })),
                      "not yet valid");
  expect_client_error(request(rsa_assertion([](auto& c) { json::remove(c, "jti"); })), "jti");
  // aud as an array containing the token URL is fine (RFC 7519).
  auto arr = request(rsa_assertion([](json::Document& c) {
    json::Value aud(rapidjson::kArrayType);
    aud.PushBack(json::make_string(kTokenUrl, c.GetAllocator()), c.GetAllocator());
    json::set(c, "aud", std::move(aud), c.GetAllocator());
  }));
  EXPECT_EQ(arr.status, 200) << arr.body;
  // Small skew is tolerated.
  EXPECT_EQ(request(rsa_assertion([&](auto& c) { set_time(c, "iat", clock.get() + 30); })).status, 200);
}

TEST_F(TokenServiceTest, RejectsReplayedJti) {
  std::string a = rsa_assertion();
  EXPECT_EQ(request(a).status, 200);
  expect_client_error(request(a), "already been used");
  // Still refused later while it could be valid, even with a fresh scope.
  clock.advance(200);
  expect_client_error(request(a, "system/Patient.rs"), "already been used");
  // A refused scope still consumes the assertion.
  std::string b = rsa_assertion();
  EXPECT_EQ(error_of(request(b, "system/*.cruds")), "invalid_scope");
  expect_client_error(request(b), "already been used");
}

TEST_F(TokenServiceTest, UnknownKidAndKeyRotation) {
  expect_client_error(request(assertion("rsa-client", keys().rsa, JwsAlg::RS384, "r9")), "kid");
  // The partner rotates: JWKS now holds only r2.
  dir.write("rsa.jwks", jwks_of({{"r2", "RSA", "", "sig", keys().rsa_new}}));
  clock.advance(31);  // past the refetch rate limit
  auto with_new = request(assertion("rsa-client", keys().rsa_new, JwsAlg::RS384, "r2"));
  EXPECT_EQ(with_new.status, 200) << with_new.body;
  expect_client_error(request(assertion("rsa-client", keys().rsa, JwsAlg::RS384, "r1")), "kid");
  // Without a kid, the removed key is not among the candidates either.
  expect_client_error(request(assertion("rsa-client", keys().rsa, JwsAlg::RS384, "")), "signature");
}

TEST_F(TokenServiceTest, JwkAlgAndUseAreHonoured) {
  dir.write("rsa.jwks", jwks_of({{"r1", "RSA", "RS256", "sig", keys().rsa}}));
  service = make_service(gateway_key_file);
  expect_client_error(request(rsa_assertion()), "signature");  // RS384 against an RS256-only key
  EXPECT_EQ(request(assertion("rsa-client", keys().rsa, JwsAlg::RS256, "r1")).status, 200);
  dir.write("rsa.jwks", jwks_of({{"r1", "RSA", "", "enc", keys().rsa}}));
  service = make_service(gateway_key_file);
  expect_client_error(request(rsa_assertion()), "signature");
}

TEST_F(TokenServiceTest, ScopeEscalationIsRefused) {
  for (const char* s : {"system/CarePlan.cruds", "system/*.rs", "system/*.read", "system/Consent.rs",
                        "system/CarePlan.rs system/Consent.r", "system/Flag.s", "user/CarePlan.rs",
                        "system/CarePlan.*"}) {
    auto r = request(rsa_assertion(), s);
    EXPECT_EQ(r.status, 400) << s;
    EXPECT_EQ(error_of(r), "invalid_scope") << s << " " << r.body;
  }
  EXPECT_EQ(error_of(request(rsa_assertion(), "")), "invalid_scope");
  EXPECT_EQ(request(rsa_assertion(), "system/Flag.s?category=urgent").status, 200);
}

TEST_F(TokenServiceTest, MalformedFormBodies) {
  std::string a = rsa_assertion();
  auto body = [&](FormFields f) { return service->handle_token_request(form_encode(f), ""); };
  const std::string type(kJwtBearerAssertionType);
  EXPECT_EQ(error_of(service->handle_token_request("", "")), "invalid_request");
  EXPECT_EQ(error_of(service->handle_token_request("grant_type=client_credentials&x=%G1", "")), "invalid_request");
  EXPECT_EQ(error_of(service->handle_token_request("=x", "")), "invalid_request");
  EXPECT_EQ(error_of(service->handle_token_request(std::string(70000, 'a'), "")), "invalid_request");
  EXPECT_EQ(error_of(body({{"grant_type", "authorization_code"}, {"client_assertion_type", type}, {"client_assertion", a}})),
            "unsupported_grant_type");
  EXPECT_EQ(error_of(body({{"grant_type", "client_credentials"}, {"grant_type", "client_credentials"},
                           {"client_assertion_type", type}, {"client_assertion", a}})),
            "invalid_request");
  EXPECT_EQ(error_of(body({{"grant_type", "client_credentials"}, {"client_assertion", a}})), "invalid_request");
  EXPECT_EQ(error_of(body({{"grant_type", "client_credentials"}, {"client_assertion_type", "urn:other"},
                           {"client_assertion", a}})),
            "invalid_request");
  EXPECT_EQ(error_of(body({{"grant_type", "client_credentials"}, {"client_assertion_type", type}})), "invalid_request");
  auto mismatch = body({{"grant_type", "client_credentials"}, {"client_assertion_type", type},
                        {"client_assertion", a}, {"client_id", "ec-client"}, {"scope", "system/CarePlan.rs"}});
  EXPECT_EQ(error_of(mismatch), "invalid_client");
  auto r = service->handle_token_request("", "");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("error_description"), std::string::npos);
}

TEST_F(TokenServiceTest, CertificateOnlyClientCannotUseTokenEndpoint) {
  auto r = request(assertion("cert-only", keys().rsa, JwsAlg::RS384, ""), "system/Patient.rs");
  EXPECT_EQ(error_of(r), "unauthorized_client");
  EXPECT_EQ(r.status, 400);
}

TEST_F(TokenServiceTest, JkuMustBeTheRegisteredUrl) {
  json::Document c(rapidjson::kObjectType);
  auto& al = c.GetAllocator();
  for (auto [k, v] : {std::pair{"iss", "rsa-client"}, {"sub", "rsa-client"}, {"jti", "j-jku"}})
    json::set_string(c, k, v, al);
  json::set_string(c, "aud", kTokenUrl, al);
  set_time(c, "exp", clock.get() + 100);
  std::string header = R"({"alg":"RS384","kid":"r1","jku":"https://attacker.example/jwks"})";
  auto t = sign_jws(JwsAlg::RS384, keys().rsa.get(), header, json::to_string(c));
  expect_client_error(request(*t), "jku");
}

TEST_F(TokenServiceTest, AccessTokenRejections) {
  std::string token = token_for();
  // Tampered scope.
  auto d1 = token.find('.'), d2 = token.rfind('.');
  std::string payload = *base64url_decode(token.substr(d1 + 1, d2 - d1 - 1));
  payload.replace(payload.find("system/CarePlan.rs"), 18, "system/*.cruds    ");
  std::string tampered = token.substr(0, d1 + 1) + base64url_encode(payload) + token.substr(d2);
  auto t = service->authenticate("Bearer " + tampered, "");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().status, 401);
  EXPECT_NE(www_authenticate(t.error()).find("error=\"invalid_token\""), std::string::npos);

  // Garbage, wrong scheme, nothing.
  EXPECT_FALSE(service->authenticate("Bearer abc.def", "").ok());
  EXPECT_FALSE(service->authenticate("Bearer " + token + "\"", "").ok());
  auto basic = service->authenticate("Basic dXNlcjpwYXNz", "");
  ASSERT_FALSE(basic.ok());
  EXPECT_EQ(www_authenticate(basic.error()), "Bearer realm=\"fhir-gateway\"");
  auto none = service->authenticate("", "");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().issues[0].code, "login");
  EXPECT_EQ(www_authenticate(none.error()), "Bearer realm=\"fhir-gateway\"");

  // A client assertion is not an access token, even when otherwise valid-looking.
  EXPECT_FALSE(service->authenticate("Bearer " + rsa_assertion(), "").ok());

  // Expired (beyond the skew).
  clock.advance(300 + 60);
  auto expired = service->authenticate("Bearer " + token, "");
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().issues[0].code, "expired");
  EXPECT_EQ(www_authenticate(expired.error()),
            "Bearer realm=\"fhir-gateway\", error=\"invalid_token\", error_description=\"access token has expired\"");
}

TEST_F(TokenServiceTest, TokenSignedWithTheGatewayKeyButWrongTypeIsRejected) {
  json::Document c(rapidjson::kObjectType);
  auto& a = c.GetAllocator();
  json::set_string(c, "iss", kIssuer, a);
  json::set_string(c, "aud", kIssuer, a);
  json::set_string(c, "client_id", "rsa-client", a);
  json::set_string(c, "scope", "system/*.cruds", a);
  json::set_string(c, "jti", "x", a);
  set_time(c, "iat", clock.get());
  set_time(c, "exp", clock.get() + 100);
  auto kid = *jwk_thumbprint(keys().gateway.get());
  auto as_jwt = sign_jwt(JwsAlg::ES256, keys().gateway.get(), c, kid, "JWT");
  EXPECT_FALSE(service->authenticate("Bearer " + *as_jwt, "").ok());
  auto as_at = sign_jwt(JwsAlg::ES256, keys().gateway.get(), c, kid, "at+jwt");
  EXPECT_TRUE(service->authenticate("Bearer " + *as_at, "").ok());  // control: same claims, right typ
  // Same claims signed by another key under the gateway's kid.
  auto forged = sign_jwt(JwsAlg::ES256, keys().other_gateway.get(), c, kid, "at+jwt");
  EXPECT_FALSE(service->authenticate("Bearer " + *forged, "").ok());
}

TEST_F(TokenServiceTest, ReplicasSharingTheKeyVerifyEachOthersTokens) {
  std::string token = token_for();
  auto replica = make_service(gateway_key_file);
  EXPECT_TRUE(replica->authenticate("Bearer " + token, "").ok());
  // A gateway with another key does not accept it...
  auto other_key_file = dir.write("other.pem", private_pem(keys().other_gateway));
  auto other = make_service(other_key_file);
  auto r = other->authenticate("Bearer " + token, "");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("not issued by this gateway"), std::string::npos);
  // ...unless it lists the old public key during a key rotation.
  auto old_pub = dir.write("old.pub.pem", public_pem(keys().gateway));
  auto rotated = make_service(other_key_file, {old_pub});
  EXPECT_TRUE(rotated->authenticate("Bearer " + token, "").ok());
  auto jwks = parse_jwks(rotated->jwks_json());
  ASSERT_TRUE(jwks.ok());
  EXPECT_EQ(jwks->keys.size(), 2u);
}

TEST_F(TokenServiceTest, CertificateBoundTokens) {
  // A client registered with a certificate gets only bound tokens: its key alone is refused.
  auto mtls_assertion = [&] { return assertion("mtls-client", keys().rsa, JwsAlg::RS384, "r1", {}); };
  expect_client_error(request(mtls_assertion(), "system/CarePlan.rs", ""), "certificate");
  expect_client_error(request(mtls_assertion(), "system/CarePlan.rs", kFpOther), "certificate");
  // Registered certificate → bound (cnf.x5t#S256).
  auto issued = request(mtls_assertion(), "system/CarePlan.rs", kFp1);
  ASSERT_EQ(issued.status, 200) << issued.body;
  std::string bound(*json::get_string(*json::parse(issued.body), "access_token"));
  auto d1 = bound.find('.'), d2 = bound.rfind('.');
  auto payload = json::parse(*base64url_decode(bound.substr(d1 + 1, d2 - d1 - 1)));
  auto* x5t = json::get_path(*payload, "cnf");
  ASSERT_NE(x5t, nullptr);
  EXPECT_EQ(*json::get_string(*x5t, "x5t#S256"), x5t_s256_from_fingerprint(kFp1));

  auto without = service->authenticate("Bearer " + bound, "");
  ASSERT_FALSE(without.ok());
  EXPECT_EQ(without.error().status, 401);
  EXPECT_FALSE(service->authenticate("Bearer " + bound, kFpOther).ok());
  EXPECT_FALSE(service->authenticate("Bearer " + bound, kFp2).ok());
  EXPECT_TRUE(service->authenticate("Bearer " + bound, kFp1).ok());
  std::string upper = kFp1;
  for (auto& ch : upper) ch = static_cast<char>(std::toupper(ch));
  EXPECT_TRUE(service->authenticate("Bearer " + bound, upper).ok());

  // An unregistered certificate does not bind (and does not fail) the request.
  std::string unbound = token_for("system/CarePlan.rs", kFpOther);
  EXPECT_TRUE(service->authenticate("Bearer " + unbound, "").ok());
}

TEST_F(TokenServiceTest, MutualTlsOnlyClients) {
  auto c = service->authenticate_certificate(kFp2);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->client_id, "cert-only");
  EXPECT_EQ(c->kind, OrgKind::internal);
  EXPECT_EQ(c->scopes, std::vector<std::string>{"system/Patient.cruds"});
  EXPECT_TRUE(c->has_role("integrator"));
  // No Authorization header, certificate presented: falls back to the certificate.
  EXPECT_EQ(service->authenticate("", kFp2)->client_id, "cert-only");
  auto unknown = service->authenticate_certificate(kFpOther);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().status, 401);
  EXPECT_FALSE(service->authenticate_certificate("nonsense").ok());
}

TEST_F(TokenServiceTest, RegistryChangesApplyToLiveTokens) {
  std::string token = token_for("system/CarePlan.rs system/Patient.rs");
  // Used once under the first registry, so the caller it made is remembered...
  auto before = service->authenticate("Bearer " + token, "");
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->scopes, (std::vector<std::string>{"system/CarePlan.rs", "system/Patient.rs"}));
  EXPECT_EQ(service->authenticate("Bearer " + token, "")->scopes, before->scopes);
  // ...and not used once the registry changes.
  std::string narrowed = registry_yaml;
  narrowed.replace(narrowed.find("system/CarePlan.rs, "), 20, "");
  service->set_registry(registry(narrowed));
  auto c = service->authenticate("Bearer " + token, "");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->scopes, std::vector<std::string>{"system/Patient.rs"});

  std::string removed = registry_yaml.substr(registry_yaml.find("  - client_id: ec-client"));
  service->set_registry(registry("clients:\n" + removed));
  auto gone = service->authenticate("Bearer " + token, "");
  ASSERT_FALSE(gone.ok());
  EXPECT_NE(gone.error().message().find("no longer registered"), std::string::npos);
}

TEST_F(TokenServiceTest, SmartConfigurationAndJwks) {
  auto d = json::parse(service->smart_configuration_json());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*json::get_string(*d, "token_endpoint"), kTokenUrl);
  EXPECT_EQ(std::string(json::to_string(*json::get(*d, "token_endpoint_auth_methods_supported"))),
            R"(["private_key_jwt"])");
  EXPECT_EQ(std::string(json::to_string(*json::get(*d, "grant_types_supported"))), R"(["client_credentials"])");
  EXPECT_EQ(std::string(json::to_string(*json::get(*d, "capabilities"))),
            R"(["client-confidential-asymmetric","permission-v2"])");
  std::string algs = json::to_string(*json::get(*d, "token_endpoint_auth_signing_alg_values_supported"));
  EXPECT_NE(algs.find("RS384"), std::string::npos);
  EXPECT_NE(algs.find("ES384"), std::string::npos);
  EXPECT_NE(json::to_string(*json::get(*d, "scopes_supported")).find("system/CarePlan.rs"), std::string::npos);

  auto jwks = parse_jwks(service->jwks_json());
  ASSERT_TRUE(jwks.ok());
  ASSERT_EQ(jwks->keys.size(), 1u);
  EXPECT_EQ(jwks->keys[0].kid, *jwk_thumbprint(keys().gateway.get()));
  EXPECT_EQ(jwks->keys[0].alg, "ES256");
  EXPECT_EQ(service->jwks_json().find("\"d\""), std::string::npos);
}

TEST_F(TokenServiceTest, CreateValidatesConfiguration) {
  TokenServiceConfig cfg;
  cfg.issuer = kIssuer;
  cfg.token_url = kTokenUrl;
  cfg.signing_key_file = dir.write("rsa-gw.pem", private_pem(keys().rsa));  // must be EC
  EXPECT_FALSE(TokenService::create(cfg, registry(registry_yaml), jti, clock.clock()).ok());
  cfg.signing_key_file = dir.file("missing.pem");
  EXPECT_FALSE(TokenService::create(cfg, registry(registry_yaml), jti, clock.clock()).ok());
  cfg.signing_key_file = gateway_key_file;
  cfg.issuer.clear();
  EXPECT_FALSE(TokenService::create(cfg, registry(registry_yaml), jti, clock.clock()).ok());
}

TEST_F(TokenServiceTest, MintedAssertionFromKeyFileIsAccepted) {
  auto key_file = dir.write("client.pem", private_pem(keys().rsa));
  auto a = mint_client_assertion("rsa-client", key_file, kTokenUrl, std::nullopt, std::chrono::seconds(120), "r1");
  ASSERT_TRUE(a.ok()) << a.error().message();
  auto jws = parse_jws(*a);
  EXPECT_EQ(jws->alg, "RS384");  // the key's default
  // mint uses the real clock; give the service the same view of time.
  TokenServiceConfig cfg;
  cfg.signing_key_file = gateway_key_file;
  cfg.issuer = kIssuer;
  cfg.token_url = kTokenUrl;
  auto live = std::move(TokenService::create(cfg, registry(registry_yaml), std::make_shared<InMemoryJtiCache>(),
                                             system_clock()))
                  .value();
  auto r = live->handle_token_request(token_request_body(*a, "system/Patient.rs"), "");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(mint_client_assertion("x", key_file, kTokenUrl, JwsAlg::ES256).ok());  // alg/key mismatch
}

TEST_F(TokenServiceTest, FetchAccessTokenOverLoopbackHttp) {
  TokenService* live = nullptr;
  TestHttpServer server([&](const std::string& method, const std::string& path, const std::string& body) {
    if (method != "POST" || path != "/token" || !live) return TestHttpServer::Response{404, "{}"};
    auto r = live->handle_token_request(body, "");
    return TestHttpServer::Response{r.status, r.body};
  });
  TokenServiceConfig cfg;
  cfg.signing_key_file = gateway_key_file;
  cfg.issuer = kIssuer;
  cfg.token_url = server.url("/token");
  auto svc = std::move(TokenService::create(cfg, registry(registry_yaml), std::make_shared<InMemoryJtiCache>(),
                                            system_clock()))
                 .value();
  live = svc.get();
  auto key_file = dir.write("client.pem", private_pem(keys().p384));
  TokenFetchOptions opt;
  opt.scope = "system/Consent.rs";
  opt.http.allow_http = true;
  auto t = fetch_access_token(server.url("/token"), "ec-client", key_file, opt);
  ASSERT_TRUE(t.ok()) << t.error().message();
  EXPECT_EQ(t->token_type, "bearer");
  EXPECT_EQ(t->expires_in, 300);
  EXPECT_EQ(t->scope, "system/Consent.rs");
  EXPECT_TRUE(svc->authenticate("Bearer " + t->access_token, "").ok());

  opt.scope = "system/Consent.cruds";
  auto refused = fetch_access_token(server.url("/token"), "ec-client", key_file, opt);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().status, 400);
  EXPECT_EQ(refused.error().message().rfind("invalid_scope", 0), 0u);
}
