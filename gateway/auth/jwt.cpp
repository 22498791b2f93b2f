#include "auth/jwt.hpp"

#include <openssl/ecdsa.h>
#include <openssl/rsa.h>

#include <cmath>
#include <set>

#include "auth/openssl_util.hpp"

namespace fhirgw::auth {
namespace {

using detail::Owned;

Error security(std::string msg) { return Error::make(401, "security", std::move(msg)); }

const EVP_MD* digest_for(JwsAlg alg) {
  switch (alg) {
    case JwsAlg::RS256:
    case JwsAlg::ES256: return EVP_sha256();
    case JwsAlg::RS384:
    case JwsAlg::ES384: return EVP_sha384();
  }
  return nullptr;
}

bool is_ecdsa(JwsAlg alg) { return alg == JwsAlg::ES256 || alg == JwsAlg::ES384; }
// Size of r (and of s) in the JOSE signature: the curve's field size in bytes.
std::size_t ec_half(JwsAlg alg) { return alg == JwsAlg::ES256 ? 32 : 48; }

std::string ec_group(EVP_PKEY* key) {
  char name[64] = {0};
  size_t len = 0;
  if (EVP_PKEY_get_group_name(key, name, sizeof name, &len) != 1) return {};
  return std::string(name, len);
}

// JOSE carries ECDSA as fixed-width r||s (RFC 7518 §3.4); OpenSSL speaks DER.
std::optional<std::string> jose_to_der(std::string_view raw, std::size_t half) {
  if (raw.size() != 2 * half) return std::nullopt;
  auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  BIGNUM* r = BN_bin2bn(p, static_cast<int>(half), nullptr);
  BIGNUM* s = BN_bin2bn(p + half, static_cast<int>(half), nullptr);
  ECDSA_SIG* sig = ECDSA_SIG_new();
  if (!r || !s || !sig || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (len <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::optional<std::string> der_to_jose(std::string_view der, std::size_t half) {
  auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (!sig) return std::nullopt;
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  std::string out(2 * half, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  bool ok = BN_bn2binpad(r, o, static_cast<int>(half)) == static_cast<int>(half) &&
            BN_bn2binpad(s, o + half, static_cast<int>(half)) == static_cast<int>(half);
  ECDSA_SIG_free(sig);
  if (!ok) return std::nullopt;
  return out;
}

int b64url_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// JSON objects with a repeated member name are ambiguous (RFC 7515 §5.2
// allows rejecting them); two parsers could read different values.
bool has_duplicate_members(const json::Value& obj) {
  std::set<std::string_view> seen;
  for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
    if (!seen.emplace(it->name.GetString(), it->name.GetStringLength()).second) return true;
  }
  return false;
}

Result<json::Document> decode_json_part(std::string_view part, const char* what) {
  auto bytes = base64url_decode(part);
  if (!bytes) return security(std::string("JWS ") + what + " is not valid base64url");
  auto doc = json::parse(*bytes);
  if (!doc) return security(std::string("JWS ") + what + " is not valid JSON");
  if (!doc->IsObject()) return security(std::string("JWS ") + what + " is not a JSON object");
  if (has_duplicate_members(*doc))
    return security(std::string("JWS ") + what + " has duplicate member names");
  return std::move(doc).value();
}

}  // namespace

PKey adopt_pkey(EVP_PKEY* raw) {
  return raw ? PKey(raw, [](EVP_PKEY* k) { EVP_PKEY_free(k); }) : PKey();
}

std::optional<JwsAlg> parse_alg(std::string_view name) {
  if (name == "RS256") return JwsAlg::RS256;
  if (name == "RS384") return JwsAlg::RS384;
  if (name == "ES256") return JwsAlg::ES256;
  if (name == "ES384") return JwsAlg::ES384;
  return std::nullopt;
}

std::string_view to_string(JwsAlg alg) {
  switch (alg) {
    case JwsAlg::RS256: return "RS256";
    case JwsAlg::RS384: return "RS384";
    case JwsAlg::ES256: return "ES256";
    case JwsAlg::ES384: return "ES384";
  }
  return "";
}

bool key_matches_alg(EVP_PKEY* key, JwsAlg alg) {
  if (!key) return false;
  int id = EVP_PKEY_get_base_id(key);
  switch (alg) {
    case JwsAlg::RS256:
    case JwsAlg::RS384: return id == EVP_PKEY_RSA && EVP_PKEY_get_bits(key) >= 2048;
    case JwsAlg::ES256: {
      if (id != EVP_PKEY_EC) return false;
      auto g = ec_group(key);
      return g == "prime256v1" || g == "P-256";
    }
    case JwsAlg::ES384: {
      if (id != EVP_PKEY_EC) return false;
      auto g = ec_group(key);
      return g == "secp384r1" || g == "P-384";
    }
  }
  return false;
}

std::optional<JwsAlg> default_alg_for(EVP_PKEY* key) {
  for (JwsAlg a : {JwsAlg::RS384, JwsAlg::ES384, JwsAlg::ES256})
    if (key_matches_alg(key, a)) return a;
  return std::nullopt;
}

std::string base64url_encode(std::string_view bytes) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  std::size_t i = 0;
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
  for (; i + 2 < bytes.size(); i += 3) {
    unsigned v = (b(i) << 16) | (b(i + 1) << 8) | b(i + 2);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  if (bytes.size() - i == 1) {
    unsigned v = b(i) << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
  } else if (bytes.size() - i == 2) {
    unsigned v = (b(i) << 16) | (b(i + 1) << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
  }
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = b64url_value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  // Leftover bits must be zero, otherwise two texts would decode alike.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

Result<Jws> parse_jws(std::string_view compact) {
  if (compact.empty()) return security("token is empty");
  if (compact.size() > kMaxCompactJwsBytes) return security("token is too large");
  auto d1 = compact.find('.');
  if (d1 == std::string_view::npos) return security("JWS must have three parts");
  auto d2 = compact.find('.', d1 + 1);
  if (d2 == std::string_view::npos || compact.find('.', d2 + 1) != std::string_view::npos)
    return security("JWS must have exactly three parts");
  auto h = compact.substr(0, d1);
  auto p = compact.substr(d1 + 1, d2 - d1 - 1);
  auto s = compact.substr(d2 + 1);
  if (h.empty() || p.empty() || s.empty()) return security("JWS part is empty");

  Jws jws;
  auto header = decode_json_part(h, "header");
  if (!header) return std::move(header).error();
  jws.header = std::move(header).value();
  auto payload = decode_json_part(p, "payload");
  if (!payload) return std::move(payload).error();
  jws.payload = std::move(payload).value();
  auto sig = base64url_decode(s);
  if (!sig) return security("JWS signature is not valid base64url");
  jws.signature = std::move(*sig);

  auto alg = json::get_string(jws.header, "alg");
  if (!alg || alg->empty()) return security("JWS header has no alg");
  jws.alg = std::string(*alg);
  // We implement no extensions, so any critical one must fail (RFC 7515 §4.1.11).
  if (json::get(jws.header, "crit")) return security("JWS header crit is not supported");
  if (const auto* kid = json::get(jws.header, "kid")) {
    if (!kid->IsString()) return security("JWS header kid is not a string");
    jws.kid = kid->GetString();
  }
  if (const auto* typ = json::get(jws.header, "typ")) {
    if (!typ->IsString()) return security("JWS header typ is not a string");
    jws.typ = typ->GetString();
  }
  jws.signing_input = std::string(compact.substr(0, d2));
  return jws;
}

Status verify_jws(const Jws& jws, EVP_PKEY* key, const std::vector<JwsAlg>& allowed) {
  auto alg = parse_alg(jws.alg);
  if (!alg) return security("JWS alg '" + jws.alg + "' is not supported");
  bool permitted = false;
  for (JwsAlg a : allowed) permitted = permitted || a == *alg;
  if (!permitted) return security("JWS alg " + jws.alg + " is not allowed here");
  if (!key_matches_alg(key, *alg)) return security("key does not match JWS alg " + jws.alg);

  std::string der;
  std::string_view sig = jws.signature;
  if (is_ecdsa(*alg)) {
    auto converted = jose_to_der(jws.signature, ec_half(*alg));
    if (!converted) return security("ECDSA signature has the wrong length");
    der = std::move(*converted);
    sig = der;
  }
  Owned<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), &pctx, digest_for(*alg), nullptr, key) == 1;
  if (ok && !is_ecdsa(*alg)) ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
  ok = ok && EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()),
                              sig.size(),
                              reinterpret_cast<const unsigned char*>(jws.signing_input.data()),
                              jws.signing_input.size()) == 1;
  ERR_clear_error();
  if (!ok) return security("JWS signature verification failed");
  return {};
}

Result<std::string> sign_jws(JwsAlg alg, EVP_PKEY* key, std::string_view header_json,
                             std::string_view payload_json) {
  if (!key_matches_alg(key, alg))
    return Error::internal("signing key does not match alg " + std::string(to_string(alg)));
  std::string input = base64url_encode(header_json) + "." + base64url_encode(payload_json);
  Owned<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  size_t len = 0;
  bool ok = ctx && EVP_DigestSignInit(ctx.get(), &pctx, digest_for(alg), nullptr, key) == 1;
  if (ok && !is_ecdsa(alg)) ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
  auto* in = reinterpret_cast<const unsigned char*>(input.data());
  ok = ok && EVP_DigestSign(ctx.get(), nullptr, &len, in, input.size()) == 1;
  std::string sig(len, '\0');
  ok = ok && EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                            input.size()) == 1;
  if (!ok) return Error::internal("signing failed: " + detail::openssl_error());
  sig.resize(len);
  if (is_ecdsa(alg)) {
    auto jose = der_to_jose(sig, ec_half(alg));
    if (!jose) return Error::internal("ECDSA signature conversion failed");
    sig = std::move(*jose);
  }
  return input + "." + base64url_encode(sig);
}

Result<std::string> sign_jwt(JwsAlg alg, EVP_PKEY* key, const json::Value& claims,
                             std::string_view kid, std::string_view typ) {
  json::Document h(rapidjson::kObjectType);
  auto& a = h.GetAllocator();
  json::set_string(h, "alg", to_string(alg), a);
  if (!typ.empty()) json::set_string(h, "typ", typ, a);
  if (!kid.empty()) json::set_string(h, "kid", kid, a);
  return sign_jws(alg, key, json::to_string(h), json::to_string(claims));
}

std::optional<std::int64_t> numeric_date(const json::Value& payload, std::string_view claim) {
  const json::Value* v = json::get(payload, claim);
  if (!v || !v->IsNumber()) return std::nullopt;
  if (v->IsInt64()) {
    std::int64_t i = v->GetInt64();
    if (i < 0 || i > 10'000'000'000) return std::nullopt;
    return i;
  }
  double d = v->GetDouble();
  // Year ~2286 bound keeps later arithmetic far from overflow.
  if (!std::isfinite(d) || d < 0 || d > 1e10) return std::nullopt;
  return static_cast<std::int64_t>(std::floor(d));
}

}  // namespace fhirgw::auth
