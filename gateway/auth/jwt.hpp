#pragma once
// JSON Web Signature (RFC 7515) in compact form, restricted to what SMART
// Backend Services needs: RS256/RS384/ES256/ES384. Parsing is strict and
// verification is bound to an explicit list of allowed algorithms and to the
// key's type, so `alg: none` and RSA/HMAC confusion cannot be expressed.
#include <openssl/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"

namespace fhirgw::auth {

// Shared ownership of an OpenSSL key (public, or private with public).
using PKey = std::shared_ptr<EVP_PKEY>;
PKey adopt_pkey(EVP_PKEY* raw);  // takes ownership; nullptr stays empty

enum class JwsAlg { RS256, RS384, ES256, ES384 };

std::optional<JwsAlg> parse_alg(std::string_view name);  // exact, case-sensitive
std::string_view to_string(JwsAlg alg);
// RSA (>= 2048 bits) for RS*, EC on P-256 for ES256, EC on P-384 for ES384.
bool key_matches_alg(EVP_PKEY* key, JwsAlg alg);
// RSA → RS384, P-256 → ES256, P-384 → ES384 (the SMART-required ones where possible).
std::optional<JwsAlg> default_alg_for(EVP_PKEY* key);

// RFC 4648 §5 without padding. Decoding is strict: only the URL-safe alphabet,
// no '=' and no non-zero trailing bits, so every value has one encoding.
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

struct Jws {
  json::Document header;
  json::Document payload;
  std::string signing_input;  // "b64(header).b64(payload)": the bytes the signature covers
  std::string signature;      // raw; JOSE form (r||s) for ECDSA
  std::string alg, kid, typ;  // header values, empty when absent
};

inline constexpr std::size_t kMaxCompactJwsBytes = 64 * 1024;

// Exactly three base64url parts; header and payload are JSON objects without
// duplicate member names; header has a string "alg" and no "crit".
Result<Jws> parse_jws(std::string_view compact);

// Succeeds only if jws.alg is in `allowed`, the key fits that alg and the
// signature verifies. Errors are 401 "security".
Status verify_jws(const Jws& jws, EVP_PKEY* key, const std::vector<JwsAlg>& allowed);

// Signs header/payload JSON text as given (callers build them).
Result<std::string> sign_jws(JwsAlg alg, EVP_PKEY* key, std::string_view header_json,
                             std::string_view payload_json);
// Builds the header {alg, typ, kid?} and signs the claims object.
Result<std::string> sign_jwt(JwsAlg alg, EVP_PKEY* key, const json::Value& claims,
                             std::string_view kid = {}, std::string_view typ = "JWT");

// A NumericDate claim (RFC 7519 §2) as whole seconds; nullopt when absent,
// not a number, or outside a sane range.
std::optional<std::int64_t> numeric_date(const json::Value& payload, std::string_view claim);

}  // namespace fhirgw::auth
