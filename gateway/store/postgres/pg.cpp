#include "store/postgres/pg.hpp"

#include <libpq-fe.h>

#include <cstdlib>
#include <iterator>

namespace fhirgw::store::postgres {
namespace {

constexpr char kMarker = '\x01';  // a placeholder not yet numbered

// Built-in type OIDs (stable across PostgreSQL releases: pg_type.dat).
constexpr Oid kInt8 = 20, kText = 25, kInt2 = 21, kInt4 = 23, kTextArray = 1009, kInt8Array = 1016;

// The session settings every store connection needs. synchronous_commit=on is
// the server default, set explicitly so a database-level override cannot make
// acknowledged writes losable; lock_timeout turns a long wait for the writer
// lock into a retryable 503 (as SQLite's busy timeout does).
constexpr const char* kSessionSettings =
    "SET client_encoding = 'UTF8'; SET synchronous_commit = on; SET lock_timeout = '10s';"
    " SET statement_timeout = '120s'; SET TIME ZONE 'UTC'; SET client_min_messages = warning";

std::string array_literal(const std::vector<std::string>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

std::string array_literal(const std::vector<int64_t>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(items[i]);
  }
  return out + "}";
}

bool transient_state(const std::string& state) {
  return state == "40001" || state == "40P01" || state == "55P03" || state == "57014" || state == "57P01" ||
         state == "57P02" || state == "57P03" || state == "53300" || state.rfind("08", 0) == 0;
}

void ignore_notice(void*, const char*) {}

}  // namespace

// ---- Sql ----

Sql& Sql::bind(Bind b) {
  text += kMarker;
  if (std::holds_alternative<TextArray>(b)) text += "::text[]";
  else if (std::holds_alternative<IntArray>(b)) text += "::bigint[]";
  binds.push_back(std::move(b));
  return *this;
}

Sql& Sql::append(const Sql& other) {
  text += other.text;
  binds.insert(binds.end(), other.binds.begin(), other.binds.end());
  return *this;
}

Sql& Sql::append(Sql&& other) {
  text += other.text;
  binds.insert(binds.end(), std::make_move_iterator(other.binds.begin()), std::make_move_iterator(other.binds.end()));
  return *this;
}

std::string Sql::numbered() const {
  std::string out;
  out.reserve(text.size() + binds.size() * 2);
  int n = 0;
  for (char c : text) {
    if (c == kMarker) out += "$" + std::to_string(++n);
    else out += c;
  }
  return out;
}

// ---- Rows ----

Rows::~Rows() {
  if (r_) PQclear(r_);
}

int Rows::size() const { return PQntuples(r_); }
bool Rows::null_at(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }

std::string Rows::text_at(int row, int col) const {
  return std::string(PQgetvalue(r_, row, col), static_cast<size_t>(PQgetlength(r_, row, col)));
}

int64_t Rows::int_at(int row, int col) const {
  if (PQgetisnull(r_, row, col)) return 0;
  return std::strtoll(PQgetvalue(r_, row, col), nullptr, 10);
}

bool Rows::bool_at(int row, int col) const {
  const char* v = PQgetvalue(r_, row, col);
  return v && v[0] == 't';
}

bool Rows::is_integer(int col) const {
  Oid t = PQftype(r_, col);
  return t == kInt8 || t == kInt4 || t == kInt2;
}

// ---- Connection ----

Result<std::unique_ptr<Connection>> Connection::open(const std::string& conninfo) {
  pg_conn* c = PQconnectdb(conninfo.c_str());
  if (!c) return Error::make(503, "transient", "The PostgreSQL store is unavailable: out of memory");
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c);
    PQfinish(c);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    return Error::make(503, "transient",
                       "The PostgreSQL store at " + redact_url(conninfo) + " is unavailable: " + msg);
  }
  PQsetNoticeProcessor(c, ignore_notice, nullptr);
  std::unique_ptr<Connection> conn(new Connection(c));
  if (auto st = conn->exec(kSessionSettings); !st) return std::move(st).error();
  return conn;
}

Connection::~Connection() { PQfinish(c_); }

Error Connection::error_from(pg_result* r, std::string_view context) const {
  std::string state, msg;
  if (r) {
    const char* s = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    if (s) state = s;
    const char* m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    if (m) msg = m;
  }
  if (msg.empty()) {
    msg = PQerrorMessage(c_);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  }
  std::string text = std::string(context) + ": " + msg + (state.empty() ? "" : " [" + state + "]");
  if (PQstatus(c_) != CONNECTION_OK || transient_state(state))
    return Error::make(503, "transient", "The store is busy or unreachable, retry: " + text);
  if (state == "53100") return Error::make(507, "exception", "The store is full: " + text);
  if (state == "23505") return Error::make(409, "duplicate", "Conflicting write: " + text);
  return Error::internal("PostgreSQL " + text);
}

Status Connection::exec(const std::string& sql) {
  pg_result* r = PQexec(c_, sql.c_str());
  ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
    PQclear(r);
    return {};
  }
  Error e = error_from(r, "exec");
  if (r) PQclear(r);
  return e;
}

Result<Rows> Connection::query(const std::string& text, const std::vector<Bind>& binds) {
  std::vector<std::string> storage(binds.size());
  std::vector<const char*> values(binds.size(), nullptr);
  std::vector<Oid> types(binds.size(), 0);
  for (size_t i = 0; i < binds.size(); ++i) {
    const Bind& b = binds[i];
    if (std::holds_alternative<std::nullptr_t>(b)) {
      types[i] = kText;
      continue;
    }
    if (const auto* n = std::get_if<int64_t>(&b)) {
      storage[i] = std::to_string(*n);
      types[i] = kInt8;
    } else if (const auto* s = std::get_if<std::string>(&b)) {
      storage[i] = *s;
      types[i] = kText;
    } else if (const auto* ta = std::get_if<TextArray>(&b)) {
      storage[i] = array_literal(ta->items);
      types[i] = kTextArray;
    } else if (const auto* ia = std::get_if<IntArray>(&b)) {
      storage[i] = array_literal(ia->items);
      types[i] = kInt8Array;
    }
    values[i] = storage[i].c_str();
  }
  pg_result* r = PQexecParams(c_, text.c_str(), static_cast<int>(binds.size()), types.data(), values.data(),
                              nullptr, nullptr, 0);
  ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return Rows(r);
  Error e = error_from(r, "query");
  if (r) PQclear(r);
  return e;
}

Result<Rows> Connection::query(const Sql& sql) { return query(sql.numbered(), sql.binds); }

Status Connection::run(const Sql& sql) {
  auto r = query(sql);
  if (!r) return std::move(r).error();
  return {};
}

bool Connection::connected() const { return PQstatus(c_) == CONNECTION_OK; }

bool Connection::healthy() const {
  return PQstatus(c_) == CONNECTION_OK && PQtransactionStatus(c_) == PQTRANS_IDLE;
}

void Connection::rollback_if_open() {
  if (PQstatus(c_) == CONNECTION_OK && PQtransactionStatus(c_) != PQTRANS_IDLE) (void)exec("ROLLBACK");
}

std::string redact_url(const std::string& url) {
  // postgres://user:secret@host/db -> postgres://user:***@host/db
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  auto at = url.find('@', scheme + 3);
  if (at == std::string::npos) return url;
  auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

}  // namespace fhirgw::store::postgres
