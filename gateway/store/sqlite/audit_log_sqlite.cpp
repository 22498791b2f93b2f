#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <limits>
#include <mutex>
#include <thread>

#include "core/thread_name.hpp"
#include "store/audit_chain.hpp"
#include "store/audit_block_filter.hpp"
#include "store/audit_journal.hpp"
#include "store/audit_log.hpp"
#include "store/sqlite/db.hpp"
#include "store/sqlite/wal_checkpointer.hpp"

namespace fhirgw::store {
namespace {

using sqlite::Connection;

// The searchable index of the journal: one row per block of entries (a
// contiguous run of its lines) with the block's seq, time and byte range and
// a Bloom filter over the facts queries filter on (audit_block_filter.hpp).
// It is derived data: written without a sync, rebuilt from the journal
// whenever it does not match it. Entries past the last block are read from
// the journal itself by every query, so a query never misses one.
constexpr const char* kIndexSchema = R"SQL(
CREATE TABLE IF NOT EXISTS audit_block (
  first_seq INTEGER PRIMARY KEY,
  last_seq INTEGER NOT NULL,
  min_ms INTEGER NOT NULL,
  max_ms INTEGER NOT NULL,
  start_offset INTEGER NOT NULL,
  last_offset INTEGER NOT NULL,
  end_offset INTEGER NOT NULL,
  filter BLOB NOT NULL
);
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
    if (auto s = drop_per_entry_index(); !s.ok()) return s;
    if (auto s = migrate_legacy_table(); !s.ok()) return s;
    if (auto s = drop_index_if_stale(); !s.ok()) return s;
    indexer_ = std::thread([this] {
      name_this_thread("audit-index");
      index_loop();
    });
    return {};
  }

  // The journal holds the entries; the index thread is handed their keys,
  // hashed here while the rows are at hand, so it never reads them back.
  Status append(std::vector<AuditRow>& rows) override {
    std::vector<AuditJournal::Span> placed;
    if (auto s = journal_->append(rows, AuditJournal::Chain::attach, &placed); !s.ok()) return s;
    std::lock_guard lock(feed_mu_);
    // An index thread that cannot keep up loses its feed, not entries: it reads them from the journal instead.
    if (feed_.facts.size() > kMaxFed) feed_ = {};
    for (size_t i = 0; i < rows.size(); ++i) {
      audit_entry_keys(rows[i], feed_.keys);
      feed_.facts.push_back({placed[i].offset, placed[i].length, rows[i].seq, rows[i].recorded_ms, feed_.keys.size()});
    }
    return {};
  }

  Result<std::optional<AuditRow>> last() override {
    auto last = journal_->last();
    if (!last.ok()) return std::move(last).error();
    if (!last->has_value()) return std::optional<AuditRow>{};
    return std::optional<AuditRow>(std::move((*last)->row));
  }

  // The blocks whose time range and filter may hold a match are read from
  // the journal, then everything past the last block; each entry read is
  // tested exactly.
  Result<std::vector<AuditRow>> query(const AuditQuery& q) override {
    const size_t limit = static_cast<size_t>(std::clamp(q.limit, 1, 10000));
    const std::vector<uint64_t> keys = audit_query_keys(q);
    std::vector<AuditRow> out;
    std::lock_guard lock(index_mu_);
    if (auto s = index_->run_cached("BEGIN"); !s.ok()) return s.error();
    auto blocks = [&]() -> Result<int64_t> {  // the indexed end, read with the blocks in one snapshot
      auto end = indexed_end_locked();
      if (!end.ok()) return end;
      std::string sql = "SELECT start_offset, end_offset, filter FROM audit_block WHERE last_seq > ?";
      std::vector<sqlite::Bind> binds{q.after_seq};
      if (q.from_ms) { sql += " AND max_ms >= ?"; binds.emplace_back(*q.from_ms); }
      if (q.to_ms) { sql += " AND min_ms < ?"; binds.emplace_back(*q.to_ms); }
      auto stmt = index_->prepare(sql + " ORDER BY first_seq");
      if (!stmt.ok()) return stmt.error();
      stmt->bind_all(binds);
      while (out.size() < limit) {
        auto has = stmt->step();
        if (!has.ok()) return has.error();
        if (!*has) break;
        std::string_view filter = stmt->blob_at(2);
        if (!std::all_of(keys.begin(), keys.end(), [&](uint64_t k) { return block_filter_may_contain(filter, k); }))
          continue;
        if (auto s = read_matches(stmt->int_at(0), stmt->int_at(1), q, limit, out); !s.ok()) return s.error();
      }
      return end;
    }();
    (void)index_->run_cached("COMMIT");
    if (!blocks.ok()) return std::move(blocks).error();
    if (out.size() < limit) {
      if (auto s = read_matches(*blocks, std::numeric_limits<int64_t>::max(), q, limit, out); !s.ok())
        return s.error();
    }
    return out;
  }

  // In seq order straight from the journal: verification must not trust the index.
  Result<std::vector<AuditRow>> scan(int64_t after_seq, int limit) override {
    std::lock_guard lock(scan_mu_);
    int64_t offset = 0;
    bool skip_to_after = after_seq > 0;  // reading up to the entry after after_seq
    if (after_seq > 0 && after_seq == scan_seq_) {
      offset = scan_offset_;  // the usual case: the page after the last one
      skip_to_after = false;
    } else if (after_seq > 0) {
      auto found = block_position(after_seq);
      if (!found.ok()) return std::move(found).error();
      offset = *found;
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
  // One appended entry, as the index needs it; its keys are Feed::keys up to keys_end.
  struct Fact {
    int64_t offset, length, seq, recorded_ms;
    size_t keys_end;
  };
  struct Feed {
    std::vector<Fact> facts;
    std::vector<uint64_t> keys;
  };
  // The block being gathered: journal lines [start, end), not yet in the index.
  struct OpenBlock {
    int64_t start = 0, end = 0, last_offset = 0;
    int64_t first_seq = 0, last_seq = 0;
    int64_t min_ms = std::numeric_limits<int64_t>::max(), max_ms = std::numeric_limits<int64_t>::min();
    size_t entries = 0;
    std::vector<uint64_t> keys;
    void restart(int64_t at) {
      *this = OpenBlock{};
      start = end = at;
    }
  };

  // Appends the entries in [from, to) of the journal that match to `out`, up to `limit`.
  Status read_matches(int64_t from, int64_t to, const AuditQuery& q, size_t limit, std::vector<AuditRow>& out) {
    for (int64_t pos = from; pos < to && out.size() < limit;) {
      auto batch = journal_->read(pos, kReadLines);
      if (!batch.ok()) return std::move(batch).error();
      if (batch->empty()) break;
      for (auto& located : *batch) {
        if (located.offset >= to) return {};
        pos = located.offset + located.length;
        if (!audit_row_matches(located.row, q)) continue;
        out.push_back(std::move(located.row));
        if (out.size() == limit) return {};
      }
    }
    return {};
  }

  // Where to start reading for the entry after `seq`: the start of the block
  // holding it, the end of the last block before it, or the journal's start.
  Result<int64_t> block_position(int64_t seq) {
    std::lock_guard lock(index_mu_);
    auto stmt = index_->prepare(
        "SELECT start_offset, last_seq, end_offset FROM audit_block WHERE first_seq <= ? ORDER BY first_seq DESC "
        "LIMIT 1");
    if (!stmt.ok()) return stmt.error();
    stmt->bind(1, seq);
    auto has = stmt->step();
    if (!has.ok()) return has.error();
    if (!*has) return int64_t{0};
    return stmt->int_at(1) <= seq ? stmt->int_at(2) : stmt->int_at(0);
  }

  Result<int64_t> indexed_end_locked() {
    auto stmt = index_->prepare("SELECT indexed_end FROM audit_index_state WHERE id = 1");
    if (!stmt.ok()) return stmt.error();
    auto has = stmt->step();
    if (!has.ok()) return has.error();
    return *has ? stmt->int_at(0) : int64_t{0};
  }

  // Adds the line at open_.end to the open block, and seals a full block.
  void add_locked(int64_t offset, int64_t length, int64_t seq, int64_t recorded_ms, const uint64_t* keys,
                  size_t count) {
    if (open_.entries == 0) open_.first_seq = seq;
    open_.last_seq = seq;
    open_.last_offset = offset;
    open_.end = offset + length;
    open_.min_ms = std::min(open_.min_ms, recorded_ms);
    open_.max_ms = std::max(open_.max_ms, recorded_ms);
    open_.keys.insert(open_.keys.end(), keys, keys + count);
    // A block of entries that each returned many resources is sealed early, so a filter stays ~300 KiB at most.
    if (++open_.entries >= kAuditBlockEntries || open_.keys.size() >= kAuditBlockKeys)
      (void)seal_locked();  // on an error, the next entry tries again
  }

  // Writes the open block as the index's next row, unless another process
  // has indexed past where it starts: the block then begins again there.
  Status seal_locked() {
    if (auto s = index_->run_cached("BEGIN IMMEDIATE"); !s.ok()) return s;
    auto fail = [&](Error e) -> Status {
      (void)index_->run_cached("ROLLBACK");
      return e;
    };
    auto end = indexed_end_locked();
    if (!end.ok()) return fail(std::move(end).error());
    if (*end != open_.start) {
      (void)index_->run_cached("ROLLBACK");
      open_.restart(*end);
      return {};
    }
    auto insert = index_->prepare(
        "INSERT OR REPLACE INTO audit_block (first_seq, last_seq, min_ms, max_ms, start_offset, last_offset, "
        "end_offset, filter) VALUES (?,?,?,?,?,?,?,?)");
    if (!insert.ok()) return fail(insert.error());
    insert->bind(1, open_.first_seq).bind(2, open_.last_seq).bind(3, open_.min_ms).bind(4, open_.max_ms);
    insert->bind(5, open_.start).bind(6, open_.last_offset).bind(7, open_.end);
    insert->bind_blob(8, build_block_filter(std::move(open_.keys)));
    if (auto st = insert->run(); !st.ok()) return fail(st.error());
    auto state = index_->prepare("INSERT OR REPLACE INTO audit_index_state (id, indexed_end) VALUES (1, ?)");
    if (!state.ok()) return fail(state.error());
    if (auto st = state->bind(1, open_.end).run(); !st.ok()) return fail(st.error());
    if (auto s = index_->run_cached("COMMIT"); !s.ok()) return fail(s.error());
    open_.restart(open_.end);
    return {};
  }

  // The fed entries that follow the open block; a gap before one (entries
  // another process appended, or a feed that was dropped) is read from the journal.
  Status absorb_locked(const Feed& feed) {
    size_t key_begin = 0;
    for (const Fact& f : feed.facts) {
      size_t from = std::exchange(key_begin, f.keys_end);
      if (f.offset > open_.end) {
        if (auto s = read_into_block_locked(f.offset, std::numeric_limits<size_t>::max()); !s.ok()) return s;
      }
      if (f.offset != open_.end) continue;  // already indexed
      add_locked(f.offset, f.length, f.seq, f.recorded_ms, feed.keys.data() + from, f.keys_end - from);
    }
    return {};
  }

  // Reads up to `max` journal lines from the open block's end (before
  // `until`) into it; true in *more when lines remain.
  Status read_into_block_locked(int64_t until, size_t max, bool* more = nullptr) {
    std::vector<uint64_t> keys;
    size_t taken = 0;
    if (more) *more = false;
    while (open_.end < until && taken < max) {
      auto batch = journal_->read(open_.end, std::min(max - taken, kReadLines));
      if (!batch.ok()) return std::move(batch).error();
      if (batch->empty()) return {};
      for (const auto& l : *batch) {
        if (l.offset >= until) return {};
        if (l.offset != open_.end) break;  // a seal moved the block on: read again from its end
        keys.clear();
        audit_entry_keys(l.row, keys);
        add_locked(l.offset, l.length, l.row.seq, l.row.recorded_ms, keys.data(), keys.size());
        ++taken;
      }
    }
    if (more) *more = taken == max;
    return {};
  }

  // The per-entry index of earlier versions: derived data, rebuilt as blocks.
  Status drop_per_entry_index() {
    std::lock_guard lock(index_mu_);
    auto exists = index_->prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_index'");
    if (!exists.ok()) return exists.error();
    auto has = exists->step();
    if (!has.ok()) return has.error();
    exists->reset();
    if (!*has) return {};
    return index_->exec("BEGIN IMMEDIATE; DROP TABLE IF EXISTS audit_index; DELETE FROM audit_index_state; COMMIT;");
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
          "SELECT last_seq, last_offset, end_offset FROM audit_block ORDER BY first_seq DESC LIMIT 1");
      if (!stmt.ok()) return stmt.error();
      auto has = stmt->step();
      if (!has.ok()) return has.error();
      if (!*has) {
        stale = true;
      } else {
        auto row = journal_->read_at(stmt->int_at(1), stmt->int_at(2) - stmt->int_at(1));
        stale = !row.ok() || row->seq != stmt->int_at(0) || stmt->int_at(2) != *end;
      }
    }
    if (stale) {
      if (auto s = index_->exec("BEGIN IMMEDIATE; DELETE FROM audit_block; DELETE FROM audit_index_state; COMMIT;");
          !s.ok())
        return s;
    }
    open_.restart(stale ? 0 : *end);
    return {};
  }

  // Every kIndexInterval: the fed entries go into the open block; with none
  // fed, the journal is read for entries other processes appended (and, after
  // a start, for those not yet in a block), a chunk at a time so that a
  // query waits for one chunk at most.
  void index_loop() {
    std::unique_lock lock(stop_mu_);
    while (!stop_) {
      stop_cv_.wait_for(lock, kIndexInterval, [this] { return stop_; });
      lock.unlock();
      Feed feed;
      {
        std::lock_guard feed_lock(feed_mu_);
        std::swap(feed, feed_);
      }
      for (bool more = true; more;) {
        {
          std::lock_guard index_lock(index_mu_);
          if (!feed.facts.empty()) {
            (void)absorb_locked(feed);  // on an error, the gap is read at the next round
            more = false;
          } else if (!read_into_block_locked(std::numeric_limits<int64_t>::max(), kReadChunk, &more).ok()) {
            more = false;
          }
        }
        std::lock_guard stop_lock(stop_mu_);
        more = more && !stop_;
      }
      lock.lock();
    }
  }

  static constexpr auto kIndexInterval = std::chrono::milliseconds(250);
  static constexpr size_t kReadLines = 512;
  static constexpr size_t kReadChunk = 8192;
  static constexpr size_t kMaxFed = size_t{1} << 20;

  std::unique_ptr<AuditJournal> journal_;
  std::mutex index_mu_;  // the index connection and the open block
  std::unique_ptr<Connection> index_;
  OpenBlock open_;
  std::mutex feed_mu_;
  Feed feed_;
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
  // 4 KiB pages: the index is small, a row per block of entries.
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
