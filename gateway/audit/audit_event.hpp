#pragma once
// One request's audit facts as the trail keeps them (a compact entry, hashed
// into the chain, plus searchable columns), and as FHIR R4 AuditEvents.
#include <string>

#include "audit/audit_record.hpp"
#include "core/result.hpp"
#include "store/audit_log.hpp"

namespace fhirgw::audit {

// Fills every field of the row except prev_hash and hash.
store::AuditRow to_row(const AuditRecord& record, int64_t recorded_ms, int64_t seq);
// The row's AuditEvent (id = seq), rendered from its entry alone, so that it
// shows exactly what the chain protects. Entries written before the compact
// format hold the AuditEvent itself, which is returned as it is.
Result<std::string> audit_event_json(const store::AuditRow& row);
std::string outcome_code(int http_status);
// The searchable facts a row carries beside its entry are not hashed: they
// must be exactly what its entry gives. "" when they are, else the first
// fact that is not (an entry that does not decode is "entry").
std::string altered_fact(const store::AuditRow& row);  // 0 success, 4 minor (4xx), 8 serious (5xx)

}  // namespace fhirgw::audit
