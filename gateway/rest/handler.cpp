#include "rest/handler.hpp"

#include <malloc.h>
#include <chrono>
#include <optional>

#include <spdlog/spdlog.h>

#include "core/json.hpp"
#include "core/operation_outcome.hpp"
#include "core/request_scope.hpp"

namespace fhirgw::rest {

namespace {

// Request bodies from this size up are followed by a malloc_trim (see handle).
constexpr size_t kTrimAfterBodyBytes = 256 * 1024;

bool accepts_json(const std::string& accept) {
  if (accept.empty()) return true;
  for (const char* ok : {"application/fhir+json", "application/json", "*/*", "application/*", "text/json"})
    if (accept.find(ok) != std::string::npos) return true;
  return false;
}

bool json_format_param(const std::string& f) {
  return f == "json" || f == "application/json" || f == "application/fhir+json" || f == "text/json";
}

std::string media_type(const std::string& content_type) {
  std::string t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && t.back() == ' ') t.pop_back();
  for (auto& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return t;
}

http::Response outcome(int status, const std::string& code, const std::string& message) {
  http::Response r;
  r.status = status;
  r.body = to_operation_outcome(Error::make(status, code, message));
  return r;
}

PreferReturn prefer_return(const std::string& prefer) {
  if (prefer.find("return=minimal") != std::string::npos) return PreferReturn::minimal;
  if (prefer.find("return=OperationOutcome") != std::string::npos) return PreferReturn::outcome;
  return PreferReturn::representation;
}

// A FHIR read, vread, search or history: GET, no operation, no app endpoint.
// Everything else may write, wait on fsync or call out, and goes to a worker.
bool is_plain_read(const std::string& method, const std::string& path, const RawEndpoint* endpoint) {
  return method == "GET" && !endpoint && path.find('$') == std::string::npos;
}

}  // namespace

FhirHandler::FhirHandler(FhirService& service, WorkerPool& pool, http::Metrics& metrics)
    : service_(service), pool_(pool), metrics_(metrics) {}

void FhirHandler::add_endpoint(const std::string& method, const std::string& path, RawEndpoint fn) {
  endpoints_[{method, path}] = std::move(fn);
}

void FhirHandler::add_operation(const std::string& name, Operation fn) { operations_[name] = std::move(fn); }

void FhirHandler::handle(http::Request req, std::function<void(http::Response)> respond) {
  std::string path = req.target.substr(0, req.target.find('?'));
  // Cheap endpoints answer on the I/O thread.
  if (req.method == "GET" && path == "/healthz") {
    http::Response r;
    r.content_type = "application/json";
    r.body = "{\"status\":\"ok\"}";
    r.interaction = "health";
    return respond(std::move(r));
  }
  if (req.method == "GET" && path == "/readyz") {
    http::Response r;
    bool ready = ready_();
    r.status = ready ? 200 : 503;
    r.content_type = "application/json";
    r.body = ready ? "{\"status\":\"ready\"}" : "{\"status\":\"starting\"}";
    r.interaction = "health";
    return respond(std::move(r));
  }
  if (req.method == "GET" && path == "/metrics") {
    http::Response r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = metrics_.render();
    r.interaction = "metrics";
    return respond(std::move(r));
  }
  // One JSON log line per request: id, method, path (never the query, which may
  // carry NHS numbers), status, interaction, client and duration.
  auto started = std::chrono::steady_clock::now();
  respond = [respond = std::move(respond), started, id = req.request_id, method = req.method, path,
             remote = req.remote](http::Response r) mutable {
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    spdlog::info("\"event\":\"request\",\"request_id\":{},\"method\":{},\"path\":{},\"status\":{},\"interaction\":{},"
                 "\"remote\":{},\"ms\":{:.3f}",
                 json::quoted(id), json::quoted(method), json::quoted(path), r.status, json::quoted(r.interaction),
                 json::quoted(remote), ms);
    respond(std::move(r));
  };
  // App endpoints are registered before serving: the map is read-only here.
  const RawEndpoint* endpoint = nullptr;
  if (auto it = endpoints_.find({req.method, path}); it != endpoints_.end()) endpoint = &it->second;
  const bool plain_read = is_plain_read(req.method, path, endpoint);
  auto shared_req = std::make_shared<http::Request>(std::move(req));
  auto shared_respond = std::make_shared<std::function<void(http::Response)>>(std::move(respond));
  auto job = [this, shared_req, shared_respond, endpoint] {
    // A large body (a bundle of hundreds of entries) leaves its parse trees
    // freed in this thread's malloc arena, and each of the workers would keep
    // such a high-water mark: the memory goes back once the job is done.
    struct TrimAfterLargeBody {
      bool large;
      ~TrimAfterLargeBody() {
        if (large) malloc_trim(0);
      }
    } trim{shared_req->body.size() >= kTrimAfterBodyBytes};
    // Until this request has submitted its audit entry, a pending group
    // commit waits for it (released when the job returns).
    auto audit_expected = service_.access().audit_expected();
    request_scope::begin();  // a fresh governance snapshot for this request
    http::Response resp;
    std::optional<AuditRecord> audit;
    try {
      resp = endpoint ? (*endpoint)(*shared_req) : dispatch(*shared_req, audit);
    } catch (const std::exception& e) {
      spdlog::error("\"event\":\"unhandled_exception\",\"request_id\":{},\"error\":{}", json::quoted(shared_req->request_id),
                    json::quoted(e.what()));
      resp = outcome(500, "exception", "Internal error; the request id identifies it in the logs");
    }
    if (!audit) return (*shared_respond)(std::move(resp));
    // The response leaves only once its audit entry is durable; if the entry
    // cannot be written, no data leaves either. The worker does not wait.
    audit->status = resp.status;
    auto pending = std::make_shared<http::Response>(std::move(resp));
    std::string request_id = shared_req->request_id;
    service_.access().audit_async(*audit, [shared_respond, pending, request_id](Status s) {
      if (s.ok()) return (*shared_respond)(std::move(*pending));
      spdlog::error("\"event\":\"audit_write_failed\",\"request_id\":{},\"error\":{}", json::quoted(request_id),
                    json::quoted(s.error().message()));
      auto failed = outcome(500, "exception", "The request could not be recorded in the audit trail");
      failed.interaction = pending->interaction;
      (*shared_respond)(std::move(failed));
    });
  };
  if (reads_on_io_threads_ && plain_read) {
    job();
    return;
  }
  if (!pool_.try_submit(std::move(job))) {
    auto r = outcome(503, "transient", "The server is busy; retry shortly");
    r.set_header("Retry-After", "1");
    r.interaction = "overload";
    (*shared_respond)(std::move(r));
  }
}

http::Response FhirHandler::finish(const http::Request& req, http::Response resp, bool pretty) const {
  if (pretty && !resp.body.empty() && resp.content_type.find("json") != std::string::npos) {
    if (auto d = json::parse(resp.body); d.ok()) resp.body = json::to_pretty_string(*d);
  }
  return resp;
}

http::Response FhirHandler::dispatch(const http::Request& req, std::optional<AuditRecord>& audit_out) {

  auto routed = route(req.method, req.target);
  if (!routed.ok()) {
    auto r = service_.error(routed.error());
    r.interaction = "unknown";
    return r;
  }
  Route& rt = routed.value();
  bool pretty = false;
  std::string format;
  for (const auto& [k, v] : rt.params) {
    if (k == "_format") format = v;
    if (k == "_pretty") pretty = v == "true";
  }
  if (!format.empty() ? !json_format_param(format) : !accepts_json(req.header("accept"))) {
    return outcome(406, "not-supported", "Only JSON is supported (application/fhir+json)");
  }
  const bool has_body = req.method == "POST" || req.method == "PUT";
  if (has_body && !req.body.empty() && rt.kind != RouteKind::operation) {
    auto ct = media_type(req.header("content-type"));
    bool form_search = rt.kind == RouteKind::search && ct == "application/x-www-form-urlencoded";
    if (!form_search && ct != "application/fhir+json" && ct != "application/json")
      return outcome(415, "not-supported", "Send FHIR resources as application/fhir+json");
  }
  if (rt.kind == RouteKind::capabilities) return finish(req, service_.capabilities(), pretty);

  auto& access = service_.access();
  auto caller = access.authenticate(req);
  if (!caller.ok()) {
    auto r = service_.error(caller.error());
    if (r.status == 401) r.set_header("WWW-Authenticate", access.challenge(caller.error()));
    if (r.status == 429) r.set_header("Retry-After", "1");
    r.interaction = r.status == 429 ? "throttled" : "unauthenticated";
    // Refusals are audited too: who tried, from where, what.
    AuditRecord refused;
    refused.request_id = req.request_id;
    refused.interaction = to_string(rt.kind);
    refused.type = rt.type;
    refused.status = r.status;
    refused.remote = req.remote;
    refused.outcome_detail = caller.error().message();
    audit_out = std::move(refused);
    return r;
  }
  Caller& who = caller.value();
  if (who.purpose.empty()) who.purpose = req.header("x-purpose-of-use");

  AuditRecord audit;
  audit.request_id = req.request_id;
  audit.caller = who;
  audit.interaction = rt.kind == RouteKind::operation ? "$" + rt.operation : to_string(rt.kind);
  audit.type = rt.type;
  audit.query = rt.query;
  audit.remote = req.remote;

  const auto& prefer = req.header("prefer");
  RequestContext ctx{who,
                     req,
                     audit,
                     prefer_return(prefer),
                     prefer.find("handling=strict") != std::string::npos,
                     req.header("if-match"),
                     req.header("if-none-exist"),
                     {}};

  http::Response resp;
  if (rt.kind == RouteKind::operation) {
    auto op = operations_.find(rt.operation);
    if (op == operations_.end()) {
      resp = outcome(404, "not-supported", "Operation $" + rt.operation + " is not supported");
    } else {
      resp = op->second(ctx, rt);
    }
  } else {
    Status allowed = rt.kind == RouteKind::batch
                         ? Status{}
                         : access.authorize(who, rt.type, interaction_of(rt.kind), rt.params);
    if (!allowed.ok()) audit.outcome_detail = allowed.error().message();
    resp = allowed.ok() ? service_.execute(ctx, rt) : service_.error(allowed.error());
  }
  resp.interaction = audit.interaction;
  audit.status = resp.status;
  audit_out = std::move(audit);
  return finish(req, std::move(resp), pretty);
}

}  // namespace fhirgw::rest
