#pragma once
// The rows of one write-back file, kept in memory until the set is written
// (an export holds the partner writes since a point in time: small), and a
// staging area so that a resource either contributes all its rows or none.
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "csv/encoding.hpp"

namespace fhirgw::adapters::writeback {

using Fields = std::initializer_list<std::pair<std::string_view, std::string>>;

class TableBuffer {
 public:
  TableBuffer(std::string table, std::vector<std::string> columns);
  // A row in column order; columns not named are empty. Naming a column the
  // table does not have is a programming error (throws std::logic_error).
  std::vector<std::string> make(Fields values) const;
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  const std::string& table() const { return table_; }
  const std::vector<std::string>& columns() const { return columns_; }
  size_t size() const { return rows_.size(); }
  // Sets one column of every row (values known only when the set is written).
  void fill(std::string_view column, const std::vector<std::string>& values_in_row_order);
  // Header and rows; every field quoted, CRLF, in the given encoding.
  Status write(const std::filesystem::path& file, csv::Encoding encoding) const;

 private:
  std::string table_;
  std::vector<std::string> columns_;
  std::vector<std::vector<std::string>> rows_;
};

class Staging {
 public:
  void add(TableBuffer& table, Fields values) { rows_.emplace_back(&table, table.make(values)); }
  // Error naming the table and column of the first field that cannot be
  // written in this encoding (Windows-1252 has no byte for most of Unicode).
  Status check(csv::Encoding encoding) const;
  void commit();

 private:
  std::vector<std::pair<TableBuffer*, std::vector<std::string>>> rows_;
};

}  // namespace fhirgw::adapters::writeback
