// fhir-gateway: one binary, several subcommands. `fhir-gateway --help` lists them.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "app/batching_log_sink.hpp"
#include "app/commands.hpp"
#include "app/config.hpp"
#include "app/serve.hpp"

using namespace fhirgw;

namespace {

void setup_logging() {
  // One JSON object per line on stderr; messages are JSON member fragments.
  // Request threads append lines to a batch that one writing thread sends to
  // stderr every 50 ms (or at 64 KiB); warnings and errors go out at once.
  // That thread must never receive SIGINT/SIGTERM/SIGHUP: `serve` waits for
  // them on its own thread, and a signal landing here would take the default
  // action (terminate). Start it with them blocked.
  sigset_t shutdown_signals, previous;
  sigemptyset(&shutdown_signals);
  sigaddset(&shutdown_signals, SIGINT);
  sigaddset(&shutdown_signals, SIGTERM);
  sigaddset(&shutdown_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &shutdown_signals, &previous);
  auto sink = std::make_shared<app::BatchingLogSink>(STDERR_FILENO, std::chrono::milliseconds(50), 64 * 1024);
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  auto logger = std::make_shared<spdlog::logger>("gateway", std::move(sink));
  logger->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l",%v})");
  spdlog::set_default_logger(logger);
  spdlog::flush_on(spdlog::level::warn);
  // Subcommands end with std::exit: write out the last batch then.
  std::atexit([] { spdlog::shutdown(); });
}

}  // namespace

int main(int argc, char** argv) {
  setup_logging();
  CLI::App cli{"fhir-gateway: a FHIR R4 gateway that shares GP practice care data with community, hospital "
               "and voluntary-sector partners under information-governance rules."};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", "fhir-gateway 0.1.0");

  // serve ------------------------------------------------------------------
  auto* serve = cli.add_subcommand("serve", "Run the FHIR R4 REST server");
  std::string config_file, listen, store_url, tls_cert, tls_key, tls_ca, policy, clients, signing_key, profiles;
  bool development = false;
  size_t workers = 0;
  serve->add_option("--config", config_file, "Gateway settings (YAML); defaults apply when absent")
      ->check(CLI::ExistingFile);
  serve->add_option("--listen", listen, "Address to listen on, HOST:PORT (default 127.0.0.1:8080)");
  serve->add_option("--store", store_url, "Store URL: sqlite:PATH (default sqlite:var/gateway.db) or postgres://USER@HOST/DB");
  serve->add_option("--tls-cert", tls_cert, "Server certificate chain (PEM); enables TLS")->check(CLI::ExistingFile);
  serve->add_option("--tls-key", tls_key, "Server private key (PEM)")->check(CLI::ExistingFile);
  serve->add_option("--tls-client-ca", tls_ca, "CA that signs partners' client certificates (mutual TLS)")
      ->check(CLI::ExistingFile);
  serve->add_option("--policy", policy, "Information-governance policy (YAML)");
  serve->add_option("--clients", clients, "Client registrations (YAML)");
  serve->add_option("--signing-key", signing_key, "Private key that signs access tokens (PEM)");
  serve->add_option("--workers", workers, "Store worker threads");
  serve->add_option("--profiles", profiles, "The fhir-profiles folder (found automatically when absent)");
  serve->add_flag("--development", development,
                  "No authentication and no policy (every caller sees everything); loopback addresses only");
  serve->callback([&] {
    app::GatewayConfig c;
    if (!config_file.empty()) {
      auto loaded = app::load_config(config_file);
      if (!loaded.ok()) {
        std::cerr << "fhir-gateway: " << loaded.error().message() << "\n";
        std::exit(2);
      }
      c = std::move(loaded).value();
    }
    if (!listen.empty()) {
      if (auto s = app::parse_listen(listen, c.server); !s.ok()) {
        std::cerr << "fhir-gateway: " << s.error().message() << "\n";
        std::exit(2);
      }
    }
    if (!store_url.empty()) c.store_url = store_url;
    if (!tls_cert.empty()) c.server.tls_cert_file = tls_cert;
    if (!tls_key.empty()) c.server.tls_key_file = tls_key;
    if (!tls_ca.empty()) c.server.tls_client_ca_file = tls_ca;
    if (!policy.empty()) c.policy_file = policy;
    if (!clients.empty()) c.clients_file = clients;
    if (!signing_key.empty()) c.signing_key_file = signing_key;
    if (workers) c.worker_threads = workers;
    if (!profiles.empty()) c.profiles_dir = profiles;
    if (development) c.development = true;
    if (c.server.tls_cert_file.empty() != c.server.tls_key_file.empty()) {
      std::cerr << "fhir-gateway: --tls-cert and --tls-key go together\n";
      std::exit(2);
    }
    if (c.server.tls_cert_file.empty() && !app::is_loopback(c.server.host)) {
      std::cerr << "fhir-gateway: plain HTTP is only allowed on a loopback address; give --tls-cert and --tls-key\n";
      std::exit(2);
    }
    std::exit(app::run_serve(c));
  });

  app::register_commands(cli);

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }
  return 0;
}
