#include "app/gateway_access.hpp"

#include "auth/scopes.hpp"
#include "core/fhir_time.hpp"
#include "core/systems.hpp"
#include "rest/summary.hpp"
#include "store/resource_meta.hpp"

namespace fhirgw::app {

namespace {

rest::AccessDecision to_access(const policy::Decision& d) {
  rest::AccessDecision out;
  out.permit = d.permit;
  out.hidden_fields = d.hidden_fields;
  out.agreement = d.agreement;
  out.policy_version = d.policy_version;
  out.reason = d.permit ? "permit" : d.rule + ": " + d.reason();
  return out;
}

rest::AccessDecision deny(const std::string& why) {
  rest::AccessDecision d;
  d.reason = why;
  return d;
}

// The patient a resource is about: its own id for a Patient, else the
// Patient/<id> reference in subject or patient.
std::string subject_patient(const json::Value& resource) {
  auto type = json::get_string(resource, "resourceType");
  if (type && *type == "Patient") {
    auto id = json::get_string(resource, "id");
    return id ? std::string(*id) : "";
  }
  for (const char* field : {"subject", "patient"}) {
    const json::Value* ref = json::get(resource, field);
    if (!ref) continue;
    auto text = json::get_string(*ref, "reference");
    if (text && text->rfind("Patient/", 0) == 0) return std::string(text->substr(8));
  }
  return "";
}

void set_tag(json::Value& resource, json::Allocator& a, const char* system, const std::string& code) {
  json::Value& tags = store::meta_tags(resource, a);
  // Drop whatever the client sent for this system: authorship and control are the gateway's to say.
  for (auto it = tags.Begin(); it != tags.End();) {
    if (json::get_string(*it, "system") == std::string_view(system)) it = tags.Erase(it);
    else ++it;
  }
  if (code.empty()) return;
  json::Value tag(rapidjson::kObjectType);
  json::set_string(tag, "system", system, a);
  json::set_string(tag, "code", code, a);
  tags.PushBack(tag, a);
}

}  // namespace

GatewayAccess::GatewayAccess(auth::RateLimiter& limiter, GovernanceState& governance, audit::AuditTrail& trail)
    : limiter_(limiter), governance_(governance), trail_(trail) {}

Result<Caller> GatewayAccess::authenticate(const http::Request& req) {
  if (!tokens_) return Error::make(503, "transient", "The gateway is starting");
  auto caller = tokens_->authenticate(req.header("authorization"), req.client_cert_sha256);
  if (!caller.ok()) return caller;
  auto d = limiter_.check(caller->client_id);
  if (!d.allowed) {
    return Error::make(429, "throttled",
                       "Too many requests; retry after " + std::to_string(d.retry_after_seconds) + " s");
  }
  return caller;
}

std::string GatewayAccess::challenge(const Error& e) { return auth::www_authenticate(e); }

Status GatewayAccess::authorize(const Caller& caller, const std::string& type, model::Interaction interaction,
                                const std::vector<std::pair<std::string, std::string>>& params) {
  if (auth::scope_allows(caller.scopes, type, interaction, params)) return {};
  return Error::make(403, "forbidden",
                     "The access token's scopes do not allow " + std::string(model::to_string(interaction)) +
                         (type.empty() ? "" : " on " + type));
}

// Narrowed scopes (?param=value) cannot be judged per resource; the router
// has already checked them against the request's parameters.
bool GatewayAccess::engine_scope_allows(const Caller& caller, const std::string& type, model::Interaction interaction) {
  return auth::scope_allows(caller.scopes, type, interaction, {}) || interaction == model::Interaction::search;
}

policy::Request GatewayAccess::engine_request(const Caller& caller, const std::string& type,
                                              model::Interaction interaction, int64_t now_ms) const {
  policy::Request r;
  r.caller = caller;
  r.purpose = caller.purpose;
  r.interaction = interaction;
  r.type = type;
  r.scope_allows = engine_scope_allows(caller, type, interaction);
  r.now_ms = now_ms;
  r.trace = false;  // the request path keeps only a denial's reason; $explain traces
  return r;
}

policy::Request GatewayAccess::engine_request(const Caller& caller, const std::string& type,
                                              model::Interaction interaction) const {
  return engine_request(caller, type, interaction, fhir_time::now_ms());
}

policy::ResourceFacts GatewayAccess::facts_of(const store::Record& rec) {
  if (rec.deleted || rec.json.empty()) return facts_of(rec, nullptr);
  auto d = json::parse(rec.json);
  return facts_of(rec, d.ok() ? &*d : nullptr);
}

policy::ResourceFacts GatewayAccess::facts_of(const store::Record& rec, const json::Value* parsed) {
  policy::ResourceFacts f;
  if (parsed && !rec.deleted) f = policy::resource_facts(*parsed);
  // The store's governance columns are authoritative for tombstones.
  f.type = rec.type;
  f.id = rec.id;
  if (f.controller.empty()) f.controller = rec.controller;
  if (f.patient_id.empty()) f.patient_id = rec.patient_id;
  if (f.author_org.empty()) f.author_org = rec.author_org;
  f.confidential = f.confidential || rec.confidential;
  return f;
}

Result<std::vector<policy::ResourceFacts>> GatewayAccess::all_facts(store::Store& store) {
  std::vector<std::string> types;
  for (const auto& t : model::resource_types()) types.emplace_back(t.name);
  constexpr int kBatch = 5000;
  std::vector<policy::ResourceFacts> out;
  int64_t seq = 0;
  for (;;) {
    auto batch = store.changed_since(seq, types, kBatch);
    if (!batch.ok()) return std::move(batch).error();
    for (const auto& rec : *batch) {
      seq = std::max(seq, rec.row);
      if (!rec.deleted) out.push_back(facts_of(rec));
    }
    if (batch->size() < static_cast<size_t>(kBatch)) break;
  }
  return out;
}

// FHIRGW_BENCH_SKIP_POLICY and FHIRGW_BENCH_SKIP_AUDIT exist only in the
// benchmark-only gateways (gateway/app/CMakeLists.txt): authentication stays,
// while policy, or policy and audit, are skipped so that their cost can be
// measured (tests/bench/run-governance-bench.sh).
#ifdef FHIRGW_BENCH_SKIP_POLICY
search::Visibility GatewayAccess::visibility(const Caller&, const std::string&, model::Interaction) {
  return search::Visibility::everything();
}
rest::AccessDecision GatewayAccess::check_read(const Caller&, model::Interaction, const store::Record&, rest::ReadUse) {
  return {true, {}, "bench", "bench", "enforcement off (benchmark build)", nullptr};
}
#else
search::Visibility GatewayAccess::visibility(const Caller& caller, const std::string& type,
                                             model::Interaction interaction) {
  auto snap = governance_.current();
  if (!snap.ok()) return search::Visibility::nothing();  // fail closed
  const auto& s = **snap;
  policy::Request request = engine_request(caller, type, interaction);
  std::string key = caller.organisation + '\n' + to_string(caller.kind) + '\n' + request.purpose + '\n' + type + '\n' +
                    std::string(model::to_string(interaction)) + '\n' + (request.scope_allows ? "1" : "0") + '\n' +
                    std::to_string(s.boundaries->slot(request.now_ms).from_ms);
  for (const auto& r : caller.roles) key += '\n' + r;
  {
    std::lock_guard lock(narrow_mu_);
    if (narrow_generation_ != s.generation) {
      narrow_cache_.clear();
      narrow_generation_ = s.generation;
    }
    if (auto it = narrow_cache_.find(key); it != narrow_cache_.end()) return it->second;
  }
  search::Visibility v = policy::narrow(*s.policy, *s.consents, request, *s.patients);
  std::lock_guard lock(narrow_mu_);
  if (narrow_generation_ == s.generation) {
    if (narrow_cache_.size() >= 1000) narrow_cache_.clear();
    narrow_cache_.emplace(std::move(key), v);
  }
  return v;
}

rest::AccessDecision GatewayAccess::check_read(const Caller& caller, model::Interaction interaction,
                                               const store::Record& record, rest::ReadUse use) {
  // A read or vread brings the store's change_seq from its own snapshot: a
  // change committed before the request began is in it, with no second look.
  auto snap = governance_.current(record.change_seq > 0 ? std::optional<int64_t>(record.change_seq) : std::nullopt);
  if (!snap.ok()) return deny("governance state unavailable");
  const auto& s = **snap;
  // A version's facts are parsed once, and so is its redaction for a set of
  // hidden fields; a parse made here for the facts also serves the redaction.
  std::shared_ptr<json::Document> doc;
  auto parse = [&] {
    if (!doc && !record.deleted && !record.json.empty())
      if (auto d = json::parse(record.json); d.ok()) doc = std::make_shared<json::Document>(std::move(d).value());
  };
  const std::string version_key = VersionFactsCache::key(record);
  std::shared_ptr<VersionEntry> version = facts_cache_.find(version_key);
  if (!version) {
    parse();
    auto facts = std::make_shared<const policy::ResourceFacts>(facts_of(record, doc.get()));
    // An unparseable text is not kept.
    version = doc ? facts_cache_.keep(version_key, std::move(facts)) : std::make_shared<VersionEntry>(std::move(facts));
  }
  // The same caller reading the same version under the same snapshot, in the
  // same slot of time, gets the same decision: it is kept with the version.
  const int64_t now_ms = fhir_time::now_ms();
  const ReadContext context{s.generation, s.boundaries->slot(now_ms), &caller, interaction,
                            engine_scope_allows(caller, record.type, interaction)};
  std::optional<rest::AccessDecision> kept = version->decision(context);
  rest::AccessDecision out;
  if (kept) {
    out = std::move(*kept);
  } else {
    const policy::ResourceFacts& facts = *version->facts;
    const policy::PatientFacts* patient = nullptr;
    if (auto it = s.patients->find(facts.patient_id); it != s.patients->end()) patient = &it->second;
    out = to_access(policy::decide(*s.policy, *s.consents, engine_request(caller, record.type, interaction, now_ms),
                                   facts, patient));
  }
  if (use == rest::ReadUse::send && out.permit && !out.hidden_fields.empty() && !out.redacted) {
    out.redacted = version->redacted(out.hidden_fields);
    if (!out.redacted) {
      parse();
      if (doc) {  // without it nothing is sent
        rest::redact_fields(*doc, doc->GetAllocator(), out.hidden_fields);
        out.redacted = std::make_shared<const std::string>(json::to_string(*doc));
        version->keep_redacted(out.hidden_fields, out.redacted);
      }
    }
    if (out.redacted) kept.reset();  // keep it again, with its redaction
  }
  if (!kept) version->keep_decision(context, out);
  return out;
}
#endif

rest::AccessDecision GatewayAccess::check_write(const Caller& caller, model::Interaction interaction,
                                                const std::string& type, const json::Value& resource,
                                                const store::Record* current) {
  auto snap = governance_.current();
  if (!snap.ok()) return deny("governance state unavailable");
  const auto& s = **snap;
  policy::ResourceFacts incoming;
  if (resource.IsObject() && resource.HasMember("resourceType")) incoming = policy::resource_facts(resource);
  incoming.type = type;
  if (incoming.patient_id.empty()) incoming.patient_id = subject_patient(resource);
  std::optional<policy::ResourceFacts> current_facts;
  if (current) current_facts = facts_of(*current);
  if (interaction == model::Interaction::remove) {
    // Deletes are not a partner interaction in any agreement (policy: always denied);
    // the engine's write rules apply to the current version.
    policy::Request r = engine_request(caller, type, interaction);
    const policy::PatientFacts* patient = nullptr;
    if (current_facts)
      if (auto it = s.patients->find(current_facts->patient_id); it != s.patients->end()) patient = &it->second;
    return current_facts ? to_access(policy::decide(*s.policy, *s.consents, r, *current_facts, patient))
                         : deny("nothing to delete");
  }
  const policy::PatientFacts* subject = nullptr;
  if (auto it = s.patients->find(incoming.patient_id); it != s.patients->end()) subject = &it->second;
  return to_access(policy::decide_write(*s.policy, *s.consents, engine_request(caller, type, interaction), incoming,
                                        resource, current_facts ? &*current_facts : nullptr, subject));
}

void GatewayAccess::stamp_write(const Caller& caller, json::Value& resource, json::Allocator& a,
                                const store::Record* current) {
  if (!caller.has_role("partner")) return;
  // A partner's write belongs to the subject's practice (the controller it is
  // written back to) and carries the partner as author; neither can be chosen
  // by the client.
  std::string controller;
  if (current) {
    controller = current->controller;
  } else if (auto snap = governance_.current(); snap.ok()) {
    auto it = (*snap)->patients->find(subject_patient(resource));
    if (it != (*snap)->patients->end()) controller = it->second.controller;
  }
  set_tag(resource, a, systems::kController, controller);
  set_tag(resource, a, systems::kAuthorOrg, caller.organisation);
  json::set_string(resource["meta"], "source", "urn:fhir-gateway:client:" + caller.client_id, a);
}

bool GatewayAccess::queues_write_back(const Caller& caller) const { return caller.has_role("partner"); }

#ifdef FHIRGW_BENCH_SKIP_AUDIT
Status GatewayAccess::audit(const rest::AuditRecord&) { return {}; }
void GatewayAccess::audit_async(const rest::AuditRecord&, std::function<void(Status)> done) { done({}); }
std::shared_ptr<void> GatewayAccess::audit_expected() { return nullptr; }
#else
Status GatewayAccess::audit(const rest::AuditRecord& record) { return trail_.record(record); }
void GatewayAccess::audit_async(const rest::AuditRecord& record, std::function<void(Status)> done) {
  trail_.submit(record, std::move(done));
}
std::shared_ptr<void> GatewayAccess::audit_expected() { return trail_.expect(); }
#endif

}  // namespace fhirgw::app
