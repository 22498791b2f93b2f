#include "auth/token_service.hpp"

#include <algorithm>
#include <cctype>

#include "auth/form.hpp"
#include "auth/scopes.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/resource_model.hpp"

namespace fhirgw::auth {
namespace {

constexpr std::string_view kAccessTokenType = "at+jwt";
constexpr std::size_t kMaxJtiLength = 256;

struct OAuthError {
  int status;
  std::string code;
  std::string description;
};

OAuthError invalid_request(std::string d) { return {400, "invalid_request", std::move(d)}; }
OAuthError invalid_client(std::string d) { return {401, "invalid_client", std::move(d)}; }

TokenResponse error_response(const OAuthError& e, std::string client_id = {}) {
  json::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  json::set_string(d, "error", e.code, a);
  json::set_string(d, "error_description", e.description, a);
  TokenResponse r;
  r.status = e.status;
  r.body = json::to_string(d);
  r.error = e.code;
  r.client_id = std::move(client_id);
  return r;
}

Error unauthenticated(std::string code, std::string msg) {
  return Error::make(401, std::move(code), std::move(msg));
}

// aud may be a string or an array of strings (RFC 7519 §4.1.3).
bool audience_contains(const json::Value& payload, std::string_view expected) {
  const json::Value* aud = json::get(payload, "aud");
  if (!aud) return false;
  if (aud->IsString()) return std::string_view(aud->GetString(), aud->GetStringLength()) == expected;
  if (!aud->IsArray()) return false;
  for (const auto& v : aud->GetArray())
    if (v.IsString() && std::string_view(v.GetString(), v.GetStringLength()) == expected) return true;
  return false;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

bool is_b64token_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Header values may not carry quotes, backslashes or control characters.
std::string header_safe(std::string_view s) {
  std::string out;
  for (char c : s) out += (c < 0x20 || c == 0x7f || c == '"' || c == '\\') ? '\'' : c;
  return out;
}

// The registered client with the scopes its token grants (the request
// states the purpose).
Caller caller_for(const ClientRegistration& c, std::vector<std::string> scopes, std::string token_id) {
  Caller caller = auth::caller_for(c, "");
  caller.scopes = std::move(scopes);
  caller.token_id = std::move(token_id);
  return caller;
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& TokenResponse::headers() {
  static const std::vector<std::pair<std::string, std::string>> h = {
      {"Content-Type", "application/json"}, {"Cache-Control", "no-store"}, {"Pragma", "no-cache"}};
  return h;
}

std::string x5t_s256_from_fingerprint(std::string_view hex_fingerprint) {
  std::string hex = normalise_fingerprint(hex_fingerprint);
  if (hex.empty()) return {};
  std::string bytes;
  for (std::size_t i = 0; i < hex.size(); i += 2)
    bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return base64url_encode(bytes);
}

std::string www_authenticate(const Error& error, std::string_view realm) {
  std::string base = "Bearer realm=\"" + header_safe(realm) + "\"";
  const std::string code = error.issues.empty() ? std::string() : error.issues.front().code;
  const std::string desc = header_safe(error.message());
  if (error.status == 401) {
    if (code == "login") return base;
    return base + ", error=\"invalid_token\", error_description=\"" + desc + "\"";
  }
  if (error.status == 403) return base + ", error=\"insufficient_scope\", error_description=\"" + desc + "\"";
  return {};
}

Result<std::unique_ptr<TokenService>> TokenService::create(TokenServiceConfig config,
                                                           std::shared_ptr<const ClientRegistry> registry,
                                                           std::shared_ptr<JtiCache> jti_cache,
                                                           Clock clock) {
  if (config.issuer.empty()) return Error::invalid("token service: issuer is required");
  if (config.token_url.empty()) return Error::invalid("token service: token_url is required");
  if (!registry) return Error::invalid("token service: a client registry is required");
  if (!jti_cache) return Error::invalid("token service: a jti cache is required");
  if (config.access_token_lifetime.count() <= 0)
    return Error::invalid("token service: access_token_lifetime must be positive");

  std::vector<GatewayKey> keys;
  auto signing = load_private_key_pem(config.signing_key_file);
  if (!signing) return Error::invalid("token service signing key: " + signing.error().message());
  std::optional<JwsAlg> alg;
  for (JwsAlg a : {JwsAlg::ES256, JwsAlg::ES384})
    if (key_matches_alg(signing->get(), a)) alg = a;
  if (!alg) return Error::invalid("token service signing key must be EC P-256 or P-384");
  auto kid = jwk_thumbprint(signing->get());
  if (!kid) return std::move(kid).error();
  keys.push_back({*signing, *alg, *kid});
  for (const auto& file : config.previous_public_key_files) {
    auto pub = load_public_key_pem(file);
    if (!pub) return Error::invalid("token service verification key: " + pub.error().message());
    std::optional<JwsAlg> a;
    for (JwsAlg x : {JwsAlg::ES256, JwsAlg::ES384})
      if (key_matches_alg(pub->get(), x)) a = x;
    if (!a) return Error::invalid(file + ": verification key must be EC P-256 or P-384");
    auto k = jwk_thumbprint(pub->get());
    if (!k) return std::move(k).error();
    keys.push_back({*pub, *a, *k});
  }
  return std::unique_ptr<TokenService>(new TokenService(std::move(config), std::move(keys),
                                                        std::move(registry), std::move(jti_cache),
                                                        std::move(clock)));
}

TokenService::TokenService(TokenServiceConfig config, std::vector<GatewayKey> keys,
                           std::shared_ptr<const ClientRegistry> registry,
                           std::shared_ptr<JtiCache> jti_cache, Clock clock)
    : config_(std::move(config)), keys_(std::move(keys)), jti_cache_(std::move(jti_cache)),
      clock_(std::move(clock)), registry_(std::move(registry)) {
  std::vector<Jwk> pub;
  for (const auto& k : keys_) pub.push_back({k.kid, "EC", std::string(to_string(k.alg)), "sig", k.key});
  auto text = to_jwks_json(pub);
  jwks_json_ = text ? *text : std::string(R"({"keys":[]})");
}

void TokenService::set_registry(std::shared_ptr<const ClientRegistry> registry) {
  if (!registry) return;
  std::lock_guard lock(mu_);
  registry_ = std::move(registry);
  // Drop cached key sources no client uses any more.
  std::map<std::string, std::shared_ptr<JwksSource>> kept;
  for (const auto& c : registry_->clients()) {
    for (std::string key : {"file:" + c.jwks_file, "url:" + c.jwks_url}) {
      auto it = sources_.find(key);
      if (it != sources_.end()) kept.insert(*it);
    }
  }
  sources_ = std::move(kept);
}

std::shared_ptr<const ClientRegistry> TokenService::registry() const {
  std::lock_guard lock(mu_);
  return registry_;
}

std::shared_ptr<JwksSource> TokenService::source_for(const ClientRegistration& client) {
  bool url = client.jwks_file.empty();
  std::string key = url ? "url:" + client.jwks_url : "file:" + client.jwks_file;
  std::lock_guard lock(mu_);
  auto& slot = sources_[key];
  if (!slot)
    slot = url ? JwksSource::from_url(client.jwks_url, config_.client_jwks, clock_)
               : JwksSource::from_file(client.jwks_file, config_.client_jwks, clock_);
  return slot;
}

TokenResponse TokenService::handle_token_request(std::string_view form_body,
                                                 std::string_view client_cert_fingerprint) {
  auto fields = parse_form(form_body);
  if (!fields) return error_response(invalid_request(fields.error().message()));
  auto field = [&](std::string_view name, std::optional<std::string>& out) -> std::optional<OAuthError> {
    auto v = form_value(*fields, name);
    if (!v) return invalid_request(v.error().message());
    out = std::move(v).value();
    return std::nullopt;
  };
  std::optional<std::string> grant_type, assertion_type, assertion, scope, client_id_param;
  for (auto [name, out] : {std::pair{"grant_type", &grant_type},
                           {"client_assertion_type", &assertion_type},
                           {"client_assertion", &assertion},
                           {"scope", &scope},
                           {"client_id", &client_id_param}}) {
    if (auto e = field(name, *out)) return error_response(*e);
  }
  if (!grant_type) return error_response(invalid_request("grant_type is required"));
  if (*grant_type != "client_credentials")
    return error_response({400, "unsupported_grant_type", "only client_credentials is supported"});
  if (!assertion_type || !assertion)
    return error_response(invalid_request("client_assertion_type and client_assertion are required"));
  if (*assertion_type != kJwtBearerAssertionType)
    return error_response(invalid_request("client_assertion_type must be " +
                                          std::string(kJwtBearerAssertionType)));

  auto jws = parse_jws(*assertion);
  if (!jws) return error_response(invalid_client("client assertion is malformed: " + jws.error().message()));
  const json::Value& claims = jws->payload;
  auto iss = json::get_string(claims, "iss");
  auto sub = json::get_string(claims, "sub");
  if (!iss || !sub || iss->empty()) return error_response(invalid_client("assertion iss and sub are required"));
  if (*iss != *sub) return error_response(invalid_client("assertion iss and sub must both be the client_id"));
  std::string client_id(*iss);
  if (client_id_param && *client_id_param != client_id)
    return error_response(invalid_client("client_id does not match the assertion"));

  auto registry = this->registry();
  const ClientRegistration* client = registry->find(client_id);
  if (!client) return error_response(invalid_client("unknown client"));
  if (client->jwks_file.empty() && client->jwks_url.empty())
    return error_response({400, "unauthorized_client", "client has no registered keys (certificate only)"}, client_id);

  // Never fetch a key set the header points at unless it is the registered one.
  if (auto jku = json::get(jws->header, "jku")) {
    if (!jku->IsString() || client->jwks_url != jku->GetString())
      return error_response(invalid_client("jku is not the client's registered JWKS URL"), client_id);
  }
  auto alg = parse_alg(jws->alg);
  if (!alg || std::find(config_.assertion_algs.begin(), config_.assertion_algs.end(), *alg) ==
                  config_.assertion_algs.end())
    return error_response(invalid_client("assertion alg " + jws->alg + " is not allowed"), client_id);

  auto candidates = source_for(*client)->candidates(jws->kid);
  if (!candidates)
    return error_response({503, "temporarily_unavailable", "client keys cannot be loaded now"}, client_id);
  if (candidates->empty())
    return error_response(invalid_client(jws->kid.empty() ? "client has no keys"
                                                          : "no registered key has this kid"),
                          client_id);
  bool verified = false;
  for (const auto& k : *candidates) {
    if (!k.use.empty() && k.use != "sig") continue;
    if (!k.alg.empty() && k.alg != jws->alg) continue;
    if (verify_jws(*jws, k.key.get(), config_.assertion_algs)) {
      verified = true;
      break;
    }
  }
  if (!verified) return error_response(invalid_client("assertion signature verification failed"), client_id);

  // Claims, now that we know the client wrote them.
  const std::int64_t now = clock_();
  const std::int64_t skew = config_.clock_skew.count();
  if (!audience_contains(claims, config_.token_url))
    return error_response(invalid_client("assertion aud must be the token endpoint URL"), client_id);
  auto exp = numeric_date(claims, "exp");
  if (!exp) return error_response(invalid_client("assertion exp is required"), client_id);
  if (now >= *exp + skew) return error_response(invalid_client("assertion has expired"), client_id);
  if (*exp > now + config_.max_assertion_lifetime.count() + skew)
    return error_response(invalid_client("assertion exp is too far in the future"), client_id);
  for (const char* claim : {"nbf", "iat"}) {
    if (!json::get(claims, claim)) continue;
    auto t = numeric_date(claims, claim);
    if (!t) return error_response(invalid_client(std::string("assertion ") + claim + " is not a date"), client_id);
    if (*t > now + skew)
      return error_response(invalid_client(std::string("assertion is not yet valid (") + claim + ")"), client_id);
  }
  auto jti = json::get_string(claims, "jti");
  if (!jti || jti->empty() || jti->size() > kMaxJtiLength)
    return error_response(invalid_client("assertion jti is required"), client_id);
  // Consumed once the assertion is otherwise valid: an assertion is single-use
  // even if the scope it asks for is then refused.
  auto fresh = jti_cache_->remember(client_id + '\n' + std::string(*jti), *exp + skew);
  if (!fresh) return error_response({503, "temporarily_unavailable", "replay check unavailable"}, client_id);
  if (!*fresh) return error_response(invalid_client("assertion jti has already been used"), client_id);

  // Staff clients (IG officers, integrators, admins) hold no clinical scopes:
  // they ask for none and get a token that only their roles give meaning to.
  const bool staff_only = client->allowed_scopes.empty() &&
                          std::any_of(client->roles.begin(), client->roles.end(), [](const std::string& r) {
                            return r == "ig-officer" || r == "integrator" || r == "admin";
                          });
  if ((!scope || scope->empty()) && !staff_only)
    return error_response({400, "invalid_scope", "scope is required"}, client_id);
  auto granted = staff_only && (!scope || scope->empty()) ? Result<std::vector<std::string>>(std::vector<std::string>{})
                                                         : grant_scopes(scope ? *scope : std::string_view{},
                                                                        client->allowed_scopes);
  if (!granted) {
    std::string msg = granted.error().message();
    if (msg.rfind("invalid_scope: ", 0) == 0) msg = msg.substr(15);
    return error_response({400, "invalid_scope", msg}, client_id);
  }

  // Bind to the certificate only when it is one registered for this client.
  std::string fp = normalise_fingerprint(client_cert_fingerprint);
  bool bind = !fp.empty() && std::find(client->cert_fingerprints.begin(), client->cert_fingerprints.end(),
                                       fp) != client->cert_fingerprints.end();
  // A client registered with certificates gets only certificate-bound tokens:
  // its key alone (perhaps stolen from a different host) is not enough.
  if (!client->cert_fingerprints.empty() && !bind)
    return error_response(invalid_client("this client must present its registered TLS client certificate"),
                          client_id);

  const GatewayKey& key = keys_.front();
  const std::string token_id = ids::random_uuid();
  const std::int64_t expires_in = config_.access_token_lifetime.count();
  const std::string scope_text = join(*granted);
  json::Document at(rapidjson::kObjectType);
  auto& a = at.GetAllocator();
  json::set_string(at, "iss", config_.issuer, a);
  json::set_string(at, "sub", client_id, a);
  json::set_string(at, "aud", config_.issuer, a);
  json::set_string(at, "client_id", client_id, a);
  json::set_string(at, "scope", scope_text, a);
  json::set(at, "iat", json::Value(static_cast<int64_t>(now)), a);
  json::set(at, "exp", json::Value(static_cast<int64_t>(now + expires_in)), a);
  json::set_string(at, "jti", token_id, a);
  if (bind) {
    json::Value cnf(rapidjson::kObjectType);
    json::set_string(cnf, "x5t#S256", x5t_s256_from_fingerprint(fp), a);
    json::set(at, "cnf", std::move(cnf), a);
  }
  auto token = sign_jwt(key.alg, key.key.get(), at, key.kid, kAccessTokenType);
  if (!token) return error_response({500, "server_error", "token signing failed"}, client_id);

  json::Document body(rapidjson::kObjectType);
  auto& ba = body.GetAllocator();
  json::set_string(body, "access_token", *token, ba);
  json::set_string(body, "token_type", "bearer", ba);
  json::set(body, "expires_in", json::Value(static_cast<int64_t>(expires_in)), ba);
  json::set_string(body, "scope", scope_text, ba);
  TokenResponse r;
  r.status = 200;
  r.body = json::to_string(body);
  r.client_id = client_id;
  r.token_id = token_id;
  return r;
}

Result<Caller> TokenService::authenticate(std::string_view header,
                                          std::string_view client_cert_fingerprint) const {
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  while (!header.empty() && header.back() == ' ') header.remove_suffix(1);
  if (header.empty()) {
    if (!client_cert_fingerprint.empty()) return authenticate_certificate(client_cert_fingerprint);
    return unauthenticated("login", "authentication required");
  }
  auto sp = header.find(' ');
  if (sp == std::string_view::npos || !iequals(header.substr(0, sp), "Bearer"))
    return unauthenticated("login", "a Bearer token is required");
  std::string_view token = header.substr(sp + 1);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  if (token.empty() || !std::all_of(token.begin(), token.end(), is_b64token_char))
    return unauthenticated("security", "malformed bearer token");

  const std::int64_t now = clock_();
  const std::int64_t skew = config_.clock_skew.count();
  {
    std::unique_lock lock(verified_mu_);
    auto hit = verified_.find(token);
    if (hit != verified_.end()) {
      if (now >= hit->second.token->exp + skew) {
        verified_.erase(hit);
        return unauthenticated("expired", "access token has expired");
      }
      Verified v = hit->second;
      lock.unlock();
      return caller_from_verified(std::move(v), token, client_cert_fingerprint);
    }
  }

  auto jws = parse_jws(token);
  if (!jws) return unauthenticated("security", "malformed access token");
  if (jws->typ != kAccessTokenType) return unauthenticated("security", "not an access token");
  const GatewayKey* key = nullptr;
  for (const auto& k : keys_)
    if (!jws->kid.empty() && k.kid == jws->kid) key = &k;
  if (!key) return unauthenticated("security", "access token was not issued by this gateway");
  if (!verify_jws(*jws, key->key.get(), {key->alg}))
    return unauthenticated("security", "access token signature is invalid");

  const json::Value& claims = jws->payload;
  auto iss = json::get_string(claims, "iss");
  if (!iss || *iss != config_.issuer) return unauthenticated("security", "access token issuer is wrong");
  if (!audience_contains(claims, config_.issuer))
    return unauthenticated("security", "access token audience is wrong");
  auto exp = numeric_date(claims, "exp");
  if (!exp) return unauthenticated("security", "access token has no expiry");
  if (now >= *exp + skew) return unauthenticated("expired", "access token has expired");
  if (auto iat = numeric_date(claims, "iat"); !iat || *iat > now + skew)
    return unauthenticated("security", "access token issue time is invalid");
  auto client_id = json::get_string(claims, "client_id");
  auto jti = json::get_string(claims, "jti");
  auto scope = json::get_string(claims, "scope");
  if (!client_id || !jti || !scope) return unauthenticated("security", "access token claims are incomplete");

  auto t = std::make_shared<VerifiedToken>(
      VerifiedToken{std::string(*client_id), std::string(*jti), std::string(*scope), {}, *exp});
  if (const json::Value* cnf = json::get(claims, "cnf")) {
    auto thumb = json::get_string(*cnf, "x5t#S256");
    if (!thumb) return unauthenticated("security", "unsupported token confirmation method");
    t->cnf_thumbprint = std::string(*thumb);
  }
  Verified v{std::move(t), nullptr, nullptr};
  {
    std::lock_guard lock(verified_mu_);
    if (verified_.size() >= kVerifiedCacheMax) verified_.clear();
    verified_.emplace(std::string(token), v);
  }
  return caller_from_verified(std::move(v), token, client_cert_fingerprint);
}

// What is checked on every request, cached or not: the certificate binding,
// and that the client is still registered with these scopes (the caller
// built under the registry in force is kept with the token).
Result<Caller> TokenService::caller_from_verified(Verified v, std::string_view token,
                                                  std::string_view client_cert_fingerprint) const {
  const VerifiedToken& t = *v.token;
  if (!t.cnf_thumbprint.empty()) {
    std::string presented = x5t_s256_from_fingerprint(client_cert_fingerprint);
    if (presented.empty() || presented != t.cnf_thumbprint)
      return unauthenticated("security", "access token is bound to a client certificate that was not presented");
  }
  auto registry = this->registry();
  if (v.caller && v.registry == registry) return *v.caller;
  const ClientRegistration* client = registry->find(t.client_id);
  if (!client) return unauthenticated("security", "client is no longer registered");
  auto caller = std::make_shared<const Caller>(
      caller_for(*client, still_allowed(split_scopes(t.scope), client->allowed_scopes), t.jti));
  std::lock_guard lock(verified_mu_);
  if (auto it = verified_.find(token); it != verified_.end() && it->second.token == v.token) {
    it->second.registry = std::move(registry);
    it->second.caller = caller;
  }
  return *caller;
}

Result<Caller> TokenService::authenticate_certificate(std::string_view client_cert_fingerprint) const {
  if (normalise_fingerprint(client_cert_fingerprint).empty())
    return unauthenticated("login", "authentication required");
  auto registry = this->registry();
  const ClientRegistration* client = registry->find_by_certificate(client_cert_fingerprint);
  if (!client) return unauthenticated("security", "client certificate is not registered");
  return caller_for(*client, client->allowed_scopes, {});
}

std::string TokenService::smart_configuration_json() const {
  json::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  auto strings = [&](std::initializer_list<std::string_view> items) {
    json::Value arr(rapidjson::kArrayType);
    for (auto s : items) arr.PushBack(json::make_string(s, a), a);
    return arr;
  };
  json::set_string(d, "issuer", config_.issuer, a);
  if (!config_.public_jwks_url.empty()) json::set_string(d, "jwks_uri", config_.public_jwks_url, a);
  json::set_string(d, "token_endpoint", config_.token_url, a);
  json::set(d, "token_endpoint_auth_methods_supported", strings({"private_key_jwt"}), a);
  json::Value algs(rapidjson::kArrayType);
  for (JwsAlg alg : config_.assertion_algs) algs.PushBack(json::make_string(to_string(alg), a), a);
  json::set(d, "token_endpoint_auth_signing_alg_values_supported", std::move(algs), a);
  json::set(d, "grant_types_supported", strings({"client_credentials"}), a);
  json::Value scopes(rapidjson::kArrayType);
  scopes.PushBack(json::make_string("system/*.cruds", a), a);
  scopes.PushBack(json::make_string("system/*.rs", a), a);
  for (const auto& t : model::resource_types()) {
    scopes.PushBack(json::make_string("system/" + std::string(t.name) + ".cruds", a), a);
    scopes.PushBack(json::make_string("system/" + std::string(t.name) + ".rs", a), a);
  }
  json::set(d, "scopes_supported", std::move(scopes), a);
  json::set(d, "capabilities", strings({"client-confidential-asymmetric", "permission-v2"}), a);
  return json::to_string(d);
}

std::string TokenService::jwks_json() const { return jwks_json_; }

}  // namespace fhirgw::auth
