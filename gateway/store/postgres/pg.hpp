#pragma once
// A thin RAII layer over libpq: a connection, parameterised queries whose
// values always travel as bound parameters ($1, $2, ...), results with typed
// columns, errors as values (SQLSTATE mapped to HTTP-ish statuses).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.hpp"
#include "core/try.hpp"

struct pg_conn;
struct pg_result;

namespace fhirgw::store::postgres {

// Lists are bound as one array parameter: `= ANY($n::text[])`.
struct TextArray {
  std::vector<std::string> items;
};
struct IntArray {
  std::vector<int64_t> items;
};
using Bind = std::variant<std::nullptr_t, int64_t, std::string, TextArray, IntArray>;

// SQL text with its bound values, built together so placeholders and values
// never drift apart. A placeholder is written as a marker and numbered ($1,
// $2, ...) only when the statement runs, so fragments can be concatenated.
struct Sql {
  std::string text;
  std::vector<Bind> binds;
  Sql& operator<<(std::string_view s) {
    text += s;
    return *this;
  }
  // Appends a placeholder (with an explicit array cast for lists) and its value.
  Sql& bind(Bind b);
  Sql& append(const Sql& other);
  Sql& append(Sql&& other);
  std::string numbered() const;  // the text with markers replaced by $1, $2, ...
};

// One query's rows. Moves only.
class Rows {
 public:
  explicit Rows(pg_result* r) : r_(r) {}
  Rows(Rows&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  Rows& operator=(Rows&&) = delete;
  ~Rows();

  int size() const;
  bool null_at(int row, int col) const;
  std::string text_at(int row, int col) const;
  int64_t int_at(int row, int col) const;
  bool bool_at(int row, int col) const;  // a boolean column ('t'/'f')
  bool is_integer(int col) const;        // the column's type is an integer type

 private:
  pg_result* r_;
};

class Connection {
 public:
  // Connects (conninfo: a postgres:// URL or key=value string) and applies the
  // per-session settings the store depends on (UTF8, synchronous_commit on,
  // lock and statement time limits).
  static Result<std::unique_ptr<Connection>> open(const std::string& conninfo);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Status exec(const std::string& sql);  // one or more statements, no parameters
  Result<Rows> query(const Sql& sql);
  Result<Rows> query(const std::string& text, const std::vector<Bind>& binds = {});
  Status run(const Sql& sql);
  bool connected() const;        // the session is still up
  bool healthy() const;          // connected and not inside a transaction
  void rollback_if_open();       // leaves the session idle (best effort)

 private:
  explicit Connection(pg_conn* c) : c_(c) {}
  Error error_from(pg_result* r, std::string_view context) const;

  pg_conn* c_;
};

// A libpq connection URL with the password (if any) replaced, for messages.
std::string redact_url(const std::string& url);

}  // namespace fhirgw::store::postgres

