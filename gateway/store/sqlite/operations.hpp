#pragma once
// The store's operations on one SQLite connection. The caller owns the
// transaction (a read snapshot, or the writer's BEGIN IMMEDIATE).
#include <optional>
#include <string>
#include <vector>

#include "store/sqlite/db.hpp"
#include "store/sqlite/result_cache.hpp"
#include "store/sqlite/search_sql.hpp"
#include "store/sqlite/write.hpp"  // put, put_document
#include "store/store.hpp"

namespace fhirgw::store::sqlite {

// with_change_seq: fill Record::change_seq in the same statement.
// The reads take a cache session: statements it can answer skip SQLite (a
// read connection's only; a writer's transaction sees its own writes).
Result<std::optional<Record>> read_current(Connection& db, const std::string& type, const std::string& id,
                                           bool with_change_seq = false, CacheSession* cache = nullptr);
Result<std::optional<Record>> read_version(Connection& db, const std::string& type, const std::string& id,
                                           int64_t version, bool with_change_seq = false,
                                           CacheSession* cache = nullptr);
Result<SearchPage> search(Connection& db, const search::Query& q, CacheSession* cache = nullptr);
// The SQL of one search page (exposed so tests can EXPLAIN QUERY PLAN it).
Result<Sql> search_page_sql(const search::Query& q);
Result<HistoryPage> history(Connection& db, const HistoryQuery& q, CacheSession* cache = nullptr);
Status add_outbox(Connection& db, const OutboxEntry& e);
Status add_quarantine(Connection& db, const QuarantineEntry& e);
Result<std::vector<ResourceKey>> live_keys(Connection& db, const std::string& controller,
                                           const std::string& patient_id);
Result<std::vector<QuarantineEntry>> list_quarantine(Connection& db, const std::string& import_id, int limit,
                                                     int64_t after_id);
Result<std::vector<OutboxEntry>> list_outbox(Connection& db, const std::string& controller, int64_t since_ms);
// From the cache session when given: asked before every governed search.
Result<int64_t> change_seq(Connection& db, CacheSession* cache = nullptr);
// Record::row carries the latest seq of each resource (the caller's next after_seq).
Result<std::vector<Record>> changed_since(Connection& db, int64_t after_seq, const std::vector<std::string>& types,
                                          int limit);

}  // namespace fhirgw::store::sqlite
