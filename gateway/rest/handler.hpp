#pragma once
// The HTTP entry point: content negotiation, authentication, scope checks,
// dispatch to the worker pool (503 when saturated) or, for reads on a local
// store, on the I/O thread itself; audit, and the non-FHIR
// endpoints (health, readiness, metrics, and whatever the app registers:
// token endpoint, admin API, operations).
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "core/worker_pool.hpp"
#include "http/metrics.hpp"
#include "http/server.hpp"
#include "rest/service.hpp"

namespace fhirgw::rest {

// A non-FHIR endpoint (e.g. POST /auth/token); runs on the worker pool.
using RawEndpoint = std::function<http::Response(const http::Request&)>;
// A FHIR operation ($validate, $import, $explain, ...); runs on the worker
// pool after authentication, with the caller known.
using Operation = std::function<http::Response(RequestContext&, const Route&)>;

class FhirHandler : public http::Handler {
 public:
  FhirHandler(FhirService& service, WorkerPool& pool, http::Metrics& metrics);
  void handle(http::Request request, std::function<void(http::Response)> respond) override;

  void add_endpoint(const std::string& method, const std::string& path, RawEndpoint fn);
  void add_operation(const std::string& name, Operation fn);  // name without '$'
  void set_ready(std::function<bool()> ready) { ready_ = std::move(ready); }
  // Read-only FHIR interactions run on the receiving I/O thread instead of
  // the worker pool (see GatewayConfig::reads_on_io_threads).
  void set_reads_on_io_threads(bool on) { reads_on_io_threads_ = on; }

 private:
  // A FHIR request (not an app endpoint), on a worker or, for reads, the I/O
  // thread; sets audit_out when the request must be audited
  // (every FHIR request, refusals included) before its response leaves.
  http::Response dispatch(const http::Request& req, std::optional<AuditRecord>& audit_out);
  http::Response finish(const http::Request& req, http::Response resp, bool pretty) const;

  FhirService& service_;
  WorkerPool& pool_;
  http::Metrics& metrics_;
  std::map<std::pair<std::string, std::string>, RawEndpoint> endpoints_;
  std::map<std::string, Operation> operations_;
  std::function<bool()> ready_ = [] { return true; };
  bool reads_on_io_threads_ = false;
};

}  // namespace fhirgw::rest
