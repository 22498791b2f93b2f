#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "core/thread_name.hpp"
#include "store/audit_chain.hpp"
#include "store/audit_like.hpp"
#include "store/audit_journal.hpp"
#include "store/audit_log.hpp"
#include "store/sqlite/db.hpp"
#include "store/sqlite/wal_checkpointer.hpp"

namespace fhirgw::store {
namespace {

using sqlite::Connection;

// The searchable index of the journal: one row per entry with the facts
// queries filter on and where the entry's line lies. It is derived data:
// synced lazily, rebuilt from the journal whenever it does not match it.
constexpr const char* kIndexSchema = R"SQL(
CREATE TABLE IF NOT EXISTS audit_index (
  seq INTEGER PRIMARY KEY,
  recorded_ms INTEGER NOT NULL,
  client_id TEXT NOT NULL,
  organisation TEXT NOT NULL,
  outcome TEXT NOT NULL,
  patients TEXT NOT NULL,
  entities TEXT NOT NULL,
  journal_offset INTEGER NOT NULL,
  journal_length INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_index_time ON audit_index (recorded_ms);
CREATE INDEX IF NOT EXISTS audit_index_client ON audit_index (client_id, recorded_ms);
)SQL";

// Trails written before the journal kept every entry in this table.
constexpr const char* kLegacyColumns =
    "seq, recorded_ms, request_id, client_id, organisation, purpose, action, resource_type, status, outcome, "
    "patients, entities, agreements, policy_version, json, prev_hash, hash";

AuditRow legacy_row(const sqlite::Statement& s) {
  AuditRow r;
  r.seq = s.int_at(0);
  r.recorded_ms = s.int_at(1);
  r.request_id = s.text_at(2);
  r.client_id = s.text_at(3);
  r.organisation = s.text_at(4);
  r.purpose = s.text_at(5);
  r.action = s.text_at(6);
  r.resource_type = s.text_at(7);
  r.status = static_cast<int>(s.int_at(8));
  r.outcome = s.text_at(9);
  r.patients = s.text_at(10);
  r.entities = s.text_at(11);
  r.agreements = s.text_at(12);
  r.policy_version = s.text_at(13);
  r.entry = s.text_at(14);
  r.prev_hash = s.text_at(15);
  r.hash = s.text_at(16);
  return r;
}

class SqliteAuditLog : public AuditLog {
 public:
  SqliteAuditLog(std::unique_ptr<AuditJournal> journal, std::unique_ptr<Connection> index,
                 std::unique_ptr<sqlite::WalCheckpointer> checkpointer)
      : journal_(std::move(journal)), index_(std::move(index)), checkpointer_(std::move(checkpointer)) {
    checkpointer_->watch(*index_);
  }
  ~SqliteAuditLog() override {
    {
      std::lock_guard lock(stop_mu_);
      stop_ = true;
    }
    stop_cv_.notify_one();
    if (indexer_.joinable()) indexer_.join();
    checkpointer_->unwatch(*index_);
  }

  Status prepare() {
    if (auto s = index_->exec(kIndexSchema); !s.ok()) return s;
    if (auto s = migrate_legacy_table(); !s.ok()) return s;
    if (auto s = drop_index_if_stale(); !s.ok()) return s;
    indexer_ = std::thread([this] {
      name_this_thread("audit-index");
      index_loop();
    });
    return {};
  }

  // The index thread is not woken per append: it looks once a second and
  // indexes in large chunks, which cost about a third per entry of small ones.
  Status append(std::vector<AuditRow>& rows) override { return journal_->append(rows); }

  Result<std::optional<AuditRow>> last() override {
    auto last = journal_->last();
    if (!last.ok()) return std::move(last).error();
    if (!last->has_value()) return std::optional<AuditRow>{};
    return std::optional<AuditRow>(std::move((*last)->row));
  }

  Result<std::vector<AuditRow>> query(const AuditQuery& q) override {
    // The index thread may hold the lock while starved at idle priority: let it finish its chunk.
    if (indexer_.joinable()) set_priority(indexer_.native_handle(), false);
    std::lock_guard lock(index_mu_);
    if (auto s = catch_up_locked(); !s.ok()) return s.error();
    std::string sql = "SELECT seq, journal_offset, journal_length FROM audit_index WHERE seq > ?";
    std::vector<sqlite::Bind> binds{q.after_seq};
    if (q.from_ms) { sql += " AND recorded_ms >= ?"; binds.emplace_back(*q.from_ms); }
    if (q.to_ms) { sql += " AND recorded_ms < ?"; binds.emplace_back(*q.to_ms); }
    if (!q.client_id.empty()) { sql += " AND client_id = ?"; binds.emplace_back(q.client_id); }
    if (!q.organisation.empty()) { sql += " AND organisation = ?"; binds.emplace_back(q.organisation); }
    if (!q.outcome.empty()) { sql += " AND outcome = ?"; binds.emplace_back(q.outcome); }
    if (!q.patient.empty()) {
      sql += " AND (' ' || patients || ' ') LIKE ? ESCAPE '\\'";
      binds.emplace_back(audit_patient_pattern(q.patient));
    }
    if (!q.entity.empty()) {
      sql += " AND (' ' || entities) LIKE ? ESCAPE '\\'";
      binds.emplace_back(audit_entity_pattern(q.entity));
    }
    sql += " ORDER BY seq LIMIT ?";
    binds.emplace_back(static_cast<int64_t>(std::clamp(q.limit, 1, 10000)));
    auto stmt = index_->prepare(sql);
    if (!stmt.ok()) return stmt.error();
    stmt->bind_all(binds);
    std::vector<AuditRow> out;
    for (;;) {
      auto has = stmt->step();
      if (!has.ok()) return has.error();
      if (!*has) break;
      auto row = journal_->read_at(stmt->int_at(1), stmt->int_at(2));
      if (!row.ok()) return std::move(row).error();
      if (row->seq != stmt->int_at(0))
        return Error::internal("The audit index does not match the journal at entry " +
                               std::to_string(stmt->int_at(0)) + ": run `fhir-gateway audit verify`");
      out.push_back(std::move(row).value());
    }
    return out;
  }

  // In seq order straight from the journal: verification must not trust the index.
  Result<std::vector<AuditRow>> scan(int64_t after_seq, int limit) override {
    std::lock_guard lock(scan_mu_);
    int64_t offset = 0;
    bool skip_to_after = false;  // reading from the start to find the entry after after_seq
    if (after_seq > 0 && after_seq == scan_seq_) {
      offset = scan_offset_;  // the usual case: the page after the last one
    } else if (after_seq > 0) {
      auto found = indexed_end_of(after_seq);
      if (!found.ok()) return std::move(found).error();
      offset = found->value_or(0);
      skip_to_after = !found->has_value();
    }
    std::vector<AuditRow> out;
    while (static_cast<int>(out.size()) < limit) {
      auto batch = journal_->read(offset, static_cast<size_t>(std::max(limit, 1)));
      if (!batch.ok()) return std::move(batch).error();
      if (batch->empty()) break;
      for (auto& located : *batch) {
        offset = located.offset + located.length;
        if (skip_to_after && located.row.seq <= after_seq) continue;
        skip_to_after = false;
        out.push_back(std::move(located.row));
        if (static_cast<int>(out.size()) == limit) break;
      }
    }
    if (!out.empty()) {
      scan_seq_ = out.back().seq;
      scan_offset_ = offset;
    }
    return out;
  }

 private:
  // Where the line after entry `seq` begins, if the index knows entry `seq`.
  Result<std::optional<int64_t>> indexed_end_of(int64_t seq) {
    std::lock_guard lock(index_mu_);
    auto stmt = index_->prepare("SELECT journal_offset + journal_length FROM audit_index WHERE seq = ?");
    if (!stmt.ok()) return stmt.error();
    stmt->bind(1, seq);
    auto has = stmt->step();
    if (!has.ok()) return has.error();
    if (!*has) return std::optional<int64_t>{};
    return std::optional<int64_t>(stmt->int_at(0));
  }

  Result<int64_t> indexed_end_locked() {
    auto stmt = index_->prepare("SELECT indexed_end FROM audit_index_state WHERE id = 1");
    if (!stmt.ok()) return stmt.error();
    auto has = stmt->step();
    if (!has.ok()) return has.error();
    return *has ? stmt->int_at(0) : int64_t{0};
  }

  // Indexes up to `chunk` entries past the index's end in one transaction;
  // true when more of the journal remains to index.
  Result<bool> index_chunk_locked(size_t chunk) {
    if (auto s = index_->run_cached("BEGIN IMMEDIATE"); !s.ok()) return std::move(s).error();
    auto fail = [&](Error e) -> Result<bool> {
      (void)index_->run_cached("ROLLBACK");
      return e;
    };
    // Read inside the transaction: another process may have indexed meanwhile.
    auto from = indexed_end_locked();
    if (!from.ok()) return fail(std::move(from).error());
    auto batch = journal_->read(*from, chunk);
    if (!batch.ok()) return fail(std::move(batch).error());
    auto insert = index_->prepare(
        "INSERT OR REPLACE INTO audit_index (seq, recorded_ms, client_id, organisation, outcome, patients, entities, "
        "journal_offset, journal_length) VALUES (?,?,?,?,?,?,?,?,?)");
    if (!insert.ok()) return fail(insert.error());
    int64_t end = *from;
    for (const auto& located : *batch) {
      const AuditRow& r = located.row;
      auto& s = *insert;
      s.reset();
      s.bind(1, r.seq).bind(2, r.recorded_ms).bind(3, r.client_id).bind(4, r.organisation).bind(5, r.outcome);
      s.bind(6, r.patients).bind(7, r.entities).bind(8, located.offset).bind(9, located.length);
      if (auto st = s.run(); !st.ok()) return fail(st.error());
      end = located.offset + located.length;
    }
    auto state = index_->prepare("INSERT OR REPLACE INTO audit_index_state (id, indexed_end) VALUES (1, ?)");
    if (!state.ok()) return fail(state.error());
    if (auto st = state->bind(1, end).run(); !st.ok()) return fail(st.error());
    if (auto s = index_->run_cached("COMMIT"); !s.ok()) return fail(s.error());
    indexed_end_.store(end, std::memory_order_relaxed);
    return batch->size() == chunk;
  }

  // Everything the journal holds now, for a query that must see every entry.
  Status catch_up_locked() {
    for (;;) {
      auto more = index_chunk_locked(kQueryChunk);
      if (!more.ok()) return std::move(more).error();
      if (!*more) return {};
    }
  }

  // A trail begun before the journal kept its entries in the `audit` table:
  // they move into the journal verbatim (a tampered entry stays detectable),
  // then the table goes. The index's write lock keeps a second process from
  // moving them twice; an interrupted move resumes after the journal's last entry.
  Status migrate_legacy_table() {
    std::lock_guard lock(index_mu_);
    if (auto s = index_->run_cached("BEGIN IMMEDIATE"); !s.ok()) return s;
    auto fail = [&](Error e) -> Status {
      (void)index_->run_cached("ROLLBACK");
      return e;
    };
    auto exists = index_->prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit'");
    if (!exists.ok()) return fail(exists.error());
    auto has = exists->step();
    if (!has.ok()) return fail(has.error());
    exists->reset();
    if (*has) {
      auto last = journal_->last();
      if (!last.ok()) return fail(std::move(last).error());
      int64_t after = last->has_value() ? (*last)->row.seq : 0;
      for (;;) {
        auto stmt = index_->prepare(std::string("SELECT ") + kLegacyColumns +
                                    " FROM audit WHERE seq > ? ORDER BY seq LIMIT 2000");
        if (!stmt.ok()) return fail(stmt.error());
        stmt->bind(1, after);
        std::vector<AuditRow> rows;
        for (;;) {
          auto row = stmt->step();
          if (!row.ok()) return fail(row.error());
          if (!*row) break;
          rows.push_back(legacy_row(*stmt));
        }
        if (rows.empty()) break;
        after = rows.back().seq;
        if (auto s = journal_->append(rows, AuditJournal::Chain::verbatim); !s.ok()) return fail(s.error());
      }
      if (auto s = index_->exec("DROP TABLE audit"); !s.ok()) return fail(s.error());
    }
    if (auto s = index_->run_cached("COMMIT"); !s.ok()) return fail(s.error());
    return {};
  }

  // After a restore of the journal, or a machine that lost entries it had not
  // yet synced, the index may point past the journal or at other lines: it
  // starts again from the journal's beginning.
  Status drop_index_if_stale() {
    std::lock_guard lock(index_mu_);
    auto end = indexed_end_locked();
    if (!end.ok()) return std::move(end).error();
    auto size = journal_->end();
    if (!size.ok()) return std::move(size).error();
    bool stale = *end > *size;
    if (!stale && *end > 0) {
      auto stmt = index_->prepare(
          "SELECT seq, journal_offset, journal_length FROM audit_index ORDER BY seq DESC LIMIT 1");
      if (!stmt.ok()) return stmt.error();
      auto has = stmt->step();
      if (!has.ok()) return has.error();
      if (!*has) {
        stale = true;
      } else {
        auto row = journal_->read_at(stmt->int_at(1), stmt->int_at(2));
        stale = !row.ok() || row->seq != stmt->int_at(0) || stmt->int_at(1) + stmt->int_at(2) != *end;
      }
    }
    if (stale) return index_->exec("BEGIN IMMEDIATE; DELETE FROM audit_index; DELETE FROM audit_index_state; COMMIT;");
    indexed_end_.store(*end, std::memory_order_relaxed);
    return {};
  }

  // Without CAP_SYS_NICE, leaving SCHED_IDLE may be refused: the thread then
  // stays idle and queries index what is left themselves.
  static void set_priority(pthread_t thread, bool idle) {
    sched_param param{};
    (void)pthread_setschedparam(thread, idle ? SCHED_IDLE : SCHED_OTHER, &param);
  }

  // Indexes in idle time: the thread runs only when no request wants a CPU,
  // once a second, in chunks of kIdleChunk entries (~5.5 µs an entry in bulk,
  // against ~14 µs for the one-row commits of a per-request insert). A query
  // indexes what is left itself, so it never misses an entry; a backlog past
  // kUrgentBacklogBytes is indexed at normal priority, so that such a query
  // stays short under sustained load, and a query raises the thread to normal
  // priority for the chunk it may be waiting on.
  void index_loop() {
    std::unique_lock lock(stop_mu_);
    while (!stop_) {
      stop_cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; });
      lock.unlock();
      for (bool more = true; more;) {
        auto size = journal_->size();
        bool urgent = size.ok() && *size - indexed_end_.load(std::memory_order_relaxed) > kUrgentBacklogBytes;
        set_priority(pthread_self(), !urgent);  // also ends a boost a query gave the last chunk
        Result<bool> step = false;
        {
          std::lock_guard index_lock(index_mu_);
          step = index_chunk_locked(kIdleChunk);
        }
        std::lock_guard stop_lock(stop_mu_);
        more = step.ok() && *step && !stop_;  // on an error, try again at the next wake
      }
      lock.lock();
    }
  }

  static constexpr size_t kQueryChunk = 4096;
  static constexpr size_t kIdleChunk = 2048;
  static constexpr int64_t kUrgentBacklogBytes = int64_t{256} << 20;

  std::unique_ptr<AuditJournal> journal_;
  std::mutex index_mu_;  // the index connection
  std::unique_ptr<Connection> index_;
  std::atomic<int64_t> indexed_end_{0};
  std::mutex scan_mu_;
  int64_t scan_seq_ = -1, scan_offset_ = 0;  // where the last scan stopped
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread indexer_;
  // The index's log is copied into its file on the checkpointer's thread.
  std::unique_ptr<sqlite::WalCheckpointer> checkpointer_;
};

}  // namespace

// open_audit_log (open_store.cpp) dispatches "sqlite:" URLs here: the journal
// PATH's sibling "<stem>.audit.journal", its index "<stem>.audit.db".
Result<std::unique_ptr<AuditLog>> open_sqlite_audit_log(const std::string& store_url) {
  constexpr std::string_view kSqlite = "sqlite:";
  if (store_url.rfind(kSqlite, 0) != 0)
    return Error::internal("The audit log needs a sqlite: store URL in this build");
  std::filesystem::path db(store_url.substr(kSqlite.size()));
  std::filesystem::path base = db.parent_path() / (db.stem().string() + ".audit");
  auto journal = AuditJournal::open(base.string() + ".journal");
  if (!journal.ok()) return std::move(journal).error();
  // 4 KiB pages: each indexing chunk touches few pages, and every one is a whole frame in the log.
  auto conn = Connection::open(base.string() + ".db", false, 4096);
  if (!conn.ok()) return conn.error();
  // Derived data, rebuilt from the journal when it does not match: no sync per commit.
  if (auto s = (*conn)->exec("PRAGMA synchronous = NORMAL;"
                             "CREATE TABLE IF NOT EXISTS audit_index_state (id INTEGER PRIMARY KEY, "
                             "indexed_end INTEGER NOT NULL)");
      !s.ok())
    return s.error();
  auto checkpointer = sqlite::WalCheckpointer::start(base.string() + ".db");
  if (!checkpointer) return std::move(checkpointer).error();
  auto log = std::make_unique<SqliteAuditLog>(std::move(journal).value(), std::move(conn).value(),
                                              std::move(checkpointer).value());
  if (auto s = log->prepare(); !s.ok()) return s.error();
  return std::unique_ptr<AuditLog>(std::move(log));
}

}  // namespace fhirgw::store
