#pragma once
// CSV writer for write-back files: every field quoted, "" for quotes, CRLF,
// optionally re-encoded to Windows-1252 (SystmOne-style).
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "csv/encoding.hpp"

namespace fhirgw::adapters::csv {

class Writer {
 public:
  explicit Writer(std::ostream& out, Encoding enc = Encoding::utf8) : out_(out), enc_(enc) {}
  // Fails (writing nothing) when a field cannot be represented in cp1252.
  Status write_row(const std::vector<std::string>& fields);

 private:
  std::ostream& out_;
  Encoding enc_;
};

// "a""b" for a"b.
std::string quote_field(std::string_view field);

}  // namespace fhirgw::adapters::csv
