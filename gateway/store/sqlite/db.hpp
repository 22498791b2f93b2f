#pragma once
// A thin RAII layer over the SQLite C API: a connection with a statement
// cache, statements with typed binds and columns, errors as values.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "core/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace fhirgw::store::sqlite {

using Bind = std::variant<std::nullptr_t, int64_t, std::string>;

class Connection;

// A prepared statement borrowed from a connection's cache; returned (reset,
// bindings cleared) when it goes out of scope.
class Statement {
 public:
  Statement(Connection* conn, std::string sql, sqlite3_stmt* stmt);
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  Statement& bind(int index, int64_t v);  // 1-based
  Statement& bind(int index, std::string_view v);
  Statement& bind(int index, const std::string& v) { return bind(index, std::string_view(v)); }
  Statement& bind(int index, const char* v) { return bind(index, std::string_view(v)); }
  Statement& bind_blob(int index, std::string_view bytes);
  // Bound text is copied by SQLite, or borrowed: the values must then outlive
  // the statement's use (a search's compiled SQL does, and its narrowing
  // lists are long).
  enum class Text { copied, borrowed };
  Statement& bind_value(int index, const Bind& v, Text text = Text::copied);
  Statement& bind_all(const std::vector<Bind>& binds, Text text = Text::copied);  // from index 1

  // true: a row is available; false: done. Errors carry SQLite's message.
  Result<bool> step();
  Status run();  // steps to completion, ignoring rows
  void reset();  // ready to bind and run again

  int64_t int_at(int col) const;
  std::string text_at(int col) const;
  // A blob column's bytes, valid until the next step or reset.
  std::string_view blob_at(int col) const;
  bool null_at(int col) const;
  bool is_integer(int col) const;
  int column_count() const;
  // The column as stored: an integer, null, or (anything else) its text.
  Bind value_at(int col) const;

 private:
  Connection* conn_;
  std::string sql_;
  sqlite3_stmt* stmt_;
};

class Connection {
 public:
  // Opens (creating if needed) the database file and applies the per-connection
  // settings: WAL, synchronous=FULL, busy_timeout, foreign keys.
  // A new file gets `page_size`-byte pages (an existing one keeps its own):
  // large for the resource store (bulk writes, shallow trees), small for a
  // file of many small commits such as the audit trail.
  static constexpr int kStorePageSize = 16384;
  static Result<std::unique_ptr<Connection>> open(const std::string& path, bool read_only,
                                                  int page_size = kStorePageSize);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Status exec(std::string_view sql);  // one or more statements, no binds
  Status run_cached(const std::string& sql);  // one statement, no binds, prepared once
  Result<Statement> prepare(const std::string& sql);
  int64_t last_insert_rowid() const;
  // The C handle, for the few calls this layer does not wrap (the WAL hook).
  sqlite3* handle() const { return db_; }
  Error error(std::string_view context) const;  // the connection's last error as an Error

 private:
  friend class Statement;
  explicit Connection(sqlite3* db) : db_(db) {}
  void give_back(std::string sql, sqlite3_stmt* stmt);

  sqlite3* db_;
  std::unordered_map<std::string, std::vector<sqlite3_stmt*>> cache_;
  size_t cached_ = 0;
};

// ["a","b"] for binding a list as one parameter and expanding it with json_each.
std::string json_array(const std::vector<std::string>& items);
std::string json_int_array(const std::vector<int64_t>& items);

}  // namespace fhirgw::store::sqlite
