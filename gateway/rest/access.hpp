#pragma once
// The seam between the REST layer and information governance. Every path
// that touches clinical data asks it: who is calling, what may they see
// (narrowing the store query), may this resource leave (checked again per
// resource, with redaction), may this write happen, and what to audit.
// Implementations: PolicyAccess (gateway/policy via the app) and, for a
// loopback-only development server, DevelopmentAccess.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "audit/audit_record.hpp"
#include "core/caller.hpp"
#include "core/json.hpp"
#include "core/resource_model.hpp"
#include "core/result.hpp"
#include "http/message.hpp"
#include "search/search_query.hpp"
#include "store/store.hpp"

namespace fhirgw::rest {

struct AccessDecision {
  bool permit = false;
  std::vector<std::string> hidden_fields;  // removed before the resource leaves
  std::string agreement;                   // DSA id that permitted it
  std::string policy_version;
  std::string reason;  // short, for audit and explain (never sent to a partner on deny)
  // With ReadUse::send and hidden fields: the record's text without them
  // (null if it could not be made: nothing is sent).
  std::shared_ptr<const std::string> redacted;
};

// What a read check is for: whether the caller may see a record (a tombstone,
// the current version behind a vread, a conditional write's match), or also
// the text it may be sent.
enum class ReadUse { decide, send };

using AuditRecord = audit::AuditRecord;

class AccessControl {
 public:
  virtual ~AccessControl() = default;
  // 401 Error (with a WWW-Authenticate value in diagnostics' companion) when unknown.
  virtual Result<Caller> authenticate(const http::Request& req) = 0;
  // The WWW-Authenticate value for a 401 from authenticate().
  virtual std::string challenge(const Error& e) { return "Bearer realm=\"fhir-gateway\""; }
  // Scopes and roles: may this caller attempt this interaction at all? 403 if not.
  virtual Status authorize(const Caller& caller, const std::string& type, model::Interaction interaction,
                           const std::vector<std::pair<std::string, std::string>>& params) = 0;
  // The narrowing of store queries for this caller and interaction.
  virtual search::Visibility visibility(const Caller& caller, const std::string& type,
                                        model::Interaction interaction) = 0;
  // Per-resource check before it leaves (defence in depth over visibility()).
  virtual AccessDecision check_read(const Caller& caller, model::Interaction interaction,
                                    const store::Record& record, ReadUse use) = 0;
  // A write: `current` is the existing version (nullptr on create).
  virtual AccessDecision check_write(const Caller& caller, model::Interaction interaction,
                                     const std::string& type, const json::Value& resource,
                                     const store::Record* current) = 0;
  // Stamps authorship on a resource a caller writes (meta.tag author org, controller).
  virtual void stamp_write(const Caller& caller, json::Value& resource, json::Allocator& a,
                           const store::Record* current) = 0;
  // Whether writes by this caller are queued for write-back to the controller.
  virtual bool queues_write_back(const Caller& caller) const = 0;
  virtual Status audit(const AuditRecord& record) = 0;
  // Asynchronous form: `done` runs once the entry is durable (or failed), so
  // no worker thread waits on the disk. Default: synchronous.
  virtual void audit_async(const AuditRecord& record, std::function<void(Status)> done) { done(audit(record)); }
  // Held by a request from the start of its processing until it has submitted
  // its audit entry: the audit trail holds a group commit open while such
  // requests are still coming, so they share one fsync. Default: nothing.
  virtual std::shared_ptr<void> audit_expected() { return nullptr; }
};

// Development only: the server refuses to use it on a non-loopback address.
// Every caller is treated as an internal administrator and sees everything.
std::unique_ptr<AccessControl> make_development_access();

}  // namespace fhirgw::rest
