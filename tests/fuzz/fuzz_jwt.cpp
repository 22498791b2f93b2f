// libFuzzer target: arbitrary bytes through everything in gateway/auth that
// reads untrusted input — compact JWS parsing and verification against RSA,
// P-256 and P-384 keys, JWKS documents, scopes, token-request form bodies and
// Authorization headers. It must never crash, hang or accept a forgery.
// The first byte picks the entry point; the rest is the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <unistd.h>

#include "auth/client_registry.hpp"
#include "auth/jwks.hpp"
#include "auth/jwt.hpp"
#include "auth/scopes.hpp"
#include "auth/token_service.hpp"

using namespace fhirgw;
using namespace fhirgw::auth;

namespace {

struct World {
  PKey rsa, p256, p384;
  std::unique_ptr<TokenService> service;

  World() {
    rsa = *generate_key(JwsAlg::RS256);
    p256 = *generate_key(JwsAlg::ES256);
    p384 = *generate_key(JwsAlg::ES384);
    auto dir = std::filesystem::temp_directory_path() / ("fuzz-jwt-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    static const std::string to_remove = dir.string();
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(to_remove, ec);
    });
    std::ofstream((dir / "gw.pem").string()) << *private_key_to_pem(p256.get());
    std::ofstream((dir / "c.jwks").string())
        << *to_jwks_json({{"r", "RSA", "", "", rsa}, {"e", "EC", "", "", p384}});
    auto reg = ClientRegistry::from_yaml_text(
        "clients:\n  - {client_id: c, organisation: O, kind: statutory, "
        "allowed_scopes: [system/CarePlan.rs], jwks_file: c.jwks}\n",
        "fuzz", dir.string());
    TokenServiceConfig cfg;
    cfg.signing_key_file = (dir / "gw.pem").string();
    cfg.issuer = "https://gw/fhir";
    cfg.token_url = "https://gw/token";
    // A fixed clock keeps runs reproducible.
    service = std::move(TokenService::create(cfg, std::make_shared<ClientRegistry>(std::move(reg).value()),
                                             std::make_shared<InMemoryJtiCache>([] { return 1'750'000'000; }),
                                             [] { return 1'750'000'000; }))
                  .value();
  }
};

World& world() {
  static World w;
  return w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  World& w = world();
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::vector<JwsAlg> all = {JwsAlg::RS256, JwsAlg::RS384, JwsAlg::ES256, JwsAlg::ES384};
  switch (data[0] % 6) {
    case 0: {
      auto jws = parse_jws(input);
      if (jws) {
        // Random bytes can never carry a valid signature from our fresh keys.
        for (const PKey& k : {w.rsa, w.p256, w.p384})
          if (verify_jws(*jws, k.get(), all).ok()) std::abort();
        (void)numeric_date(jws->payload, "exp");
      }
      break;
    }
    case 1: {
      auto set = parse_jwks(input);
      if (set)
        for (const auto& k : set->keys) (void)to_jwks_json({k});
      break;
    }
    case 2: {
      for (const auto& s : split_scopes(input)) (void)parse_scope(s);
      (void)grant_scopes(input, {"system/*.rs", "system/Flag.s?category=x"});
      (void)scope_allows(split_scopes(input), "CarePlan", model::Interaction::search, {{"category", "x"}});
      break;
    }
    case 3: {
      auto r = w.service->handle_token_request(input, "");
      if (r.status == 200) std::abort();  // no forged assertion may yield a token
      break;
    }
    case 4: {
      auto c = w.service->authenticate(input, "");
      if (c.ok()) std::abort();  // no forged access token may authenticate
      (void)www_authenticate(c.error());
      break;
    }
    case 5: {
      auto decoded = base64url_decode(input);
      if (decoded && base64url_encode(*decoded) != input) std::abort();  // one encoding per value
      break;
    }
  }
  return 0;
}
