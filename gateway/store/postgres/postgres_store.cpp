#include "store/postgres/postgres_store.hpp"

#include <utility>

#include "store/postgres/operations.hpp"
#include "store/postgres/pg.hpp"
#include "store/postgres/pool.hpp"
#include "store/postgres/schema.hpp"

namespace fhirgw::store::postgres {
namespace {

// Idle connections kept for reuse; more are opened under load (one per
// concurrent worker) and closed when given back to a full pool.
constexpr size_t kMaxIdleConnections = 16;

// Runs f inside a savepoint, so a failed statement leaves the rest of the
// transaction usable (PostgreSQL otherwise aborts the whole transaction).
template <class F>
auto guarded(Connection& db, F&& f) -> decltype(f()) {
  if (auto st = db.exec("SAVEPOINT gw_op"); !st) return std::move(st).error();
  auto result = f();
  if (!result) {
    (void)db.exec("ROLLBACK TO SAVEPOINT gw_op");
    (void)db.exec("RELEASE SAVEPOINT gw_op");
    return result;
  }
  if (auto st = db.exec("RELEASE SAVEPOINT gw_op"); !st) return std::move(st).error();
  return result;
}

class PostgresTransaction final : public Transaction {
 public:
  explicit PostgresTransaction(Lease lease) : lease_(std::move(lease)) {}
  ~PostgresTransaction() override {
    if (!done_) (void)lease_->exec("ROLLBACK");  // also releases the writer lock
  }

  Result<std::optional<Record>> read(const std::string& type, const std::string& id) override {
    if (done_) return finished();
    return guarded(*lease_, [&] { return read_current(*lease_, type, id); });
  }
  Result<WriteResult> put(const Write& w) override {
    if (done_) return finished();
    return postgres::put(*lease_, w);  // its own savepoint
  }
  Result<SearchPage> search(const search::Query& q) override {
    if (done_) return finished();
    return guarded(*lease_, [&] { return postgres::search(*lease_, q); });
  }
  Status add_outbox(const OutboxEntry& e) override {
    if (done_) return finished();
    return guarded(*lease_, [&] { return postgres::add_outbox(*lease_, e); });
  }
  Status add_quarantine(const QuarantineEntry& e) override {
    if (done_) return finished();
    return guarded(*lease_, [&] { return postgres::add_quarantine(*lease_, e); });
  }
  Result<std::vector<ResourceKey>> live_keys(const std::string& controller,
                                             const std::string& patient_id) override {
    if (done_) return finished();
    return guarded(*lease_, [&] { return postgres::live_keys(*lease_, controller, patient_id); });
  }
  Status commit() override {
    if (done_) return finished();
    done_ = true;
    if (auto st = lease_->exec("COMMIT"); !st) {
      lease_->rollback_if_open();
      return st;
    }
    return {};
  }

 private:
  static Error finished() { return Error::internal("The store transaction has already ended"); }

  Lease lease_;
  bool done_ = false;
};

class PostgresStore final : public Store {
 public:
  explicit PostgresStore(std::string url) : pool_(std::move(url), kMaxIdleConnections) {}

  Result<std::optional<Record>> read(const std::string& type, const std::string& id) override {
    return with_reader(false, [&](Connection& db) { return read_current(db, type, id); });
  }
  Result<std::optional<Record>> vread(const std::string& type, const std::string& id,
                                      int64_t version) override {
    return with_reader(false, [&](Connection& db) { return read_version(db, type, id, version); });
  }
  Result<HistoryPage> history(const HistoryQuery& q) override {
    return with_reader(true, [&](Connection& db) { return postgres::history(db, q); });
  }
  Result<SearchPage> search(const search::Query& q) override {
    return with_reader(true, [&](Connection& db) { return postgres::search(db, q); });
  }
  Result<std::unique_ptr<Transaction>> begin() override {
    // READ COMMITTED: once the lock is held, each statement sees every write
    // committed before it, so the If-Match and 409 checks judge the latest.
    static const std::string kBegin = "BEGIN; SELECT pg_advisory_xact_lock(" + std::to_string(kWriterLock) + ")";
    for (int attempt = 0;; ++attempt) {
      auto lease = pool_.acquire();
      if (!lease) return std::move(lease).error();
      auto st = (*lease)->exec(kBegin);
      if (st) return std::unique_ptr<Transaction>(new PostgresTransaction(std::move(*lease)));
      if (!(*lease)->connected()) {  // a dead pooled connection: the others likely are too
        pool_.discard_idle();
        if (attempt == 0) continue;
      }
      (*lease)->rollback_if_open();
      return std::move(st).error();
    }
  }
  Result<std::vector<QuarantineEntry>> list_quarantine(const std::string& import_id, int limit,
                                                       int64_t after_id) override {
    return with_reader(false,
                       [&](Connection& db) { return postgres::list_quarantine(db, import_id, limit, after_id); });
  }
  Result<std::vector<OutboxEntry>> list_outbox(const std::string& controller, int64_t since_ms) override {
    return with_reader(false, [&](Connection& db) { return postgres::list_outbox(db, controller, since_ms); });
  }
  Result<int64_t> change_seq() override {
    return with_reader(false, [&](Connection& db) { return postgres::change_seq(db); });
  }
  Result<std::vector<Record>> changed_since(int64_t after_seq, const std::vector<std::string>& types,
                                            int limit) override {
    return with_reader(false,
                       [&](Connection& db) { return postgres::changed_since(db, after_seq, types, limit); });
  }
  std::string backend_name() const override { return "postgres"; }
  void adopt(std::unique_ptr<Connection> conn) { pool_.give_back(std::move(conn)); }

 private:
  // Runs f on a pooled connection; with snapshot, inside one read-only
  // REPEATABLE READ transaction so every statement sees the same data. A
  // pooled connection found dead (server restart, failover) is replaced once.
  template <class F>
  auto with_reader(bool snapshot, F&& f) -> decltype(f(std::declval<Connection&>())) {
    for (int attempt = 0;; ++attempt) {
      auto lease = pool_.acquire();
      if (!lease) return std::move(lease).error();
      Connection& db = **lease;
      auto result = [&]() -> decltype(f(db)) {
        if (snapshot) {
          if (auto st = db.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !st)
            return std::move(st).error();
        }
        auto r = f(db);
        if (snapshot) {
          if (auto st = db.exec(r ? "COMMIT" : "ROLLBACK"); !st && r) return std::move(st).error();
        }
        return r;
      }();
      if (!result && !db.connected()) {
        pool_.discard_idle();
        if (attempt == 0) continue;  // once, on a freshly opened connection
      }
      return result;
    }
  }

  Pool pool_;
};

}  // namespace

Result<std::unique_ptr<Store>> open_postgres_store(const std::string& url) {
  auto conn = Connection::open(url);
  if (!conn) return std::move(conn).error();
  if (auto st = migrate(**conn); !st) return std::move(st).error();
  auto store = std::make_unique<PostgresStore>(url);
  store->adopt(std::move(*conn));  // the migration's connection serves the first caller
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace fhirgw::store::postgres
