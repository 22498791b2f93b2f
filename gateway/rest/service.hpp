#pragma once
// FHIR R4 interactions over the store, with every resource passing the
// access layer on the way in and out. Runs on worker threads.
#include <functional>
#include <string>
#include <vector>

#include "core/caller.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "http/message.hpp"
#include "rest/access.hpp"
#include "rest/route.hpp"
#include "store/store.hpp"

namespace fhirgw::rest {

struct ServiceConfig {
  std::string base_url;    // e.g. https://127.0.0.1:8443 (no trailing slash)
  std::string cursor_key;  // HMAC key for paging cursors (shared by replicas)
  int default_count = 20;
  int max_count = 1000;
  int max_bundle_entries = 1000;
};

// Profile validation of incoming resources: returns issues (errors reject).
using ValidateFn = std::function<std::vector<Issue>(const json::Value& resource)>;

enum class PreferReturn { representation, minimal, outcome };

// Everything an interaction needs about the request it serves.
struct RequestContext {
  const Caller& caller;
  const http::Request& http;
  AuditRecord& audit;
  PreferReturn prefer = PreferReturn::representation;
  bool strict = false;  // Prefer: handling=strict
  std::string if_match, if_none_exist;
  std::string assigned_id;  // transaction bundles pre-assign ids to resolve urn:uuid references
};

class FhirService {
 public:
  FhirService(store::Store& store, AccessControl& access, ServiceConfig config, ValidateFn validate);

  // Executes a routed FHIR interaction (not capabilities or operations).
  http::Response execute(RequestContext& ctx, const Route& route, store::Transaction* tx = nullptr);
  // CapabilityStatement, generated from resource_model (see capability.cpp).
  http::Response capabilities() const;
  const ServiceConfig& config() const { return config_; }
  // Set once, before the server runs (the port may only be known after binding).
  void set_base_url(std::string url) { config_.base_url = std::move(url); }
  store::Store& store() { return store_; }
  AccessControl& access() { return access_; }

  // Shared by interactions and operations.
  http::Response error(const Error& e) const;
  Result<json::Document> parse_resource(const std::string& body, const std::string& expected_type) const;
  std::vector<Issue> validate(const json::Value& resource) const;

 private:
  http::Response read(RequestContext& ctx, const Route& r, store::Transaction* tx);
  http::Response vread(RequestContext& ctx, const Route& r);
  http::Response history(RequestContext& ctx, const Route& r);
  http::Response search(RequestContext& ctx, const Route& r, store::Transaction* tx);
  http::Response create(RequestContext& ctx, const Route& r, store::Transaction* tx);
  http::Response update(RequestContext& ctx, const Route& r, store::Transaction* tx);
  http::Response remove(RequestContext& ctx, const Route& r, store::Transaction* tx);
  http::Response conditional_update(RequestContext& ctx, const Route& r, store::Transaction* tx);
  http::Response conditional_remove(RequestContext& ctx, const Route& r, store::Transaction* tx);
  http::Response batch(RequestContext& ctx, const Route& r);

  // Writes `doc` as a new version inside tx (or a transaction of its own).
  // `hidden_target`: the id is taken by a resource the caller may not see; the
  // write is judged as if the id were free, and never replaces that resource.
  http::Response write_resource(RequestContext& ctx, store::WriteKind kind, const std::string& type,
                                const std::string& id, json::Document& doc,
                                const store::Record* current, store::Transaction* tx,
                                bool hidden_target = false);
  // Finds the resources a conditional interaction's criteria match, as the caller sees them.
  // The caller's transaction (a bundle's) when given, else a new one that
  // `own` holds (committed by the caller, rolled back if it is dropped).
  Result<store::Transaction*> join_or_begin(store::Transaction* tx, std::unique_ptr<store::Transaction>& own);
  Result<std::vector<store::Record>> conditional_matches(RequestContext& ctx, const std::string& type,
                                                         const Params& criteria, model::Interaction interaction,
                                                         store::Transaction* tx);
  // The store narrowing for a search: the searched type plus every type its
  // _include, _revinclude and chained parameters reach, each narrowed on its
  // own and only if the caller may search that type (scopes).
  search::Visibility search_visibility(const Caller& caller, const search::Query& q);
  // The resource text that may leave for this caller: the stored text itself,
  // or a redacted copy kept in `redacted`; nullptr if it may not leave.
  const std::string* outbound(RequestContext& ctx, model::Interaction interaction, const store::Record& rec,
                              std::string& redacted);
  http::Response resource_response(RequestContext& ctx, int status, const store::Record& rec,
                                   std::string body) const;

  store::Store& store_;
  AccessControl& access_;
  ServiceConfig config_;
  ValidateFn validate_;
};

std::string etag_for(int64_t version);
// Parses W/"3" or "3"; nullopt if malformed.
std::optional<int64_t> parse_etag(const std::string& value);

}  // namespace fhirgw::rest
