#pragma once
// Streaming RFC 4180 reader for practice extracts: reads a bounded chunk at a
// time (memory stays flat however large the file), reads columns by name, and
// reports per record the physical line it starts on, so every rejected row
// can be quarantined with file, line and column.
#include <array>
#include <cstdint>
#include <fstream>
#include <filesystem>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/string_map.hpp"
#include "csv/encoding.hpp"

namespace fhirgw::adapters::csv {

// Why a record cannot be used. column is a column name ("" = whole row).
struct RowError {
  std::string column;
  std::string message;
};

struct Row {
  int64_t line = 0;                 // 1-based physical line where the record starts
  std::vector<std::string> fields;  // decoded to UTF-8 (raw bytes if error)
  std::string raw;                  // the record's bytes, capped at kRawCap
  std::optional<RowError> error;
};

class Reader {
 public:
  static constexpr size_t kRawCap = 4096;

  // Reads from a stream the caller keeps alive; name is used in messages.
  Reader(std::istream& in, std::string name, Encoding enc);
  // Opens a file; the reader owns the stream.
  static Result<std::unique_ptr<Reader>> open(const std::filesystem::path& path, Encoding enc);

  // Reads and decodes the header row. Error when there is none or it is not
  // decodable; a UTF-8 BOM is skipped.
  Status read_header();
  const std::vector<std::string>& columns() const { return columns_; }
  std::optional<size_t> index_of(std::string_view column) const;
  bool has_column(std::string_view column) const { return index_of(column).has_value(); }
  // Error naming the file and the first missing column.
  Status require(const std::vector<std::string>& required) const;
  const std::string& name() const { return name_; }

  // Next record; false at end of input. A record with a structural,
  // field-count or encoding problem comes back with row.error set.
  bool next(Row& row);

  // Field by column name; nullopt when the column is absent or the value is
  // the empty string (empty = absent).
  std::optional<std::string_view> get(const Row& row, std::string_view column) const;

 private:
  int get_byte();
  int peek_byte();
  bool fill();
  std::string& field(Row& row);  // the field being read
  void finish_field(Row& row);
  // Copies bytes up to the next stop byte (or the end of the buffer) into
  // the current field and the raw text.
  void take_run(Row& row, const std::array<bool, 256>& stops);
  void set_error(Row& row, size_t field_index, std::string message);
  std::string column_name(size_t index) const;

  std::unique_ptr<std::ifstream> owned_;
  std::istream& in_;
  std::string name_;
  Encoding enc_;
  std::vector<char> buf_;
  size_t pos_ = 0, len_ = 0;
  bool eof_ = false;
  int64_t line_ = 1, col_ = 0;  // position of the last byte read
  bool at_start_ = true;
  size_t fields_done_ = 0;  // fields of the current record read so far
  std::string decoded_;     // scratch for decoding a field
  std::vector<std::string> columns_;
  StringMap<size_t> index_;  // looked up by view for every field a mapper reads
};

}  // namespace fhirgw::adapters::csv
