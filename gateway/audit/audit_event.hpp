#pragma once
// Turns one request's audit facts into a FHIR R4 AuditEvent (and the
// searchable row the trail stores beside it).
#include <string>

#include "audit/audit_record.hpp"
#include "store/audit_log.hpp"

namespace fhirgw::audit {

// Fills every field of the row except seq, prev_hash and hash; `json` is the
// AuditEvent with id = seq (given).
store::AuditRow to_row(const AuditRecord& record, int64_t recorded_ms, int64_t seq);
std::string outcome_code(int http_status);  // 0 success, 4 minor (4xx), 8 serious (5xx)

}  // namespace fhirgw::audit
