#include "store/postgres/operations.hpp"

#include <algorithm>
#include <set>

#include "core/fhir_time.hpp"
#include "core/json.hpp"
#include "search/indexer.hpp"
#include "store/postgres/search_sql.hpp"
#include "store/search_compiler.hpp"
#include "store/search_runner.hpp"
#include "store/resource_write.hpp"

namespace fhirgw::store::postgres {
namespace {

using sql::kRecordColCount;
using sql::kRecordCols;

// Row i of a result, as the search runner reads rows.
class ResultRow {
 public:
  ResultRow(const Rows& rows, int i) : rows_(rows), i_(i) {}
  int64_t int_at(int c) const { return rows_.int_at(i_, c); }
  std::string text_at(int c) const { return rows_.text_at(i_, c); }
  bool is_integer(int c) const { return rows_.is_integer(c); }
  bool flag_at(int c) const { return rows_.bool_at(i_, c); }

 private:
  const Rows& rows_;
  int i_;
};

Record record_at(const Rows& rows, int i) { return sql::record_from(ResultRow(rows, i)); }

// Runs the search compiler's statements on one connection.
struct Exec {
  Connection& db;
  template <class F>
  Status each_row(const Sql& sql, F&& f) {
    GW_TRY_ASSIGN(rows, db.query(sql));
    for (int i = 0; i < rows.size(); ++i)
      if (!f(ResultRow(rows, i))) break;
    return {};
  }
};

using Compiler = sql::SearchCompiler<Dialect>;
using Runner = sql::SearchRunner<Compiler, Exec>;

// The first row of kRecordCols + kChangeSeqCol (read, vread).
Result<std::optional<Record>> first_record(Connection& db, const std::string& sql, const std::vector<Bind>& binds) {
  GW_TRY_ASSIGN(rows, db.query(sql, binds));
  if (rows.size() == 0) return std::optional<Record>();
  return std::optional<Record>(sql::record_with_change_seq(ResultRow(rows, 0)));
}

// ---- index rows ----

Status clear_index(Connection& db, int64_t rid) {
  // One round trip for the five tables; the superseded version's codes are
  // kept in codes_ever, for history visibility.
  GW_TRY(db.query(
      "WITH t AS (DELETE FROM idx_token WHERE res = $1 RETURNING system, code),"
      " e AS (INSERT INTO codes_ever (res, system, code) SELECT DISTINCT $1::bigint, system, code FROM t"
      " ON CONFLICT DO NOTHING), s AS (DELETE FROM idx_string WHERE res = $1),"
      " d AS (DELETE FROM idx_date WHERE res = $1), f AS (DELETE FROM idx_ref WHERE res = $1),"
      " u AS (DELETE FROM idx_uri WHERE res = $1) SELECT 1",
      {rid}));
  return {};
}

// Every index row of a version, one multi-row INSERT per table (arrays
// unnested server-side), so a write costs a handful of round trips.
Status write_index(Connection& db, int64_t rid, const std::string& type,
                   const std::vector<search::IndexEntry>& entries) {
  using model::ParamType;
  TextArray tok_param, tok_system, tok_code;
  TextArray str_param, str_norm, str_exact;
  TextArray date_param;
  IntArray date_lo, date_hi;
  TextArray ref_param, ref_type, ref_id, ref_url;
  TextArray uri_param, uri_value;
  for (const auto& e : entries) {
    // _id and _lastUpdated are searched on the resources row itself.
    if (e.param == "_id" || e.param == "_lastUpdated") continue;
    switch (e.type) {
      case ParamType::token:
        tok_param.items.push_back(e.param);
        tok_system.items.push_back(e.system);
        tok_code.items.push_back(e.code);
        break;
      case ParamType::string:
        str_param.items.push_back(e.param);
        str_norm.items.push_back(e.text);
        str_exact.items.push_back(e.exact);
        break;
      case ParamType::date:
        date_param.items.push_back(e.param);
        date_lo.items.push_back(e.lo_ms);
        date_hi.items.push_back(e.hi_ms);
        break;
      case ParamType::reference:
        ref_param.items.push_back(e.param);
        ref_type.items.push_back(e.ref_type);
        ref_id.items.push_back(e.ref_id);
        ref_url.items.push_back(e.ref_url);
        break;
      case ParamType::uri:
        uri_param.items.push_back(e.param);
        uri_value.items.push_back(e.text);
        break;
      case ParamType::number: break;
    }
  }
  if (!tok_param.items.empty()) {
    GW_TRY(db.query("INSERT INTO idx_token (res, type, param, system, code) SELECT $1, $2, u.p, u.s, u.c"
                    " FROM unnest($3::text[], $4::text[], $5::text[]) AS u(p, s, c)",
                    {rid, type, tok_param, tok_system, tok_code}));
  }
  if (!str_param.items.empty())
    GW_TRY(db.query("INSERT INTO idx_string (res, type, param, norm, exact) SELECT $1, $2, u.p, u.n, u.e"
                    " FROM unnest($3::text[], $4::text[], $5::text[]) AS u(p, n, e)",
                    {rid, type, str_param, str_norm, str_exact}));
  if (!date_param.items.empty())
    GW_TRY(db.query("INSERT INTO idx_date (res, type, param, lo, hi) SELECT $1, $2, u.p, u.lo, u.hi"
                    " FROM unnest($3::text[], $4::bigint[], $5::bigint[]) AS u(p, lo, hi)",
                    {rid, type, date_param, date_lo, date_hi}));
  if (!ref_param.items.empty())
    GW_TRY(db.query("INSERT INTO idx_ref (res, type, param, ref_type, ref_id, url) SELECT $1, $2, u.p, u.t, u.i, u.u"
                    " FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS u(p, t, i, u)",
                    {rid, type, ref_param, ref_type, ref_id, ref_url}));
  if (!uri_param.items.empty())
    GW_TRY(db.query("INSERT INTO idx_uri (res, type, param, uri) SELECT $1, $2, u.p, u.v"
                    " FROM unnest($3::text[], $4::text[]) AS u(p, v)",
                    {rid, type, uri_param, uri_value}));
  return {};
}

Status insert_version(Connection& db, const Record& rec) {
  GW_TRY(db.query("INSERT INTO versions (res, type, id, version, last_updated, deleted, json)"
                  " VALUES ($1, $2, $3, $4, $5, $6::text::boolean, $7)",
                  {rec.row, rec.type, rec.id, rec.version, rec.last_updated_ms,
                   std::string(rec.deleted ? "true" : "false"), rec.json}));
  return {};
}

// The PostgreSQL side of a write (store/resource_write.hpp).
class PgRowWriter final : public RowWriter {
 public:
  explicit PgRowWriter(Connection& db) : db_(db) {}
  Result<std::optional<Record>> current(const std::string& type, const std::string& id) override {
    return read_current(db_, type, id);
  }
  Result<int64_t> insert_resource(const Record& rec) override {
    GW_TRY_ASSIGN(ins, db_.query("INSERT INTO resources (type, id, version, deleted, last_updated, controller,"
                                 " patient_id, author_org, confidential)"
                                 " VALUES ($1, $2, $3, FALSE, $4, $5, $6, $7, $8::text::boolean) RETURNING rid",
                                 {rec.type, rec.id, rec.version, rec.last_updated_ms, rec.controller, rec.patient_id,
                                  rec.author_org, flag(rec.confidential)}));
    return ins.int_at(0, 0);
  }
  Status update_resource(const Record& rec) override {
    GW_TRY(db_.query("UPDATE resources SET version = $1, deleted = FALSE, last_updated = $2, controller = $3,"
                     " patient_id = $4, author_org = $5, confidential = $6::text::boolean WHERE rid = $7",
                     {rec.version, rec.last_updated_ms, rec.controller, rec.patient_id, rec.author_org,
                      flag(rec.confidential), rec.row}));
    return {};
  }
  Status mark_deleted(const Record& rec) override {
    GW_TRY(db_.query("UPDATE resources SET version = $1, deleted = TRUE, last_updated = $2 WHERE rid = $3",
                     {rec.version, rec.last_updated_ms, rec.row}));
    return {};
  }
  Status insert_version(const Record& rec) override { return postgres::insert_version(db_, rec); }
  Status clear_index(int64_t rid) override { return postgres::clear_index(db_, rid); }
  Status write_index(int64_t rid, const model::ResourceType& type,
                     const std::vector<search::IndexEntry>& entries) override {
    return postgres::write_index(db_, rid, std::string(type.name), entries);
  }

 private:
  static std::string flag(bool b) { return b ? "true" : "false"; }
  Connection& db_;
};

}  // namespace

Result<std::optional<Record>> read_current(Connection& db, const std::string& type, const std::string& id) {
  return first_record(db,
                      std::string("SELECT ") + kRecordCols + sql::kChangeSeqCol +
                          " FROM resources r JOIN versions v ON v.res = r.rid AND v.version = r.version"
                          " WHERE r.type = $1 AND r.id = $2",
                      {type, id});
}

Result<std::optional<Record>> read_version(Connection& db, const std::string& type, const std::string& id,
                                           int64_t version) {
  return first_record(db,
                      std::string("SELECT ") + kRecordCols + sql::kChangeSeqCol +
                          " FROM resources r JOIN versions v ON v.res = r.rid"
                          " WHERE r.type = $1 AND r.id = $2 AND v.version = $3",
                      {type, id, version});
}

Result<WriteResult> put(Connection& db, const Write& w) {
  GW_TRY(db.exec("SAVEPOINT gw_put"));
  PgRowWriter rows(db);
  auto result = write_resource(rows, w);
  if (!result) {
    (void)db.exec("ROLLBACK TO SAVEPOINT gw_put");
    (void)db.exec("RELEASE SAVEPOINT gw_put");
    return result;
  }
  GW_TRY(db.exec("RELEASE SAVEPOINT gw_put"));
  return result;
}

Result<Sql> search_page_sql(const search::Query& q) { return Compiler::page_sql(q); }

Result<SearchPage> search(Connection& db, const search::Query& q) {
  Exec x{db};
  return Runner::search(x, q);
}

Result<HistoryPage> history(Connection& db, const HistoryQuery& q) {
  Exec x{db};
  return Runner::history(x, q);
}

Status add_outbox(Connection& db, const OutboxEntry& e) {
  GW_TRY(db.query("INSERT INTO outbox (controller, type, id, version, author_org, created_ms)"
                  " VALUES ($1, $2, $3, $4, $5, $6)",
                  {e.controller, e.type, e.id, e.version, e.author_org, fhir_time::now_ms()}));
  return {};
}

Status add_quarantine(Connection& db, const QuarantineEntry& e) {
  GW_TRY(db.query("INSERT INTO quarantine (import_id, format, organisation, file, line, column_name, message, raw,"
                  " created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                  {e.import_id, e.format, e.organisation, e.file, e.line, e.column, e.message, e.raw,
                   e.created_ms ? e.created_ms : fhir_time::now_ms()}));
  return {};
}

Result<std::vector<ResourceKey>> live_keys(Connection& db, const std::string& controller,
                                           const std::string& patient_id) {
  std::string sql = "SELECT type, id FROM resources WHERE controller = $1 AND NOT deleted";
  std::vector<Bind> binds{controller};
  if (!patient_id.empty()) {
    sql += " AND patient_id = $2";
    binds.emplace_back(patient_id);
  }
  sql += " ORDER BY rid";
  GW_TRY_ASSIGN(rows, db.query(sql, binds));
  std::vector<ResourceKey> out;
  for (int i = 0; i < rows.size(); ++i) out.push_back({rows.text_at(i, 0), rows.text_at(i, 1)});
  return out;
}

Result<std::vector<QuarantineEntry>> list_quarantine(Connection& db, const std::string& import_id, int limit,
                                                     int64_t after_id) {
  GW_TRY_ASSIGN(rows, db.query("SELECT id, import_id, format, organisation, file, line, column_name, message, raw,"
                               " created_ms FROM quarantine WHERE import_id = $1 AND id > $2 ORDER BY id LIMIT $3",
                               {import_id, after_id, static_cast<int64_t>(std::max(limit, 0))}));
  std::vector<QuarantineEntry> out;
  for (int i = 0; i < rows.size(); ++i) {
    QuarantineEntry e;
    e.id = rows.int_at(i, 0);
    e.import_id = rows.text_at(i, 1);
    e.format = rows.text_at(i, 2);
    e.organisation = rows.text_at(i, 3);
    e.file = rows.text_at(i, 4);
    e.line = rows.int_at(i, 5);
    e.column = rows.text_at(i, 6);
    e.message = rows.text_at(i, 7);
    e.raw = rows.text_at(i, 8);
    e.created_ms = rows.int_at(i, 9);
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<OutboxEntry>> list_outbox(Connection& db, const std::string& controller, int64_t since_ms) {
  GW_TRY_ASSIGN(rows, db.query("SELECT controller, type, id, version, author_org, created_ms FROM outbox"
                               " WHERE controller = $1 AND created_ms >= $2 ORDER BY seq",
                               {controller, since_ms}));
  std::vector<OutboxEntry> out;
  for (int i = 0; i < rows.size(); ++i)
    out.push_back({rows.text_at(i, 0), rows.text_at(i, 1), rows.text_at(i, 2), rows.int_at(i, 3),
                   rows.text_at(i, 4), rows.int_at(i, 5)});
  return out;
}

Result<int64_t> change_seq(Connection& db) {
  GW_TRY_ASSIGN(rows, db.query("SELECT COALESCE(MAX(seq), 0) FROM versions"));
  return rows.int_at(0, 0);
}

Result<std::vector<Record>> changed_since(Connection& db, int64_t after_seq, const std::vector<std::string>& types,
                                          int limit) {
  // Each changed resource once, with its current version; row = its latest seq.
  GW_TRY_ASSIGN(rows, db.query(std::string("SELECT ") + kRecordCols +
                                   ", c.last_seq FROM (SELECT res, MAX(seq) AS last_seq FROM versions"
                                   " WHERE seq > $1 AND type = ANY($2::text[]) GROUP BY res"
                                   " ORDER BY last_seq LIMIT $3) c"
                                   " JOIN resources r ON r.rid = c.res"
                                   " JOIN versions v ON v.res = r.rid AND v.version = r.version ORDER BY c.last_seq",
                               {after_seq, TextArray{types}, static_cast<int64_t>(std::max(limit, 0))}));
  std::vector<Record> out;
  for (int i = 0; i < rows.size(); ++i) {
    Record r = record_at(rows, i);
    r.row = rows.int_at(i, kRecordColCount);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace fhirgw::store::postgres
