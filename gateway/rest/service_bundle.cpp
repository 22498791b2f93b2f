// batch and transaction Bundles. Every entry is authorised on its own (scope
// and policy), exactly as if it had been sent alone. A transaction runs in one
// store transaction: all entries commit, or none do.
#include <algorithm>
#include <map>

#include "core/ids.hpp"
#include "core/operation_outcome.hpp"
#include "rest/bundle_writer.hpp"
#include "rest/service.hpp"

namespace fhirgw::rest {

namespace {

std::string status_line(int status) {
  switch (status) {
    case 200: return "200 OK";
    case 201: return "201 Created";
    case 204: return "204 No Content";
    case 304: return "304 Not Modified";
    case 400: return "400 Bad Request";
    case 403: return "403 Forbidden";
    case 404: return "404 Not Found";
    case 409: return "409 Conflict";
    case 410: return "410 Gone";
    case 412: return "412 Precondition Failed";
    case 422: return "422 Unprocessable Entity";
    default: return std::to_string(status);
  }
}

int method_order(const std::string& m) {
  if (m == "DELETE") return 0;
  if (m == "POST") return 1;
  if (m == "PUT" || m == "PATCH") return 2;
  return 3;  // GET, HEAD
}

// Rewrites every Reference.reference (and canonical-free string) equal to a
// urn:uuid placeholder to the id the transaction assigned.
void rewrite_references(json::Value& v, const std::map<std::string, std::string>& ids, json::Allocator& a) {
  if (v.IsObject()) {
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      if (it->value.IsString() && std::string_view(it->name.GetString()) == "reference") {
        auto found = ids.find(it->value.GetString());
        if (found != ids.end()) it->value.SetString(found->second.c_str(),
                                                    static_cast<rapidjson::SizeType>(found->second.size()), a);
      } else {
        rewrite_references(it->value, ids, a);
      }
    }
  } else if (v.IsArray()) {
    for (auto& item : v.GetArray()) rewrite_references(item, ids, a);
  }
}

struct Entry {
  size_t index = 0;
  std::string method, url, full_url, if_match, if_none_exist;
  std::string body;
  Route route;
  std::string assigned_id;
  http::Response response;
  bool done = false;
};

}  // namespace

http::Response FhirService::batch(RequestContext& ctx, const Route&) {
  auto doc = parse_resource(ctx.http.body, "Bundle");
  if (!doc.ok()) return error(doc.error());
  auto type = json::get_string(*doc, "type");
  if (!type || (*type != "batch" && *type != "transaction"))
    return error(Error::invalid("Bundle.type must be batch or transaction", "Bundle.type"));
  const bool transaction = *type == "transaction";
  const json::Value* entries = json::get(*doc, "entry");
  std::vector<Entry> items;
  if (entries && !entries->IsArray()) return error(Error::invalid("Bundle.entry must be an array", "Bundle.entry"));
  if (entries && entries->Size() > static_cast<unsigned>(config_.max_bundle_entries))
    return error(Error::make(413, "too-costly", "A Bundle may hold at most " + std::to_string(config_.max_bundle_entries) + " entries"));

  // Parse every entry first: a malformed transaction changes nothing.
  for (rapidjson::SizeType i = 0; entries && i < entries->Size(); ++i) {
    const json::Value& e = (*entries)[i];
    std::string where = "Bundle.entry[" + std::to_string(i) + "]";
    const json::Value* req = json::get(e, "request");
    auto method = req ? json::get_string(*req, "method") : std::nullopt;
    auto url = req ? json::get_string(*req, "url") : std::nullopt;
    if (!method || !url) return error(Error::invalid("Each entry needs request.method and request.url", where + ".request"));
    Entry item;
    item.index = i;
    item.method = std::string(*method);
    item.url = std::string(*url);
    if (auto v = json::get_string(e, "fullUrl")) item.full_url = std::string(*v);
    if (auto v = json::get_string(*req, "ifMatch")) item.if_match = std::string(*v);
    if (auto v = json::get_string(*req, "ifNoneExist")) item.if_none_exist = std::string(*v);
    std::string target = item.url;
    if (target.rfind(config_.base_url + "/", 0) == 0) target = target.substr(config_.base_url.size());
    if (target.empty() || target[0] != '/') target = "/" + target;
    auto routed = route(item.method, target);
    if (!routed.ok()) {
      if (transaction) return error(routed.error());
      item.response = error(routed.error());
      item.done = true;
    } else {
      item.route = std::move(routed).value();
      if (item.route.kind == RouteKind::batch || item.route.kind == RouteKind::operation) {
        auto e2 = Error::make(400, "not-supported", "Nested bundles and operations are not allowed in a bundle", where);
        if (transaction) return error(e2);
        item.response = error(e2);
        item.done = true;
      }
    }
    if (const json::Value* res = json::get(e, "resource")) item.body = json::to_string(*res);
    items.push_back(std::move(item));
  }

  std::unique_ptr<store::Transaction> tx;
  if (transaction) {
    auto begun = store_.begin();
    if (!begun.ok()) return error(begun.error());
    tx = std::move(begun).value();
    // Resolve urn:uuid placeholders: every created entry gets its id now.
    std::map<std::string, std::string> placeholder_ids;
    for (auto& item : items) {
      if (item.route.kind != RouteKind::create) continue;
      item.assigned_id = ids::random_uuid();
      if (item.full_url.rfind("urn:uuid:", 0) == 0)
        placeholder_ids[item.full_url] = item.route.type + "/" + item.assigned_id;
    }
    if (!placeholder_ids.empty()) {
      for (auto& item : items) {
        if (item.body.empty()) continue;
        auto d = json::parse(item.body);
        if (!d.ok()) continue;  // reported when the entry runs
        rewrite_references(*d, placeholder_ids, d->GetAllocator());
        item.body = json::to_string(*d);
      }
    }
  }

  std::vector<Entry*> order;
  for (auto& item : items) order.push_back(&item);
  std::stable_sort(order.begin(), order.end(),
                   [](const Entry* a, const Entry* b) { return method_order(a->method) < method_order(b->method); });

  for (Entry* item : order) {
    if (item->done) continue;
    http::Request sub = ctx.http;
    sub.method = item->method;
    sub.target = item->url;
    sub.body = item->body;
    RequestContext sub_ctx{ctx.caller, sub, ctx.audit, ctx.prefer, ctx.strict, item->if_match,
                           item->if_none_exist, item->assigned_id};
    auto interaction = interaction_of(item->route.kind);
    if (auto s = access_.authorize(ctx.caller, item->route.type, interaction, item->route.params); !s.ok()) {
      item->response = error(s.error());
    } else {
      item->response = execute(sub_ctx, item->route, tx.get());
    }
    item->done = true;
    if (transaction && item->response.status >= 400) {
      // Roll back (tx destructor) and report which entry failed.
      auto d = json::parse(item->response.body);
      Error e;
      e.status = item->response.status;
      std::string where = "Bundle.entry[" + std::to_string(item->index) + "]";
      if (d.ok() && d->HasMember("issue") && (*d)["issue"].IsArray()) {
        for (const auto& is : (*d)["issue"].GetArray()) {
          auto diag = json::get_string(is, "diagnostics");
          auto code = json::get_string(is, "code");
          e.issues.push_back({Severity::error, code ? std::string(*code) : "processing",
                              "Transaction failed at " + where + ": " + (diag ? std::string(*diag) : ""), where});
        }
      }
      if (e.issues.empty()) e.issues.push_back({Severity::error, "processing", "Transaction failed at " + where, where});
      return error(e);
    }
  }
  if (tx) {
    if (auto s = tx->commit(); !s.ok()) return error(s.error());
  }

  BundleWriter bw(transaction ? "transaction-response" : "batch-response");
  for (auto& item : items) {
    const auto& r = item.response;
    std::string location, etag, last_modified;
    for (const auto& [k, v] : r.headers) {
      if (k == "Location") location = v;
      else if (k == "ETag") etag = v;
    }
    // Bundle.entry.response.lastModified is an instant, not an HTTP-date.
    if (r.status < 300 && !r.body.empty()) {
      if (auto d = json::parse(r.body); d.ok())
        if (const auto* lu = json::get_path(*d, "meta.lastUpdated"); lu && lu->IsString()) last_modified = lu->GetString();
    }
    bool is_outcome = r.status >= 400;
    bw.response_entry(is_outcome ? nullptr : &r.body, status_line(r.status), location, etag, last_modified,
                      is_outcome ? &r.body : nullptr);
  }
  http::Response resp;
  resp.body = bw.finish();
  return resp;
}

}  // namespace fhirgw::rest
