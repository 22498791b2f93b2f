#pragma once
// The store interface. Every backend (SQLite now, PostgreSQL next) implements
// it; no SQL and no backend type appear outside gateway/store/.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"
#include "search/search_query.hpp"

namespace fhirgw::store {

// One version of one resource.
struct Record {
  std::string type, id;
  int64_t version = 0;          // meta.versionId
  int64_t last_updated_ms = 0;  // meta.lastUpdated
  bool deleted = false;         // a tombstone version (json empty)
  std::string json;             // full resource text, meta stamped by the store
  // Governance columns, derived from the resource on write:
  std::string controller;  // meta.tag controller code ("" = none)
  std::string patient_id;  // compartment patient ("" = none)
  std::string author_org;  // meta.tag author-organisation code ("" = none)
  bool confidential = false;  // meta.security R/V
  int64_t row = 0;            // stable row key (keyset paging)
  std::string sort_value;     // value of the sort key for this row (search only)
  // read and vread only: the store's change_seq() in the snapshot the record
  // was read from (0 = not known; see Store::set_reads_bring_change_seq).
  int64_t change_seq = 0;
};

enum class WriteKind { create, update, remove };

struct Write {
  WriteKind kind = WriteKind::update;
  std::string type, id;
  std::string json;  // resource text with id set (ignored for remove)
  std::optional<int64_t> if_match_version;  // 412 when the current version differs
};

struct WriteResult {
  Record record;
  bool created = false;    // a new resource (no earlier version, or earlier one deleted)
  bool unchanged = false;  // content identical to the current version: no new version
};

struct SearchPage {
  std::vector<Record> matches;
  std::vector<Record> included;
  std::optional<int64_t> total;               // when asked for
  std::optional<search::Cursor> next;         // absent on the last page
};

struct HistoryQuery {
  std::string type;  // "" = whole system
  std::string id;    // "" = type history
  std::optional<int64_t> since_ms;
  int count = 50;
  std::optional<int64_t> before_seq;  // paging: versions with seq < before_seq
  search::Visibility visibility = search::Visibility::nothing();
};

struct HistoryPage {
  std::vector<Record> versions;  // newest first
  std::optional<int64_t> next_before_seq;
  int64_t total = 0;
};

// Side tables that must commit atomically with resource writes.
struct OutboxEntry {  // a partner write queued for write-back to the practice
  std::string controller, type, id;
  int64_t version = 0;
  std::string author_org;
  int64_t created_ms = 0;  // set by the store
};

// A row an import could not accept, kept so it never vanishes.
struct QuarantineEntry {
  int64_t id = 0;           // assigned by the store
  std::string import_id;    // the import run
  std::string format;       // emis | systmone
  std::string organisation; // controller of the file set
  std::string file;
  int64_t line = 0;         // 1-based physical line where the record starts
  std::string column;       // column name ("" when the whole row is at fault)
  std::string message;
  std::string raw;          // the raw record text (may be truncated)
  int64_t created_ms = 0;
};

struct ResourceKey {
  std::string type, id;
};

class Transaction {
 public:
  virtual ~Transaction() = default;  // rolls back unless committed
  virtual Result<std::optional<Record>> read(const std::string& type, const std::string& id) = 0;
  virtual Result<WriteResult> put(const Write& w) = 0;
  // put() of an update (create, or replace the current version) whose
  // resource the caller has already parsed, e.g. the bulk import: the same
  // checks, stored version and search rows as put() of its text, without a
  // parse. The store takes `resource` over (sets its id, stamps its meta).
  // A backend may skip put()'s per-write savepoint here, so after an error
  // the transaction can only be rolled back: later calls and commit() fail.
  virtual Result<WriteResult> put_document(const std::string& type, const std::string& id,
                                           json::Document& resource) {
    Write w;
    w.kind = WriteKind::update;
    w.type = type;
    w.id = id;
    w.json = json::to_string(resource);
    return put(w);
  }
  virtual Result<SearchPage> search(const search::Query& q) = 0;
  virtual Status add_outbox(const OutboxEntry& e) = 0;
  virtual Status add_quarantine(const QuarantineEntry& e) = 0;
  // Live (not deleted) resources of a controller, optionally of one patient
  // (the patient resource itself included): what a bulk import replaces and
  // what a patient delete removes.
  virtual Result<std::vector<ResourceKey>> live_keys(const std::string& controller,
                                                     const std::string& patient_id = {}) = 0;
  virtual Status commit() = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  // Current version (may be a tombstone), or nullopt if never existed.
  virtual Result<std::optional<Record>> read(const std::string& type, const std::string& id) = 0;
  virtual Result<std::optional<Record>> vread(const std::string& type, const std::string& id,
                                              int64_t version) = 0;
  virtual Result<HistoryPage> history(const HistoryQuery& q) = 0;
  virtual Result<SearchPage> search(const search::Query& q) = 0;
  // A transaction for a request's writes. The backend may let concurrent ones
  // share a commit (SQLite: store/sqlite/writer_group.hpp); commit() returns
  // once the writes are durable either way.
  virtual Result<std::unique_ptr<Transaction>> begin() = 0;
  // A transaction that writes much and long (an import): it shares nothing,
  // so no other write waits for it to finish.
  virtual Result<std::unique_ptr<Transaction>> begin_bulk() { return begin(); }
  // Commits so far and the write transactions they carried: their ratio is
  // how many writes share an fsync. Only a backend that groups commits
  // itself reports them (PostgreSQL groups its fsyncs inside the server).
  struct CommitStats {
    int64_t commits = 0, transactions = 0;
  };
  virtual std::optional<CommitStats> commit_stats() const { return std::nullopt; }
  // A backend that keeps recent read results in memory (SQLite: while the
  // file has not changed, store/sqlite/result_cache.hpp): how many statements
  // it answered from memory and from the database, and what it holds.
  struct CacheStats {
    uint64_t hits = 0, misses = 0;
    size_t entries = 0, bytes = 0;
  };
  virtual std::optional<CacheStats> cache_stats() const { return std::nullopt; }
  // The memory the read cache may use; 0 turns it off. Before the store is
  // shared between threads.
  virtual void set_cache_bytes(size_t) {}
  virtual Result<std::vector<QuarantineEntry>> list_quarantine(const std::string& import_id,
                                                               int limit, int64_t after_id) = 0;
  // Outbox entries (partner writes to send back) for a controller since a time.
  virtual Result<std::vector<OutboxEntry>> list_outbox(const std::string& controller,
                                                       int64_t since_ms) = 0;
  // Change tracking, so in-memory governance state (patients, consents,
  // flags) follows writes made by any process or replica: the highest
  // version sequence number, and the current record of every resource of the
  // given types changed after `after_seq` (tombstones included), oldest first.
  virtual Result<int64_t> change_seq() = 0;
  // Whether read and vread fill Record::change_seq from their own snapshot
  // (the gateway asks once it follows changes). A backend may always do so.
  virtual void set_reads_bring_change_seq(bool) {}
  virtual Result<std::vector<Record>> changed_since(int64_t after_seq, const std::vector<std::string>& types,
                                                    int limit) = 0;
  virtual std::string backend_name() const = 0;
  // True when a read never waits for a writer or the network (a local WAL
  // file): the gateway then runs reads on its I/O threads.
  virtual bool reads_are_local() const { return false; }
};

// Opens a store from a URL: "sqlite:PATH" (and later "postgres://...").
Result<std::unique_ptr<Store>> open_store(const std::string& url);

}  // namespace fhirgw::store
