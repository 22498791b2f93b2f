#include "store/postgres/schema.hpp"

#include <string>
#include <vector>

namespace fhirgw::store::postgres {
namespace {

// Ordered; never edit a shipped migration, append a new one. Text columns that
// are compared or sorted use the "C" collation: byte order, the same as the
// SQLite backend, whatever the database's default locale, and plain btree
// indexes serve prefix (LIKE 'abc%') lookups.
const std::vector<const char*> kMigrations = {
    // 1: resources, every version, search indexes of the current version,
    //    side tables, and the append-only audit trail.
    R"sql(
CREATE TABLE resources (
  rid BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- stable row key: keyset paging, index rows
  type TEXT COLLATE "C" NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  version BIGINT NOT NULL,
  deleted BOOLEAN NOT NULL DEFAULT FALSE,
  last_updated BIGINT NOT NULL,                          -- epoch ms
  controller TEXT COLLATE "C" NOT NULL DEFAULT '',
  patient_id TEXT COLLATE "C" NOT NULL DEFAULT '',
  author_org TEXT COLLATE "C" NOT NULL DEFAULT '',
  confidential BOOLEAN NOT NULL DEFAULT FALSE,
  UNIQUE (type, id)
);
CREATE INDEX resources_patient ON resources (patient_id, type);
CREATE INDEX resources_controller ON resources (controller, patient_id);
CREATE INDEX resources_type_updated ON resources (type, last_updated);
-- A type's live resources in row order, for unfiltered pages.
CREATE INDEX resources_type_live ON resources (type, rid) WHERE NOT deleted;

-- seq is global and monotonic. Writers hold one advisory lock from begin to
-- commit, so seq order is commit order and a reader never sees seq n+1
-- without every committed seq <= n (see postgres_store.hpp).
CREATE TABLE versions (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  res BIGINT NOT NULL REFERENCES resources (rid),
  type TEXT COLLATE "C" NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  version BIGINT NOT NULL,
  last_updated BIGINT NOT NULL,
  deleted BOOLEAN NOT NULL DEFAULT FALSE,
  json TEXT NOT NULL,
  UNIQUE (res, version)
);
CREATE INDEX versions_type_seq ON versions (type, seq);
CREATE INDEX versions_last_updated ON versions (last_updated);

CREATE TABLE idx_token (
  res BIGINT NOT NULL REFERENCES resources (rid),
  type TEXT COLLATE "C" NOT NULL, param TEXT COLLATE "C" NOT NULL,
  system TEXT COLLATE "C" NOT NULL, code TEXT COLLATE "C" NOT NULL
);
CREATE INDEX idx_token_value ON idx_token (type, param, code, system);
CREATE INDEX idx_token_res ON idx_token (res, param, code);

CREATE TABLE idx_string (
  res BIGINT NOT NULL REFERENCES resources (rid),
  type TEXT COLLATE "C" NOT NULL, param TEXT COLLATE "C" NOT NULL,
  norm TEXT COLLATE "C" NOT NULL, exact TEXT COLLATE "C" NOT NULL
);
CREATE INDEX idx_string_value ON idx_string (type, param, norm);
CREATE INDEX idx_string_exact ON idx_string (type, param, exact);
CREATE INDEX idx_string_res ON idx_string (res, param, norm);

CREATE TABLE idx_date (
  res BIGINT NOT NULL REFERENCES resources (rid),
  type TEXT COLLATE "C" NOT NULL, param TEXT COLLATE "C" NOT NULL,
  lo BIGINT NOT NULL, hi BIGINT NOT NULL  -- [lo, hi) epoch ms
);
CREATE INDEX idx_date_value ON idx_date (type, param, lo, hi);
CREATE INDEX idx_date_res ON idx_date (res, param, lo);

CREATE TABLE idx_ref (
  res BIGINT NOT NULL REFERENCES resources (rid),
  type TEXT COLLATE "C" NOT NULL, param TEXT COLLATE "C" NOT NULL,
  ref_type TEXT COLLATE "C" NOT NULL, ref_id TEXT COLLATE "C" NOT NULL, url TEXT COLLATE "C" NOT NULL
);
CREATE INDEX idx_ref_value ON idx_ref (type, param, ref_id, ref_type);
CREATE INDEX idx_ref_url ON idx_ref (type, param, url);
CREATE INDEX idx_ref_res ON idx_ref (res, param);

CREATE TABLE idx_uri (
  res BIGINT NOT NULL REFERENCES resources (rid),
  type TEXT COLLATE "C" NOT NULL, param TEXT COLLATE "C" NOT NULL,
  uri TEXT COLLATE "C" NOT NULL
);
CREATE INDEX idx_uri_value ON idx_uri (type, param, uri);
CREATE INDEX idx_uri_res ON idx_uri (res, param);

-- Every token any version of a resource carried: history visibility hides a
-- resource whose past versions held an excluded code, even after it changed.
CREATE TABLE codes_ever (
  res BIGINT NOT NULL REFERENCES resources (rid),
  system TEXT COLLATE "C" NOT NULL, code TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (res, system, code)
);

CREATE TABLE outbox (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  controller TEXT COLLATE "C" NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL,
  version BIGINT NOT NULL, author_org TEXT NOT NULL,
  created_ms BIGINT NOT NULL
);
CREATE INDEX outbox_controller ON outbox (controller, created_ms);

CREATE TABLE quarantine (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  import_id TEXT COLLATE "C" NOT NULL, format TEXT NOT NULL, organisation TEXT NOT NULL,
  file TEXT NOT NULL, line BIGINT NOT NULL, column_name TEXT NOT NULL,
  message TEXT NOT NULL, raw TEXT NOT NULL, created_ms BIGINT NOT NULL
);
CREATE INDEX quarantine_import ON quarantine (import_id, id);

CREATE TABLE audit (
  seq BIGINT PRIMARY KEY,                 -- 1, 2, 3, ... with no gaps: the chain order
  recorded_ms BIGINT NOT NULL,
  request_id TEXT NOT NULL,
  client_id TEXT COLLATE "C" NOT NULL,
  organisation TEXT COLLATE "C" NOT NULL,
  purpose TEXT NOT NULL,
  action TEXT NOT NULL,
  resource_type TEXT NOT NULL,
  status INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  patients TEXT NOT NULL,
  entities TEXT NOT NULL,
  agreements TEXT NOT NULL,
  policy_version TEXT NOT NULL,
  json TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_time ON audit (recorded_ms);
CREATE INDEX audit_client ON audit (client_id, recorded_ms);
-- The trail is append-only: the database itself refuses edits, deletes and
-- truncation, whoever asks (privileges alone would not bind the table owner).
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit trail is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
  FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON audit FROM PUBLIC;
)sql",
    // 2: codes_ever keeps only superseded versions' codes (a search for
    // history looks at idx_token too), so a resource written once costs no
    // rows there; the url index holds only the absolute references it serves.
    R"sql(
DELETE FROM codes_ever e USING idx_token t
  WHERE t.res = e.res AND t.system = e.system AND t.code = e.code;
DROP INDEX idx_ref_url;
CREATE INDEX idx_ref_url ON idx_ref (type, param, url) WHERE url <> '';
-- A practice's resources in row order (for a bulk extract's replacement): new
-- rows append at its end, where (controller, patient_id) put each one at a
-- random place. A patient's resources are found through resources_patient.
DROP INDEX resources_controller;
CREATE INDEX resources_controller ON resources (controller, rid);
-- subject now searches patient's rows (same path, same targets): its own go.
DELETE FROM idx_ref WHERE param = 'subject'
  AND type IN ('CarePlan', 'Flag', 'QuestionnaireResponse', 'MedicationStatement');
DELETE FROM idx_token WHERE param = 'subject:identifier'
  AND type IN ('CarePlan', 'Flag', 'QuestionnaireResponse', 'MedicationStatement');
)sql",
};

}  // namespace

int latest_schema_version() { return static_cast<int>(kMigrations.size()); }

Status migrate(Connection& db) {
  GW_TRY(db.exec("BEGIN"));
  auto fail = [&](Error e) -> Status {
    (void)db.exec("ROLLBACK");
    return e;
  };
  // Serialises concurrent starts: the second replica waits here, then sees the
  // first one's committed version and applies nothing.
  if (auto r = db.query("SELECT pg_advisory_xact_lock($1)", {kMigrationLock}); !r) return fail(std::move(r).error());
  if (auto st = db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"); !st)
    return fail(std::move(st).error());
  auto cur = db.query("SELECT COALESCE(MAX(version), 0) FROM schema_version");
  if (!cur) return fail(std::move(cur).error());
  int current = static_cast<int>(cur->int_at(0, 0));
  if (current > latest_schema_version())
    return fail(Error::internal("The database has schema version " + std::to_string(current) +
                                ", newer than this gateway understands (" +
                                std::to_string(latest_schema_version()) + ")"));
  for (int v = current; v < latest_schema_version(); ++v) {
    if (auto st = db.exec(kMigrations[static_cast<size_t>(v)]); !st) return fail(std::move(st).error());
    if (auto r = db.query("INSERT INTO schema_version (version) VALUES ($1)", {int64_t{v + 1}}); !r)
      return fail(std::move(r).error());
  }
  if (auto st = db.exec("COMMIT"); !st) return fail(std::move(st).error());
  return {};
}

}  // namespace fhirgw::store::postgres
