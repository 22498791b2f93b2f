#include "app/serve.hpp"

#include <openssl/rand.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <atomic>
#include <thread>

#include "app/gateway_runtime.hpp"
#include "core/json.hpp"
#include "core/worker_pool.hpp"
#include "http/server.hpp"
#include "rest/handler.hpp"

namespace fhirgw::app {

int run_serve(const GatewayConfig& config) {
  // Block the shutdown signals in every thread; one thread waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto runtime = GatewayRuntime::create(config);
  if (!runtime.ok()) {
    std::cerr << "fhir-gateway: " << runtime.error().message() << "\n";
    return 2;
  }
  GatewayRuntime& rt = **runtime;

  http::Server server(config.server, rt.handler(), rt.metrics());
  auto port = server.start();
  if (!port.ok()) {
    std::cerr << "fhir-gateway: " << port.error().message() << "\n";
    return 2;
  }
  if (auto s = rt.set_base_url(config.public_base_url.empty() ? server.base_url() : config.public_base_url); !s.ok()) {
    std::cerr << "fhir-gateway: " << s.error().message() << "\n";
    return 2;
  }
  // A commit's responses go back to the I/O threads as one job.
  rt.deliver_audit_completions([&server](std::function<void()> job) { server.post(std::move(job)); });
  rt.start_background();
  // Ready until shutdown begins: load balancers stop sending new work first.
  std::atomic<bool> accepting{true};
  rt.handler().set_ready([&accepting] { return accepting.load(); });

  std::atomic<bool> signal_thread_done{false};
  std::thread signal_thread([&] {
    for (;;) {
      int sig = 0;
      if (sigwait(&signals, &sig) != 0) continue;
      if (sig == SIGHUP) {
        (void)rt.reload();  // an invalid policy is logged and the old one stays in force
        continue;
      }
      spdlog::info("\"event\":\"shutdown\",\"signal\":{}", sig);
      accepting = false;
      server.stop();
      signal_thread_done = true;
      return;
    }
  });
  spdlog::info("\"event\":\"listening\",\"base_url\":{},\"store\":{}", json::quoted(rt.base_url()),
               json::quoted(rt.store_name()));
  std::cout << "fhir-gateway ready at " << rt.base_url() << std::endl;
  server.run();
  rt.deliver_audit_completions(nullptr);  // the I/O threads have stopped
  // Wake the signal thread if the server stopped for another reason.
  if (!signal_thread_done) pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  rt.shutdown();  // finish queued store work, flush and close the store
  spdlog::info("\"event\":\"stopped\"");
  return 0;
}

}  // namespace fhirgw::app
