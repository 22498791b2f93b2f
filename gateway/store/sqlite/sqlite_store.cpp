#include "store/sqlite/sqlite_store.hpp"

#include <atomic>
#include <mutex>
#include <vector>

#include "core/try.hpp"
#include "store/sqlite/commit_counter.hpp"
#include "store/sqlite/db.hpp"
#include "store/sqlite/operations.hpp"
#include "store/sqlite/result_cache.hpp"
#include "store/sqlite/schema.hpp"
#include "store/sqlite/wal_checkpointer.hpp"
#include "store/sqlite/writer_group.hpp"

namespace fhirgw::store::sqlite {
namespace {

// Idle read connections kept for reuse; more are opened under load and closed
// when returned to a full pool.
constexpr size_t kMaxIdleReaders = 16;

class SqliteTransaction final : public Transaction {
 public:
  SqliteTransaction(WriterGroup& group, WriterGroup::Member member, Connection& db)
      : group_(group), member_(std::move(member)), db_(db) {}
  ~SqliteTransaction() override {
    if (done_) return;
    held_.reset();
    group_.rollback(member_);
  }

  Result<std::optional<Record>> read(const std::string& type, const std::string& id) override {
    if (done_) return finished();
    return read_current(db_, type, id);
  }
  Result<WriteResult> put(const Write& w) override {
    if (done_) return finished();
    GW_TRY(settle());
    return sqlite::put(db_, w);
  }
  Result<WriteResult> put_document(const std::string& type, const std::string& id, json::Document& doc) override {
    if (done_) return finished();
    if (!held_) {
      held_ = std::make_unique<WriteStatements>(db_);
      held_->defer_index_rows();  // a bulk load: index rows go in sorted batches
    }
    auto result = sqlite::put_document(*held_, type, id, doc);
    // No savepoint: a failed write may be half applied, so nothing more may
    // happen in this transaction but its rollback.
    if (!result) abandon();
    return result;
  }
  Result<SearchPage> search(const search::Query& q) override {
    if (done_) return finished();
    GW_TRY(settle());
    return sqlite::search(db_, q);
  }
  Status add_outbox(const OutboxEntry& e) override {
    if (done_) return finished();
    return sqlite::add_outbox(db_, e);
  }
  Status add_quarantine(const QuarantineEntry& e) override {
    if (done_) return finished();
    return sqlite::add_quarantine(db_, e);
  }
  Result<std::vector<ResourceKey>> live_keys(const std::string& controller,
                                             const std::string& patient_id) override {
    if (done_) return finished();
    GW_TRY(settle());
    return sqlite::live_keys(db_, controller, patient_id);
  }
  Status commit() override {
    if (done_) return finished();
    GW_TRY(settle());
    done_ = true;
    held_.reset();  // statements back to the connection's cache, none left active
    return group_.commit(member_);  // returns once durable, perhaps in one commit with other writes
  }

 private:
  static Error finished() { return Error::internal("The store transaction has already ended"); }
  // Inserts put_document's deferred index rows, so SQL sees them. A failure
  // leaves the transaction half written: it is rolled back.
  Status settle() {
    if (!held_) return {};
    auto st = held_->flush_index_rows();
    if (!st) abandon();
    return st;
  }
  void abandon() {
    held_.reset();
    group_.abandon(member_);
    done_ = true;
  }

  WriterGroup& group_;
  WriterGroup::Member member_;  // the writer connection, held until commit or destruction
  Connection& db_;
  std::unique_ptr<WriteStatements> held_;  // put_document's statements, kept for the transaction
  bool done_ = false;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, std::unique_ptr<CommitCounter> commits, std::unique_ptr<Connection> writer,
              std::unique_ptr<WalCheckpointer> checkpointer)
      : path_(std::move(path)),
        commits_(std::move(commits)),
        writer_(std::move(writer)),
        group_(*writer_, commits_.get()),
        cache_(std::make_unique<ResultCache>(kDefaultCacheBytes)),
        checkpointer_(std::move(checkpointer)) {
    checkpointer_->watch(*writer_);
  }
  // The checkpointer (the last member) stops first; then the readers close,
  // and the writer, the last connection, checkpoints what is left of the log.
  ~SqliteStore() override { checkpointer_->unwatch(*writer_); }

  Result<std::optional<Record>> read(const std::string& type, const std::string& id) override {
    return with_cached_reader([&](Connection& db, CacheSession* cache) {
      return read_current(db, type, id, reads_bring_change_seq_, cache);
    }, Snapshot::statement);
  }
  Result<std::optional<Record>> vread(const std::string& type, const std::string& id,
                                      int64_t version) override {
    return with_cached_reader([&](Connection& db, CacheSession* cache) {
      return read_version(db, type, id, version, reads_bring_change_seq_, cache);
    }, Snapshot::statement);
  }
  Result<HistoryPage> history(const HistoryQuery& q) override {
    return with_cached_reader([&](Connection& db, CacheSession* cache) { return sqlite::history(db, q, cache); });
  }
  Result<SearchPage> search(const search::Query& q) override {
    return with_cached_reader([&](Connection& db, CacheSession* cache) { return sqlite::search(db, q, cache); });
  }
  Result<std::unique_ptr<Transaction>> begin() override { return join(false); }
  Result<std::unique_ptr<Transaction>> begin_bulk() override { return join(true); }
  std::optional<CommitStats> commit_stats() const override {
    return CommitStats{group_.commits(), group_.committed_members()};
  }
  Result<std::vector<QuarantineEntry>> list_quarantine(const std::string& import_id, int limit,
                                                       int64_t after_id) override {
    return with_reader([&](Connection& db) { return sqlite::list_quarantine(db, import_id, limit, after_id); });
  }
  Result<std::vector<OutboxEntry>> list_outbox(const std::string& controller, int64_t since_ms) override {
    return with_reader([&](Connection& db) { return sqlite::list_outbox(db, controller, since_ms); });
  }
  // Asked at the start of every governed search: answered from the result
  // cache while the shared commit count has not moved.
  Result<int64_t> change_seq() override {
    return with_cached_reader([&](Connection& db, CacheSession* cache) { return sqlite::change_seq(db, cache); },
                              Snapshot::statement);
  }
  // Off unless asked: the subquery costs a read that nobody follows changes for.
  void set_reads_bring_change_seq(bool on) override { reads_bring_change_seq_ = on; }
  Result<std::vector<Record>> changed_since(int64_t after_seq, const std::vector<std::string>& types,
                                            int limit) override {
    return with_reader([&](Connection& db) { return sqlite::changed_since(db, after_seq, types, limit); });
  }
  std::optional<CacheStats> cache_stats() const override {
    if (!cache_) return CacheStats{};
    auto st = cache_->stats();
    return CacheStats{st.hits, st.misses, st.entries, st.bytes};
  }
  // Before the store is shared between threads.
  void set_cache_bytes(size_t bytes) override {
    cache_ = bytes ? std::make_unique<ResultCache>(bytes) : nullptr;
  }
  std::string backend_name() const override { return "sqlite"; }
  bool reads_are_local() const override { return true; }

 private:
  // How much of the database one reader call must see consistently. A single
  // SELECT is already its own read transaction in SQLite; several statements
  // (a search's page, total and includes) share an explicit one.
  enum class Snapshot { statement, call };

  Result<std::unique_ptr<Transaction>> join(bool bulk) {
    auto member = group_.join(bulk);
    if (!member) return std::move(member).error();
    return std::unique_ptr<Transaction>(new SqliteTransaction(group_, std::move(member).value(), *writer_));
  }

  // Runs f(connection, cache session) on a pooled read connection. The
  // session answers the statements it holds rows for, stamped with the
  // commit count seen before f began; what f read from SQLite is kept if the
  // count has not moved by the time f is done. If it moved while f mixed kept
  // rows with fresh ones (a search's page from memory, its includes from a
  // newer snapshot), f runs again on SQLite alone, in the same transaction.
  template <class F>
  auto with_cached_reader(F&& f, Snapshot snapshot = Snapshot::call)
      -> decltype(f(std::declval<Connection&>(), nullptr)) {
    return with_reader([&](Connection& db) {
      CacheSession session(cache_.get(), cache_ ? commits_->stable() : std::nullopt);
      auto result = f(db, &session);
      if (!session.active()) return result;
      const auto now = commits_->stable();
      if (now == session.stamp()) {
        if (result) session.publish(now);
        return result;
      }
      if (!session.mixed()) return result;
      return f(db, nullptr);
    }, snapshot);
  }

  // Runs f on a pooled read connection.
  template <class F>
  auto with_reader(F&& f, Snapshot snapshot = Snapshot::call) -> decltype(f(std::declval<Connection&>())) {
    std::unique_ptr<Connection> conn;
    {
      std::lock_guard<std::mutex> g(pool_mu_);
      if (!idle_.empty()) {
        conn = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    if (!conn) {
      auto opened = Connection::open(path_, true);
      if (!opened) return std::move(opened).error();
      conn = std::move(*opened);
    }
    const bool explicit_txn = snapshot == Snapshot::call;
    if (explicit_txn)
      if (auto st = conn->run_cached("BEGIN"); !st) return std::move(st).error();
    auto result = f(*conn);
    if (explicit_txn)
      if (auto st = conn->run_cached(result ? "COMMIT" : "ROLLBACK"); !st && result) return std::move(st).error();
    std::lock_guard<std::mutex> g(pool_mu_);
    if (idle_.size() < kMaxIdleReaders) idle_.push_back(std::move(conn));
    return result;
  }

  // Enough for the hot part of a practice's records; each entry is one
  // statement's rows (a read is one resource, a search page ten or so).
  static constexpr size_t kDefaultCacheBytes = size_t{64} << 20;

  std::string path_;
  std::unique_ptr<CommitCounter> commits_;  // shared with every process on the file
  std::unique_ptr<Connection> writer_;
  WriterGroup group_;  // owns the writer's turns and commits
  std::unique_ptr<ResultCache> cache_;  // null when off
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::atomic<bool> reads_bring_change_seq_{false};
  std::unique_ptr<WalCheckpointer> checkpointer_;  // last: destroyed first
};

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path) {
  if (path.empty()) return Error::internal("The SQLite store needs a file path (sqlite:PATH)");
  if (path == ":memory:" || path.rfind("file::memory:", 0) == 0)
    return Error::internal("The SQLite store needs a file: an in-memory database cannot be shared by its "
                           "connections");
  auto writer = Connection::open(path, false);
  if (!writer) return std::move(writer).error();
  auto commits = CommitCounter::open(path);
  if (!commits) return std::move(commits).error();
  if (auto st = migrate(**writer, latest_schema_version(), commits->get()); !st) return std::move(st).error();
  auto checkpointer = WalCheckpointer::start(path);
  if (!checkpointer) return std::move(checkpointer).error();
  return std::unique_ptr<Store>(
      new SqliteStore(path, std::move(*commits), std::move(*writer), std::move(*checkpointer)));
}

}  // namespace fhirgw::store::sqlite
