// libFuzzer target: arbitrary bytes through the streaming CSV reader in both
// encodings; must never crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "csv/reader.hpp"
#include "csv/writer.hpp"

using namespace fhirgw::adapters::csv;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  for (Encoding enc : {Encoding::utf8, Encoding::cp1252}) {
    std::istringstream in(bytes);
    Reader reader(in, "fuzz.csv", enc);
    if (!reader.read_header().ok()) continue;
    (void)reader.require({"RowIdentifier", "PatientGuid"});
    Row row;
    while (reader.next(row)) {
      if (!row.error && !reader.columns().empty()) (void)reader.get(row, reader.columns().front());
      // What we read must be writable again (UTF-8 out).
      std::ostringstream out;
      Writer writer(out);
      (void)writer.write_row(row.fields);
    }
  }
  std::string out;
  (void)decode(bytes, Encoding::utf8, out);
  (void)utf8_to_cp1252(bytes);
  return 0;
}
