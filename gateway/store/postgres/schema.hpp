#pragma once
// Versioned schema migrations for the PostgreSQL store (resources, indexes,
// side tables and the audit trail, in one database).
#include <cstdint>

#include "core/result.hpp"
#include "store/postgres/pg.hpp"

namespace fhirgw::store::postgres {

// Transaction-level advisory lock keys (pg_advisory_xact_lock). Distinct
// constants so the store's locks never collide with each other.
inline constexpr int64_t kMigrationLock = 0x4648495247570001;  // "FHIRGW" 1
inline constexpr int64_t kWriterLock = 0x4648495247570002;     // resource writes: one at a time
inline constexpr int64_t kAuditLock = 0x4648495247570003;      // audit appends: one chain

// Applies, in one transaction and under the migration lock (so replicas
// starting together neither race nor double-apply), every migration newer
// than the database's schema_version. Refuses a database from a newer gateway.
Status migrate(Connection& db);
int latest_schema_version();

}  // namespace fhirgw::store::postgres
