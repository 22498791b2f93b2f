#include "writeback/table_buffer.hpp"

#include <fstream>
#include <stdexcept>

#include "csv/writer.hpp"

namespace fhirgw::adapters::writeback {

TableBuffer::TableBuffer(std::string table, std::vector<std::string> columns)
    : table_(std::move(table)), columns_(std::move(columns)) {}

std::vector<std::string> TableBuffer::make(Fields values) const {
  std::vector<std::string> row(columns_.size());
  for (const auto& [column, value] : values) {
    size_t i = 0;
    while (i < columns_.size() && columns_[i] != column) ++i;
    if (i == columns_.size()) throw std::logic_error(table_ + " has no column " + std::string(column));
    row[i] = value;
  }
  return row;
}

void TableBuffer::fill(std::string_view column, const std::vector<std::string>& values) {
  size_t i = 0;
  while (i < columns_.size() && columns_[i] != column) ++i;
  if (i == columns_.size()) throw std::logic_error(table_ + " has no column " + std::string(column));
  for (size_t r = 0; r < rows_.size() && r < values.size(); ++r) rows_[r][i] = values[r];
}

Status TableBuffer::write(const std::filesystem::path& file, csv::Encoding encoding) const {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) return Error::internal("cannot write " + file.string());
  csv::Writer writer(out, encoding);
  if (auto st = writer.write_row(columns_); !st) return st;
  for (const auto& row : rows_) {
    if (auto st = writer.write_row(row); !st) return Error::invalid(file.filename().string() + ": " + st.error().message());
  }
  out.close();
  if (out.fail()) return Error::internal("cannot write " + file.string());
  return {};
}

Status Staging::check(csv::Encoding encoding) const {
  if (encoding != csv::Encoding::cp1252) return {};
  for (const auto& [table, row] : rows_) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (!csv::utf8_to_cp1252(row[i])) {
        return Error::invalid(table->table() + "." + table->columns()[i] + " '" + row[i] +
                              "' has a character Windows-1252 cannot represent");
      }
    }
  }
  return {};
}

void Staging::commit() {
  for (auto& [table, row] : rows_) table->add(std::move(row));
  rows_.clear();
}

}  // namespace fhirgw::adapters::writeback
