#include "store/postgres/audit_log_postgres.hpp"

#include <algorithm>

#include "store/audit_chain.hpp"
#include "store/audit_like.hpp"
#include "store/postgres/pg.hpp"
#include "store/postgres/pool.hpp"
#include "store/postgres/schema.hpp"

namespace fhirgw::store::postgres {
namespace {

constexpr const char* kColumns =
    "seq, recorded_ms, request_id, client_id, organisation, purpose, action, resource_type, status, outcome, "
    "patients, entities, agreements, policy_version, json, prev_hash, hash";

AuditRow row_from(const Rows& rows, int i) {
  AuditRow r;
  r.seq = rows.int_at(i, 0);
  r.recorded_ms = rows.int_at(i, 1);
  r.request_id = rows.text_at(i, 2);
  r.client_id = rows.text_at(i, 3);
  r.organisation = rows.text_at(i, 4);
  r.purpose = rows.text_at(i, 5);
  r.action = rows.text_at(i, 6);
  r.resource_type = rows.text_at(i, 7);
  r.status = static_cast<int>(rows.int_at(i, 8));
  r.outcome = rows.text_at(i, 9);
  r.patients = rows.text_at(i, 10);
  r.entities = rows.text_at(i, 11);
  r.agreements = rows.text_at(i, 12);
  r.policy_version = rows.text_at(i, 13);
  r.entry = rows.text_at(i, 14);
  r.prev_hash = rows.text_at(i, 15);
  r.hash = rows.text_at(i, 16);
  return r;
}

class PostgresAuditLog final : public AuditLog {
 public:
  explicit PostgresAuditLog(std::string url) : pool_(std::move(url), 4) {}

  Status append(std::vector<AuditRow>& rows) override {
    if (rows.empty()) return {};
    GW_TRY_ASSIGN(lease, pool_.acquire());
    Connection& db = *lease;
    static const std::string kBegin = "BEGIN; SELECT pg_advisory_xact_lock(" + std::to_string(kAuditLock) + ")";
    auto fail = [&](Error e) -> Status {
      db.rollback_if_open();
      return e;
    };
    if (auto st = db.exec(kBegin); !st) return fail(std::move(st).error());
    auto end = db.query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
    if (!end) return fail(std::move(end).error());
    int64_t last_seq = end->size() ? end->int_at(0, 0) : 0;
    std::string last_hash = end->size() ? end->text_at(0, 1) : kAuditGenesis;
    attach_to_chain(rows, last_seq, last_hash);
    // One statement for the whole batch: arrays unnested server-side.
    TextArray text_cols[14];
    IntArray seq, recorded, status;
    for (const auto& r : rows) {
      seq.items.push_back(r.seq);
      recorded.items.push_back(r.recorded_ms);
      status.items.push_back(r.status);
      const std::string* values[] = {&r.request_id, &r.client_id, &r.organisation,   &r.purpose, &r.action,
                                     &r.resource_type, &r.outcome, &r.patients,      &r.entities,
                                     &r.agreements, &r.policy_version, &r.entry, &r.prev_hash, &r.hash};
      for (int c = 0; c < 14; ++c) text_cols[c].items.push_back(*values[c]);
    }
    std::vector<Bind> binds{seq, recorded, status};
    for (auto& c : text_cols) binds.emplace_back(std::move(c));
    auto ins = db.query(
        "INSERT INTO audit (seq, recorded_ms, status, request_id, client_id, organisation, purpose, action,"
        " resource_type, outcome, patients, entities, agreements, policy_version, json, prev_hash, hash)"
        " SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[],"
        " $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[],"
        " $15::text[], $16::text[], $17::text[])",
        binds);
    if (!ins) return fail(std::move(ins).error());
    if (auto st = db.exec("COMMIT"); !st) return fail(std::move(st).error());
    return {};
  }

  Result<std::optional<AuditRow>> last() override {
    GW_TRY_ASSIGN(lease, pool_.acquire());
    GW_TRY_ASSIGN(rows, lease->query(std::string("SELECT ") + kColumns + " FROM audit ORDER BY seq DESC LIMIT 1"));
    if (rows.size() == 0) return std::optional<AuditRow>{};
    return std::optional<AuditRow>(row_from(rows, 0));
  }

  Result<std::vector<AuditRow>> query(const AuditQuery& q) override {
    Sql sql;
    sql << "SELECT " << kColumns << " FROM audit WHERE seq > ";
    sql.bind(q.after_seq);
    if (q.from_ms) {
      sql << " AND recorded_ms >= ";
      sql.bind(*q.from_ms);
    }
    if (q.to_ms) {
      sql << " AND recorded_ms < ";
      sql.bind(*q.to_ms);
    }
    if (!q.client_id.empty()) {
      sql << " AND client_id = ";
      sql.bind(q.client_id);
    }
    if (!q.organisation.empty()) {
      sql << " AND organisation = ";
      sql.bind(q.organisation);
    }
    if (!q.outcome.empty()) {
      sql << " AND outcome = ";
      sql.bind(q.outcome);
    }
    if (!q.patient.empty()) {
      sql << " AND (' ' || patients || ' ') LIKE ";
      sql.bind(audit_word_pattern(q.patient)) << " ESCAPE '\\'";
    }
    if (!q.entity.empty()) {
      sql << " AND ((' ' || entities || ' ') LIKE ";
      sql.bind(audit_word_pattern(q.entity)) << " ESCAPE '\\' OR (' ' || entities) LIKE ";
      sql.bind(audit_any_version_pattern(q.entity)) << " ESCAPE '\\')";
    }
    sql << " ORDER BY seq LIMIT ";
    sql.bind(static_cast<int64_t>(std::clamp(q.limit, 1, 10000)));
    return run_rows(sql);
  }

  Result<std::vector<AuditRow>> scan(int64_t after_seq, int limit) override {
    Sql sql;
    sql << "SELECT " << kColumns << " FROM audit WHERE seq > ";
    sql.bind(after_seq) << " ORDER BY seq LIMIT ";
    sql.bind(static_cast<int64_t>(std::max(limit, 0)));
    return run_rows(sql);
  }

 private:
  Result<std::vector<AuditRow>> run_rows(const Sql& sql) {
    GW_TRY_ASSIGN(lease, pool_.acquire());
    GW_TRY_ASSIGN(rows, lease->query(sql));
    std::vector<AuditRow> out;
    out.reserve(static_cast<size_t>(rows.size()));
    for (int i = 0; i < rows.size(); ++i) out.push_back(row_from(rows, i));
    return out;
  }

  Pool pool_;
};

}  // namespace

Result<std::unique_ptr<AuditLog>> open_postgres_audit_log(const std::string& url) {
  auto conn = Connection::open(url);
  if (!conn) return std::move(conn).error();
  if (auto st = migrate(**conn); !st) return std::move(st).error();
  return std::unique_ptr<AuditLog>(new PostgresAuditLog(url));
}

}  // namespace fhirgw::store::postgres
