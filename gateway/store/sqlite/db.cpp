#include "store/sqlite/db.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sqlite3.h>

#include <chrono>
#include <mutex>
#include <thread>

namespace fhirgw::store::sqlite {
namespace {

constexpr size_t kMaxCachedStatements = 256;
constexpr int kBusyTimeoutMs = 10000;

Error sqlite_error(sqlite3* db, int rc, std::string_view context) {
  std::string msg = std::string(context) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
    return Error::make(503, "transient", "The store is busy, retry: " + msg);
  if (primary == SQLITE_FULL) return Error::make(507, "exception", "The store is full: " + msg);
  return Error::internal("SQLite " + msg);
}

}  // namespace

// ---- Statement ----

Statement::Statement(Connection* conn, std::string sql, sqlite3_stmt* stmt)
    : conn_(conn), sql_(std::move(sql)), stmt_(stmt) {}

Statement::Statement(Statement&& other) noexcept
    : conn_(other.conn_), sql_(std::move(other.sql_)), stmt_(other.stmt_) {
  other.stmt_ = nullptr;
}

Statement::~Statement() {
  if (stmt_) conn_->give_back(std::move(sql_), stmt_);
}

Statement& Statement::bind(int index, int64_t v) {
  sqlite3_bind_int64(stmt_, index, v);
  return *this;
}

Statement& Statement::bind(int index, std::string_view v) {
  sqlite3_bind_text(stmt_, index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
  sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind_value(int index, const Bind& v, Text text) {
  if (std::holds_alternative<int64_t>(v)) return bind(index, std::get<int64_t>(v));
  if (const auto* s = std::get_if<std::string>(&v)) {
    sqlite3_bind_text(stmt_, index, s->data(), static_cast<int>(s->size()),
                      text == Text::borrowed ? SQLITE_STATIC : SQLITE_TRANSIENT);
    return *this;
  }
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Statement& Statement::bind_all(const std::vector<Bind>& binds, Text text) {
  for (size_t i = 0; i < binds.size(); ++i) bind_value(static_cast<int>(i) + 1, binds[i], text);
  return *this;
}

Result<bool> Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_error(conn_->db_, rc, "step");
}

Status Statement::run() {
  while (true) {
    auto r = step();
    if (!r) return std::move(r).error();
    if (!*r) return {};
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t Statement::int_at(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string Statement::text_at(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

std::string_view Statement::blob_at(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string_view(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string_view();
}

bool Statement::null_at(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
bool Statement::is_integer(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_INTEGER; }
int Statement::column_count() const { return sqlite3_column_count(stmt_); }

Bind Statement::value_at(int col) const {
  switch (sqlite3_column_type(stmt_, col)) {
    case SQLITE_INTEGER: return int64_t{sqlite3_column_int64(stmt_, col)};
    case SQLITE_NULL: return nullptr;
    default: return text_at(col);
  }
}

// ---- Connection ----

namespace {
// Before SQLite initialises: without memory statistics every allocation in
// every connection skips one process-wide mutex (the read path's hottest lock).
void configure_library_once() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}
}  // namespace

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path, bool read_only, int page_size) {
  configure_library_once();
  sqlite3* db = nullptr;
  // NOMUTEX: each connection is used by one thread at a time (the store's pools
  // guarantee it), so SQLite's own per-connection mutex is not needed.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error e = sqlite_error(db, rc, "cannot open '" + path + "'");
    sqlite3_close(db);
    return e;
  }
  std::unique_ptr<Connection> conn(new Connection(db));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  // synchronous=FULL in WAL mode syncs the WAL on every commit: nothing
  // acknowledged is lost, even on power loss.
  //
  // A new resource store gets 16 KiB pages: shallower b-trees and a quarter
  // of the WAL frames of 4 KiB pages. A 50,000-patient import ran 25% faster;
  // readers map the file, so a bigger page costs them nothing. (An existing
  // file keeps its page size.)
  std::string pragmas = "PRAGMA page_size=" + std::to_string(page_size) +
      "; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
      // Statement journals (every write runs in a savepoint) and temporary
      // indexes stay in memory: inside a long import transaction they were a
      // temporary file written ~30 times per row.
      " PRAGMA temp_store=MEMORY;";
  if (read_only) {
    // Readers map the file: page fetches that miss the cache are memory
    // reads, not pread calls, so a smaller cache does.
    pragmas += " PRAGMA query_only=ON; PRAGMA mmap_size=1073741824; PRAGMA cache_size=-16384;";
  } else {
    // The writer's cache bounds how often a long import transaction spills
    // dirty pages to the WAL and reads them back: 32 MiB, a fixed cost
    // however large the extract. A log that grew to gigabytes during such an
    // import shrinks back to 64 MiB when it is next reset.
    pragmas += " PRAGMA cache_size=-32768; PRAGMA journal_size_limit=67108864;";
  }
  // Switching a new file to WAL takes a lock that SQLite does not wait for:
  // a second process opening the same new file at that moment is told
  // "busy" at once. The settings are idempotent, so they are tried again.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  while (true) {
    auto st = conn->exec(pragmas);
    if (st) return conn;
    if (st.error().status != 503 || std::chrono::steady_clock::now() >= give_up) return std::move(st).error();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

Connection::~Connection() {
  for (auto& [sql, stmts] : cache_)
    for (sqlite3_stmt* s : stmts) sqlite3_finalize(s);
  sqlite3_close_v2(db_);
}

Status Connection::exec(std::string_view sql) {
  char* err = nullptr;
  std::string text(sql);
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    if ((rc & 0xff) == SQLITE_BUSY) return Error::make(503, "transient", "The store is busy, retry: " + msg);
    return Error::internal("SQLite exec: " + msg);
  }
  return {};
}

Status Connection::run_cached(const std::string& sql) {
  auto stmt = prepare(sql);
  if (!stmt) return std::move(stmt).error();
  return stmt->run();
}

Result<Statement> Connection::prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end() && !it->second.empty()) {
    sqlite3_stmt* s = it->second.back();
    it->second.pop_back();
    --cached_;
    return Statement(this, sql, s);
  }
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &s,
                              nullptr);
  if (rc != SQLITE_OK) return sqlite_error(db_, rc, "prepare");
  return Statement(this, sql, s);
}

void Connection::give_back(std::string sql, sqlite3_stmt* stmt) {
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  if (cached_ >= kMaxCachedStatements) {
    sqlite3_finalize(stmt);
    return;
  }
  cache_[std::move(sql)].push_back(stmt);
  ++cached_;
}

int64_t Connection::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

Error Connection::error(std::string_view context) const {
  return sqlite_error(db_, sqlite3_errcode(db_), context);
}

std::string json_array(const std::vector<std::string>& items) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartArray();
  for (const auto& s : items) w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  w.EndArray();
  return {sb.GetString(), sb.GetSize()};
}

std::string json_int_array(const std::vector<int64_t>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(items[i]);
  }
  return out + "]";
}

}  // namespace fhirgw::store::sqlite
