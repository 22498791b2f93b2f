#include "auth/jwks.hpp"

#include <openssl/core_names.h>
#include <openssl/pem.h>

#include <fstream>
#include <sstream>

#include "auth/openssl_util.hpp"

namespace fhirgw::auth {
namespace {

using detail::Owned;

Error key_error(std::size_t index, const std::string& member, std::string msg) {
  std::string where = "keys[" + std::to_string(index) + "]" + (member.empty() ? "" : "." + member);
  return Error::make(400, "invalid", "JWKS " + where + ": " + msg, where);
}

Result<std::string> read_file(const std::string& path, std::size_t limit = 1 << 20) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::make(500, "exception", "cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  if (s.size() > limit) return Error::make(500, "exception", path + " is too large");
  return s;
}

struct Curve {
  const char* jwk_name;
  const char* ossl_name;
  std::size_t size;
};
constexpr Curve kCurves[] = {{"P-256", "P-256", 32}, {"P-384", "P-384", 48}};

const Curve* curve_by_jwk(std::string_view crv) {
  for (const auto& c : kCurves)
    if (crv == c.jwk_name) return &c;
  return nullptr;
}

const Curve* curve_of(EVP_PKEY* key) {
  if (key_matches_alg(key, JwsAlg::ES256)) return &kCurves[0];
  if (key_matches_alg(key, JwsAlg::ES384)) return &kCurves[1];
  return nullptr;
}

Result<PKey> key_from_params(const char* type, OSSL_PARAM_BLD* bld) {
  Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld));
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return Error::invalid("not a valid public key: " + detail::openssl_error());
  }
  PKey key = adopt_pkey(raw);
  Owned<EVP_PKEY_CTX> check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1)
    return Error::invalid("public key fails validation: " + detail::openssl_error());
  return key;
}

Result<PKey> rsa_from_jwk(const json::Value& k, std::size_t i) {
  auto n64 = json::get_string(k, "n");
  auto e64 = json::get_string(k, "e");
  if (!n64) return key_error(i, "n", "missing or not a string");
  if (!e64) return key_error(i, "e", "missing or not a string");
  auto n = base64url_decode(*n64);
  auto e = base64url_decode(*e64);
  if (!n || n->empty()) return key_error(i, "n", "not valid base64url");
  if (!e || e->empty() || e->size() > 8) return key_error(i, "e", "not valid base64url");
  Owned<BIGNUM> bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()),
                               static_cast<int>(n->size()), nullptr));
  Owned<BIGNUM> bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()),
                               static_cast<int>(e->size()), nullptr));
  if (!bn_n || !bn_e) return key_error(i, "", "cannot decode RSA parameters");
  if (BN_num_bits(bn_n.get()) < 2048) return key_error(i, "n", "RSA key is shorter than 2048 bits");
  Owned<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1)
    return key_error(i, "", "cannot build RSA key");
  auto key = key_from_params("RSA", bld.get());
  if (!key) return key_error(i, "", key.error().message());
  return key;
}

Result<PKey> ec_from_jwk(const json::Value& k, std::size_t i) {
  auto crv = json::get_string(k, "crv");
  if (!crv) return key_error(i, "crv", "missing or not a string");
  const Curve* curve = curve_by_jwk(*crv);
  if (!curve) return key_error(i, "crv", "unsupported curve " + std::string(*crv));
  auto x64 = json::get_string(k, "x");
  auto y64 = json::get_string(k, "y");
  if (!x64) return key_error(i, "x", "missing or not a string");
  if (!y64) return key_error(i, "y", "missing or not a string");
  auto x = base64url_decode(*x64);
  auto y = base64url_decode(*y64);
  // RFC 7518 §6.2.1.2: coordinates are full-size, leading zeros kept.
  if (!x || x->size() != curve->size) return key_error(i, "x", "wrong length for the curve");
  if (!y || y->size() != curve->size) return key_error(i, "y", "wrong length for the curve");
  std::string point = "\x04" + *x + *y;
  Owned<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve->ossl_name, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1)
    return key_error(i, "", "cannot build EC key");
  auto key = key_from_params("EC", bld.get());
  if (!key) return key_error(i, "", "EC point is not on the curve");
  return key;
}

Result<std::string> bn_param_b64(EVP_PKEY* key, const char* name, int pad_to) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1)
    return Error::internal(std::string("cannot read key parameter ") + name);
  Owned<BIGNUM> bn(raw);
  int len = pad_to > 0 ? pad_to : BN_num_bytes(bn.get());
  std::string out(static_cast<std::size_t>(len), '\0');
  if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(out.data()), len) != len)
    return Error::internal("key parameter does not fit");
  return base64url_encode(out);
}

// The public members of a key in RFC 7638 member order (lexicographic), which
// is also what the thumbprint hashes.
Result<json::Document> public_members(EVP_PKEY* key) {
  json::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
    auto e = bn_param_b64(key, OSSL_PKEY_PARAM_RSA_E, 0);
    auto n = bn_param_b64(key, OSSL_PKEY_PARAM_RSA_N, 0);
    if (!e) return std::move(e).error();
    if (!n) return std::move(n).error();
    json::set_string(d, "e", *e, a);
    json::set_string(d, "kty", "RSA", a);
    json::set_string(d, "n", *n, a);
    return d;
  }
  const Curve* curve = curve_of(key);
  if (!curve) return Error::internal("unsupported key type for JWK");
  auto x = bn_param_b64(key, OSSL_PKEY_PARAM_EC_PUB_X, static_cast<int>(curve->size));
  auto y = bn_param_b64(key, OSSL_PKEY_PARAM_EC_PUB_Y, static_cast<int>(curve->size));
  if (!x) return std::move(x).error();
  if (!y) return std::move(y).error();
  json::set_string(d, "crv", curve->jwk_name, a);
  json::set_string(d, "kty", "EC", a);
  json::set_string(d, "x", *x, a);
  json::set_string(d, "y", *y, a);
  return d;
}

Result<PKey> read_pem(std::string_view pem, bool is_private) {
  Owned<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Error::internal("BIO_new_mem_buf failed");
  EVP_PKEY* raw = is_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                             : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (!raw) {
    detail::openssl_error();
    return Error::invalid(is_private ? "not a PEM private key" : "not a PEM public key");
  }
  return adopt_pkey(raw);
}

Result<std::string> bio_text(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  if (len <= 0) return Error::internal("PEM encoding failed");
  return std::string(data, static_cast<std::size_t>(len));
}

}  // namespace

const Jwk* JwkSet::find(std::string_view kid) const {
  for (const auto& k : keys)
    if (k.kid == kid) return &k;
  return nullptr;
}

Result<JwkSet> parse_jwks(std::string_view json_text) {
  auto doc = json::parse(json_text);
  if (!doc) return std::move(doc).error();
  const json::Value* keys = json::get(*doc, "keys");
  if (!keys || !keys->IsArray())
    return Error::invalid("JWKS must be an object with a \"keys\" array", "keys");
  JwkSet set;
  for (rapidjson::SizeType i = 0; i < keys->Size(); ++i) {
    const json::Value& k = (*keys)[i];
    if (!k.IsObject()) return key_error(i, "", "not an object");
    auto kty = json::get_string(k, "kty");
    if (!kty) return key_error(i, "kty", "missing or not a string");
    if (*kty != "RSA" && *kty != "EC") continue;  // RFC 7517 §5: ignore what we don't understand
    for (const char* priv : {"d", "p", "q", "dp", "dq", "qi", "oth"})
      if (json::get(k, priv))
        return key_error(i, priv, "private key material must never be published in a JWKS");
    Jwk jwk;
    jwk.kty = std::string(*kty);
    for (auto [member, field] : {std::pair{"kid", &jwk.kid}, {"alg", &jwk.alg}, {"use", &jwk.use}}) {
      if (const json::Value* v = json::get(k, member)) {
        if (!v->IsString()) return key_error(i, member, "not a string");
        *field = v->GetString();
      }
    }
    auto key = jwk.kty == "RSA" ? rsa_from_jwk(k, i) : ec_from_jwk(k, i);
    if (!key) return std::move(key).error();
    jwk.key = std::move(key).value();
    if (!jwk.alg.empty()) {
      auto alg = parse_alg(jwk.alg);
      if (alg && !key_matches_alg(jwk.key.get(), *alg))
        return key_error(i, "alg", "alg " + jwk.alg + " does not fit this key");
    }
    set.keys.push_back(std::move(jwk));
  }
  return set;
}

Result<JwkSet> load_jwks_file(const std::string& path) {
  auto text = read_file(path);
  if (!text) return std::move(text).error();
  auto set = parse_jwks(*text);
  if (!set) return Error::make(set.error().status, "invalid", path + ": " + set.error().message());
  return set;
}

Result<std::string> to_jwks_json(const std::vector<Jwk>& keys) {
  json::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  json::Value arr(rapidjson::kArrayType);
  for (const auto& k : keys) {
    auto members = public_members(k.key.get());
    if (!members) return std::move(members).error();
    json::Value v(rapidjson::kObjectType);
    v.CopyFrom(*members, a);
    if (!k.kid.empty()) json::set_string(v, "kid", k.kid, a);
    if (!k.alg.empty()) json::set_string(v, "alg", k.alg, a);
    if (!k.use.empty()) json::set_string(v, "use", k.use, a);
    arr.PushBack(std::move(v), a);
  }
  json::set(d, "keys", std::move(arr), a);
  return json::to_string(d);
}

Result<std::string> jwk_thumbprint(EVP_PKEY* key) {
  auto members = public_members(key);
  if (!members) return std::move(members).error();
  std::string canonical = json::to_string(*members);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(canonical.data(), canonical.size(), md, &len, EVP_sha256(), nullptr) != 1)
    return Error::internal("SHA-256 failed");
  return base64url_encode(std::string_view(reinterpret_cast<char*>(md), len));
}

Result<PKey> load_public_key_pem(const std::string& path) {
  auto text = read_file(path);
  if (!text) return std::move(text).error();
  auto key = read_pem(*text, false);
  if (!key) return Error::invalid(path + ": " + key.error().message());
  return key;
}

Result<PKey> load_private_key_pem(const std::string& path) {
  auto text = read_file(path);
  if (!text) return std::move(text).error();
  auto key = read_pem(*text, true);
  if (!key) return Error::invalid(path + ": " + key.error().message());
  return key;
}

Result<PKey> public_key_from_pem(std::string_view pem) { return read_pem(pem, false); }
Result<PKey> private_key_from_pem(std::string_view pem) { return read_pem(pem, true); }

Result<std::string> public_key_to_pem(EVP_PKEY* key) {
  Owned<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1)
    return Error::internal("PEM encoding failed: " + detail::openssl_error());
  return bio_text(bio.get());
}

Result<std::string> private_key_to_pem(EVP_PKEY* key) {
  Owned<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return Error::internal("PEM encoding failed: " + detail::openssl_error());
  return bio_text(bio.get());
}

Result<PKey> generate_key(JwsAlg alg) {
  bool rsa = alg == JwsAlg::RS256 || alg == JwsAlg::RS384;
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, rsa ? "RSA" : "EC", nullptr));
  bool ok = ctx && EVP_PKEY_keygen_init(ctx.get()) == 1;
  if (ok && rsa) ok = EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), 2048) == 1;
  if (ok && !rsa)
    ok = EVP_PKEY_CTX_set_group_name(ctx.get(), alg == JwsAlg::ES256 ? "P-256" : "P-384") == 1;
  EVP_PKEY* raw = nullptr;
  if (!ok || EVP_PKEY_keygen(ctx.get(), &raw) != 1)
    return Error::internal("key generation failed: " + detail::openssl_error());
  return adopt_pkey(raw);
}

// --- JwksSource -------------------------------------------------------------

JwksSource::JwksSource(std::string location, bool is_url, Options options, Clock clock)
    : location_(std::move(location)), is_url_(is_url), options_(std::move(options)),
      clock_(std::move(clock)) {}

std::shared_ptr<JwksSource> JwksSource::from_file(std::string path, Options options, Clock clock) {
  return std::shared_ptr<JwksSource>(
      new JwksSource(std::move(path), false, std::move(options), std::move(clock)));
}

std::shared_ptr<JwksSource> JwksSource::from_url(std::string url, Options options, Clock clock) {
  return std::shared_ptr<JwksSource>(
      new JwksSource(std::move(url), true, std::move(options), std::move(clock)));
}

Result<JwkSet> JwksSource::load() const {
  if (!is_url_) return load_jwks_file(location_);
  auto resp = http_get(location_, options_.http);
  if (!resp) return std::move(resp).error();
  if (resp->status != 200)
    return Error::make(502, "transient",
                       "JWKS fetch from " + location_ + " returned HTTP " + std::to_string(resp->status));
  auto set = parse_jwks(resp->body);
  if (!set) return Error::make(502, "invalid", location_ + ": " + set.error().message());
  return set;
}

void JwksSource::refresh_locked(std::int64_t now) {
  last_attempt_ = now;
  ++loads_;
  auto set = load();
  if (set) {
    cached_ = std::move(set).value();
    fetched_at_ = now;
    last_error_.clear();
  } else {
    last_error_ = set.error().message();
  }
}

Result<std::vector<Jwk>> JwksSource::candidates(std::string_view kid) {
  std::lock_guard lock(mu_);
  const std::int64_t now = clock_();
  auto may_fetch = [&] {
    return !last_attempt_ || now - *last_attempt_ >= options_.min_refetch_interval.count();
  };
  bool stale = !cached_ || now - fetched_at_ >= options_.refresh_interval.count();
  if (stale && may_fetch()) refresh_locked(now);
  if (cached_ && !kid.empty() && !cached_->find(kid) && may_fetch()) refresh_locked(now);
  if (!cached_) return Error::make(502, "transient", "key set unavailable: " + last_error_);
  std::vector<Jwk> out;
  for (const auto& k : cached_->keys)
    if (kid.empty() || k.kid == kid) out.push_back(k);
  return out;
}

std::uint64_t JwksSource::load_count() const {
  std::lock_guard lock(mu_);
  return loads_;
}

}  // namespace fhirgw::auth
