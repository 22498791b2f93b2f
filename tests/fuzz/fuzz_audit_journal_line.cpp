// libFuzzer target: a line of the audit journal (a file someone may have
// edited) decodes into an entry or is refused, never crashes; a line that
// decodes writes back to a line that decodes to the same entry.
// Links gw_store (gw_core).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "store/audit_journal.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fhirgw;
  if (size > 256 * 1024) return 0;
  auto row = store::decode_journal_line(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!row) return 0;
  const std::string line = store::encode_journal_line(*row);
  if (line.find('\n') != std::string::npos) __builtin_trap();
  auto again = store::decode_journal_line(line);
  if (!again || store::encode_journal_line(*again) != line) __builtin_trap();
  return 0;
}
