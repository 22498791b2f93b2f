#include "store/sqlite/schema.hpp"

#include <algorithm>
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

    // 2: the search index tables are clustered by resource (WITHOUT ROWID,
    // keyed by res first). Each index row is then one b-tree insert fewer
    // (the table is its own per-resource index), a value index carries res in
    // its key, so a search reads the matching resource ids from the index
    // alone, and the rows of one resource are replaced as one key range.
    // Identical rows of one resource collapse into one (they never changed a
    // match). No foreign key: the rows are derived from `versions` and written
    // only with the resource they index.
    R"sql(
CREATE TABLE idx_token_new (
  res INTEGER NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,
  system TEXT NOT NULL, code TEXT NOT NULL,
  PRIMARY KEY (res, param, code, system)
) WITHOUT ROWID;
INSERT OR IGNORE INTO idx_token_new SELECT res, type, param, system, code FROM idx_token;
DROP TABLE idx_token;
ALTER TABLE idx_token_new RENAME TO idx_token;
CREATE INDEX idx_token_value ON idx_token (type, param, code, system);

CREATE TABLE idx_string_new (
  res INTEGER NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,
  norm TEXT NOT NULL, exact TEXT NOT NULL,
  PRIMARY KEY (res, param, norm, exact)
) WITHOUT ROWID;
INSERT OR IGNORE INTO idx_string_new SELECT res, type, param, norm, exact FROM idx_string;
DROP TABLE idx_string;
ALTER TABLE idx_string_new RENAME TO idx_string;
CREATE INDEX idx_string_value ON idx_string (type, param, norm);
CREATE INDEX idx_string_exact ON idx_string (type, param, exact);

CREATE TABLE idx_date_new (
  res INTEGER NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,
  lo INTEGER NOT NULL, hi INTEGER NOT NULL,  -- [lo, hi) epoch ms
  PRIMARY KEY (res, param, lo, hi)
) WITHOUT ROWID;
INSERT OR IGNORE INTO idx_date_new SELECT res, type, param, lo, hi FROM idx_date;
DROP TABLE idx_date;
ALTER TABLE idx_date_new RENAME TO idx_date;
CREATE INDEX idx_date_value ON idx_date (type, param, lo, hi);

CREATE TABLE idx_ref_new (
  res INTEGER NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,
  ref_type TEXT NOT NULL, ref_id TEXT NOT NULL, url TEXT NOT NULL,
  PRIMARY KEY (res, param, ref_type, ref_id, url)
) WITHOUT ROWID;
INSERT OR IGNORE INTO idx_ref_new SELECT res, type, param, ref_type, ref_id, url FROM idx_ref;
DROP TABLE idx_ref;
ALTER TABLE idx_ref_new RENAME TO idx_ref;
CREATE INDEX idx_ref_value ON idx_ref (type, param, ref_id, ref_type);
CREATE INDEX idx_ref_url ON idx_ref (type, param, url);

CREATE TABLE idx_uri_new (
  res INTEGER NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,
  uri TEXT NOT NULL,
  PRIMARY KEY (res, param, uri)
) WITHOUT ROWID;
INSERT OR IGNORE INTO idx_uri_new SELECT res, type, param, uri FROM idx_uri;
DROP TABLE idx_uri;
ALTER TABLE idx_uri_new RENAME TO idx_uri;
CREATE INDEX idx_uri_value ON idx_uri (type, param, uri);
)sql",
    // 3: codes_ever keeps only superseded versions' codes (a search for
    // history looks at idx_token too), so a resource written once costs no
    // rows there; the url index holds only the absolute references it serves.
    R"sql(
DELETE FROM codes_ever WHERE EXISTS (
  SELECT 1 FROM idx_token t WHERE t.res = codes_ever.res AND t.system = codes_ever.system AND t.code = codes_ever.code);
DROP INDEX idx_ref_url;
CREATE INDEX idx_ref_url ON idx_ref (type, param, url) WHERE url <> '';
-- A practice's resources in row order (for a bulk extract's replacement): new
-- rows append at its end, where (controller, patient_id) put each one at a
-- random place. A patient's resources are found through resources_patient.
DROP INDEX resources_controller;
CREATE INDEX resources_controller ON resources (controller);
-- subject now searches patient's rows (same path, same targets): its own go.
DELETE FROM idx_ref WHERE param = 'subject'
  AND type IN ('CarePlan', 'Flag', 'QuestionnaireResponse', 'MedicationStatement');
DELETE FROM idx_token WHERE param = 'subject:identifier'
  AND type IN ('CarePlan', 'Flag', 'QuestionnaireResponse', 'MedicationStatement');
)sql",
};

}  // namespace

int latest_schema_version() { return static_cast<int>(kMigrations.size()); }

Status migrate(Connection& db, int target, CommitCounter* commits) {
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
  for (int v = current; v < std::min(target, latest_schema_version()); ++v) {
    if (auto st = db.exec(kMigrations[static_cast<size_t>(v)]); !st) return fail(std::move(st).error());
    auto stmt = db.prepare("INSERT INTO schema_version (version) VALUES (?)");
    if (!stmt) return fail(std::move(stmt).error());
    stmt->bind(1, int64_t{v + 1});
    if (auto st = stmt->run(); !st) return fail(std::move(st).error());
  }
  if (commits) commits->before_commit();
  auto st = db.exec("COMMIT");
  if (commits) commits->after_commit();
  return st;
}

}  // namespace fhirgw::store::sqlite
