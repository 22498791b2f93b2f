#pragma once
// The audit trail's storage in the PostgreSQL database (table "audit", made
// append-only by triggers), shared by every replica.
#include <memory>
#include <string>

#include "store/audit_log.hpp"

namespace fhirgw::store::postgres {

// Appends are serialised across replicas by an advisory lock. A replica whose
// idea of the chain's end is stale (another replica appended meanwhile) has
// its rows re-numbered and re-chained onto the real end under that lock, so
// the table always holds one gap-free chain; `rows` is updated in place with
// the seq, json and hashes actually stored.
Result<std::unique_ptr<AuditLog>> open_postgres_audit_log(const std::string& url);

}  // namespace fhirgw::store::postgres
