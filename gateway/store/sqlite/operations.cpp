#include "store/sqlite/operations.hpp"

#include <cstdlib>

#include "core/fhir_time.hpp"
#include "core/json.hpp"
#include "core/systems.hpp"
#include "core/try.hpp"
#include "search/indexer.hpp"
#include "search/reference.hpp"
#include "store/search_compiler.hpp"
#include "store/search_runner.hpp"
#include "store/sqlite/search_sql.hpp"

namespace fhirgw::store::sqlite {
namespace {

using sql::kRecordColCount;
using sql::kRecordCols;

// A statement's current row, as the search runner reads rows.
class StatementRow {
 public:
  explicit StatementRow(const Statement& s) : s_(s) {}
  int64_t int_at(int c) const { return s_.int_at(c); }
  std::string text_at(int c) const { return s_.text_at(c); }
  bool is_integer(int c) const { return s_.is_integer(c); }
  bool flag_at(int c) const { return s_.int_at(c) != 0; }

 private:
  const Statement& s_;
};

Record record_at(const Statement& s) { return sql::record_from(StatementRow(s)); }

// A row kept by the result cache, read as a statement's row is.
class CachedRow {
 public:
  explicit CachedRow(const std::vector<Bind>& cells) : cells_(cells) {}
  int64_t int_at(int c) const {
    const Bind& v = cells_.at(static_cast<size_t>(c));
    if (const auto* i = std::get_if<int64_t>(&v)) return *i;
    if (const auto* s = std::get_if<std::string>(&v)) return std::strtoll(s->c_str(), nullptr, 10);
    return 0;
  }
  std::string text_at(int c) const {
    const Bind& v = cells_.at(static_cast<size_t>(c));
    if (const auto* s = std::get_if<std::string>(&v)) return *s;
    if (const auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
    return {};
  }
  bool is_integer(int c) const { return std::holds_alternative<int64_t>(cells_.at(static_cast<size_t>(c))); }
  bool flag_at(int c) const { return int_at(c) != 0; }

 private:
  const std::vector<Bind>& cells_;
};

// Larger results are not kept (a search's page and its includes are bounded
// well below this).
constexpr size_t kMaxCachedRows = 1024;

// Runs statements on one connection, or answers them from the cache session.
struct Exec {
  Connection& db;
  CacheSession* cache = nullptr;

  template <class F>
  Status each_row(const Sql& sql, F&& f) {
    if (cache && cache->active()) {
      std::string key = ResultCache::key(sql.text, sql.binds);
      if (!key.empty()) {
        auto rows = cache->find(key);
        if (!rows) {
          GW_TRY_ASSIGN(read, all_rows(sql));
          if (!read) return stream(sql, f);  // too many to keep
          rows = std::move(read);
          cache->keep(std::move(key), rows);
        }
        for (const auto& row : rows->rows)
          if (!f(CachedRow(row))) break;
        return {};
      }
    }
    return stream(sql, f);
  }

 private:
  template <class F>
  Status stream(const Sql& sql, F& f) {
    if (cache) cache->read_from_database();
    GW_TRY_ASSIGN(stmt, db.prepare(sql.text));
    stmt.bind_all(sql.binds, Statement::Text::borrowed);  // `sql` outlives `stmt`, whose bindings are cleared when it returns
    while (true) {
      GW_TRY_ASSIGN(more, stmt.step());
      if (!more || !f(StatementRow(stmt))) return {};
    }
  }

  // Every row of the statement, or null past kMaxCachedRows.
  Result<std::shared_ptr<const CachedRows>> all_rows(const Sql& sql) {
    cache->read_from_database();
    GW_TRY_ASSIGN(stmt, db.prepare(sql.text));
    stmt.bind_all(sql.binds, Statement::Text::borrowed);
    auto out = std::make_shared<CachedRows>();
    while (true) {
      GW_TRY_ASSIGN(more, stmt.step());
      if (!more) return std::shared_ptr<const CachedRows>(std::move(out));
      if (out->rows.size() == kMaxCachedRows) return std::shared_ptr<const CachedRows>();
      auto& row = out->rows.emplace_back();
      const int n = stmt.column_count();
      row.reserve(static_cast<size_t>(n));
      for (int c = 0; c < n; ++c) {
        row.push_back(stmt.value_at(c));
        const auto* text = std::get_if<std::string>(&row.back());
        out->bytes += sizeof(Bind) + (text ? text->capacity() : 0);
      }
    }
  }
};

using Compiler = sql::SearchCompiler<Dialect>;
using Runner = sql::SearchRunner<Compiler, Exec>;

// The one row of a read, if any.
Result<std::optional<Record>> read_one(Connection& db, const Sql& query, bool with_change_seq, CacheSession* cache) {
  Exec x{db, cache};
  std::optional<Record> out;
  GW_TRY(x.each_row(query, [&](const auto& row) {
    out = with_change_seq ? sql::record_with_change_seq(row) : sql::record_from(row);
    return false;
  }));
  return out;
}

// Governance columns, meta stamping and unchanged detection: store/resource_meta (shared by both backends).
// Writes (put, put_document): store/sqlite/write.cpp.

}  // namespace

Result<std::optional<Record>> read_current(Connection& db, const std::string& type, const std::string& id,
                                           bool with_change_seq, CacheSession* cache) {
  Sql query;
  query << "SELECT " << kRecordCols << (with_change_seq ? sql::kChangeSeqCol : "")
      << " FROM resources r JOIN versions v ON v.res = r.rid AND v.version = r.version WHERE r.type = ";
  query.bind(type) << " AND r.id = ";
  query.bind(id);
  return read_one(db, query, with_change_seq, cache);
}

Result<std::optional<Record>> read_version(Connection& db, const std::string& type, const std::string& id,
                                           int64_t version, bool with_change_seq, CacheSession* cache) {
  Sql query;
  query << "SELECT " << kRecordCols << (with_change_seq ? sql::kChangeSeqCol : "")
      << " FROM resources r JOIN versions v ON v.res = r.rid WHERE r.type = ";
  query.bind(type) << " AND r.id = ";
  query.bind(id) << " AND v.version = ";
  query.bind(version);
  return read_one(db, query, with_change_seq, cache);
}

Result<Sql> search_page_sql(const search::Query& q) { return Compiler::page_sql(q); }

Result<SearchPage> search(Connection& db, const search::Query& q, CacheSession* cache) {
  Exec x{db, cache};
  return Runner::search(x, q);
}

Result<HistoryPage> history(Connection& db, const HistoryQuery& q, CacheSession* cache) {
  Exec x{db, cache};
  return Runner::history(x, q);
}

Status add_outbox(Connection& db, const OutboxEntry& e) {
  GW_TRY_ASSIGN(s, db.prepare(
                       "INSERT INTO outbox (controller, type, id, version, author_org, created_ms) "
                       "VALUES (?,?,?,?,?,?)"));
  s.bind(1, e.controller).bind(2, e.type).bind(3, e.id).bind(4, e.version).bind(5, e.author_org);
  s.bind(6, fhir_time::now_ms());
  return s.run();
}

Status add_quarantine(Connection& db, const QuarantineEntry& e) {
  GW_TRY_ASSIGN(s, db.prepare(
                       "INSERT INTO quarantine (import_id, format, organisation, file, line, column_name, "
                       "message, raw, created_ms) VALUES (?,?,?,?,?,?,?,?,?)"));
  s.bind(1, e.import_id).bind(2, e.format).bind(3, e.organisation).bind(4, e.file).bind(5, e.line);
  s.bind(6, e.column).bind(7, e.message).bind(8, e.raw);
  s.bind(9, e.created_ms ? e.created_ms : fhir_time::now_ms());
  return s.run();
}

Result<std::vector<ResourceKey>> live_keys(Connection& db, const std::string& controller,
                                           const std::string& patient_id) {
  // One patient's: through resources_patient (`+` keeps the planner off the
  // practice-wide controller index).
  std::string sql = patient_id.empty() ? "SELECT type, id FROM resources WHERE controller = ? AND deleted = 0"
                                       : "SELECT type, id FROM resources WHERE +controller = ? AND deleted = 0";
  if (!patient_id.empty()) sql += " AND patient_id = ?";
  sql += " ORDER BY rid";
  GW_TRY_ASSIGN(s, db.prepare(sql));
  s.bind(1, controller);
  if (!patient_id.empty()) s.bind(2, patient_id);
  std::vector<ResourceKey> out;
  while (true) {
    GW_TRY_ASSIGN(more, s.step());
    if (!more) break;
    out.push_back({s.text_at(0), s.text_at(1)});
  }
  return out;
}

Result<std::vector<QuarantineEntry>> list_quarantine(Connection& db, const std::string& import_id, int limit,
                                                     int64_t after_id) {
  GW_TRY_ASSIGN(s, db.prepare(
                       "SELECT id, import_id, format, organisation, file, line, column_name, message, raw, "
                       "created_ms FROM quarantine WHERE import_id = ? AND id > ? ORDER BY id LIMIT ?"));
  s.bind(1, import_id).bind(2, after_id).bind(3, int64_t{limit});
  std::vector<QuarantineEntry> out;
  while (true) {
    GW_TRY_ASSIGN(more, s.step());
    if (!more) break;
    QuarantineEntry e;
    e.id = s.int_at(0);
    e.import_id = s.text_at(1);
    e.format = s.text_at(2);
    e.organisation = s.text_at(3);
    e.file = s.text_at(4);
    e.line = s.int_at(5);
    e.column = s.text_at(6);
    e.message = s.text_at(7);
    e.raw = s.text_at(8);
    e.created_ms = s.int_at(9);
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<OutboxEntry>> list_outbox(Connection& db, const std::string& controller, int64_t since_ms) {
  GW_TRY_ASSIGN(s, db.prepare(
                       "SELECT controller, type, id, version, author_org, created_ms FROM outbox "
                       "WHERE controller = ? AND created_ms >= ? ORDER BY seq"));
  s.bind(1, controller).bind(2, since_ms);
  std::vector<OutboxEntry> out;
  while (true) {
    GW_TRY_ASSIGN(more, s.step());
    if (!more) break;
    out.push_back({s.text_at(0), s.text_at(1), s.text_at(2), s.int_at(3), s.text_at(4), s.int_at(5)});
  }
  return out;
}

Result<int64_t> change_seq(Connection& db, CacheSession* cache) {
  Exec x{db, cache};
  Sql query;
  query << "SELECT COALESCE(MAX(seq), 0) FROM versions";
  int64_t seq = 0;
  GW_TRY(x.each_row(query, [&](const auto& row) {
    seq = row.int_at(0);
    return false;
  }));
  return seq;
}

Result<std::vector<Record>> changed_since(Connection& db, int64_t after_seq, const std::vector<std::string>& types,
                                          int limit) {
  // Each changed resource once, with its current version; row = its latest seq.
  GW_TRY_ASSIGN(s, db.prepare(std::string("SELECT ") + kRecordCols +
                              ", c.last_seq FROM (SELECT res, MAX(seq) AS last_seq FROM versions"
                              " WHERE seq > ? AND type IN (SELECT value FROM json_each(?)) GROUP BY res"
                              " ORDER BY last_seq LIMIT ?) c"
                              " JOIN resources r ON r.rid = c.res"
                              " JOIN versions v ON v.res = r.rid AND v.version = r.version ORDER BY c.last_seq"));
  s.bind(1, after_seq).bind(2, json_array(types)).bind(3, static_cast<int64_t>(limit));
  std::vector<Record> out;
  for (;;) {
    GW_TRY_ASSIGN(row, s.step());
    if (!row) break;
    Record r = record_at(s);
    r.row = s.int_at(kRecordColCount);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace fhirgw::store::sqlite
