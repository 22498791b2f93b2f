#pragma once
// Everything a running gateway is made of, assembled from configuration:
// store, worker pool, access control (authentication + policy + audit), the
// FHIR service and its HTTP handler. `serve` owns one; integration tests and
// benchmarks can build one in-process too.
#include <memory>
#include <string>

#include "app/config.hpp"
#include "core/result.hpp"
#include "core/worker_pool.hpp"
#include "http/metrics.hpp"
#include "rest/handler.hpp"
#include "rest/service.hpp"
#include "store/store.hpp"

namespace fhirgw::app {

class GatewayRuntime {
 public:
  static Result<std::unique_ptr<GatewayRuntime>> create(const GatewayConfig& config);
  ~GatewayRuntime();

  rest::FhirHandler& handler() { return *handler_; }
  http::Metrics& metrics() { return metrics_; }
  store::Store& store() { return *store_; }
  void set_base_url(const std::string& url);
  const std::string& base_url() const { return base_url_; }
  std::string store_name() const { return store_->backend_name(); }
  void start_background();  // inbox watcher and other periodic work
  void reload();            // SIGHUP: reload policy and client registrations
  void shutdown();

 private:
  GatewayRuntime() = default;
  GatewayConfig config_;
  http::Metrics metrics_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<rest::AccessControl> access_;
  std::unique_ptr<rest::FhirService> service_;
  std::unique_ptr<rest::FhirHandler> handler_;
  std::string base_url_;
};

}  // namespace fhirgw::app
