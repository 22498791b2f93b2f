#include "auth/jwt.hpp"

#include <gtest/gtest.h>
#include <openssl/ecdsa.h>
#include <openssl/hmac.h>

#include "test_support.hpp"

using namespace fhirgw;
using namespace fhirgw::auth;
using namespace fhirgw::auth::test;

namespace {

std::string b64(std::string_view s) { return base64url_encode(s); }

// Re-assembles a compact JWS from its parts (for tampering).
struct Parts {
  std::string h, p, s;
  explicit Parts(const std::string& compact) {
    auto d1 = compact.find('.'), d2 = compact.rfind('.');
    h = compact.substr(0, d1);
    p = compact.substr(d1 + 1, d2 - d1 - 1);
    s = compact.substr(d2 + 1);
  }
  std::string join() const { return h + "." + p + "." + s; }
};

std::string signed_token(JwsAlg alg, const PKey& key, std::string_view payload = R"({"sub":"x"})") {
  auto t = sign_jws(alg, key.get(), R"({"alg":")" + std::string(to_string(alg)) + R"("})", payload);
  EXPECT_TRUE(t.ok()) << (t ? "" : t.error().message());
  return *t;
}

Status verify(const std::string& compact, const PKey& key,
              std::vector<JwsAlg> allowed = {JwsAlg::RS256, JwsAlg::RS384, JwsAlg::ES256, JwsAlg::ES384}) {
  auto jws = parse_jws(compact);
  if (!jws) return std::move(jws).error();
  return verify_jws(*jws, key.get(), allowed);
}

struct Keys {
  PKey rsa = make_rsa();
  PKey p256 = make_p256();
  PKey p384 = make_p384();
};
const Keys& keys() {
  static Keys k;
  return k;
}

}  // namespace

TEST(Base64Url, Rfc4648Vectors) {
  EXPECT_EQ(b64(""), "");
  EXPECT_EQ(b64("f"), "Zg");
  EXPECT_EQ(b64("fo"), "Zm8");
  EXPECT_EQ(b64("foo"), "Zm9v");
  EXPECT_EQ(b64("foob"), "Zm9vYg");
  EXPECT_EQ(b64("fooba"), "Zm9vYmE");
  EXPECT_EQ(b64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(b64("\xfb\xff"), "-_8");  // the URL-safe characters
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xfb\xff\x00\x01"})
    EXPECT_EQ(base64url_decode(b64(s)), s);
}

TEST(Base64Url, DecodingIsStrict) {
  EXPECT_FALSE(base64url_decode("Zg=="));   // padding
  EXPECT_FALSE(base64url_decode("+/8"));    // standard alphabet
  EXPECT_FALSE(base64url_decode("Z"));      // impossible length
  EXPECT_FALSE(base64url_decode("Zh"));     // non-zero trailing bits ("Zg" is canonical)
  EXPECT_FALSE(base64url_decode("Zm9v Yg"));
  EXPECT_TRUE(base64url_decode("Zg"));
}

TEST(Jws, SignAndVerifyEveryAlgorithm) {
  const auto& k = keys();
  for (auto [alg, key] : {std::pair{JwsAlg::RS256, k.rsa}, {JwsAlg::RS384, k.rsa},
                          {JwsAlg::ES256, k.p256}, {JwsAlg::ES384, k.p384}}) {
    std::string t = signed_token(alg, key);
    EXPECT_TRUE(verify(t, key).ok()) << to_string(alg);
    auto jws = parse_jws(t);
    ASSERT_TRUE(jws.ok());
    EXPECT_EQ(jws->alg, to_string(alg));
    EXPECT_EQ(*json::get_string(jws->payload, "sub"), "x");
  }
}

TEST(Jws, EcdsaSignatureIsJoseRawRThenS) {
  // Checked with an independent DER construction: r is the first half, s the second.
  const auto& k = keys();
  for (auto [alg, key, half] : {std::tuple{JwsAlg::ES256, k.p256, 32}, {JwsAlg::ES384, k.p384, 48}}) {
    std::string t = signed_token(alg, key);
    auto jws = parse_jws(t);
    ASSERT_TRUE(jws.ok());
    ASSERT_EQ(jws->signature.size(), static_cast<std::size_t>(2 * half));
    auto* raw = reinterpret_cast<const unsigned char*>(jws->signature.data());
    ECDSA_SIG* sig = ECDSA_SIG_new();
    ECDSA_SIG_set0(sig, BN_bin2bn(raw, half, nullptr), BN_bin2bn(raw + half, half, nullptr));
    unsigned char* der = nullptr;
    int der_len = i2d_ECDSA_SIG(sig, &der);
    ECDSA_SIG_free(sig);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestVerifyInit(ctx, nullptr, half == 32 ? EVP_sha256() : EVP_sha384(), nullptr, key.get());
    int ok = EVP_DigestVerify(ctx, der, static_cast<size_t>(der_len),
                              reinterpret_cast<const unsigned char*>(jws->signing_input.data()),
                              jws->signing_input.size());
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    EXPECT_EQ(ok, 1) << to_string(alg);
  }
}

TEST(Jws, TamperedPayloadOrSignatureIsRejected) {
  const auto& k = keys();
  for (auto [alg, key] : {std::pair{JwsAlg::RS384, k.rsa}, {JwsAlg::ES256, k.p256}}) {
    Parts parts(signed_token(alg, key, R"({"sub":"x","scope":"system/Patient.rs"})"));
    Parts tampered = parts;
    tampered.p = b64(R"({"sub":"x","scope":"system/*.cruds"})");
    EXPECT_FALSE(verify(tampered.join(), key).ok());
    Parts bad_sig = parts;
    bad_sig.s[5] = bad_sig.s[5] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(verify(bad_sig.join(), key).ok());
    Parts swapped_header = parts;
    swapped_header.h = b64(R"({"alg":")" + std::string(to_string(alg)) + R"(","kid":"x"})");
    EXPECT_FALSE(verify(swapped_header.join(), key).ok());
  }
}

TEST(Jws, AlgNoneIsRejected) {
  std::string unsigned_token = b64(R"({"alg":"none"})") + "." + b64(R"({"sub":"x"})") + ".";
  EXPECT_FALSE(parse_jws(unsigned_token).ok());  // empty signature part
  std::string with_junk = b64(R"({"alg":"none"})") + "." + b64(R"({"sub":"x"})") + ".AAAA";
  auto jws = parse_jws(with_junk);
  ASSERT_TRUE(jws.ok());
  auto st = verify_jws(*jws, keys().rsa.get(), {JwsAlg::RS256});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().status, 401);
}

TEST(Jws, Hs256WithThePublicKeyAsSecretIsRejected) {
  // The classic RS/HS confusion: HMAC keyed with the RSA public key PEM.
  std::string secret = public_pem(keys().rsa);
  std::string input = b64(R"({"alg":"HS256"})") + "." + b64(R"({"sub":"x"})");
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  std::string token = input + "." + b64(std::string_view(reinterpret_cast<char*>(mac), len));
  auto st = verify(token, keys().rsa);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("not supported"), std::string::npos);
}

TEST(Jws, AlgMustFitTheKey) {
  const auto& k = keys();
  // An RSA token checked against EC keys, EC tokens against the wrong curve or RSA.
  EXPECT_FALSE(verify(signed_token(JwsAlg::RS256, k.rsa), k.p256).ok());
  EXPECT_FALSE(verify(signed_token(JwsAlg::ES256, k.p256), k.p384).ok());
  EXPECT_FALSE(verify(signed_token(JwsAlg::ES384, k.p384), k.rsa).ok());
  // An ES256 signature relabelled ES384 (wrong length and wrong curve).
  Parts p(signed_token(JwsAlg::ES256, k.p256));
  p.h = b64(R"({"alg":"ES384"})");
  EXPECT_FALSE(verify(p.join(), k.p256).ok());
  // RSA keys under 2048 bits are refused even when the signature is right.
  PKey small = make_rsa(1024);
  auto t = sign_jws(JwsAlg::RS256, small.get(), R"({"alg":"RS256"})", "{}");
  EXPECT_FALSE(t.ok());
  EXPECT_FALSE(key_matches_alg(small.get(), JwsAlg::RS256));
}

TEST(Jws, OnlyAllowedAlgorithmsVerify) {
  std::string t = signed_token(JwsAlg::RS256, keys().rsa);
  EXPECT_TRUE(verify(t, keys().rsa, {JwsAlg::RS256}).ok());
  EXPECT_FALSE(verify(t, keys().rsa, {JwsAlg::RS384, JwsAlg::ES384}).ok());
  EXPECT_FALSE(verify(t, keys().rsa, {}).ok());
}

TEST(Jws, StructuralRejections) {
  std::string h = b64(R"({"alg":"RS256"})"), p = b64(R"({"sub":"x"})"), s = b64("sig");
  EXPECT_FALSE(parse_jws("").ok());
  EXPECT_FALSE(parse_jws(h + "." + p).ok());
  EXPECT_FALSE(parse_jws(h + "." + p + "." + s + "." + s).ok());
  EXPECT_FALSE(parse_jws(h + ".." + s).ok());
  EXPECT_FALSE(parse_jws(h + "." + p + "." + s + "=").ok());
  EXPECT_FALSE(parse_jws(h + "+." + p + "." + s).ok());
  EXPECT_FALSE(parse_jws(b64("[1]") + "." + p + "." + s).ok());             // header not an object
  EXPECT_FALSE(parse_jws(h + "." + b64("\"str\"") + "." + s).ok());         // payload not an object
  EXPECT_FALSE(parse_jws(h + "." + b64("{bad json") + "." + s).ok());
  EXPECT_FALSE(parse_jws(b64(R"({"typ":"JWT"})") + "." + p + "." + s).ok());  // no alg
  EXPECT_FALSE(parse_jws(b64(R"({"alg":7})") + "." + p + "." + s).ok());
  EXPECT_FALSE(parse_jws(b64(R"({"alg":"RS256","alg":"none"})") + "." + p + "." + s).ok());
  EXPECT_FALSE(parse_jws(h + "." + b64(R"({"sub":"a","sub":"b"})") + "." + s).ok());
  EXPECT_FALSE(parse_jws(b64(R"({"alg":"RS256","crit":["exp"]})") + "." + p + "." + s).ok());
  EXPECT_FALSE(parse_jws(b64(R"({"alg":"RS256","kid":1})") + "." + p + "." + s).ok());
  EXPECT_FALSE(parse_jws(std::string(kMaxCompactJwsBytes + 1, 'a')).ok());
  EXPECT_TRUE(parse_jws(h + "." + p + "." + s).ok());
}

TEST(Jws, SignJwtWritesHeader) {
  json::Document claims(rapidjson::kObjectType);
  json::set_string(claims, "iss", "me", claims.GetAllocator());
  auto t = sign_jwt(JwsAlg::ES384, keys().p384.get(), claims, "kid-1", "at+jwt");
  ASSERT_TRUE(t.ok());
  auto jws = parse_jws(*t);
  ASSERT_TRUE(jws.ok());
  EXPECT_EQ(jws->kid, "kid-1");
  EXPECT_EQ(jws->typ, "at+jwt");
  EXPECT_TRUE(verify_jws(*jws, keys().p384.get(), {JwsAlg::ES384}).ok());
  EXPECT_FALSE(sign_jwt(JwsAlg::ES256, keys().p384.get(), claims).ok());  // key/alg mismatch
}

TEST(Jws, NumericDate) {
  auto doc = json::parse(R"({"a":1700000000,"b":1700000000.9,"c":"1700000000","d":-5,"e":1e300})");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(numeric_date(*doc, "a"), 1700000000);
  EXPECT_EQ(numeric_date(*doc, "b"), 1700000000);
  EXPECT_FALSE(numeric_date(*doc, "c"));
  EXPECT_FALSE(numeric_date(*doc, "d"));
  EXPECT_FALSE(numeric_date(*doc, "e"));
  EXPECT_FALSE(numeric_date(*doc, "missing"));
}

TEST(Jws, DefaultAlgForKey) {
  EXPECT_EQ(default_alg_for(keys().rsa.get()), JwsAlg::RS384);
  EXPECT_EQ(default_alg_for(keys().p256.get()), JwsAlg::ES256);
  EXPECT_EQ(default_alg_for(keys().p384.get()), JwsAlg::ES384);
  EXPECT_EQ(parse_alg("HS256"), std::nullopt);
  EXPECT_EQ(parse_alg("none"), std::nullopt);
  EXPECT_EQ(parse_alg("rs256"), std::nullopt);
}
