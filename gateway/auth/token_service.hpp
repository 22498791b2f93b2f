#pragma once
// The gateway's OAuth 2.0 token endpoint for SMART Backend Services
// (client_credentials with a private_key_jwt client assertion) and the
// verification of the access tokens it issues, plus mutual-TLS-only callers.
//
// Access tokens are JWTs (typ "at+jwt") signed with the gateway's EC key. Any
// replica holding the same key file verifies tokens another issued (the kid is
// the key's RFC 7638 thumbprint, so it is the same everywhere). Tokens carry
// only client id, scopes and times; organisation, kind and roles are read from
// the registry on every request, so removing a client or narrowing its
// allowed scopes takes effect at once.
//
// Blocking: a token request may read a JWKS file or fetch a JWKS URL (bounded
// by a timeout); call it from a worker thread, not an I/O thread.
// authenticate() does no I/O.
#include <chrono>
#include <memory>
#include <mutex>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/client_registry.hpp"
#include "auth/clock.hpp"
#include "auth/jti_cache.hpp"
#include "auth/jwks.hpp"
#include "auth/jwt.hpp"
#include "core/caller.hpp"
#include "core/result.hpp"
#include "core/string_map.hpp"

namespace fhirgw::auth {

inline constexpr std::string_view kJwtBearerAssertionType =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

struct TokenServiceConfig {
  std::string signing_key_file;                        // PEM private key, EC P-256 (ES256) or P-384 (ES384)
  std::vector<std::string> previous_public_key_files;  // PEM public keys still accepted (key rotation)
  std::string issuer;                                  // iss and aud of access tokens (the FHIR base URL)
  std::string token_url;                               // the aud client assertions must carry
  std::string public_jwks_url;                         // advertised as jwks_uri, optional
  std::chrono::seconds access_token_lifetime{300};
  std::chrono::seconds max_assertion_lifetime{300};    // exp may be at most this far ahead
  std::chrono::seconds clock_skew{60};                 // tolerance for exp/nbf/iat
  std::vector<JwsAlg> assertion_algs{JwsAlg::RS384, JwsAlg::ES384, JwsAlg::RS256, JwsAlg::ES256};
  JwksSource::Options client_jwks;                     // refresh policy and HTTP limits for client keys
};

struct TokenResponse {
  int status = 200;
  std::string body;       // JSON: the token, or {error, error_description}
  std::string error;      // RFC 6749 §5.2 code; empty on success
  std::string client_id;  // the client that asked, once known (for audit)
  std::string token_id;   // jti of the issued access token (for audit); never the token
  // Content-Type, Cache-Control: no-store, Pragma: no-cache (RFC 6749 §5.1).
  static const std::vector<std::pair<std::string, std::string>>& headers();
};

class TokenService {
 public:
  static Result<std::unique_ptr<TokenService>> create(TokenServiceConfig config,
                                                      std::shared_ptr<const ClientRegistry> registry,
                                                      std::shared_ptr<JtiCache> jti_cache,
                                                      Clock clock = system_clock());

  // POST /token with an application/x-www-form-urlencoded body. The
  // fingerprint is the SHA-256 of the TLS client certificate (empty if none);
  // when it is registered for the client the token is bound to it (RFC 8705).
  TokenResponse handle_token_request(std::string_view form_body,
                                     std::string_view client_cert_fingerprint);

  // The Authorization header ("Bearer <token>") of a FHIR request. With no
  // header but a client certificate, falls back to authenticate_certificate.
  // Errors are 401 with issue code "login" (no credentials), "expired" or
  // "security"; see www_authenticate() for the header to send.
  Result<Caller> authenticate(std::string_view authorization_header,
                              std::string_view client_cert_fingerprint) const;
  // Mutual-TLS-only clients: a registered fingerprint → its allowed scopes.
  Result<Caller> authenticate_certificate(std::string_view client_cert_fingerprint) const;

  std::string smart_configuration_json() const;  // /.well-known/smart-configuration
  std::string jwks_json() const;                 // the gateway's public keys

  // Registry reload (policy reload); in-flight requests keep the old one.
  void set_registry(std::shared_ptr<const ClientRegistry> registry);
  std::shared_ptr<const ClientRegistry> registry() const;

  struct GatewayKey {
    PKey key;
    JwsAlg alg;
    std::string kid;
  };

 private:
  TokenService(TokenServiceConfig config, std::vector<GatewayKey> keys,
               std::shared_ptr<const ClientRegistry> registry, std::shared_ptr<JtiCache> jti_cache,
               Clock clock);
  std::shared_ptr<JwksSource> source_for(const ClientRegistration& client);

  TokenServiceConfig config_;
  std::vector<GatewayKey> keys_;  // [0] signs; all verify
  std::string jwks_json_;
  std::shared_ptr<JtiCache> jti_cache_;
  Clock clock_;
  mutable std::mutex mu_;
  std::shared_ptr<const ClientRegistry> registry_;

  // Tokens whose signature and claims already verified, until they expire:
  // a partner sends the same token for minutes, and an ECDSA verification
  // per request would cost more than the request. Keyed by the whole token,
  // so a tampered token never hits. Bounded: cleared when full.
  struct VerifiedToken {
    std::string client_id, jti, scope, cnf_thumbprint;
    std::int64_t exp = 0;
  };
  // A verified token, and the caller it made under one registry: the same
  // registry makes the same caller, so it is built again only after a reload.
  struct Verified {
    std::shared_ptr<const VerifiedToken> token;
    std::shared_ptr<const ClientRegistry> registry;  // what `caller` was built from
    std::shared_ptr<const Caller> caller;
  };
  static constexpr std::size_t kVerifiedCacheMax = 100'000;
  mutable std::mutex verified_mu_;
  mutable StringMap<Verified> verified_;
  Result<Caller> caller_from_verified(Verified v, std::string_view token,
                                      std::string_view client_cert_fingerprint) const;
  std::map<std::string, std::shared_ptr<JwksSource>> sources_;  // by "file:path" / "url:url"
};

// The WWW-Authenticate value for an authentication error (RFC 6750 §3):
// 401 "login" → `Bearer realm="…"`; other 401 → error="invalid_token";
// 403 → error="insufficient_scope"; anything else → "".
std::string www_authenticate(const Error& error, std::string_view realm = "fhir-gateway");

// RFC 8705 x5t#S256 (base64url SHA-256) from a hex fingerprint; "" if invalid.
std::string x5t_s256_from_fingerprint(std::string_view hex_fingerprint);

}  // namespace fhirgw::auth
