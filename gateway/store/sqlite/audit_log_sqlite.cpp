#include <algorithm>
#include <filesystem>
#include <mutex>

#include "store/audit_chain.hpp"
#include "store/audit_log.hpp"
#include "store/sqlite/db.hpp"
#include "store/sqlite/wal_checkpointer.hpp"

namespace fhirgw::store {
namespace {

using sqlite::Connection;

constexpr const char* kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY,
  recorded_ms INTEGER NOT NULL,
  request_id TEXT NOT NULL,
  client_id TEXT NOT NULL,
  organisation TEXT NOT NULL,
  purpose TEXT NOT NULL,
  action TEXT NOT NULL,
  resource_type TEXT NOT NULL,
  status INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  patients TEXT NOT NULL,
  entities TEXT NOT NULL,
  agreements TEXT NOT NULL,
  policy_version TEXT NOT NULL,
  json TEXT NOT NULL,         -- the hashed entry (AuditRow::entry)
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_time ON audit (recorded_ms);
CREATE INDEX IF NOT EXISTS audit_client ON audit (client_id, recorded_ms);
-- The trail is append-only: the database itself refuses edits and deletes.
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
)SQL";

constexpr const char* kColumns =
    "seq, recorded_ms, request_id, client_id, organisation, purpose, action, resource_type, status, outcome, "
    "patients, entities, agreements, policy_version, json, prev_hash, hash";

AuditRow row_from(const sqlite::Statement& s) {
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
  SqliteAuditLog(std::unique_ptr<Connection> c, std::unique_ptr<sqlite::WalCheckpointer> checkpointer)
      : conn_(std::move(c)), checkpointer_(std::move(checkpointer)) {
    checkpointer_->watch(*conn_);
  }
  ~SqliteAuditLog() override { checkpointer_->unwatch(*conn_); }

  Status append(std::vector<AuditRow>& rows) override {
    std::lock_guard lock(mu_);
    if (auto s = conn_->run_cached("BEGIN IMMEDIATE"); !s.ok()) return s;
    auto fail = [&](Error e) -> Status {
      (void)conn_->run_cached("ROLLBACK");
      return e;
    };
    // Another instance may have appended since this one last looked: join the real end.
    auto tail = conn_->prepare("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
    if (!tail.ok()) return fail(tail.error());
    auto has_tail = tail->step();
    if (!has_tail.ok()) return fail(has_tail.error());
    int64_t last_seq = *has_tail ? tail->int_at(0) : 0;
    std::string last_hash = *has_tail ? tail->text_at(1) : kAuditGenesis;
    tail->reset();
    attach_to_chain(rows, last_seq, last_hash);
    auto stmt = conn_->prepare(std::string("INSERT INTO audit (") + kColumns +
                               ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!stmt.ok()) return fail(stmt.error());
    for (auto& r : rows) {
      auto& s = *stmt;
      s.reset();
      s.bind(1, r.seq).bind(2, r.recorded_ms).bind(3, r.request_id).bind(4, r.client_id).bind(5, r.organisation);
      s.bind(6, r.purpose).bind(7, r.action).bind(8, r.resource_type).bind(9, static_cast<int64_t>(r.status));
      s.bind(10, r.outcome).bind(11, r.patients).bind(12, r.entities).bind(13, r.agreements);
      s.bind(14, r.policy_version).bind(15, r.entry).bind(16, r.prev_hash).bind(17, r.hash);
      if (auto st = s.run(); !st.ok()) return fail(st.error());
    }
    if (auto s = conn_->run_cached("COMMIT"); !s.ok()) return fail(s.error());
    return {};
  }

  Result<std::optional<AuditRow>> last() override {
    std::lock_guard lock(mu_);
    auto stmt = conn_->prepare(std::string("SELECT ") + kColumns + " FROM audit ORDER BY seq DESC LIMIT 1");
    if (!stmt.ok()) return stmt.error();
    auto has = stmt->step();
    if (!has.ok()) return has.error();
    if (!*has) return std::optional<AuditRow>{};
    return std::optional<AuditRow>(row_from(*stmt));
  }

  Result<std::vector<AuditRow>> query(const AuditQuery& q) override {
    std::string sql = std::string("SELECT ") + kColumns + " FROM audit WHERE seq > ?";
    std::vector<sqlite::Bind> binds{q.after_seq};
    if (q.from_ms) { sql += " AND recorded_ms >= ?"; binds.emplace_back(*q.from_ms); }
    if (q.to_ms) { sql += " AND recorded_ms < ?"; binds.emplace_back(*q.to_ms); }
    if (!q.client_id.empty()) { sql += " AND client_id = ?"; binds.emplace_back(q.client_id); }
    if (!q.organisation.empty()) { sql += " AND organisation = ?"; binds.emplace_back(q.organisation); }
    if (!q.outcome.empty()) { sql += " AND outcome = ?"; binds.emplace_back(q.outcome); }
    if (!q.patient.empty()) {
      sql += " AND (' ' || patients || ' ') LIKE ? ESCAPE '\\'";
      binds.emplace_back("% " + escape_like(q.patient) + " %");
    }
    if (!q.entity.empty()) {
      sql += " AND (' ' || entities) LIKE ? ESCAPE '\\'";
      binds.emplace_back("% " + escape_like(q.entity) + "%");
    }
    sql += " ORDER BY seq LIMIT ?";
    binds.emplace_back(static_cast<int64_t>(std::clamp(q.limit, 1, 10000)));
    return run_rows(sql, binds);
  }

  Result<std::vector<AuditRow>> scan(int64_t after_seq, int limit) override {
    return run_rows(std::string("SELECT ") + kColumns + " FROM audit WHERE seq > ? ORDER BY seq LIMIT ?",
                    {after_seq, static_cast<int64_t>(limit)});
  }

 private:
  static std::string escape_like(const std::string& s) {
    std::string out;
    for (char c : s) {
      if (c == '%' || c == '_' || c == '\\') out += '\\';
      out += c;
    }
    return out;
  }

  Result<std::vector<AuditRow>> run_rows(const std::string& sql, const std::vector<sqlite::Bind>& binds) {
    std::lock_guard lock(mu_);
    auto stmt = conn_->prepare(sql);
    if (!stmt.ok()) return stmt.error();
    stmt->bind_all(binds);
    std::vector<AuditRow> out;
    for (;;) {
      auto has = stmt->step();
      if (!has.ok()) return has.error();
      if (!*has) break;
      out.push_back(row_from(*stmt));
    }
    return out;
  }

  std::mutex mu_;
  std::unique_ptr<Connection> conn_;
  // A group commit only syncs its log frames; copying the log into the file
  // happens on the checkpointer's thread. Last member: stops first.
  std::unique_ptr<sqlite::WalCheckpointer> checkpointer_;
};

}  // namespace

// open_audit_log (open_store.cpp) dispatches "sqlite:" URLs here.
Result<std::unique_ptr<AuditLog>> open_sqlite_audit_log(const std::string& store_url) {
  constexpr std::string_view kSqlite = "sqlite:";
  if (store_url.rfind(kSqlite, 0) != 0)
    return Error::internal("The audit log needs a sqlite: store URL in this build");
  std::filesystem::path db(store_url.substr(kSqlite.size()));
  std::filesystem::path audit = db.parent_path() / (db.stem().string() + ".audit.db");
  // 4 KiB pages: each group commit appends a few rows, and every page it
  // touches is a whole frame in the log.
  auto conn = Connection::open(audit.string(), false, 4096);
  if (!conn.ok()) return conn.error();
  if (auto s = (*conn)->exec(kSchema); !s.ok()) return s.error();
  auto checkpointer = sqlite::WalCheckpointer::start(audit.string());
  if (!checkpointer) return std::move(checkpointer).error();
  return std::unique_ptr<AuditLog>(new SqliteAuditLog(std::move(conn).value(), std::move(checkpointer).value()));
}

}  // namespace fhirgw::store
