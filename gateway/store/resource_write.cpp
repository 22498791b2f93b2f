#include "store/resource_write.hpp"

#include "core/fhir_time.hpp"
#include "core/ids.hpp"
#include "core/try.hpp"
#include "store/resource_meta.hpp"

namespace fhirgw::store {
namespace {

// The checks every write makes before it touches a row.
Result<const model::ResourceType*> checked_type(const std::string& type, const std::string& id) {
  const model::ResourceType* rt = model::find_type(type);
  if (!rt) return Error::make(400, "not-supported", "Resource type '" + type + "' is not supported");
  if (!ids::is_valid_id(id)) return Error::invalid("'" + id + "' is not a valid resource id", type + ".id");
  return rt;
}

// lastUpdated never goes backwards for a resource, even if the clock does
// (or another replica's clock runs behind).
int64_t write_time(const std::optional<Record>& cur) {
  int64_t now = fhir_time::now_ms();
  if (cur && now <= cur->last_updated_ms) now = cur->last_updated_ms + 1;
  return now;
}

Result<WriteResult> remove_resource(RowWriter& rows, const Write& w, const std::optional<Record>& cur, int64_t now) {
  WriteResult out;
  if (!cur) {  // never existed: nothing to do
    out.record.type = w.type;
    out.record.id = w.id;
    out.record.deleted = true;
    return out;
  }
  out.record = *cur;
  if (cur->deleted) return out;
  Record& rec = out.record;
  rec.version = cur->version + 1;
  rec.last_updated_ms = now;
  rec.deleted = true;
  rec.json.clear();
  GW_TRY(rows.insert_version(rec));
  GW_TRY(rows.mark_deleted(rec));
  GW_TRY(rows.clear_index(rec.row));
  return out;
}

// Stores `doc` as the next version of type/id after `cur`.
Result<WriteResult> write_document(RowWriter& rows, const model::ResourceType& rt, const std::string& type,
                                   const std::string& id, json::Document& doc, const std::optional<Record>& cur,
                                   int64_t now) {
  if (!doc.IsObject()) return Error::invalid("The resource must be a JSON object");
  if (json::get_string(doc, "resourceType") != type)
    return Error::invalid("resourceType must be '" + type + "'", "resourceType");
  if (auto doc_id = json::get_string(doc, "id"); doc_id && *doc_id != id)
    return Error::invalid("The resource id '" + std::string(*doc_id) + "' does not match '" + id + "'", type + ".id");
  json::set_string(doc, "id", id, doc.GetAllocator());

  bool live = cur && !cur->deleted;
  if (live) {
    GW_TRY_ASSIGN(same, same_content(cur->json, doc));
    if (same) return WriteResult{*cur, false, true};
  }

  Record rec;
  rec.type = type;
  rec.id = id;
  rec.version = cur ? cur->version + 1 : 1;
  rec.last_updated_ms = now;
  stamp_meta(doc, rec.version, now);
  rec.json = json::to_string(doc);
  auto entries = search::extract_index(rt, doc);
  Governance g = derive_governance(rt, id, doc, entries);
  rec.controller = g.controller;
  rec.patient_id = g.patient_id;
  rec.author_org = g.author_org;
  rec.confidential = g.confidential;

  if (cur) {
    rec.row = cur->row;
    GW_TRY(rows.update_resource(rec));
  } else {
    GW_TRY_ASSIGN(rid, rows.insert_resource(rec));
    rec.row = rid;
  }
  GW_TRY(rows.insert_version(rec));
  if (cur) GW_TRY(rows.clear_index(rec.row));  // a tombstone has none, but an update does
  GW_TRY(rows.write_index(rec.row, rt, entries));
  return WriteResult{std::move(rec), !live, false};
}

}  // namespace

Result<WriteResult> write_resource(RowWriter& rows, const Write& w) {
  GW_TRY_ASSIGN(rt, checked_type(w.type, w.id));
  GW_TRY_ASSIGN(cur, rows.current(w.type, w.id));
  if (w.if_match_version && (!cur || cur->version != *w.if_match_version))
    return Error::make(412, "conflict",
                       "Version conflict: If-Match names version " + std::to_string(*w.if_match_version) +
                           " but the current version of " + w.type + "/" + w.id + " is " +
                           (cur ? std::to_string(cur->version) : std::string("none")));
  int64_t now = write_time(cur);
  if (w.kind == WriteKind::remove) return remove_resource(rows, w, cur, now);
  bool live = cur && !cur->deleted;
  if (w.kind == WriteKind::create && live) return Error::make(409, "duplicate", w.type + "/" + w.id + " already exists");
  GW_TRY_ASSIGN(doc, json::parse(w.json));
  return write_document(rows, *rt, w.type, w.id, doc, cur, now);
}

Result<WriteResult> write_parsed(RowWriter& rows, const std::string& type, const std::string& id,
                                 json::Document& doc) {
  GW_TRY_ASSIGN(rt, checked_type(type, id));
  GW_TRY_ASSIGN(cur, rows.current(type, id));
  return write_document(rows, *rt, type, id, doc, cur, write_time(cur));
}

}  // namespace fhirgw::store
