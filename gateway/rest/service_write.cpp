// Write interactions: create, update (and create-on-update), delete, and
// their conditional forms. Each runs in one store transaction: the check, the
// write and the write-back outbox entry commit together or not at all.
#include "core/fhir_time.hpp"
#include "core/ids.hpp"
#include "core/operation_outcome.hpp"
#include "rest/service.hpp"
#include "search/parse.hpp"

namespace fhirgw::rest {

using model::Interaction;

namespace {

// The store stamps versionId and lastUpdated; whatever the client sent is discarded.
void strip_server_meta(json::Value& doc) {
  json::Value* meta = const_cast<json::Value*>(json::get(doc, "meta"));
  if (!meta || !meta->IsObject()) return;
  json::remove(*meta, "versionId");
  json::remove(*meta, "lastUpdated");
}

Error validation_error(std::vector<Issue> issues) {
  Error e;
  e.status = 422;
  for (auto& i : issues)
    if (i.severity == Severity::error || i.severity == Severity::fatal) e.issues.push_back(std::move(i));
  return e;
}

// Everything the gateway stores claims the gateway profile it was validated against.
void claim_profile(json::Value& doc, json::Allocator& a, const std::string& type) {
  const auto* t = model::find_type(type);
  if (!t || std::string_view(t->profile).rfind("http://hl7.org/fhir/", 0) == 0) return;
  if (!doc.HasMember("meta") || !doc["meta"].IsObject()) {
    json::remove(doc, "meta");
    doc.AddMember("meta", json::Value(rapidjson::kObjectType), a);
  }
  json::Value& meta = doc["meta"];
  if (!meta.HasMember("profile") || !meta["profile"].IsArray()) {
    json::remove(meta, "profile");
    meta.AddMember("profile", json::Value(rapidjson::kArrayType), a);
  }
  for (const auto& p : meta["profile"].GetArray())
    if (p.IsString() && std::string_view(p.GetString()) == t->profile) return;
  meta["profile"].PushBack(json::make_string(t->profile, a), a);
}

bool has_errors(const std::vector<Issue>& issues) {
  for (const auto& i : issues)
    if (i.severity == Severity::error || i.severity == Severity::fatal) return true;
  return false;
}

}  // namespace

http::Response FhirService::write_resource(RequestContext& ctx, store::WriteKind kind, const std::string& type,
                                           const std::string& id, json::Document& doc,
                                           const store::Record* current, store::Transaction* tx,
                                           bool hidden_target) {
  Interaction interaction = kind == store::WriteKind::create ? Interaction::create
                            : kind == store::WriteKind::update ? Interaction::update
                                                               : Interaction::remove;
  if (kind != store::WriteKind::remove) {
    json::set_string(doc, "id", id, doc.GetAllocator());
    strip_server_meta(doc);
    access_.stamp_write(ctx.caller, doc, doc.GetAllocator(), current);
    claim_profile(doc, doc.GetAllocator(), type);
  }
  // Authorised before validated: a refused write learns nothing from the
  // validator (e.g. which subject ids exist, through the stamped controller).
  AccessDecision d = access_.check_write(ctx.caller, interaction, type, doc, current);
  // An update with no current version the caller can see names an id that is
  // free or hidden from it: both answer 404 alike, so ids cannot be probed.
  const bool unseen_target = kind == store::WriteKind::update && !current;
  if (!d.permit || hidden_target) {
    ctx.audit.outcome_detail = d.permit ? "the id belongs to a resource the caller may not see" : d.reason;
    if (unseen_target) return error(Error::not_found(type + "/" + id + " is not known"));
    // Other refusals are plain 403s that reveal no record.
    return error(Error::make(403, "forbidden", "This write is not permitted for your organisation"));
  }
  if (kind != store::WriteKind::remove) {
    auto issues = validate(doc);
    if (has_errors(issues)) return error(validation_error(std::move(issues)));
  }
  if (!d.agreement.empty()) ctx.audit.agreements.push_back(d.agreement);
  if (!d.policy_version.empty()) ctx.audit.policy_version = d.policy_version;

  std::unique_ptr<store::Transaction> own;
  auto joined = join_or_begin(tx, own);
  if (!joined.ok()) return error(joined.error());
  tx = *joined;
  store::Write w;
  w.kind = kind;
  w.type = type;
  w.id = id;
  if (kind != store::WriteKind::remove) w.json = json::to_string(doc);
  if (!ctx.if_match.empty()) {
    auto v = parse_etag(ctx.if_match);
    if (!v) return error(Error::make(412, "conflict", "If-Match must be a version ETag such as W/\"3\""));
    w.if_match_version = *v;
  }
  auto result = tx->put(w);
  if (!result.ok()) return error(result.error());
  const store::Record& rec = result->record;
  if (!result->unchanged && kind != store::WriteKind::remove && access_.queues_write_back(ctx.caller)) {
    store::OutboxEntry e{rec.controller, rec.type, rec.id, rec.version, ctx.caller.organisation, 0};
    if (auto s = tx->add_outbox(e); !s.ok()) return error(s.error());
  }
  if (own) {
    if (auto s = own->commit(); !s.ok()) return error(s.error());
  }
  ctx.audit.written.push_back(rec.type + "/" + rec.id + "/_history/" + std::to_string(rec.version));
  if (!rec.patient_id.empty()) ctx.audit.patients.push_back(rec.patient_id);
  if (kind == store::WriteKind::remove) {
    http::Response resp;
    resp.status = 204;
    if (rec.version > 0) resp.set_header("ETag", etag_for(rec.version));
    return resp;
  }
  return resource_response(ctx, result->created ? 201 : 200, rec, rec.json);
}

http::Response FhirService::create(RequestContext& ctx, const Route& r, store::Transaction* tx) {
  auto doc = parse_resource(ctx.http.body, r.type);
  if (!doc.ok()) return error(doc.error());
  if (!ctx.if_none_exist.empty()) {
    auto criteria = parse_query(ctx.if_none_exist);
    auto matches = conditional_matches(ctx, r.type, criteria, Interaction::create, tx);
    if (!matches.ok()) return error(matches.error());
    if (matches->size() > 1) {
      return error(Error::make(412, "duplicate", "If-None-Exist criteria match more than one resource"));
    }
    if (matches->size() == 1) {
      const auto& rec = matches->front();
      std::string redacted;
      const std::string* body = outbound(ctx, Interaction::read, rec, redacted);
      if (!body) return error(Error::make(412, "duplicate", "If-None-Exist criteria are not selective"));
      return resource_response(ctx, 200, rec, *body);
    }
  }
  // A server-assigned id: whatever id the client sent is ignored (FHIR create).
  std::string id = ctx.assigned_id.empty() ? ids::random_uuid() : ctx.assigned_id;
  return write_resource(ctx, store::WriteKind::create, r.type, id, *doc, nullptr, tx);
}

http::Response FhirService::update(RequestContext& ctx, const Route& r, store::Transaction* tx) {
  auto doc = parse_resource(ctx.http.body, r.type);
  if (!doc.ok()) return error(doc.error());
  auto body_id = json::get_string(*doc, "id");
  if (!body_id) return error(Error::invalid("The resource must carry an id equal to the URL's id", r.type + ".id"));
  if (*body_id != r.id) {
    return error(Error::invalid("The resource id '" + std::string(*body_id) + "' does not match the URL id '" + r.id + "'",
                                r.type + ".id"));
  }
  auto current = tx ? tx->read(r.type, r.id) : store_.read(r.type, r.id);
  if (!current.ok()) return error(current.error());
  const store::Record* cur = nullptr;
  bool hidden = false;
  if (current->has_value() && !(*current)->deleted) {
    // An existing resource the caller may not see is treated exactly like an
    // absent one (same checks, same answer), and is never replaced.
    if (access_.check_read(ctx.caller, Interaction::read, **current, ReadUse::decide).permit) cur = &**current;
    else hidden = true;
  }
  if (!cur && !ctx.if_match.empty())
    return error(Error::make(412, "conflict", "If-Match given but " + r.type + "/" + r.id + " does not exist"));
  return write_resource(ctx, store::WriteKind::update, r.type, r.id, *doc, cur, tx, hidden);
}

http::Response FhirService::remove(RequestContext& ctx, const Route& r, store::Transaction* tx) {
  auto current = tx ? tx->read(r.type, r.id) : store_.read(r.type, r.id);
  if (!current.ok()) return error(current.error());
  auto not_found = Error::not_found(r.type + "/" + r.id + " is not known");
  if (!current->has_value()) return error(not_found);
  const store::Record& cur = **current;
  if (!access_.check_read(ctx.caller, Interaction::read, cur, ReadUse::decide).permit) return error(not_found);
  if (cur.deleted) {
    http::Response resp;
    resp.status = 204;  // deleting a deleted resource has no effect
    return resp;
  }
  json::Document doc;
  auto parsed = json::parse(cur.json);
  if (parsed.ok()) doc = std::move(parsed).value();
  return write_resource(ctx, store::WriteKind::remove, r.type, r.id, doc, &cur, tx);
}

Result<std::vector<store::Record>> FhirService::conditional_matches(RequestContext& ctx, const std::string& type,
                                                                   const Params& criteria,
                                                                   Interaction interaction,
                                                                   store::Transaction* tx) {
  if (criteria.empty()) return Error::invalid("Conditional interactions need search criteria");
  const auto* t = model::find_type(type);
  // Criteria are strict: an ignored parameter would widen the match.
  auto q = search::parse_search(*t, criteria, true);
  if (!q.ok()) return std::move(q).error();
  q->count = 2;  // enough to tell none / one / many
  q->total = search::TotalMode::none;
  // Hidden resources do not exist for conditional logic (leak case 5).
  q->visibility = search_visibility(ctx.caller, *q);
  auto page = tx ? tx->search(*q) : store_.search(*q);
  if (!page.ok()) return std::move(page).error();
  std::vector<store::Record> out;
  for (auto& rec : page->matches)
    if (access_.check_read(ctx.caller, Interaction::search, rec, ReadUse::decide).permit) out.push_back(std::move(rec));
  // More rows exist beyond this page: "many", without scanning further.
  if (page->next)
    while (out.size() < 2) out.push_back(store::Record{});
  return out;
}

Result<store::Transaction*> FhirService::join_or_begin(store::Transaction* tx,
                                                       std::unique_ptr<store::Transaction>& own) {
  if (tx) return tx;
  auto begun = store_.begin();
  if (!begun.ok()) return std::move(begun).error();
  own = std::move(begun).value();
  return own.get();
}

http::Response FhirService::conditional_update(RequestContext& ctx, const Route& r, store::Transaction* tx) {
  auto doc = parse_resource(ctx.http.body, r.type);
  if (!doc.ok()) return error(doc.error());
  std::unique_ptr<store::Transaction> own;
  auto joined = join_or_begin(tx, own);
  if (!joined.ok()) return error(joined.error());
  tx = *joined;
  auto matches = conditional_matches(ctx, r.type, r.params, Interaction::update, tx);
  if (!matches.ok()) return error(matches.error());
  http::Response resp;
  if (matches->size() > 1) {
    return error(Error::make(412, "multiple-matches", "The criteria match more than one resource"));
  } else if (matches->size() == 1) {
    const auto& cur = matches->front();
    auto body_id = json::get_string(*doc, "id");
    if (body_id && *body_id != cur.id)
      return error(Error::make(409, "conflict", "The resource id does not match the resource the criteria found",
                               r.type + ".id"));
    resp = write_resource(ctx, store::WriteKind::update, r.type, cur.id, *doc, &cur, tx);
  } else {
    auto body_id = json::get_string(*doc, "id");
    std::string id = body_id ? std::string(*body_id) : ids::random_uuid();
    if (!ids::is_valid_id(id)) return error(Error::invalid("Invalid id", r.type + ".id"));
    bool hidden = false;
    if (body_id) {
      // A client-chosen id taken by a resource the caller can see is a
      // conflict; one taken by a hidden resource is judged as a free id
      // (and never replaced), so the answer says nothing about it.
      auto existing = tx->read(r.type, id);
      if (!existing.ok()) return error(existing.error());
      if (existing->has_value() && !(*existing)->deleted) {
        if (!access_.check_read(ctx.caller, Interaction::read, **existing, ReadUse::decide).permit) hidden = true;
        else return error(Error::make(409, "conflict", "A resource with this id exists and does not match the criteria"));
      }
    }
    resp = write_resource(ctx, store::WriteKind::update, r.type, id, *doc, nullptr, tx, hidden);
  }
  if (own && resp.status < 300) {
    if (auto s = own->commit(); !s.ok()) return error(s.error());
  }
  return resp;
}

http::Response FhirService::conditional_remove(RequestContext& ctx, const Route& r, store::Transaction* tx) {
  std::unique_ptr<store::Transaction> own;
  auto joined = join_or_begin(tx, own);
  if (!joined.ok()) return error(joined.error());
  tx = *joined;
  auto matches = conditional_matches(ctx, r.type, r.params, Interaction::remove, tx);
  if (!matches.ok()) return error(matches.error());
  if (matches->size() > 1) return error(Error::make(412, "multiple-matches", "The criteria match more than one resource"));
  if (matches->empty()) {
    http::Response resp;
    resp.status = 204;
    return resp;
  }
  const auto cur = matches->front();
  json::Document doc;
  if (auto parsed = json::parse(cur.json); parsed.ok()) doc = std::move(parsed).value();
  auto resp = write_resource(ctx, store::WriteKind::remove, r.type, cur.id, doc, &cur, tx);
  if (own && resp.status < 300) {
    if (auto s = own->commit(); !s.ok()) return error(s.error());
  }
  return resp;
}

}  // namespace fhirgw::rest
