#include "store/sqlite/schema.hpp"

#include <vector>

namespace fhirgw::store::sqlite {
namespace {

// Ordered; never edit a shipped migration, append a new one.
const std::vector<const char*> kMigrations = {
    // 1: resources, every version, search indexes of the current version, side tables.
    R"sql(
CREATE TABLE resources (
  rid INTEGER PRIMARY KEY,            -- stable row key: keyset paging, index rows
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  last_updated INTEGER NOT NULL,      -- epoch ms
  controller TEXT NOT NULL DEFAULT '',
  patient_id TEXT NOT NULL DEFAULT '',
  author_org TEXT NOT NULL DEFAULT '',
  confidential INTEGER NOT NULL DEFAULT 0,
  UNIQUE (type, id)
);
CREATE INDEX resources_patient ON resources (patient_id, type);
CREATE INDEX resources_controller ON resources (controller, patient_id);
CREATE INDEX resources_type_updated ON resources (type, last_updated);
-- (type, deleted, rowid): a type's live resources in row order, for unfiltered pages.
CREATE INDEX resources_type_live ON resources (type, deleted);

CREATE TABLE versions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- global, monotonic, never reused
  res INTEGER NOT NULL REFERENCES resources (rid),
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  last_updated INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  json TEXT NOT NULL,
  UNIQUE (res, version)
);
CREATE INDEX versions_type_seq ON versions (type, seq);

CREATE TABLE idx_token (
  res INTEGER NOT NULL REFERENCES resources (rid),
  type TEXT NOT NULL, param TEXT NOT NULL,
  system TEXT NOT NULL, code TEXT NOT NULL
);
CREATE INDEX idx_token_value ON idx_token (type, param, code, system);
CREATE INDEX idx_token_res ON idx_token (res, param, code);

CREATE TABLE idx_string (
  res INTEGER NOT NULL REFERENCES resources (rid),
  type TEXT NOT NULL, param TEXT NOT NULL,
  norm TEXT NOT NULL, exact TEXT NOT NULL
);
CREATE INDEX idx_string_value ON idx_string (type, param, norm);
CREATE INDEX idx_string_exact ON idx_string (type, param, exact);
CREATE INDEX idx_string_res ON idx_string (res, param, norm);

CREATE TABLE idx_date (
  res INTEGER NOT NULL REFERENCES resources (rid),
  type TEXT NOT NULL, param TEXT NOT NULL,
  lo INTEGER NOT NULL, hi INTEGER NOT NULL  -- [lo, hi) epoch ms
);
CREATE INDEX idx_date_value ON idx_date (type, param, lo, hi);
CREATE INDEX idx_date_res ON idx_date (res, param, lo);

CREATE TABLE idx_ref (
  res INTEGER NOT NULL REFERENCES resources (rid),
  type TEXT NOT NULL, param TEXT NOT NULL,
  ref_type TEXT NOT NULL, ref_id TEXT NOT NULL, url TEXT NOT NULL
);
CREATE INDEX idx_ref_value ON idx_ref (type, param, ref_id, ref_type);
CREATE INDEX idx_ref_url ON idx_ref (type, param, url);
CREATE INDEX idx_ref_res ON idx_ref (res, param);

CREATE TABLE idx_uri (
  res INTEGER NOT NULL REFERENCES resources (rid),
  type TEXT NOT NULL, param TEXT NOT NULL,
  uri TEXT NOT NULL
);
CREATE INDEX idx_uri_value ON idx_uri (type, param, uri);
CREATE INDEX idx_uri_res ON idx_uri (res, param);

-- Every token any version of a resource carried: history visibility hides a
-- resource whose past versions held an excluded code, even after it changed.
CREATE TABLE codes_ever (
  res INTEGER NOT NULL REFERENCES resources (rid),
  system TEXT NOT NULL, code TEXT NOT NULL,
  PRIMARY KEY (res, system, code)
) WITHOUT ROWID;

CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  controller TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL,
  version INTEGER NOT NULL, author_org TEXT NOT NULL,
  created_ms INTEGER NOT NULL
);
CREATE INDEX outbox_controller ON outbox (controller, created_ms);

CREATE TABLE quarantine (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  import_id TEXT NOT NULL, format TEXT NOT NULL, organisation TEXT NOT NULL,
  file TEXT NOT NULL, line INTEGER NOT NULL, column_name TEXT NOT NULL,
  message TEXT NOT NULL, raw TEXT NOT NULL, created_ms INTEGER NOT NULL
);
CREATE INDEX quarantine_import ON quarantine (import_id, id);
)sql",
};

}  // namespace

int latest_schema_version() { return static_cast<int>(kMigrations.size()); }

Status migrate(Connection& db) {
  if (auto st = db.exec("BEGIN IMMEDIATE"); !st) return st;
  auto fail = [&](Error e) -> Status {
    (void)db.exec("ROLLBACK");
    return e;
  };
  if (auto st = db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"); !st)
    return fail(std::move(st).error());
  int current = 0;
  {
    auto stmt = db.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version");
    if (!stmt) return fail(std::move(stmt).error());
    auto row = stmt->step();
    if (!row) return fail(std::move(row).error());
    current = static_cast<int>(stmt->int_at(0));
  }
  if (current > latest_schema_version())
    return fail(Error::internal("The database has schema version " + std::to_string(current) +
                                ", newer than this gateway understands (" +
                                std::to_string(latest_schema_version()) + ")"));
  for (int v = current; v < latest_schema_version(); ++v) {
    if (auto st = db.exec(kMigrations[static_cast<size_t>(v)]); !st) return fail(std::move(st).error());
    auto stmt = db.prepare("INSERT INTO schema_version (version) VALUES (?)");
    if (!stmt) return fail(std::move(stmt).error());
    stmt->bind(1, int64_t{v + 1});
    if (auto st = stmt->run(); !st) return fail(std::move(st).error());
  }
  return db.exec("COMMIT");
}

}  // namespace fhirgw::store::sqlite
