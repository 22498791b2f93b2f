#include "auth/assertion.hpp"

#include "auth/form.hpp"
#include "auth/jwks.hpp"
#include "auth/token_service.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"

namespace fhirgw::auth {

Result<std::string> mint_client_assertion(std::string_view client_id, EVP_PKEY* private_key,
                                          std::string_view audience, std::optional<JwsAlg> alg,
                                          std::chrono::seconds lifetime, std::string_view kid,
                                          Clock clock) {
  if (!alg) alg = default_alg_for(private_key);
  if (!alg) return Error::invalid("the private key is neither RSA (>= 2048 bits) nor EC P-256/P-384");
  if (!key_matches_alg(private_key, *alg))
    return Error::invalid("the private key does not fit alg " + std::string(to_string(*alg)));
  const std::int64_t now = clock();
  json::Document claims(rapidjson::kObjectType);
  auto& a = claims.GetAllocator();
  json::set_string(claims, "iss", client_id, a);
  json::set_string(claims, "sub", client_id, a);
  json::set_string(claims, "aud", audience, a);
  json::set(claims, "iat", json::Value(static_cast<int64_t>(now)), a);
  json::set(claims, "exp", json::Value(static_cast<int64_t>(now + lifetime.count())), a);
  json::set_string(claims, "jti", ids::random_uuid(), a);
  return sign_jwt(*alg, private_key, claims, kid, "JWT");
}

Result<std::string> mint_client_assertion(std::string_view client_id,
                                          const std::string& private_key_pem_path,
                                          std::string_view audience, std::optional<JwsAlg> alg,
                                          std::chrono::seconds lifetime, std::string_view kid) {
  auto key = load_private_key_pem(private_key_pem_path);
  if (!key) return std::move(key).error();
  return mint_client_assertion(client_id, key->get(), audience, alg, lifetime, kid);
}

std::string token_request_body(std::string_view assertion, std::string_view scope) {
  return form_encode({{"grant_type", "client_credentials"},
                      {"client_assertion_type", std::string(kJwtBearerAssertionType)},
                      {"client_assertion", std::string(assertion)},
                      {"scope", std::string(scope)}});
}

Result<AccessToken> fetch_access_token(const std::string& token_url, std::string_view client_id,
                                       const std::string& private_key_pem_path,
                                       const TokenFetchOptions& options) {
  auto assertion = mint_client_assertion(client_id, private_key_pem_path, token_url, options.alg,
                                         std::chrono::seconds(300), options.kid);
  if (!assertion) return std::move(assertion).error();
  auto resp = http_post_form(token_url, token_request_body(*assertion, options.scope), options.http);
  if (!resp) return std::move(resp).error();
  auto doc = json::parse(resp->body);
  if (!doc || !doc->IsObject())
    return Error::make(502, "invalid", "token endpoint returned HTTP " + std::to_string(resp->status) +
                                           " without a JSON object");
  if (resp->status != 200) {
    std::string err(json::get_string(*doc, "error").value_or("error"));
    std::string desc(json::get_string(*doc, "error_description").value_or(""));
    return Error::make(static_cast<int>(resp->status), "security", err + (desc.empty() ? "" : ": " + desc));
  }
  AccessToken t;
  t.access_token = std::string(json::get_string(*doc, "access_token").value_or(""));
  t.token_type = std::string(json::get_string(*doc, "token_type").value_or(""));
  t.scope = std::string(json::get_string(*doc, "scope").value_or(""));
  if (const auto* e = json::get(*doc, "expires_in"); e && e->IsInt64()) t.expires_in = e->GetInt64();
  if (t.access_token.empty()) return Error::make(502, "invalid", "token endpoint returned no access_token");
  return t;
}

}  // namespace fhirgw::auth
