#include "store/sqlite/write.hpp"

#include <algorithm>

#include "core/try.hpp"
#include "search/indexer.hpp"
#include "store/resource_write.hpp"
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
    case S::keep_codes:
      return "INSERT OR IGNORE INTO codes_ever (res, system, code) SELECT res, system, code FROM idx_token WHERE res = ?";
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
  if (stmts.pending().holds(rid)) GW_TRY(stmts.flush_index_rows());  // deferred rows go before the delete
  // The superseded version's codes are kept first, for history visibility.
  for (auto which : {S::keep_codes, S::clear_token, S::clear_string, S::clear_date, S::clear_ref, S::clear_uri}) {
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
RowTableSql row_table_sql(RowTable t) {
  switch (t) {
    case RowTable::token: return {"INSERT OR IGNORE INTO idx_token (res, type, param, system, code) VALUES ", 5};
    case RowTable::string: return {"INSERT OR IGNORE INTO idx_string (res, type, param, norm, exact) VALUES ", 5};
    case RowTable::date: return {"INSERT OR IGNORE INTO idx_date (res, type, param, lo, hi) VALUES ", 5};
    case RowTable::ref: return {"INSERT OR IGNORE INTO idx_ref (res, type, param, ref_type, ref_id, url) VALUES ", 6};
    case RowTable::uri: return {"INSERT OR IGNORE INTO idx_uri (res, type, param, uri) VALUES ", 4};
  }
  return {"", 0};
}

using Row = IndexRowBatch::Row;

// Binds one row's columns (after res, type and param) from the batch's
// fields (see IndexRowBatch::Row for their order).
void bind_values(Statement& s, int i, RowTable t, const IndexRowBatch& b, const Row& r) {
  switch (t) {
    case RowTable::token: s.bind(i, b.field(r, 2)).bind(i + 1, b.field(r, 1)); break;     // system, code
    case RowTable::string: s.bind(i, b.field(r, 1)).bind(i + 1, b.field(r, 2)); break;    // norm, exact
    case RowTable::date: s.bind(i, r.lo).bind(i + 1, r.hi); break;
    case RowTable::ref:  // ref_type, ref_id, url
      s.bind(i, b.field(r, 2)).bind(i + 1, b.field(r, 1)).bind(i + 2, b.field(r, 3));
      break;
    case RowTable::uri: s.bind(i, b.field(r, 1)); break;
  }
}

// Inserts the batch's rows of each table, up to kMaxRowsPerInsert per
// statement, sorted by value index when `sorted`.
Status insert_index_rows(WriteStatements& stmts, const IndexRowBatch& batch, bool sorted) {
  for (auto table : {RowTable::token, RowTable::string, RowTable::date, RowTable::ref, RowTable::uri}) {
    auto rows = batch.rows(table, sorted);
    const int columns = row_table_sql(table).columns;
    for (size_t start = 0; start < rows.size(); start += WriteStatements::kMaxRowsPerInsert) {
      size_t n = std::min(WriteStatements::kMaxRowsPerInsert, rows.size() - start);
      GW_TRY_ASSIGN(s, stmts.rows(table, n));
      for (size_t k = 0; k < n; ++k) {
        const Row& r = *rows[start + k];
        int i = static_cast<int>(k) * columns + 1;
        s->bind(i, r.rid).bind(i + 1, r.type).bind(i + 2, batch.field(r, 0));
        bind_values(*s, i + 3, table, batch, r);
      }
      GW_TRY(run(*s));
    }
  }
  return {};
}

Status write_index(WriteStatements& stmts, int64_t rid, const model::ResourceType& type,
                   const std::vector<search::IndexEntry>& entries) {
  for (const auto& e : entries) {
    // _id and _lastUpdated are searched on the resources row itself.
    if (e.param == "_id" || e.param == "_lastUpdated") continue;
    stmts.pending().add(rid, type.name, e);
  }
  if (stmts.deferring() && stmts.pending().size() < WriteStatements::kDeferredRows) return {};
  return stmts.flush_index_rows();
}

Status insert_version(WriteStatements& stmts, const Record& rec) {
  GW_TRY_ASSIGN(s, stmts.get(WriteStatements::insert_version));
  s->bind(1, rec.row).bind(2, rec.type).bind(3, rec.id).bind(4, rec.version).bind(5, rec.last_updated_ms);
  s->bind(6, int64_t{rec.deleted ? 1 : 0}).bind(7, rec.json);
  return run(*s);
}

// The SQLite side of a write (store/resource_write.hpp), on held statements.
class SqliteRowWriter final : public RowWriter {
 public:
  explicit SqliteRowWriter(WriteStatements& stmts) : stmts_(stmts) {}
  Result<std::optional<Record>> current(const std::string& type, const std::string& id) override {
    return read_current(stmts_.db(), type, id);
  }
  Result<int64_t> insert_resource(const Record& rec) override {
    GW_TRY_ASSIGN(ins, stmts_.get(WriteStatements::insert_resource));
    ins->bind(1, rec.type).bind(2, rec.id).bind(3, rec.version).bind(4, rec.last_updated_ms).bind(5, rec.controller);
    ins->bind(6, rec.patient_id).bind(7, rec.author_org).bind(8, int64_t{rec.confidential ? 1 : 0});
    GW_TRY(run(*ins));
    return stmts_.db().last_insert_rowid();
  }
  Status update_resource(const Record& rec) override {
    GW_TRY_ASSIGN(upd, stmts_.get(WriteStatements::update_resource));
    upd->bind(1, rec.version).bind(2, rec.last_updated_ms).bind(3, rec.controller).bind(4, rec.patient_id);
    upd->bind(5, rec.author_org).bind(6, int64_t{rec.confidential ? 1 : 0}).bind(7, rec.row);
    return run(*upd);
  }
  Status mark_deleted(const Record& rec) override {
    GW_TRY_ASSIGN(upd, stmts_.get(WriteStatements::delete_resource));
    upd->bind(1, rec.version).bind(2, rec.last_updated_ms).bind(3, rec.row);
    return run(*upd);
  }
  Status insert_version(const Record& rec) override { return sqlite::insert_version(stmts_, rec); }
  Status clear_index(int64_t rid) override { return sqlite::clear_index(stmts_, rid); }
  Status write_index(int64_t rid, const model::ResourceType& type,
                     const std::vector<search::IndexEntry>& entries) override {
    return sqlite::write_index(stmts_, rid, type, entries);
  }

 private:
  WriteStatements& stmts_;
};

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

Status WriteStatements::flush_index_rows() {
  if (pending_.empty()) return {};
  auto st = insert_index_rows(*this, pending_, deferring_);
  pending_.clear();
  return st;
}

Result<WriteResult> put(Connection& db, const Write& w) {
  GW_TRY(db.exec("SAVEPOINT gw_put"));
  WriteStatements stmts(db);
  SqliteRowWriter rows(stmts);
  auto result = write_resource(rows, w);
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
  SqliteRowWriter rows(stmts);
  return write_parsed(rows, type, id, doc);
}

}  // namespace fhirgw::store::sqlite
