#pragma once
// Everything a running gateway is made of, assembled from configuration:
// store, worker pool, access control (authentication + policy + audit), the
// FHIR service and its HTTP handler. `serve` owns one.
#include <memory>
#include <string>

#include "app/config.hpp"
#include "core/result.hpp"
#include "core/worker_pool.hpp"
#include "http/metrics.hpp"
#include "rest/handler.hpp"
#include "rest/service.hpp"
#include "store/audit_log.hpp"
#include "store/store.hpp"

namespace fhirgw::audit { class AuditTrail; }
namespace fhirgw::validation { class Validator; }
namespace fhirgw::auth { class TokenService; class RateLimiter; }

namespace fhirgw::app {

class GatewayAccess;
class GovernanceState;
class ImportJobs;
class InboxWatcher;

class GatewayRuntime {
 public:
  static Result<std::unique_ptr<GatewayRuntime>> create(const GatewayConfig& config);
  ~GatewayRuntime();

  rest::FhirHandler& handler() { return *handler_; }
  http::Metrics& metrics() { return metrics_; }
  store::Store& store() { return *store_; }
  // Once the listening address is known: links, token issuer and audience.
  Status set_base_url(const std::string& url);
  const std::string& base_url() const { return base_url_; }
  std::string store_name() const { return store_->backend_name(); }
  void start_background();  // inbox watcher and other periodic work
  Status reload();          // SIGHUP: policy and client registrations, keeping the old ones if invalid
  void shutdown();
  // Where audited responses are released once their entry is durable (see
  // audit::AuditTrail::deliver_with); null: on the audit flusher.
  void deliver_audit_completions(std::function<void(std::function<void()>)> delivery);

 private:
  GatewayRuntime() = default;
  void register_governance_endpoints();
  // $import, $import-status, $import-quarantine, $export-writeback (import_endpoints.cpp).
  Status start_import_services();
  void register_import_endpoints();

  GatewayConfig config_;
  http::Metrics metrics_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<validation::Validator> validator_;
  std::unique_ptr<store::AuditLog> audit_log_;
  std::unique_ptr<audit::AuditTrail> trail_;
  std::unique_ptr<GovernanceState> governance_;
  std::unique_ptr<auth::RateLimiter> limiter_;
  std::shared_ptr<auth::TokenService> tokens_;
  GatewayAccess* gateway_access_ = nullptr;  // owned by access_ when not in development mode
  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<rest::AccessControl> access_;
  std::unique_ptr<rest::FhirService> service_;
  std::unique_ptr<rest::FhirHandler> handler_;
  std::string base_url_;
  std::unique_ptr<ImportJobs> imports_;   // after store_: imports write to it
  std::unique_ptr<InboxWatcher> inbox_;   // after imports_: stopped first
};

}  // namespace fhirgw::app
