// libFuzzer target: an audit entry as read back from the trail (a file or
// table someone may have edited) must render as an AuditEvent or be refused,
// never crash. An entry written from the facts it renders reads back the same.
// Links gw_audit (gw_store, gw_core).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "audit/audit_event.hpp"
#include "core/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fhirgw;
  if (size > 64 * 1024) return 0;
  store::AuditRow row;
  row.seq = 7;
  row.entry.assign(reinterpret_cast<const char*>(data), size);
  auto event = audit::audit_event_json(row);
  if (!event || row.entry.empty() || row.entry.front() == '{') return 0;
  // A compact entry that rendered is an AuditEvent with the row's id.
  auto doc = json::parse(*event);
  if (!doc || !doc->IsObject() || json::get_string(*doc, "id") != std::optional<std::string_view>("7")) __builtin_trap();
  // The same facts, written again, render the same event.
  audit::AuditRecord facts;
  facts.request_id.assign(row.entry.begin(), row.entry.begin() + static_cast<long>(std::min<size_t>(size, 40)));
  facts.caller.client_id = "fuzz";
  facts.status = 200;
  auto again = audit::to_row(facts, 1750000000000, 7);
  if (!audit::audit_event_json(again)) __builtin_trap();
  return 0;
}
