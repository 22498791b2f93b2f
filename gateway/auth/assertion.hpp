#pragma once
// The client side of SMART Backend Services: mint a signed client assertion
// and exchange it for an access token (used by `fhir-gateway token` and by
// integration tests).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auth/clock.hpp"
#include "auth/http_client.hpp"
#include "auth/jwt.hpp"
#include "core/result.hpp"

namespace fhirgw::auth {

// A JWT with iss = sub = client_id, aud, iat, exp = iat + lifetime and a random
// jti, header typ "JWT" and kid when given. alg defaults to the key's
// (RSA → RS384, P-384 → ES384, P-256 → ES256).
Result<std::string> mint_client_assertion(std::string_view client_id, EVP_PKEY* private_key,
                                          std::string_view audience, std::optional<JwsAlg> alg = {},
                                          std::chrono::seconds lifetime = std::chrono::seconds(300),
                                          std::string_view kid = {}, Clock clock = system_clock());
Result<std::string> mint_client_assertion(std::string_view client_id,
                                          const std::string& private_key_pem_path,
                                          std::string_view audience, std::optional<JwsAlg> alg = {},
                                          std::chrono::seconds lifetime = std::chrono::seconds(300),
                                          std::string_view kid = {});

// The form body of a client_credentials token request carrying the assertion.
std::string token_request_body(std::string_view assertion, std::string_view scope);

struct TokenFetchOptions {
  std::string scope;  // space-separated, e.g. "system/CarePlan.rs system/Patient.rs"
  std::optional<JwsAlg> alg;
  std::string kid;
  HttpOptions http;   // timeout, ca_file, client certificate for mutual TLS
};

struct AccessToken {
  std::string access_token;
  std::string token_type;
  std::int64_t expires_in = 0;
  std::string scope;
};

// POSTs a fresh assertion to token_url. An OAuth error response becomes an
// Error whose message is "<error>: <error_description>" and whose status is
// the HTTP status returned.
Result<AccessToken> fetch_access_token(const std::string& token_url, std::string_view client_id,
                                       const std::string& private_key_pem_path,
                                       const TokenFetchOptions& options);

}  // namespace fhirgw::auth
