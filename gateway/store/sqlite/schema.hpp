#pragma once
// Versioned schema migrations for the SQLite store.
#include "core/result.hpp"
#include "store/sqlite/commit_counter.hpp"
#include "store/sqlite/db.hpp"

namespace fhirgw::store::sqlite {

int latest_schema_version();

// Applies, in one transaction, every migration newer than the database's
// schema_version, up to `target` (tests build older databases with it).
// Refuses a database written by a newer gateway.
// `commits`, if given, is moved around the COMMIT (store/sqlite/commit_counter.hpp).
Status migrate(Connection& db, int target = latest_schema_version(), CommitCounter* commits = nullptr);

}  // namespace fhirgw::store::sqlite
