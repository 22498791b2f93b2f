#include "auth/client_registry.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

using namespace fhirgw;
using namespace fhirgw::auth;

namespace {

const std::string kFp = "AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89";
const std::string kFpNorm = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";

std::string all_messages(const Error& e) {
  std::string out;
  for (const auto& i : e.issues) out += i.diagnostics + "\n";
  return out;
}

}  // namespace

TEST(ClientRegistry, LoadsValidYaml) {
  auto reg = ClientRegistry::from_yaml_text(R"(# partners
clients:
  - client_id: ageuk-lambeth
    organisation: AGE01
    kind: voluntary
    roles: [partner]
    allowed_scopes: [system/CarePlan.rs, "system/Flag.rs?category=urgent"]
    jwks_file: keys/ageuk.jwks
    cert_fingerprints: [")" + kFp + R"("]
  - client_id: integrator-1
    organisation: ICB01
    kind: internal
    roles: [integrator, ig-officer]
    allowed_scopes: ["system/*.cruds"]
    jwks_url: https://partner.example/jwks.json
)", "clients.yaml", "/etc/gw");
  ASSERT_TRUE(reg.ok()) << all_messages(reg.error());
  ASSERT_EQ(reg->clients().size(), 2u);
  const auto* a = reg->find("ageuk-lambeth");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->organisation, "AGE01");
  EXPECT_EQ(a->kind, OrgKind::voluntary);
  EXPECT_EQ(a->roles, std::vector<std::string>{"partner"});
  EXPECT_EQ(a->allowed_scopes.size(), 2u);
  EXPECT_EQ(a->jwks_file, "/etc/gw/keys/ageuk.jwks");
  EXPECT_EQ(a->cert_fingerprints, std::vector<std::string>{kFpNorm});
  EXPECT_EQ(reg->find_by_certificate(kFpNorm), a);
  EXPECT_EQ(reg->find_by_certificate(kFp), a);  // case- and colon-insensitive
  EXPECT_EQ(reg->find_by_certificate(std::string(64, '0')), nullptr);
  EXPECT_EQ(reg->find("integrator-1")->jwks_url, "https://partner.example/jwks.json");
  EXPECT_EQ(reg->find("nobody"), nullptr);
}

TEST(ClientRegistry, ErrorsNameTheLine) {
  auto reg = ClientRegistry::from_yaml_text(R"(clients:
  - client_id: a
    organisation: ORG1
    kind: charity
    allowed_scopes: [system/CarePlan.rs]
    jwks_file: a.jwks
  - client_id: a
    organisation: ORG2
    kind: statutory
    roles: [superuser]
    allowed_scopes: [system/CarePlan.rx, system/Careplan.rs]
    jwks_file: b.jwks
    jwks_url: https://x.example/j
    cert_fingerprints: [abc]
    colour: blue
  - organisation: ORG3
    kind: statutory
)", "clients.yaml");
  ASSERT_FALSE(reg.ok());
  std::string m = all_messages(reg.error());
  EXPECT_NE(m.find("clients.yaml:4:11: clients[0].kind: unknown kind 'charity'"), std::string::npos) << m;
  EXPECT_NE(m.find("clients.yaml:7:16: clients[1].client_id: duplicate client_id 'a'"), std::string::npos) << m;
  EXPECT_NE(m.find("clients.yaml:10:13: clients[1].roles[0]: unknown role 'superuser'"), std::string::npos) << m;
  EXPECT_NE(m.find("clients.yaml:11:22: clients[1].allowed_scopes[0]"), std::string::npos) << m;
  EXPECT_NE(m.find("clients.yaml:11:42: clients[1].allowed_scopes[1]: scope 'system/Careplan.rs' names resource type"), std::string::npos) << m;
  EXPECT_NE(m.find("clients.yaml:13:15: clients[1].jwks_url: give jwks_file or jwks_url, not both"), std::string::npos) << m;
  EXPECT_NE(m.find("clients.yaml:14:25: clients[1].cert_fingerprints[0]: not a SHA-256 fingerprint"), std::string::npos) << m;
  EXPECT_NE(m.find("clients.yaml:15:5: clients[1].colour: unknown field 'colour'"), std::string::npos) << m;
  EXPECT_NE(m.find("clients[2].client_id: client_id is required"), std::string::npos) << m;
  EXPECT_NE(m.find("clients[2]: client has no credentials"), std::string::npos) << m;
  EXPECT_EQ(reg.error().issues[0].expression, "clients[0].kind");
}

TEST(ClientRegistry, StructuralErrors) {
  auto syntax = ClientRegistry::from_yaml_text("clients:\n  - client_id: [a\n", "c.yaml");
  ASSERT_FALSE(syntax.ok());
  EXPECT_NE(syntax.error().message().find("c.yaml:"), std::string::npos);
  EXPECT_NE(syntax.error().message().find("YAML syntax error"), std::string::npos);
  EXPECT_FALSE(ClientRegistry::from_yaml_text("other: 1\n", "c.yaml").ok());
  EXPECT_FALSE(ClientRegistry::from_yaml_text("clients: {a: 1}\n", "c.yaml").ok());
  EXPECT_FALSE(ClientRegistry::from_yaml_text("clients:\n  - just-a-string\n", "c.yaml").ok());
  EXPECT_FALSE(ClientRegistry::from_yaml_text(
                   "clients:\n  - client_id: {x: 1}\n    organisation: O\n    kind: internal\n    jwks_file: f\n", "c.yaml")
                   .ok());
  EXPECT_FALSE(ClientRegistry::load_file("/nonexistent/clients.yaml").ok());
}

TEST(ClientRegistry, FingerprintIsUniqueAcrossClients) {
  auto reg = ClientRegistry::from_yaml_text("clients:\n"
                                            "  - {client_id: a, organisation: O1, kind: statutory, cert_fingerprints: [\"" + kFp + "\"]}\n"
                                            "  - {client_id: b, organisation: O2, kind: statutory, cert_fingerprints: [\"" + kFpNorm + "\"]}\n",
                                            "c.yaml");
  ASSERT_FALSE(reg.ok());
  EXPECT_NE(all_messages(reg.error()).find("already registered to client 'a'"), std::string::npos);
}

TEST(ClientRegistry, LoadFileResolvesRelativeKeyFiles) {
  fhirgw::auth::test::TempDir dir;
  auto path = dir.write("clients.yaml",
                        "clients:\n  - {client_id: a, organisation: O1, kind: internal, jwks_file: k.jwks}\n");
  auto reg = ClientRegistry::load_file(path);
  ASSERT_TRUE(reg.ok()) << all_messages(reg.error());
  EXPECT_EQ(reg->find("a")->jwks_file, dir.file("k.jwks"));
}

TEST(ClientRegistry, ProgrammaticAddChecksTheSameRules) {
  ClientRegistry reg;
  ClientRegistration c;
  c.client_id = "x";
  c.organisation = "O";
  c.kind = OrgKind::statutory;
  c.cert_fingerprints = {kFp};
  ASSERT_TRUE(reg.add(c).ok());
  EXPECT_EQ(reg.find("x")->cert_fingerprints[0], kFpNorm);
  EXPECT_FALSE(reg.add(c).ok());  // duplicate id and fingerprint
  ClientRegistration bad;
  bad.client_id = "has space";
  EXPECT_FALSE(reg.add(bad).ok());
}

TEST(ClientRegistry, NormaliseFingerprint) {
  EXPECT_EQ(normalise_fingerprint(kFp), kFpNorm);
  EXPECT_EQ(normalise_fingerprint(kFpNorm), kFpNorm);
  EXPECT_EQ(normalise_fingerprint("abc"), "");
  EXPECT_EQ(normalise_fingerprint(std::string(64, 'g')), "");
  EXPECT_EQ(normalise_fingerprint(std::string(66, 'a')), "");
  EXPECT_EQ(parse_org_kind("voluntary"), OrgKind::voluntary);
  EXPECT_EQ(parse_org_kind("Voluntary"), std::nullopt);
}
