#include "csv/reader.hpp"

#include <algorithm>
#include <array>

namespace fhirgw::adapters::csv {

// A hand-written state machine rather than libcsv: we need, for every record,
// the physical line it starts on, its raw bytes and the line/column where an
// unterminated quote opened; libcsv's callbacks expose none of these, so the
// bookkeeping would be the same size as the parser itself.

namespace {
constexpr size_t kChunk = 64 * 1024;
enum class State { field_start, unquoted, quoted, quote_in_quoted };

// Bytes that end a run of plain field content: in an unquoted field the
// separators, line ends and a stray quote; inside quotes the closing quote
// and LF (which counts a physical line).
struct Stops {
  std::array<bool, 256> unquoted{}, quoted{};
  constexpr Stops() {
    for (unsigned char c : {',', '\n', '\r', '"'}) unquoted[c] = true;
    for (unsigned char c : {'"', '\n'}) quoted[c] = true;
  }
};
constexpr Stops kStops;

// Both encodings agree on ASCII, so an all-ASCII field needs no decoding
// (the usual case: codes, dates, keys).
bool all_ascii(std::string_view s) {
  unsigned char any = 0;
  for (char c : s) any |= static_cast<unsigned char>(c);
  return any < 0x80;
}
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

// The fields' strings are reused from record to record (cleared, not freed),
// so reading a record allocates nothing once the first few are read.
std::string& Reader::field(Row& row) { return row.fields[fields_done_]; }

void Reader::finish_field(Row& row) {
  ++fields_done_;
  if (fields_done_ == row.fields.size()) row.fields.emplace_back();
  else row.fields[fields_done_].clear();
}

void Reader::take_run(Row& row, const std::array<bool, 256>& stops) {
  size_t end = pos_;
  while (end < len_ && !stops[static_cast<unsigned char>(buf_[end])]) ++end;
  size_t n = end - pos_;
  if (n == 0) return;
  field(row).append(buf_.data() + pos_, n);
  if (row.raw.size() < kRawCap) row.raw.append(buf_.data() + pos_, std::min(n, kRawCap - row.raw.size()));
  col_ += static_cast<int64_t>(n);
  pos_ = end;
}

bool Reader::next(Row& row) {
  for (;;) {
    if (row.fields.empty()) row.fields.emplace_back();
    row.fields.front().clear();
    fields_done_ = 0;
    row.raw.clear();
    row.error.reset();
    row.line = 0;
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
      // Plain content is copied a run at a time; only the bytes that change
      // state go through the byte-at-a-time machine below.
      if (state == State::unquoted) take_run(row, kStops.unquoted);
      else if (state == State::quoted) take_run(row, kStops.quoted);
      int c = get_byte();
      if (c < 0) {
        if (!started) {
          row.fields.resize(fields_done_);
          return false;
        }
        if (state == State::quoted) {
          set_error(row, fields_done_,
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
            field(row).push_back(static_cast<char>(0xEF));
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
            field(row).push_back(static_cast<char>(c));
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
              set_error(row, fields_done_,
                        "quote inside an unquoted field at line " + std::to_string(line_) +
                            ", column " + std::to_string(col_));
            }
            field(row).push_back(static_cast<char>(c));
          }
          break;
        case State::quoted:
          if (c == '"') {
            state = State::quote_in_quoted;
          } else {
            field(row).push_back(static_cast<char>(c));
            if (c == '\n') {
              ++line_;
              col_ = 0;
            }
          }
          break;
        case State::quote_in_quoted:
          if (c == '"') {
            field(row).push_back('"');
            state = State::quoted;
          } else if (c == ',') {
            finish_field(row);
            state = State::field_start;
          } else if (c == '\n' || c == '\r') {
            end_line(c);
            finish_field(row);
            record_done = true;
          } else {
            set_error(row, fields_done_,
                      "unexpected character after closing quote at line " + std::to_string(line_) +
                          ", column " + std::to_string(col_));
            field(row).push_back(static_cast<char>(c));
            state = State::unquoted;
          }
          break;
      }
    }
    // The slot opened after the last field is not a field.
    row.fields.resize(fields_done_);

    // A physically empty line is not a record (trailing newline, blank line).
    if (!quoted_any && row.fields.size() == 1 && row.fields[0].empty()) continue;

    if (!columns_.empty() && !row.error && row.fields.size() != columns_.size()) {
      row.error = RowError{"", "expected " + std::to_string(columns_.size()) + " fields, found " +
                                   std::to_string(row.fields.size())};
    }
    for (size_t i = 0; i < row.fields.size(); ++i) {
      if (all_ascii(row.fields[i])) continue;
      if (auto err = decode(row.fields[i], enc_, decoded_)) {
        set_error(row, i, err->message + " at byte " + std::to_string(err->offset + 1) +
                              " of the field");
        break;
      }
      row.fields[i].swap(decoded_);
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
  auto it = index_.find(column);
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
