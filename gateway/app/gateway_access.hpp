#pragma once
// The production AccessControl: SMART tokens or client certificates say who
// is calling (gateway/auth), the policy engine decides what they may see and
// write (gateway/policy, on the live GovernanceState), and the audit trail
// records every request durably (gateway/audit).
#include <memory>
#include <mutex>
#include <unordered_map>

#include "app/governance_state.hpp"
#include "app/version_facts_cache.hpp"
#include "audit/audit_trail.hpp"
#include "auth/rate_limiter.hpp"
#include "auth/token_service.hpp"
#include "policy/engine.hpp"
#include "rest/access.hpp"

namespace fhirgw::app {

class GatewayAccess : public rest::AccessControl {
 public:
  // The token service is set once the base URL (its issuer) is known.
  GatewayAccess(auth::RateLimiter& limiter, GovernanceState& governance, audit::AuditTrail& trail);
  void set_tokens(std::shared_ptr<auth::TokenService> tokens) { tokens_ = std::move(tokens); }

  Result<Caller> authenticate(const http::Request& req) override;
  std::string challenge(const Error& e) override;
  Status authorize(const Caller& caller, const std::string& type, model::Interaction interaction,
                   const std::vector<std::pair<std::string, std::string>>& params) override;
  search::Visibility visibility(const Caller& caller, const std::string& type,
                                model::Interaction interaction) override;
  rest::AccessDecision check_read(const Caller& caller, model::Interaction interaction,
                                  const store::Record& record, rest::ReadUse use) override;
  rest::AccessDecision check_write(const Caller& caller, model::Interaction interaction, const std::string& type,
                                   const json::Value& resource, const store::Record* current) override;
  void stamp_write(const Caller& caller, json::Value& resource, json::Allocator& a,
                   const store::Record* current) override;
  bool queues_write_back(const Caller& caller) const override;
  Status audit(const rest::AuditRecord& record) override;
  void audit_async(const rest::AuditRecord& record, std::function<void(Status)> done) override;
  std::shared_ptr<void> audit_expected() override;

  // For explain: the request the engine would see for this caller.
  policy::Request engine_request(const Caller& caller, const std::string& type,
                                 model::Interaction interaction) const;
  policy::Request engine_request(const Caller& caller, const std::string& type, model::Interaction interaction,
                                 int64_t now_ms) const;
  // Whether the caller's scopes allow the interaction, as the engine is told.
  static bool engine_scope_allows(const Caller& caller, const std::string& type, model::Interaction interaction);
  static policy::ResourceFacts facts_of(const store::Record& record);
  // As above, on the record's JSON already parsed (nullptr: tombstone or unparseable).
  static policy::ResourceFacts facts_of(const store::Record& record, const json::Value* parsed);
  // Every current resource's facts (the input of a policy dry-run): a full
  // scan of the store through its change tracking.
  static Result<std::vector<policy::ResourceFacts>> all_facts(store::Store& store);

 private:
  std::shared_ptr<auth::TokenService> tokens_;

  // narrow() looks at every patient; its result depends only on the
  // governance snapshot, the caller's organisation, roles and scopes, the
  // purpose, the type and interaction, and the slot of time. Cached per
  // snapshot (by generation: a freed snapshot's address may come back).
  std::mutex narrow_mu_;
  uint64_t narrow_generation_ = 0;
  std::unordered_map<std::string, search::Visibility> narrow_cache_;
  VersionFactsCache facts_cache_;
  auth::RateLimiter& limiter_;
  GovernanceState& governance_;
  audit::AuditTrail& trail_;
};

}  // namespace fhirgw::app
