#include "store/sqlite/write.hpp"

#include <algorithm>

#include "core/fhir_time.hpp"
#include "core/ids.hpp"
#include "core/try.hpp"
#include "search/indexer.hpp"
#include "search/reference.hpp"
#include "store/resource_meta.hpp"
#include "store/sqlite/operations.hpp"

namespace fhirgw::store::sqlite {

namespace {

const char* sql_text(WriteStatements::Sql which) {
  using S = WriteStatements;
  switch (which) {
    case S::insert_resource:
      return "INSERT INTO resources (type, id, version, deleted, last_updated, controller, patient_id, author_org, "
             "confidential) VALUES (?,?,?,0,?,?,?,?,?)";
    case S::update_resource:
      return "UPDATE resources SET version = ?, deleted = 0, last_updated = ?, controller = ?, patient_id = ?, "
             "author_org = ?, confidential = ? WHERE rid = ?";
    case S::delete_resource: return "UPDATE resources SET version = ?, deleted = 1, last_updated = ? WHERE rid = ?";
    case S::insert_version:
      return "INSERT INTO versions (res, type, id, version, last_updated, deleted, json) VALUES (?,?,?,?,?,?,?)";
    case S::clear_token: return "DELETE FROM idx_token WHERE res = ?";
    case S::clear_string: return "DELETE FROM idx_string WHERE res = ?";
    case S::clear_date: return "DELETE FROM idx_date WHERE res = ?";
    case S::clear_ref: return "DELETE FROM idx_ref WHERE res = ?";
    case S::clear_uri: return "DELETE FROM idx_uri WHERE res = ?";
    case S::kCount: break;
  }
  return "";
}

// Runs a statement to completion and leaves it reset, so a held statement
// never stays active between writes.
Status run(Statement& s) {
  auto st = s.run();
  s.reset();
  return st;
}

Status clear_index(WriteStatements& stmts, int64_t rid) {
  using S = WriteStatements;
  for (auto which : {S::clear_token, S::clear_string, S::clear_date, S::clear_ref, S::clear_uri}) {
    GW_TRY_ASSIGN(del, stmts.get(which));
    del->bind(1, rid);
    GW_TRY(run(*del));
  }
  return {};
}

// The columns of each row table (after res), and how many there are.
struct RowTableSql {
  const char* head;  // "INSERT OR IGNORE INTO t (res, ...) VALUES ": a repeated row is one row
  int columns;       // per row, res included
};
RowTableSql row_table_sql(WriteStatements::RowTable t) {
  using S = WriteStatements;
  switch (t) {
    case S::token_rows: return {"INSERT OR IGNORE INTO idx_token (res, type, param, system, code) VALUES ", 5};
    case S::code_ever_rows: return {"INSERT OR IGNORE INTO codes_ever (res, system, code) VALUES ", 3};
    case S::string_rows: return {"INSERT OR IGNORE INTO idx_string (res, type, param, norm, exact) VALUES ", 5};
    case S::date_rows: return {"INSERT OR IGNORE INTO idx_date (res, type, param, lo, hi) VALUES ", 5};
    case S::ref_rows: return {"INSERT OR IGNORE INTO idx_ref (res, type, param, ref_type, ref_id, url) VALUES ", 6};
    case S::uri_rows: return {"INSERT OR IGNORE INTO idx_uri (res, type, param, uri) VALUES ", 4};
    case S::kRowTables: break;
  }
  return {"", 0};
}

// Inserts the rows of one table, up to kMaxRowsPerInsert per statement:
// bind(statement, first parameter index, entry) binds one row.
template <class Bind>
Status insert_rows(WriteStatements& stmts, WriteStatements::RowTable table,
                   const std::vector<const search::IndexEntry*>& entries, Bind bind) {
  const int columns = row_table_sql(table).columns;
  for (size_t start = 0; start < entries.size(); start += WriteStatements::kMaxRowsPerInsert) {
    size_t n = std::min(WriteStatements::kMaxRowsPerInsert, entries.size() - start);
    GW_TRY_ASSIGN(s, stmts.rows(table, n));
    for (size_t k = 0; k < n; ++k) bind(*s, static_cast<int>(k) * columns + 1, *entries[start + k]);
    GW_TRY(run(*s));
  }
  return {};
}

Status write_index(WriteStatements& stmts, int64_t rid, const std::string& type,
                   const std::vector<search::IndexEntry>& entries) {
  using model::ParamType;
  using S = WriteStatements;
  std::array<std::vector<const search::IndexEntry*>, S::kRowTables> by_table;
  for (const auto& e : entries) {
    // _id and _lastUpdated are searched on the resources row itself.
    if (e.param == "_id" || e.param == "_lastUpdated") continue;
    switch (e.type) {
      case ParamType::token:
        by_table[S::token_rows].push_back(&e);
        by_table[S::code_ever_rows].push_back(&e);
        break;
      case ParamType::string: by_table[S::string_rows].push_back(&e); break;
      case ParamType::date: by_table[S::date_rows].push_back(&e); break;
      case ParamType::reference: by_table[S::ref_rows].push_back(&e); break;
      case ParamType::uri: by_table[S::uri_rows].push_back(&e); break;
      case ParamType::number: break;
    }
  }
  GW_TRY(insert_rows(stmts, S::token_rows, by_table[S::token_rows],
                     [&](Statement& s, int i, const search::IndexEntry& e) {
                       s.bind(i, rid).bind(i + 1, type).bind(i + 2, e.param).bind(i + 3, e.system).bind(i + 4, e.code);
                     }));
  GW_TRY(insert_rows(stmts, S::code_ever_rows, by_table[S::code_ever_rows],
                     [&](Statement& s, int i, const search::IndexEntry& e) {
                       s.bind(i, rid).bind(i + 1, e.system).bind(i + 2, e.code);
                     }));
  GW_TRY(insert_rows(stmts, S::string_rows, by_table[S::string_rows],
                     [&](Statement& s, int i, const search::IndexEntry& e) {
                       s.bind(i, rid).bind(i + 1, type).bind(i + 2, e.param).bind(i + 3, e.text).bind(i + 4, e.exact);
                     }));
  GW_TRY(insert_rows(stmts, S::date_rows, by_table[S::date_rows],
                     [&](Statement& s, int i, const search::IndexEntry& e) {
                       s.bind(i, rid).bind(i + 1, type).bind(i + 2, e.param).bind(i + 3, e.lo_ms).bind(i + 4, e.hi_ms);
                     }));
  GW_TRY(insert_rows(stmts, S::ref_rows, by_table[S::ref_rows],
                     [&](Statement& s, int i, const search::IndexEntry& e) {
                       s.bind(i, rid).bind(i + 1, type).bind(i + 2, e.param).bind(i + 3, e.ref_type);
                       s.bind(i + 4, e.ref_id).bind(i + 5, e.ref_url);
                     }));
  GW_TRY(insert_rows(stmts, S::uri_rows, by_table[S::uri_rows],
                     [&](Statement& s, int i, const search::IndexEntry& e) {
                       s.bind(i, rid).bind(i + 1, type).bind(i + 2, e.param).bind(i + 3, e.text);
                     }));
  return {};
}

Status insert_version(WriteStatements& stmts, const Record& rec) {
  GW_TRY_ASSIGN(s, stmts.get(WriteStatements::insert_version));
  s->bind(1, rec.row).bind(2, rec.type).bind(3, rec.id).bind(4, rec.version).bind(5, rec.last_updated_ms);
  s->bind(6, int64_t{rec.deleted ? 1 : 0}).bind(7, rec.json);
  return run(*s);
}

Result<WriteResult> remove_resource(WriteStatements& stmts, const Write& w, const std::optional<Record>& cur,
                                    int64_t now) {
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
  GW_TRY(insert_version(stmts, rec));
  GW_TRY_ASSIGN(upd, stmts.get(WriteStatements::delete_resource));
  upd->bind(1, rec.version).bind(2, now).bind(3, rec.row);
  GW_TRY(run(*upd));
  GW_TRY(clear_index(stmts, rec.row));
  return out;
}

// The checks every write makes before it touches a row.
Result<const model::ResourceType*> checked_type(const std::string& type, const std::string& id) {
  const model::ResourceType* rt = model::find_type(type);
  if (!rt) return Error::make(400, "not-supported", "Resource type '" + type + "' is not supported");
  if (!ids::is_valid_id(id)) return Error::invalid("'" + id + "' is not a valid resource id", type + ".id");
  return rt;
}

// lastUpdated never goes backwards for a resource, even if the clock does.
int64_t write_time(const std::optional<Record>& cur) {
  int64_t now = fhir_time::now_ms();
  if (cur && now <= cur->last_updated_ms) now = cur->last_updated_ms + 1;
  return now;
}

// Stores `doc` (already parsed) as the next version of type/id after `cur`.
Result<WriteResult> write_document(WriteStatements& stmts, const model::ResourceType& rt, const std::string& type,
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
    GW_TRY_ASSIGN(upd, stmts.get(WriteStatements::update_resource));
    upd->bind(1, rec.version).bind(2, now).bind(3, g.controller).bind(4, g.patient_id).bind(5, g.author_org);
    upd->bind(6, int64_t{g.confidential ? 1 : 0}).bind(7, rec.row);
    GW_TRY(run(*upd));
  } else {
    GW_TRY_ASSIGN(ins, stmts.get(WriteStatements::insert_resource));
    ins->bind(1, rec.type).bind(2, rec.id).bind(3, rec.version).bind(4, now).bind(5, g.controller);
    ins->bind(6, g.patient_id).bind(7, g.author_org).bind(8, int64_t{g.confidential ? 1 : 0});
    GW_TRY(run(*ins));
    rec.row = stmts.db().last_insert_rowid();
  }
  GW_TRY(insert_version(stmts, rec));
  if (cur) GW_TRY(clear_index(stmts, rec.row));  // a tombstone has none, but an update does
  GW_TRY(write_index(stmts, rec.row, rec.type, entries));
  return WriteResult{std::move(rec), !live, false};
}

Result<WriteResult> put_inner(Connection& db, const Write& w) {
  GW_TRY_ASSIGN(rt, checked_type(w.type, w.id));
  GW_TRY_ASSIGN(cur, read_current(db, w.type, w.id));
  if (w.if_match_version && (!cur || cur->version != *w.if_match_version))
    return Error::make(412, "conflict",
                       "Version conflict: If-Match names version " + std::to_string(*w.if_match_version) +
                           " but the current version of " + w.type + "/" + w.id + " is " +
                           (cur ? std::to_string(cur->version) : std::string("none")));
  int64_t now = write_time(cur);
  WriteStatements stmts(db);
  if (w.kind == WriteKind::remove) return remove_resource(stmts, w, cur, now);

  bool live = cur && !cur->deleted;
  if (w.kind == WriteKind::create && live)
    return Error::make(409, "duplicate", w.type + "/" + w.id + " already exists");

  GW_TRY_ASSIGN(doc, json::parse(w.json));
  return write_document(stmts, *rt, w.type, w.id, doc, cur, now);
}

}  // namespace

Result<Statement*> WriteStatements::get(Sql which) {
  auto& held = held_[static_cast<size_t>(which)];
  if (!held) {
    auto prepared = db_.prepare(sql_text(which));
    if (!prepared) return std::move(prepared).error();
    held.emplace(std::move(*prepared));
  }
  return &*held;
}

Result<Statement*> WriteStatements::rows(RowTable table, size_t rows) {
  auto& held = row_inserts_[static_cast<size_t>(table)][rows - 1];
  if (!held) {
    RowTableSql sql = row_table_sql(table);
    std::string text = sql.head;
    for (size_t r = 0; r < rows; ++r) {
      text += r ? ",(" : "(";
      for (int c = 0; c < sql.columns; ++c) text += c ? ",?" : "?";
      text += ")";
    }
    auto prepared = db_.prepare(text);
    if (!prepared) return std::move(prepared).error();
    held.emplace(std::move(*prepared));
  }
  return &*held;
}

Result<WriteResult> put(Connection& db, const Write& w) {
  GW_TRY(db.exec("SAVEPOINT gw_put"));
  auto result = put_inner(db, w);
  if (!result) {
    (void)db.exec("ROLLBACK TO gw_put");
    (void)db.exec("RELEASE gw_put");
    return result;
  }
  GW_TRY(db.exec("RELEASE gw_put"));
  return result;
}

Result<WriteResult> put_document(WriteStatements& stmts, const std::string& type, const std::string& id,
                                 json::Document& doc) {
  GW_TRY_ASSIGN(rt, checked_type(type, id));
  GW_TRY_ASSIGN(cur, read_current(stmts.db(), type, id));
  return write_document(stmts, *rt, type, id, doc, cur, write_time(cur));
}

}  // namespace fhirgw::store::sqlite
