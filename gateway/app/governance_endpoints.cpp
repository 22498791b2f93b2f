// IG and admin endpoints of a governed gateway: the SMART token endpoint and
// discovery documents, "why" ($explain), policy dry-run ($dry-run), policy
// reload, and the audit trail (AuditEvent search and CSV export).
#include <spdlog/spdlog.h>

#include "app/gateway_access.hpp"
#include "app/gateway_runtime.hpp"
#include "app/governance_state.hpp"
#include "audit/audit_event.hpp"
#include "audit/audit_trail.hpp"
#include "auth/token_service.hpp"
#include "core/fhir_time.hpp"
#include "core/operation_outcome.hpp"
#include "policy/dry_run.hpp"
#include "policy/explain.hpp"
#include "policy/policy_loader.hpp"
#include "rest/bundle_writer.hpp"
#include "search/parse.hpp"

namespace fhirgw::app {

namespace {

http::Response json_response(int status, std::string body, const char* interaction) {
  http::Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  r.interaction = interaction;
  return r;
}

http::Response oo(int status, const std::string& code, const std::string& message) {
  http::Response r;
  r.status = status;
  r.body = to_operation_outcome(Error::make(status, code, message));
  return r;
}

std::string param(const rest::Params& params, const std::string& name) {
  for (const auto& [k, v] : params)
    if (k == name) return v;
  return "";
}

std::optional<model::Interaction> parse_interaction(const std::string& s) {
  using I = model::Interaction;
  for (I i : {I::read, I::vread, I::update, I::remove, I::history_instance, I::history_type, I::create, I::search})
    if (model::to_string(i) == s) return i;
  if (s == "search") return I::search;
  return std::nullopt;
}

}  // namespace

void GatewayRuntime::register_governance_endpoints() {
  auto& h = *handler_;
  GatewayRuntime* rt = this;

  h.add_endpoint("POST", "/auth/token", [rt](const http::Request& req) {
    if (!rt->tokens_) return oo(503, "transient", "The gateway is starting");
    auto t = rt->tokens_->handle_token_request(req.body, req.client_cert_sha256);
    http::Response r;
    r.status = t.status;
    r.body = t.body;
    r.interaction = "token";
    for (const auto& [k, v] : auth::TokenResponse::headers()) {
      if (k == "Content-Type") r.content_type = v;
      else r.set_header(k, v);
    }
    audit::AuditRecord a;
    a.request_id = req.request_id;
    a.caller.client_id = t.client_id;
    a.caller.token_id = t.token_id;
    if (const auto* reg = rt->tokens_->registry()->find(t.client_id)) a.caller.organisation = reg->organisation;
    a.interaction = "token";
    a.status = t.status;
    a.remote = req.remote;
    a.outcome_detail = t.error;
    if (auto s = rt->trail_->record(a); !s.ok()) return oo(500, "exception", "The request could not be audited");
    return r;
  });
  h.add_endpoint("GET", "/.well-known/smart-configuration", [rt](const http::Request&) {
    if (!rt->tokens_) return oo(503, "transient", "The gateway is starting");
    return json_response(200, rt->tokens_->smart_configuration_json(), "smart-configuration");
  });
  h.add_endpoint("GET", "/.well-known/jwks.json", [rt](const http::Request&) {
    if (!rt->tokens_) return oo(503, "transient", "The gateway is starting");
    return json_response(200, rt->tokens_->jwks_json(), "jwks");
  });

  // GET /$explain?client=ID&resource=Type/id&interaction=read&purpose=CAREMGT
  h.add_operation("explain", [rt](rest::RequestContext& ctx, const rest::Route& route) {
    if (!policy::may_operate(ctx.caller, policy::Operation::explain))
      return oo(403, "forbidden", "$explain is for IG officers");
    std::string client = param(route.params, "client"), resource = param(route.params, "resource"),
                purpose = param(route.params, "purpose"), interaction_text = param(route.params, "interaction");
    if (interaction_text.empty()) interaction_text = "read";
    auto interaction = parse_interaction(interaction_text);
    // resource may be Type/id, or a conditional reference Type?criteria that
    // names exactly one resource the way the practice knows it (identifier,
    // patient.identifier, code...). IG officers see past the partner's view.
    if (auto q = resource.find('?'); q != std::string::npos) {
      const auto* type = model::find_type(resource.substr(0, q));
      if (!type) return oo(400, "invalid", "Unknown resource type in '" + resource + "'");
      auto query = search::parse_search(*type, rest::parse_query(resource.substr(q + 1)), true);
      if (!query.ok()) return rt->service_->error(query.error());
      query->visibility = search::Visibility::everything();
      query->count = 2;
      auto page = rt->store_->search(*query);
      if (!page.ok()) return rt->service_->error(page.error());
      if (page->matches.size() != 1)
        return oo(412, "multiple-matches", "'" + resource + "' must name exactly one resource; it names " +
                                               std::to_string(page->matches.size()) + (page->next ? " or more" : ""));
      resource = page->matches.front().type + "/" + page->matches.front().id;
    }
    auto slash = resource.find('/');
    if (client.empty() || slash == std::string::npos || !interaction)
      return oo(400, "required", "Give client, resource=Type/id (or Type?criteria), interaction and purpose");
    const auth::ClientRegistration* reg = rt->tokens_ ? rt->tokens_->registry()->find(client) : nullptr;
    if (!reg) return oo(404, "not-found", "No client '" + client + "' is registered");
    Caller subject = auth::caller_for(*reg, purpose);
    auto rec = rt->store_->read(resource.substr(0, slash), resource.substr(slash + 1));
    if (!rec.ok()) return rt->service_->error(rec.error());
    if (!rec->has_value()) return oo(404, "not-found", resource + " is not in the store");
    auto snap = rt->governance_->current();
    if (!snap.ok()) return rt->service_->error(snap.error());
    const auto& s = **snap;
    auto facts = GatewayAccess::facts_of(**rec);
    const policy::PatientFacts* patient = nullptr;
    if (auto it = s.patients->find(facts.patient_id); it != s.patients->end()) patient = &it->second;
    auto request = rt->gateway_access_->engine_request(subject, facts.type, *interaction);
    auto doc = policy::explain(*s.policy, *s.consents, request, facts, patient);
    ctx.audit.outcome_detail = "explained " + client + " " + interaction_text + " " + resource;
    return json_response(200, json::to_string(doc), "$explain");
  });

  // POST /$dry-run with the proposed policy YAML as the body.
  h.add_operation("dry-run", [rt](rest::RequestContext& ctx, const rest::Route& route) {
    if (!policy::may_operate(ctx.caller, policy::Operation::dry_run))
      return oo(403, "forbidden", "$dry-run is for IG officers");
    if (ctx.http.method != "POST" || ctx.http.body.empty())
      return oo(400, "required", "POST the proposed policy (YAML) as the request body");
    policy::LoadOptions opts;
    opts.base_dir = std::filesystem::path(rt->config_.policy_file).parent_path().string();
    auto proposed = policy::load_policy_text(ctx.http.body, opts, "proposed policy");
    if (!proposed.ok()) {
      auto r = rt->service_->error(proposed.error());
      r.status = 422;
      return r;
    }
    auto snap = rt->governance_->current();
    if (!snap.ok()) return rt->service_->error(snap.error());
    auto facts = GatewayAccess::all_facts(*rt->store_);
    if (!facts.ok()) return rt->service_->error(facts.error());
    std::vector<std::string> purposes;
    if (auto p = param(route.params, "purpose"); !p.empty()) purposes.push_back(p);
    auto report = policy::dry_run(*(*snap)->policy, *proposed, *(*snap)->consents, *(*snap)->patients, *facts,
                                  purposes, fhir_time::now_ms());
    return json_response(200, json::to_string(policy::to_json(report)), "$dry-run");
  });

  // POST /$reload-policy: re-read the policy and client files (as SIGHUP does).
  h.add_operation("reload-policy", [rt](rest::RequestContext& ctx, const rest::Route&) {
    if (!policy::may_operate(ctx.caller, policy::Operation::reload_policy))
      return oo(403, "forbidden", "Reloading the policy needs the admin or ig-officer role");
    if (ctx.http.method != "POST") return oo(405, "not-supported", "Use POST");
    auto s = rt->reload();
    if (!s.ok()) {
      auto r = rt->service_->error(s.error());
      r.status = 422;
      return r;
    }
    auto snap = rt->governance_->current();
    std::string stamp = snap.ok() ? (*snap)->policy->version_stamp : "";
    return json_response(200, "{\"policyVersion\":\"" + stamp + "\"}", "$reload-policy");
  });

  // GET /AuditEvent?date=ge2025-01-01&agent=ID&patient=ID&entity=Type/id&outcome=0&_count=100[&_format=csv]
  h.add_endpoint("GET", "/AuditEvent", [rt](const http::Request& req) {
    auto caller = rt->access_->authenticate(req);
    if (!caller.ok()) {
      auto r = rt->service_->error(caller.error());
      if (r.status == 401) r.set_header("WWW-Authenticate", rt->access_->challenge(caller.error()));
      return r;
    }
    caller->purpose = req.header("x-purpose-of-use");
    audit::AuditRecord a;
    a.request_id = req.request_id;
    a.caller = *caller;
    a.interaction = "search-type";
    a.type = "AuditEvent";
    a.remote = req.remote;
    auto finish = [&](http::Response r) {
      a.status = r.status;
      if (auto s = rt->trail_->record(a); !s.ok()) return oo(500, "exception", "The request could not be audited");
      return r;
    };
    if (!policy::may_operate(*caller, policy::Operation::read_audit))
      return finish(oo(403, "forbidden", "The audit trail is for IG officers"));
    auto qpos = req.target.find('?');
    auto params = rest::parse_query(qpos == std::string::npos ? "" : req.target.substr(qpos + 1));
    a.query = qpos == std::string::npos ? "" : req.target.substr(qpos + 1);
    store::AuditQuery q;
    bool csv = false;
    for (const auto& [k, v] : params) {
      if (k == "date") {
        std::string_view val = v;
        std::string prefix = val.size() > 2 && std::isalpha(static_cast<unsigned char>(val[0])) ? std::string(val.substr(0, 2)) : "eq";
        if (prefix != "eq") val.remove_prefix(2);
        auto range = fhir_time::parse(val);
        if (!range) return finish(oo(400, "invalid", "date must be a FHIR date with an optional prefix"));
        if (prefix == "ge" || prefix == "eq") q.from_ms = std::max(q.from_ms.value_or(INT64_MIN), range->lo_ms);
        if (prefix == "gt") q.from_ms = range->hi_ms;
        if (prefix == "lt") q.to_ms = range->lo_ms;
        if (prefix == "le" || prefix == "eq") q.to_ms = range->hi_ms;
      } else if (k == "agent") {
        q.client_id = v;
      } else if (k == "organisation") {
        q.organisation = v;
      } else if (k == "patient") {
        q.patient = v.rfind("Patient/", 0) == 0 ? v.substr(8) : v;
      } else if (k == "entity") {
        q.entity = v;
      } else if (k == "outcome") {
        q.outcome = v;
      } else if (k == "_count") {
        try { q.limit = std::clamp(std::stoi(v), 1, 1000); } catch (...) {
          return finish(oo(400, "invalid", "_count must be a number"));
        }
      } else if (k == "_format") {
        csv = v == "csv" || v == "text/csv";
      }
    }
    if (csv) {
      auto text = audit::export_csv(*rt->audit_log_, q);
      if (!text.ok()) return finish(rt->service_->error(text.error()));
      http::Response r;
      r.content_type = "text/csv; charset=utf-8";
      r.body = std::move(text).value();
      r.interaction = "audit-export";
      return finish(std::move(r));
    }
    auto rows = rt->audit_log_->query(q);
    if (!rows.ok()) return finish(rt->service_->error(rows.error()));
    rest::BundleWriter bw("searchset");
    bw.total(static_cast<int64_t>(rows->size()));
    for (const auto& row : *rows) {
      auto event = audit::audit_event_json(row);
      if (!event.ok()) return finish(rt->service_->error(event.error()));
      bw.search_entry(rt->base_url_ + "/AuditEvent/" + std::to_string(row.seq), *event, "match");
    }
    http::Response r;
    r.body = bw.finish();
    r.interaction = "audit-search";
    return finish(std::move(r));
  });
}

}  // namespace fhirgw::app
