#include "auth/jwks.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

using namespace fhirgw;
using namespace fhirgw::auth;
using namespace fhirgw::auth::test;

namespace {

std::string sign(JwsAlg alg, const PKey& key) {
  auto t = sign_jws(alg, key.get(), R"({"alg":")" + std::string(to_string(alg)) + R"("})", R"({"a":1})");
  return *t;
}

bool verifies_with(const std::string& token, const Jwk& jwk) {
  auto jws = parse_jws(token);
  return jws && verify_jws(*jws, jwk.key.get(), {JwsAlg::RS256, JwsAlg::RS384, JwsAlg::ES256, JwsAlg::ES384}).ok();
}

}  // namespace

TEST(Jwks, RoundTripVerifiesSignatures) {
  PKey rsa = make_rsa(), p256 = make_p256(), p384 = make_p384();
  std::string text = jwks_of({{"r", "RSA", "RS384", "sig", rsa}, {"e1", "EC", "ES256", "sig", p256},
                              {"e2", "EC", "", "", p384}});
  EXPECT_EQ(text.find("\"d\""), std::string::npos);  // only public members written
  auto set = parse_jwks(text);
  ASSERT_TRUE(set.ok()) << set.error().message();
  ASSERT_EQ(set->keys.size(), 3u);
  EXPECT_EQ(set->keys[0].kty, "RSA");
  EXPECT_EQ(set->keys[0].alg, "RS384");
  EXPECT_EQ(set->keys[1].use, "sig");
  EXPECT_TRUE(verifies_with(sign(JwsAlg::RS384, rsa), *set->find("r")));
  EXPECT_TRUE(verifies_with(sign(JwsAlg::ES256, p256), *set->find("e1")));
  EXPECT_TRUE(verifies_with(sign(JwsAlg::ES384, p384), *set->find("e2")));
  EXPECT_FALSE(verifies_with(sign(JwsAlg::ES384, p384), *set->find("e1")));
  EXPECT_EQ(set->find("nope"), nullptr);
}

TEST(Jwks, Rfc7638ThumbprintVector) {
  const std::string n =
      "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWK"
      "RXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAt"
      "aSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPks"
      "INHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
  auto set = parse_jwks(R"({"keys":[{"kty":"RSA","n":")" + n + R"(","e":"AQAB","alg":"RS256","kid":"2011-04-29"}]})");
  ASSERT_TRUE(set.ok()) << set.error().message();
  EXPECT_EQ(*jwk_thumbprint(set->keys[0].key.get()), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

TEST(Jwks, Rejections) {
  PKey p256 = make_p256();
  std::string good = jwks_of({{"k", "EC", "", "", p256}});
  auto doc = json::parse(good);
  const auto& k = (*doc)["keys"][0];
  std::string x(k["x"].GetString()), y(k["y"].GetString());
  auto ec = [&](std::string extra, std::string xv, std::string yv, std::string crv = "P-256") {
    return parse_jwks(R"({"keys":[{"kty":"EC","crv":")" + crv + R"(","x":")" + xv + R"(","y":")" + yv +
                      "\"" + extra + "}]}");
  };
  EXPECT_TRUE(ec("", x, y).ok());
  // Private member published by mistake.
  auto priv = ec(R"(,"d":"AAAA")", x, y);
  ASSERT_FALSE(priv.ok());
  EXPECT_NE(priv.error().message().find("keys[0].d"), std::string::npos);
  // A point not on the curve (y altered).
  std::string y2 = y;
  y2[3] = y2[3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(ec("", x, y2).ok());
  EXPECT_FALSE(ec("", x.substr(0, 40), y).ok());         // short coordinate
  EXPECT_FALSE(ec("", x, y, "P-521").ok());              // unsupported curve
  EXPECT_FALSE(ec("", x, y, "P-384").ok());              // wrong length for curve
  EXPECT_FALSE(ec(R"(,"alg":"ES384")", x, y).ok());      // alg does not fit the key
  EXPECT_FALSE(ec(R"(,"kid":5)", x, y).ok());
  // RSA shorter than 2048 bits, missing members.
  PKey small = make_rsa(1024);
  std::vector<Jwk> small_set = {{"s", "RSA", "", "", small}};
  EXPECT_FALSE(parse_jwks(jwks_of(small_set)).ok());
  EXPECT_FALSE(parse_jwks(R"({"keys":[{"kty":"RSA","e":"AQAB"}]})").ok());
  EXPECT_FALSE(parse_jwks(R"({"keys":{}})").ok());
  EXPECT_FALSE(parse_jwks(R"([])").ok());
  EXPECT_FALSE(parse_jwks(R"({"keys":[{"n":"x"}]})").ok());
  // Symmetric and unknown key types are ignored, never used.
  auto skipped = parse_jwks(R"({"keys":[{"kty":"oct","k":"c2VjcmV0"},{"kty":"OKP","crv":"Ed25519","x":"AA"}]})");
  ASSERT_TRUE(skipped.ok());
  EXPECT_TRUE(skipped->keys.empty());
}

TEST(Jwks, PemFilesRoundTrip) {
  TempDir dir;
  PKey key = make_p384();
  auto priv = dir.write("k.pem", private_pem(key));
  auto pub = dir.write("k.pub.pem", public_pem(key));
  auto loaded_priv = load_private_key_pem(priv);
  auto loaded_pub = load_public_key_pem(pub);
  ASSERT_TRUE(loaded_priv.ok());
  ASSERT_TRUE(loaded_pub.ok());
  auto t = sign_jws(JwsAlg::ES384, loaded_priv->get(), R"({"alg":"ES384"})", "{}");
  ASSERT_TRUE(t.ok());
  auto jws = parse_jws(*t);
  EXPECT_TRUE(verify_jws(*jws, loaded_pub->get(), {JwsAlg::ES384}).ok());
  EXPECT_EQ(*jwk_thumbprint(loaded_pub->get()), *jwk_thumbprint(key.get()));
  EXPECT_FALSE(load_private_key_pem(pub).ok());
  EXPECT_FALSE(load_public_key_pem(dir.file("missing.pem")).ok());
  auto gen = generate_key(JwsAlg::ES256);
  ASSERT_TRUE(gen.ok());
  EXPECT_TRUE(key_matches_alg(gen->get(), JwsAlg::ES256));
}

TEST(JwksSource, FileRotationWithRateLimitedRefetch) {
  TempDir dir;
  FakeClock clock;
  PKey old_key = make_p256(), new_key = make_p256();
  std::string path = dir.write("c.jwks", jwks_of({{"old", "EC", "", "", old_key}}));
  JwksSource::Options opt;
  opt.refresh_interval = std::chrono::seconds(3600);
  opt.min_refetch_interval = std::chrono::seconds(30);
  auto src = JwksSource::from_file(path, opt, clock.clock());

  ASSERT_EQ(src->candidates("old")->size(), 1u);
  EXPECT_EQ(src->load_count(), 1u);
  EXPECT_EQ(src->candidates("old")->size(), 1u);
  EXPECT_EQ(src->load_count(), 1u);  // cached

  // The partner rotates: the new kid is found on the next refetch.
  dir.write("c.jwks", jwks_of({{"new", "EC", "", "", new_key}}));
  EXPECT_TRUE(src->candidates("new")->empty());  // within min_refetch_interval of the first load
  EXPECT_EQ(src->load_count(), 1u);
  clock.advance(31);
  EXPECT_EQ(src->candidates("new")->size(), 1u);
  EXPECT_EQ(src->load_count(), 2u);
  EXPECT_TRUE(src->candidates("old")->empty());  // removed key is gone (and no refetch yet)
  EXPECT_EQ(src->load_count(), 2u);
  EXPECT_EQ(src->candidates("")->size(), 1u);  // no kid: every key

  // A broken file later keeps the last good set.
  dir.write("c.jwks", "not json");
  clock.advance(3601);
  EXPECT_EQ(src->candidates("new")->size(), 1u);
  EXPECT_EQ(src->load_count(), 3u);
}

TEST(JwksSource, MissingFileIsAnError) {
  TempDir dir;
  auto src = JwksSource::from_file(dir.file("none.jwks"), {}, FakeClock().clock());
  auto r = src->candidates("x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 502);
}

TEST(JwksSource, UrlFetchOverLoopbackHttp) {
  PKey k1 = make_rsa(), k2 = make_p384();
  std::mutex mu;
  std::string served = jwks_of({{"k1", "RSA", "", "", k1}});
  int status = 200;
  TestHttpServer server([&](const std::string& method, const std::string& path, const std::string&) {
    std::lock_guard lock(mu);
    if (method != "GET" || path != "/jwks.json") return TestHttpServer::Response{404, "{}"};
    return TestHttpServer::Response{status, served};
  });
  FakeClock clock;
  JwksSource::Options opt;
  opt.min_refetch_interval = std::chrono::seconds(10);
  opt.http.allow_http = true;
  opt.http.timeout = std::chrono::milliseconds(5000);
  auto src = JwksSource::from_url(server.url("/jwks.json"), opt, clock.clock());

  ASSERT_EQ(src->candidates("k1")->size(), 1u);
  EXPECT_EQ(server.requests(), 1);
  EXPECT_EQ(src->candidates("k1")->size(), 1u);
  EXPECT_EQ(server.requests(), 1);  // cached

  {
    std::lock_guard lock(mu);
    served = jwks_of({{"k1", "RSA", "", "", k1}, {"k2", "EC", "", "", k2}});
  }
  // Unknown kids do not trigger a fetch more than once per min_refetch_interval.
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(src->candidates("k2")->empty());
  EXPECT_EQ(server.requests(), 1);
  clock.advance(10);
  EXPECT_EQ(src->candidates("k2")->size(), 1u);
  EXPECT_EQ(server.requests(), 2);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(src->candidates("unknown")->empty());
  EXPECT_EQ(server.requests(), 2);

  // The server failing keeps the cached keys usable.
  {
    std::lock_guard lock(mu);
    status = 500;
  }
  clock.advance(4000);
  EXPECT_EQ(src->candidates("k2")->size(), 1u);
  EXPECT_EQ(server.requests(), 3);
}

TEST(JwksSource, UrlPolicy) {
  FakeClock clock;
  TestHttpServer server([](const std::string&, const std::string&, const std::string&) {
    return TestHttpServer::Response{404, "{}"};
  });
  JwksSource::Options opt;
  // Plain http is refused unless allowed.
  auto plain = JwksSource::from_url(server.url("/jwks.json"), opt, clock.clock());
  EXPECT_FALSE(plain->candidates("x").ok());
  EXPECT_EQ(server.requests(), 0);
  opt.http.allow_http = true;
  auto missing = JwksSource::from_url(server.url("/jwks.json"), opt, clock.clock());
  auto r = missing->candidates("x");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("HTTP 404"), std::string::npos);
}
