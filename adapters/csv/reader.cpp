#include "csv/reader.hpp"

namespace fhirgw::adapters::csv {

// A hand-written state machine rather than libcsv: we need, for every record,
// the physical line it starts on, its raw bytes and the line/column where an
// unterminated quote opened; libcsv's callbacks expose none of these, so the
// bookkeeping would be the same size as the parser itself.

namespace {
constexpr size_t kChunk = 64 * 1024;
enum class State { field_start, unquoted, quoted, quote_in_quoted };
}  // namespace

Reader::Reader(std::istream& in, std::string name, Encoding enc)
    : in_(in), name_(std::move(name)), enc_(enc), buf_(kChunk) {}

Result<std::unique_ptr<Reader>> Reader::open(const std::filesystem::path& path, Encoding enc) {
  auto file = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*file) return Error::invalid("cannot open " + path.string());
  auto reader = std::make_unique<Reader>(*file, path.filename().string(), enc);
  reader->owned_ = std::move(file);
  return reader;
}

bool Reader::fill() {
  if (eof_) return false;
  in_.read(buf_.data(), static_cast<std::streamsize>(buf_.size()));
  len_ = static_cast<size_t>(in_.gcount());
  pos_ = 0;
  if (len_ == 0) eof_ = true;
  return len_ > 0;
}

int Reader::peek_byte() {
  if (pos_ >= len_ && !fill()) return -1;
  return static_cast<unsigned char>(buf_[pos_]);
}

int Reader::get_byte() {
  int c = peek_byte();
  if (c < 0) return c;
  ++pos_;
  ++col_;
  return c;
}

std::string Reader::column_name(size_t index) const {
  return index < columns_.size() ? columns_[index] : std::string();
}

void Reader::set_error(Row& row, size_t field_index, std::string message) {
  if (!row.error) row.error = RowError{column_name(field_index), std::move(message)};
}

void Reader::finish_field(Row& row) {
  row.fields.push_back(std::move(field_));
  field_.clear();
}

bool Reader::next(Row& row) {
  for (;;) {
    row.fields.clear();
    row.raw.clear();
    row.error.reset();
    row.line = 0;
    field_.clear();
    State state = State::field_start;
    bool started = false, quoted_any = false;
    int64_t quote_line = 0, quote_col = 0;

    auto raw_push = [&](int c) {
      if (row.raw.size() < kRawCap) row.raw.push_back(static_cast<char>(c));
    };
    // Consumes the LF of a CRLF; a bare CR also ends a line.
    auto end_line = [&](int c) {
      if (c == '\r' && peek_byte() == '\n') raw_push(get_byte());
      ++line_;
      col_ = 0;
    };

    bool record_done = false;
    while (!record_done) {
      int c = get_byte();
      if (c < 0) {
        if (!started) return false;
        if (state == State::quoted) {
          set_error(row, row.fields.size(),
                    "unterminated quoted field opened at line " + std::to_string(quote_line) +
                        ", column " + std::to_string(quote_col));
        }
        finish_field(row);
        break;
      }
      if (!started) {
        started = true;
        row.line = line_;
        if (at_start_ && enc_ == Encoding::utf8 && c == 0xEF) {
          // UTF-8 BOM: only at the very start of the file.
          if (peek_byte() == 0xBB) {
            get_byte();
            if (peek_byte() == 0xBF) {
              get_byte();
              at_start_ = false;
              started = false;
              col_ = 0;
              continue;
            }
            field_.push_back(static_cast<char>(0xEF));
            c = 0xBB;
          }
        }
        at_start_ = false;
      }
      raw_push(c);
      switch (state) {
        case State::field_start:
          if (c == '"') {
            state = State::quoted;
            quoted_any = true;
            quote_line = line_;
            quote_col = col_;
          } else if (c == ',') {
            finish_field(row);
          } else if (c == '\n' || c == '\r') {
            end_line(c);
            finish_field(row);
            record_done = true;
          } else {
            field_.push_back(static_cast<char>(c));
            state = State::unquoted;
          }
          break;
        case State::unquoted:
          if (c == ',') {
            finish_field(row);
            state = State::field_start;
          } else if (c == '\n' || c == '\r') {
            end_line(c);
            finish_field(row);
            record_done = true;
          } else {
            if (c == '"') {
              set_error(row, row.fields.size(),
                        "quote inside an unquoted field at line " + std::to_string(line_) +
                            ", column " + std::to_string(col_));
            }
            field_.push_back(static_cast<char>(c));
          }
          break;
        case State::quoted:
          if (c == '"') {
            state = State::quote_in_quoted;
          } else {
            field_.push_back(static_cast<char>(c));
            if (c == '\n') {
              ++line_;
              col_ = 0;
            }
          }
          break;
        case State::quote_in_quoted:
          if (c == '"') {
            field_.push_back('"');
            state = State::quoted;
          } else if (c == ',') {
            finish_field(row);
            state = State::field_start;
          } else if (c == '\n' || c == '\r') {
            end_line(c);
            finish_field(row);
            record_done = true;
          } else {
            set_error(row, row.fields.size(),
                      "unexpected character after closing quote at line " + std::to_string(line_) +
                          ", column " + std::to_string(col_));
            field_.push_back(static_cast<char>(c));
            state = State::unquoted;
          }
          break;
      }
    }

    // A physically empty line is not a record (trailing newline, blank line).
    if (!quoted_any && row.fields.size() == 1 && row.fields[0].empty()) continue;

    if (!columns_.empty() && !row.error && row.fields.size() != columns_.size()) {
      row.error = RowError{"", "expected " + std::to_string(columns_.size()) + " fields, found " +
                                   std::to_string(row.fields.size())};
    }
    std::string decoded;
    for (size_t i = 0; i < row.fields.size(); ++i) {
      if (auto err = decode(row.fields[i], enc_, decoded)) {
        set_error(row, i, err->message + " at byte " + std::to_string(err->offset + 1) +
                              " of the field");
        break;
      }
      row.fields[i].swap(decoded);
    }
    return true;
  }
}

Status Reader::read_header() {
  Row header;
  if (!next(header)) return Error::invalid(name_ + ": empty file, a header row is required");
  if (header.error) {
    return Error::invalid(name_ + ": header row (line " + std::to_string(header.line) +
                          "): " + header.error->message);
  }
  columns_ = std::move(header.fields);
  index_.clear();
  for (size_t i = 0; i < columns_.size(); ++i) index_.emplace(columns_[i], i);  // first wins
  return {};
}

std::optional<size_t> Reader::index_of(std::string_view column) const {
  auto it = index_.find(std::string(column));
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

Status Reader::require(const std::vector<std::string>& required) const {
  for (const auto& col : required) {
    if (!has_column(col)) {
      return Error::invalid(name_ + ": missing required column " + col, col);
    }
  }
  return {};
}

std::optional<std::string_view> Reader::get(const Row& row, std::string_view column) const {
  auto i = index_of(column);
  if (!i || *i >= row.fields.size() || row.fields[*i].empty()) return std::nullopt;
  return std::string_view(row.fields[*i]);
}

}  // namespace fhirgw::adapters::csv
