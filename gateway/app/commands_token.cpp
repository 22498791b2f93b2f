// fhir-gateway keygen | token: keys for clients and the gateway, and access
// tokens fetched the SMART Backend Services way, so a newcomer can try the API
// with curl.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "app/commands.hpp"
#include "auth/assertion.hpp"
#include "auth/jwks.hpp"

namespace fhirgw::app {

namespace {

bool write_private(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::trunc);
  if (!out) return false;
  out << text;
  out.close();
  std::error_code ec;
  std::filesystem::permissions(p, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
  return true;
}

}  // namespace

void register_token_commands(CLI::App& cli) {
  static std::string out_dir, name, alg_text = "ES384";
  auto* keygen = cli.add_subcommand(
      "keygen", "Make a signing key pair: NAME.key.pem (private), NAME.pub.pem and NAME.jwks.json (public)");
  keygen->add_option("--out", out_dir, "Folder to write into")->required();
  keygen->add_option("--name", name, "File name stem (e.g. the client id)")->required();
  keygen->add_option("--alg", alg_text, "ES384 (default), ES256, RS384 or RS256");
  keygen->callback([] {
    auto alg = auth::parse_alg(alg_text);
    if (!alg) {
      std::cerr << "fhir-gateway: unknown --alg " << alg_text << "\n";
      std::exit(2);
    }
    auto key = auth::generate_key(*alg);
    if (!key.ok()) { std::cerr << "fhir-gateway: " << key.error().message() << "\n"; std::exit(2); }
    auto priv = auth::private_key_to_pem(key->get());
    auto pub = auth::public_key_to_pem(key->get());
    auth::Jwk jwk;
    jwk.kid = name + "-1";
    jwk.kty = alg_text[0] == 'E' ? "EC" : "RSA";
    jwk.alg = alg_text;
    jwk.use = "sig";
    jwk.key = *key;
    auto jwks = auth::to_jwks_json({jwk});
    if (!priv.ok() || !pub.ok() || !jwks.ok()) { std::cerr << "fhir-gateway: key export failed\n"; std::exit(2); }
    std::filesystem::create_directories(out_dir);
    std::filesystem::path dir(out_dir);
    if (!write_private(dir / (name + ".key.pem"), *priv)) { std::cerr << "fhir-gateway: cannot write keys\n"; std::exit(2); }
    std::ofstream(dir / (name + ".pub.pem")) << *pub;
    std::ofstream(dir / (name + ".jwks.json")) << *jwks;
    std::cout << "wrote " << (dir / (name + ".key.pem")).string() << " (keep private), " << name << ".pub.pem, "
              << name << ".jwks.json (kid " << jwk.kid << ")\n";
    std::exit(0);
  });

  static std::string client, key_file, token_url, scope, ca_file, cert_file, cert_key_file, kid;
  auto* token = cli.add_subcommand(
      "token", "Fetch an access token: sign a client assertion with your key and POST it to the token endpoint");
  token->add_option("--client", client, "Your client id")->required();
  token->add_option("--key", key_file, "Your private key (PEM)")->required()->check(CLI::ExistingFile);
  token->add_option("--token-url", token_url, "Token endpoint (default https://127.0.0.1:8443/auth/token)");
  token->add_option("--scope", scope, "Scopes to ask for, space-separated (e.g. \"system/CarePlan.rs\")");
  token->add_option("--kid", kid, "Key id of your key in your registered JWKS");
  token->add_option("--ca", ca_file, "CA certificate that signed the gateway's TLS certificate");
  token->add_option("--cert", cert_file, "Client certificate (mutual TLS: the token is bound to it)");
  token->add_option("--cert-key", cert_key_file, "Client certificate's private key");
  token->callback([] {
    if (token_url.empty()) token_url = "https://127.0.0.1:8443/auth/token";
    auth::TokenFetchOptions opts;
    opts.scope = scope;
    opts.kid = kid;
    opts.http.ca_file = ca_file;
    opts.http.client_cert_file = cert_file;
    opts.http.client_key_file = cert_key_file;
    // Plain http only towards this machine (a development gateway).
    opts.http.allow_http = token_url.rfind("http://127.", 0) == 0 || token_url.rfind("http://localhost", 0) == 0;
    auto t = auth::fetch_access_token(token_url, client, key_file, opts);
    if (!t.ok()) {
      std::cerr << "fhir-gateway: " << t.error().message() << "\n";
      std::exit(1);
    }
    std::cout << t->access_token << "\n";
    std::cerr << "token_type " << t->token_type << ", expires_in " << t->expires_in << " s, scope \"" << t->scope
              << "\"\n";
    std::exit(0);
  });
}

}  // namespace fhirgw::app
