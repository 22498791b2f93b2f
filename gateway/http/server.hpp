#pragma once
// The HTTP/1.1 server: Boost.Beast sessions over plain TCP or TLS sharing one
// code path (after Beast's advanced_server_flex), an io_context on a small
// thread pool, and the limits every public endpoint needs.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "http/message.hpp"
#include "http/metrics.hpp"

namespace fhirgw::http {

struct ServerConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 = any free port
  // TLS: when cert and key are set, every connection is TLS 1.2+.
  std::string tls_cert_file, tls_key_file;
  std::string tls_client_ca_file;  // verify client certificates against this CA (optional)
  size_t io_threads = 0;  // 0: one per core, at least 2
  size_t body_limit = 8 * 1024 * 1024;  // 413 beyond
  size_t header_limit = 16 * 1024;      // 431 beyond
  std::chrono::milliseconds read_timeout{30000};  // a whole request must arrive within this
  std::chrono::milliseconds idle_timeout{60000};  // keep-alive connections idle longer are closed
  size_t max_connections = 1024;                  // further connections get 503
  std::chrono::milliseconds drain_timeout{10000}; // graceful shutdown waits this long at most
};

// Called on an I/O thread. It must not wait on anything slower than a local
// store read (network, fsync, locks held by writers); it calls `respond`
// exactly once, from any thread.
class Handler {
 public:
  virtual ~Handler() = default;
  virtual void handle(Request request, std::function<void(Response)> respond) = 0;
};

class Server {
 public:
  Server(ServerConfig config, Handler& handler, Metrics& metrics);
  ~Server();
  // Binds and starts accepting; returns the bound port.
  Result<uint16_t> start();
  // Runs the io_context on the configured threads until stop() has drained.
  void run();
  // Graceful: stop accepting, let in-flight requests finish, close idle ones.
  // Safe to call from any thread or a signal handler context via asio.
  void stop();
  // Runs `job` on one of the I/O threads (from any thread).
  void post(std::function<void()> job);
  std::string base_url() const;
  bool tls() const;

  struct Impl;  // public so the session classes in server.cpp can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace fhirgw::http
