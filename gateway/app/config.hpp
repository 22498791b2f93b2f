#pragma once
// The gateway's own settings (gateway.yaml): sane defaults when absent,
// overridden by command-line flags. Deployment scripts depend on these names.
#include <filesystem>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "http/server.hpp"

namespace fhirgw::app {

struct GatewayConfig {
  http::ServerConfig server;       // listen, TLS, limits
  std::string store_url = "sqlite:var/gateway.db";
  // Memory for the SQLite store's cache of recent read results (kept while
  // the file has not changed); 0 turns it off. Unset: the store's default.
  std::optional<size_t> store_cache_mb;
  std::string public_base_url;     // as clients see it ("" = derived from listen)
  std::string cursor_key_file;     // shared by replicas; generated beside the store if absent
  // Writes wait on fsync and locks, not the CPU; on SQLite the writes in
  // flight together share one commit, so more workers mean fewer fsyncs.
  size_t worker_threads = 16;
  size_t worker_queue = 256;
  // Where read-only FHIR interactions (read, vread, search, history) run:
  // on the I/O thread that received them, or handed to a store worker. On the
  // embedded SQLite store a read is a memory-mapped lookup that never waits
  // for a writer, and the hand-off (two thread wake-ups) costs more than the
  // read; on PostgreSQL a read waits for the network, so it goes to a worker.
  // Unset: decided by the store.
  std::optional<bool> reads_on_io_threads;
  double client_rate_per_second = 50;  // per-client request rate (429 beyond), sustained
  double client_rate_burst = 200;      // and burst
  std::string policy_file;         // IG policy (YAML)
  std::string clients_file;        // client registrations (YAML)
  std::string signing_key_file;    // gateway token signing key (PEM)
  std::string profiles_dir;        // fhir-profiles folder ("" = found automatically)
  std::string inbox_dir;           // watched extract inbox ("" = off)
  std::string import_config_file;  // extract mapping settings
  bool development = false;        // no auth, no policy: loopback only
  std::filesystem::path config_dir;  // relative paths resolve against this
};

Result<GatewayConfig> load_config(const std::filesystem::path& file);
// "HOST:PORT" or "[v6]:PORT".
Status parse_listen(const std::string& text, http::ServerConfig& server);
bool is_loopback(const std::string& host);

}  // namespace fhirgw::app
