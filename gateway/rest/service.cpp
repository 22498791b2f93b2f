#include "rest/service.hpp"

#include <set>

#include "core/fhir_time.hpp"
#include "core/ids.hpp"
#include "core/operation_outcome.hpp"
#include "rest/bundle_writer.hpp"
#include "rest/paging.hpp"
#include "rest/summary.hpp"
#include "search/parse.hpp"

namespace fhirgw::rest {

using model::Interaction;

namespace {

// Parameters the REST layer consumes itself; never passed to the search parser.
bool is_transport_param(const std::string& name) {
  return name == "_format" || name == "_pretty" || name == "_cursor";
}

Params search_params(const Params& in) {
  Params out;
  for (const auto& p : in)
    if (!is_transport_param(p.first)) out.push_back(p);
  return out;
}

std::string canonical_query(const Params& params) {
  std::string q;
  for (const auto& [k, v] : params) {
    if (is_transport_param(k)) continue;
    if (!q.empty()) q += '&';
    q += percent_encode(k) + "=" + percent_encode(v);
  }
  return q;
}

std::string version_url(const store::Record& r) {
  return r.type + "/" + r.id + "/_history/" + std::to_string(r.version);
}

}  // namespace

std::string etag_for(int64_t version) { return "W/\"" + std::to_string(version) + "\""; }

std::optional<int64_t> parse_etag(const std::string& value) {
  std::string_view v = value;
  if (v.substr(0, 2) == "W/") v.remove_prefix(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  if (v.empty() || v.size() > 18) return std::nullopt;
  int64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

FhirService::FhirService(store::Store& store, AccessControl& access, ServiceConfig config,
                         ValidateFn validate)
    : store_(store), access_(access), config_(std::move(config)), validate_(std::move(validate)) {}

http::Response FhirService::error(const Error& e) const {
  http::Response r;
  r.status = e.status;
  r.body = to_operation_outcome(e);
  return r;
}

Result<json::Document> FhirService::parse_resource(const std::string& body,
                                                   const std::string& expected_type) const {
  if (body.empty()) return Error::invalid("The request has no body; a FHIR resource was expected");
  auto doc = json::parse(body);
  if (!doc.ok()) return std::move(doc).error();
  if (!doc->IsObject()) return Error::invalid("The body must be a JSON object (a FHIR resource)");
  auto rt = json::get_string(*doc, "resourceType");
  if (!rt) return Error::invalid("The resource has no resourceType", "resourceType");
  if (!expected_type.empty() && *rt != expected_type) {
    return Error::invalid("resourceType '" + std::string(*rt) + "' does not match the endpoint's type '" +
                              expected_type + "'",
                          "resourceType");
  }
  return doc;
}

std::vector<Issue> FhirService::validate(const json::Value& resource) const {
  return validate_ ? validate_(resource) : std::vector<Issue>{};
}

http::Response FhirService::execute(RequestContext& ctx, const Route& r, store::Transaction* tx) {
  switch (r.kind) {
    case RouteKind::read: return read(ctx, r, tx);
    case RouteKind::vread: return vread(ctx, r);
    case RouteKind::history_instance:
    case RouteKind::history_type:
    case RouteKind::history_system: return history(ctx, r);
    case RouteKind::search: return search(ctx, r, tx);
    case RouteKind::create: return create(ctx, r, tx);
    case RouteKind::update: return update(ctx, r, tx);
    case RouteKind::remove: return remove(ctx, r, tx);
    case RouteKind::conditional_update: return conditional_update(ctx, r, tx);
    case RouteKind::conditional_remove: return conditional_remove(ctx, r, tx);
    case RouteKind::batch: return batch(ctx, r);
    case RouteKind::capabilities: return capabilities();
    default: return error(Error::make(404, "not-supported", "Unsupported interaction"));
  }
}

const std::string* FhirService::outbound(RequestContext& ctx, Interaction interaction,
                                         const store::Record& rec, std::string& redacted) {
  AccessDecision d = access_.check_read(ctx.caller, interaction, rec, ReadUse::send);
  if (!d.permit) {
    // For the IG trail only (the partner sees "not found" or nothing).
    if (ctx.audit.outcome_detail.empty()) ctx.audit.outcome_detail = "withheld " + rec.type + "/" + rec.id + ": " + d.reason;
    if (!d.policy_version.empty()) ctx.audit.policy_version = d.policy_version;
    return nullptr;
  }
  if (!d.agreement.empty()) ctx.audit.agreements.push_back(d.agreement);
  if (!d.policy_version.empty()) ctx.audit.policy_version = d.policy_version;
  ctx.audit.returned.push_back(version_url(rec));
  if (!rec.patient_id.empty()) ctx.audit.patients.push_back(rec.patient_id);
  if (d.hidden_fields.empty()) return &rec.json;
  if (!d.redacted) return nullptr;  // fail closed: the hidden fields could not be removed
  redacted = *d.redacted;  // made once per version and set of hidden fields by the check
  return &redacted;
}

http::Response FhirService::resource_response(RequestContext& ctx, int status, const store::Record& rec,
                                              std::string body) const {
  http::Response r;
  r.status = status;
  r.set_header("ETag", etag_for(rec.version));
  r.set_header("Last-Modified", fhir_time::format_http_date(rec.last_updated_ms));
  if (status == 201) r.set_header("Location", config_.base_url + "/" + version_url(rec));
  if (status == 201 || status == 200) r.set_header("Content-Location", config_.base_url + "/" + version_url(rec));
  switch (ctx.prefer) {
    case PreferReturn::representation: r.body = std::move(body); break;
    case PreferReturn::minimal: r.body.clear(); break;
    case PreferReturn::outcome:
      r.body = operation_outcome_info(std::string(status == 201 ? "Created " : "Stored ") + version_url(rec));
      break;
  }
  return r;
}

// --- read, vread, history -------------------------------------------------

http::Response FhirService::read(RequestContext& ctx, const Route& r, store::Transaction* tx) {
  auto got = tx ? tx->read(r.type, r.id) : store_.read(r.type, r.id);
  if (!got.ok()) return error(got.error());
  const auto not_found = Error::not_found(r.type + "/" + r.id + " is not known");
  if (!got->has_value()) return error(not_found);
  const store::Record& rec = **got;
  if (rec.deleted) {
    // A tombstone is only admitted to callers who could see the resource's
    // governance facts (store keeps them on the tombstone); otherwise 404.
    if (!access_.check_read(ctx.caller, Interaction::read, rec, ReadUse::decide).permit) return error(not_found);
    auto e = Error::make(410, "deleted", r.type + "/" + r.id + " has been deleted");
    auto resp = error(e);
    resp.set_header("ETag", etag_for(rec.version));
    return resp;
  }
  std::string redacted;
  const std::string* body = outbound(ctx, Interaction::read, rec, redacted);
  if (!body) return error(not_found);  // forbidden looks exactly like not found
  if (auto inm = ctx.http.header("if-none-match"); !inm.empty()) {
    if (auto v = parse_etag(inm); v && *v == rec.version) {
      http::Response nm;
      nm.status = 304;
      nm.set_header("ETag", etag_for(rec.version));
      return nm;
    }
  }
  return resource_response(ctx, 200, rec, shape_for_read(*body, r.params));
}

http::Response FhirService::vread(RequestContext& ctx, const Route& r) {
  auto not_found = Error::not_found(r.type + "/" + r.id + "/_history/" + r.version_id + " is not known");
  auto v = parse_etag(r.version_id);
  if (!v) return error(not_found);
  auto got = store_.vread(r.type, r.id, *v);
  if (!got.ok()) return error(got.error());
  if (!got->has_value()) return error(not_found);
  const store::Record& rec = **got;
  // Judged by today's consent: the current record's governance decides.
  auto current = store_.read(r.type, r.id);
  if (!current.ok() || !current->has_value()) return error(not_found);
  if (auto d = access_.check_read(ctx.caller, Interaction::vread, **current, ReadUse::decide); !d.permit) {
    ctx.audit.outcome_detail = "withheld " + r.type + "/" + r.id + ": " + d.reason;
    return error(not_found);
  }
  if (rec.deleted) return error(Error::make(410, "deleted", r.type + "/" + r.id + " was deleted in version " + r.version_id));
  std::string redacted;
  const std::string* body = outbound(ctx, Interaction::vread, rec, redacted);
  if (!body) return error(not_found);
  return resource_response(ctx, 200, rec, *body);
}

http::Response FhirService::history(RequestContext& ctx, const Route& r) {
  store::HistoryQuery q;
  q.type = r.type;
  q.id = r.id;
  Interaction interaction = r.kind == RouteKind::history_instance ? Interaction::history_instance
                                                                  : Interaction::history_type;
  q.visibility = access_.visibility(ctx.caller, r.type, interaction);
  q.count = config_.default_count;
  for (const auto& [k, v] : r.params) {
    if (k == "_count") {
      try {
        q.count = std::clamp(std::stoi(v), 1, config_.max_count);
      } catch (...) {
        return error(Error::invalid("_count must be a whole number", "_count"));
      }
    } else if (k == "_since") {
      auto range = fhir_time::parse(v);
      if (!range) return error(Error::invalid("_since must be an instant", "_since"));
      q.since_ms = range->lo_ms;
    } else if (k == "_cursor") {
      auto state = decode_cursor(config_.cursor_key, ctx.caller.client_id, v);
      if (!state) return error(Error::invalid("The paging link is invalid or belongs to another client", "_cursor"));
      q.before_seq = state->position.row;
    }
  }
  if (!r.id.empty()) {
    auto current = store_.read(r.type, r.id);
    if (!current.ok()) return error(current.error());
    if (!current->has_value() || !access_.check_read(ctx.caller, interaction, **current, ReadUse::decide).permit)
      return error(Error::not_found(r.type + "/" + r.id + " is not known"));
  }
  auto page = store_.history(q);
  if (!page.ok()) return error(page.error());
  BundleWriter bw("history");
  bw.total(page->total);
  std::string self_path = r.type.empty() ? "/_history" : r.id.empty() ? "/" + r.type + "/_history"
                                                                      : "/" + r.type + "/" + r.id + "/_history";
  bw.link("self", config_.base_url + self_path + (r.query.empty() ? "" : "?" + r.query));
  if (page->next_before_seq) {
    std::string cursor = encode_cursor(config_.cursor_key, ctx.caller.client_id,
                                       {canonical_query(r.params), {"", *page->next_before_seq}});
    std::string q2 = canonical_query(r.params);
    bw.link("next", config_.base_url + self_path + "?" + (q2.empty() ? "" : q2 + "&") + "_cursor=" + cursor);
  }
  for (const auto& rec : page->versions) {
    std::string full = config_.base_url + "/" + rec.type + "/" + rec.id;
    if (rec.deleted) {
      bw.history_entry(full, nullptr, "DELETE", rec.type + "/" + rec.id, "204", etag_for(rec.version),
                       fhir_time::format_instant(rec.last_updated_ms));
      continue;
    }
    std::string redacted;
    const std::string* body = outbound(ctx, interaction, rec, redacted);
    if (!body) continue;
    bw.history_entry(full, body, rec.version == 1 ? "POST" : "PUT",
                     rec.version == 1 ? rec.type : rec.type + "/" + rec.id, rec.version == 1 ? "201" : "200",
                     etag_for(rec.version), fhir_time::format_instant(rec.last_updated_ms));
  }
  http::Response resp;
  resp.body = bw.finish();
  return resp;
}

// --- search ------------------------------------------------------------------

search::Visibility FhirService::search_visibility(const Caller& caller, const search::Query& q) {
  search::Visibility v = access_.visibility(caller, q.type, Interaction::search);
  if (v.all) return v;
  // Grants name their types, so grants for the other types never widen the
  // searched type's matches; they only let visible targets be included or
  // chained through (leak cases 1 and 4: hidden ones stay out).
  std::set<std::string> reached;
  for (const auto& inc : q.includes) {
    if (!inc.target_type.empty()) {
      reached.insert(inc.target_type);
      continue;
    }
    if (const auto* source = model::find_type(inc.source_type))
      if (const auto* p = model::find_param(*source, inc.param))
        for (auto t : p->targets) reached.insert(std::string(t));
  }
  for (const auto& inc : q.revincludes) reached.insert(inc.source_type);
  for (const auto& c : q.clauses)
    if (c.chain) reached.insert(c.chain->target_type);
  reached.erase(q.type);
  for (const auto& type : reached) {
    if (!model::find_type(type)) continue;
    // Included resources are authorised on their own type, never by the primary type's scope.
    if (!access_.authorize(caller, type, Interaction::search, {}).ok()) continue;
    search::Visibility more = access_.visibility(caller, type, Interaction::search);
    if (more.all) continue;  // only internal callers see everything; they already have v.all
    for (auto& g : more.grants) v.grants.push_back(std::move(g));
  }
  return v;
}

http::Response FhirService::search(RequestContext& ctx, const Route& r, store::Transaction* tx) {
  const auto* type = model::find_type(r.type);
  Params params = r.params;
  // POST _search: parameters in an x-www-form-urlencoded body as well.
  if (ctx.http.method == "POST" && !ctx.http.body.empty()) {
    auto more = parse_query(ctx.http.body);
    params.insert(params.end(), more.begin(), more.end());
  }
  std::optional<search::Cursor> after;
  for (const auto& [k, v] : params) {
    if (k != "_cursor") continue;
    auto state = decode_cursor(config_.cursor_key, ctx.caller.client_id, v);
    if (!state) return error(Error::invalid("The paging link is invalid or belongs to another client", "_cursor"));
    params = parse_query(state->query);
    after = state->position;
    break;
  }
  auto parsed = search::parse_search(*type, search_params(params), ctx.strict);
  if (!parsed.ok()) return error(parsed.error());
  search::Query q = std::move(parsed).value();
  q.count = std::min(q.count, config_.max_count);
  q.after = after;
  q.visibility = search_visibility(ctx.caller, q);
  auto page = tx ? tx->search(q) : store_.search(q);
  if (!page.ok()) return error(page.error());
  ctx.audit.query = canonical_query(params);

  BundleWriter bw("searchset");
  if (page->total) bw.total(*page->total);
  std::string query = canonical_query(params);
  bw.link("self", config_.base_url + "/" + r.type + (query.empty() ? "" : "?" + query));
  if (page->next && q.summary != search::Summary::count) {
    std::string cursor = encode_cursor(config_.cursor_key, ctx.caller.client_id, {query, *page->next});
    bw.link("next", config_.base_url + "/" + r.type + "?_cursor=" + cursor);
  }
  if (q.summary != search::Summary::count) {
    const bool shaped = shapes(q.summary, q.elements);
    std::string redacted, full_url;
    auto entry = [&](const store::Record& rec, const std::string& body, const char* mode) {
      full_url.assign(config_.base_url).append("/").append(rec.type).append("/").append(rec.id);
      bw.search_entry(full_url, body, mode);
    };
    for (const auto& rec : page->matches) {
      const std::string* body = outbound(ctx, Interaction::search, rec, redacted);
      if (!body) continue;  // the store's narrowing and the per-resource check disagree: withhold
      if (shaped) entry(rec, shape_for_search(*body, q.summary, q.elements), "match");
      else entry(rec, *body, "match");
    }
    for (const auto& rec : page->included) {
      const std::string* body = outbound(ctx, Interaction::search, rec, redacted);
      if (!body) continue;
      entry(rec, *body, "include");
    }
  }
  if (!q.ignored.empty()) {
    Error info;
    std::string names;
    for (const auto& n : q.ignored) names += (names.empty() ? "" : ", ") + n;
    info.issues.push_back({Severity::warning, "not-supported",
                           "Parameters not supported and ignored: " + names, {}});
    bw.search_entry("urn:uuid:" + ids::random_uuid(), to_operation_outcome(info), "outcome");
  }
  http::Response resp;
  resp.body = bw.finish();
  return resp;
}

}  // namespace fhirgw::rest
