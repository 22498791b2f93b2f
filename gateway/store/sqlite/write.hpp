#pragma once
// The SQLite statements of a write, run by the backend-neutral write logic
// (store/resource_write.hpp) inside the caller's transaction (the writer's
// BEGIN IMMEDIATE). put() (the REST path) and the bulk import's
// put_document() go through the same logic, so an imported resource is
// indexed exactly as a POSTed one.
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "store/sqlite/index_row_batch.hpp"
#include "store/sqlite/db.hpp"
#include "store/store.hpp"

namespace fhirgw::store::sqlite {

// The statements a write runs, each prepared on first use. put() takes a
// fresh set per call (borrowed from the connection's statement cache and
// given back at the end); a bulk import keeps one set for its whole
// transaction rather than looking every statement up again for every row.
class WriteStatements {
 public:
  enum Sql {
    insert_resource,
    update_resource,
    delete_resource,
    insert_version,
    keep_codes,
    clear_token,
    clear_string,
    clear_date,
    clear_ref,
    clear_uri,
    kCount
  };

  explicit WriteStatements(Connection& db) : db_(db) {}
  WriteStatements(const WriteStatements&) = delete;
  WriteStatements& operator=(const WriteStatements&) = delete;

  // Search rows go in several per INSERT.
  static constexpr size_t kMaxRowsPerInsert = 8;

  // Deferred index rows (a bulk import): a resource's search rows are kept
  // and inserted kDeferredRows at a time, each batch sorted by its tables'
  // value index keys. Resource ids, patient references and GUID identifiers
  // are random, so row by row every insert lands on a different page of a
  // large index; sorted, a batch walks each index once, in order. Rows not
  // yet inserted are invisible to SQL: flush_index_rows() before anything
  // else reads or rewrites index rows in the transaction (clear_index does
  // so for the rows of the resource it clears).
  void defer_index_rows() { deferring_ = true; }
  bool deferring() const { return deferring_; }
  IndexRowBatch& pending() { return pending_; }
  Status flush_index_rows();
  static constexpr size_t kDeferredRows = 131072;  // ~13 MB

  // The statement, reset and with no bindings, ready to bind and run.
  Result<Statement*> get(Sql which);
  // An INSERT of `rows` rows (1..kMaxRowsPerInsert) into `table`.
  Result<Statement*> rows(RowTable table, size_t rows);
  Connection& db() { return db_; }

 private:
  Connection& db_;
  std::array<std::optional<Statement>, kCount> held_;
  std::array<std::array<std::optional<Statement>, kMaxRowsPerInsert>, kRowTableCount> row_inserts_;
  bool deferring_ = false;
  IndexRowBatch pending_;
};

// All-or-nothing inside the caller's transaction (a savepoint per write).
Result<WriteResult> put(Connection& db, const Write& w);

// An update (create, or replace the current version) of a resource the
// caller has already parsed: the same checks, stored text, index rows and
// result as put() of its text, but the text is produced once (from `doc`,
// whose id is set and meta stamped) and no savepoint is taken. After an
// error part of the write may have been applied: the caller must roll the
// whole transaction back.
Result<WriteResult> put_document(WriteStatements& stmts, const std::string& type, const std::string& id,
                                 json::Document& doc);

}  // namespace fhirgw::store::sqlite
