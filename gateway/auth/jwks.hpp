#pragma once
// JSON Web Keys (RFC 7517/7518 §6): partners' public key sets, the gateway's
// own published set, PEM key files, and a refreshing cache for a JWKS held in
// a file or at a URL.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/clock.hpp"
#include "auth/http_client.hpp"
#include "auth/jwt.hpp"
#include "core/result.hpp"

namespace fhirgw::auth {

struct Jwk {
  std::string kid;  // may be empty
  std::string kty;  // "RSA" or "EC"
  std::string alg;  // optional; when set, the only alg this key may verify
  std::string use;  // optional; when set, must be "sig" for us to use it
  PKey key;         // public key
};

struct JwkSet {
  std::vector<Jwk> keys;
  const Jwk* find(std::string_view kid) const;  // first key with this kid
};

// Keys of an unknown kty (oct, OKP, ...) are skipped (RFC 7517 §5); a malformed
// RSA/EC key, an EC key off its curve, RSA under 2048 bits, or any private
// member ("d", "p", ...) in a published set is an error naming keys[i].
Result<JwkSet> parse_jwks(std::string_view json_text);
Result<JwkSet> load_jwks_file(const std::string& path);

// The public members of each key as a JWKS document {"keys":[...]}.
Result<std::string> to_jwks_json(const std::vector<Jwk>& keys);
// RFC 7638 JWK thumbprint (SHA-256, base64url): a stable kid for a key.
Result<std::string> jwk_thumbprint(EVP_PKEY* key);

// PEM (SubjectPublicKeyInfo / PKCS#8 or traditional private key).
Result<PKey> load_public_key_pem(const std::string& path);
Result<PKey> load_private_key_pem(const std::string& path);
Result<PKey> public_key_from_pem(std::string_view pem);
Result<PKey> private_key_from_pem(std::string_view pem);
Result<std::string> public_key_to_pem(EVP_PKEY* key);
Result<std::string> private_key_to_pem(EVP_PKEY* key);  // unencrypted PKCS#8
// A fresh key for alg: RSA-2048 for RS*, P-256 for ES256, P-384 for ES384.
Result<PKey> generate_key(JwsAlg alg);

// A client's key set, loaded lazily from a file or fetched from a URL, kept
// for refresh_interval, and refetched early when a token names a kid we have
// not seen (key rotation), but never more often than min_refetch_interval so
// unknown kids cannot be used to hammer the partner's server. On a failed
// refresh the last good set stays in use. Thread-safe; a fetch blocks the
// callers of this one source only.
class JwksSource {
 public:
  struct Options {
    std::chrono::seconds refresh_interval{3600};
    std::chrono::seconds min_refetch_interval{30};
    HttpOptions http;  // timeout, allow_http, ca_file for URL sources
  };

  static std::shared_ptr<JwksSource> from_file(std::string path, Options options,
                                               Clock clock = system_clock());
  static std::shared_ptr<JwksSource> from_url(std::string url, Options options,
                                              Clock clock = system_clock());

  // Keys that may have signed a JWS with this kid; all keys when kid is empty.
  // An empty vector means "no such key"; an error means no key set is available.
  Result<std::vector<Jwk>> candidates(std::string_view kid);
  const std::string& location() const { return location_; }
  std::uint64_t load_count() const;  // successful and failed loads, for tests/metrics

 private:
  JwksSource(std::string location, bool is_url, Options options, Clock clock);
  Result<JwkSet> load() const;
  void refresh_locked(std::int64_t now);

  std::string location_;
  bool is_url_;
  Options options_;
  Clock clock_;
  mutable std::mutex mu_;
  std::optional<JwkSet> cached_;
  std::int64_t fetched_at_ = 0;
  std::optional<std::int64_t> last_attempt_;
  std::string last_error_;
  std::uint64_t loads_ = 0;
};

}  // namespace fhirgw::auth
