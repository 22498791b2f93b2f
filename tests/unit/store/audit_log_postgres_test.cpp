// The audit trail stored in PostgreSQL (same database as the resources): the
// same guarantees as the SQLite trail (tests/unit/audit), plus one chain
// shared by several replicas.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "audit/audit_event.hpp"
#include "audit/audit_trail.hpp"
#include "core/json.hpp"
#include "audit_samples.hpp"
#include "postgres_server.hpp"
#include "store/audit_log.hpp"

using namespace fhirgw;
using fhirgw::testing::PostgresServer;

namespace {

audit::AuditRecord sample(int i) { return fhirgw::testing::sample_audit_record(i); }

// One migrated database per test process; each test starts from an empty
// trail (the append-only guard is lifted just for that, as only a test may).
class PostgresAudit : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& pg = PostgresServer::shared();
    if (!pg.binaries_found()) GTEST_SKIP() << pg.problem();
    ASSERT_TRUE(pg.running()) << pg.problem();
    database_ = database();
    ASSERT_FALSE(database_.empty()) << "cannot prepare the test database";
    url_ = pg.url(database_);
    std::string error;
    ASSERT_TRUE(sql("ALTER TABLE audit DISABLE TRIGGER USER; TRUNCATE audit; ALTER TABLE audit ENABLE TRIGGER USER",
                    &error))
        << error;
  }
  static const std::string& database() {
    return PostgresServer::shared().process_database(
        "audit", [](const std::string& url) { return store::open_audit_log(url).ok(); });
  }
  std::unique_ptr<store::AuditLog> open() {
    auto log = store::open_audit_log(url_);
    EXPECT_TRUE(log.ok()) << log.error().message();
    return log.ok() ? std::move(*log) : nullptr;
  }
  bool sql(const std::string& text, std::string* error = nullptr) {
    return PostgresServer::shared().execute(database_, text, nullptr, error);
  }
  std::string database_, url_;
};

TEST_F(PostgresAudit, ConcurrentRecordsFormOneIntactChain) {
  auto log = open();
  ASSERT_TRUE(log);
  auto trail = audit::AuditTrail::open(*log);
  ASSERT_TRUE(trail.ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) EXPECT_TRUE((*trail)->record(sample(t * 100 + i)).ok());
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ((*trail)->entries(), 200);
  auto report = audit::verify(*log);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->intact) << report->problem;
  EXPECT_EQ(report->entries, 200);
}

// Two replicas, each with its own trail over the same table, append in turn:
// each one's idea of the chain's end goes stale, and the log moves its rows
// onto the real end, so the table stays one gap-free, verifiable chain.
TEST_F(PostgresAudit, TwoReplicasShareOneChain) {
  auto log_a = open(), log_b = open();
  ASSERT_TRUE(log_a && log_b);
  auto trail_a = audit::AuditTrail::open(*log_a);
  auto trail_b = audit::AuditTrail::open(*log_b);
  ASSERT_TRUE(trail_a.ok() && trail_b.ok());
  std::thread a([&] {
    for (int i = 0; i < 30; ++i) EXPECT_TRUE((*trail_a)->record(sample(i)).ok());
  });
  std::thread b([&] {
    for (int i = 0; i < 30; ++i) EXPECT_TRUE((*trail_b)->record(sample(1000 + i)).ok());
  });
  a.join();
  b.join();
  auto report = audit::verify(*log_a);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->intact) << report->problem;
  EXPECT_EQ(report->entries, 60);
  // Each AuditEvent's id is its place in the chain.
  auto rows = log_b->scan(0, 100);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 60u);
  for (const auto& r : *rows) {
    auto d = json::parse(*audit::audit_event_json(r));
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(std::string((*d)["id"].GetString()), std::to_string(r.seq));
  }
}

TEST_F(PostgresAudit, ChainContinuesAcrossReopen) {
  {
    auto log = open();
    auto trail = audit::AuditTrail::open(*log);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE((*trail)->record(sample(i)).ok());
  }
  auto log = open();
  auto trail = audit::AuditTrail::open(*log);
  ASSERT_TRUE((*trail)->record(sample(9)).ok());
  auto report = audit::verify(*log);
  EXPECT_TRUE(report->intact) << report->problem;
  EXPECT_EQ(report->entries, 6);
}

TEST_F(PostgresAudit, TheDatabaseRefusesEditsAndVerifyCatchesTampering) {
  auto log = open();
  auto trail = audit::AuditTrail::open(*log);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*trail)->record(sample(i)).ok());
  std::string error;
  EXPECT_FALSE(sql("DELETE FROM audit WHERE seq = 3", &error));
  EXPECT_NE(error.find("append-only"), std::string::npos) << error;
  EXPECT_FALSE(sql("UPDATE audit SET client_id = 'x' WHERE seq = 3"));
  EXPECT_FALSE(sql("TRUNCATE audit"));
  auto intact = audit::verify(*log);
  EXPECT_TRUE(intact->intact) << intact->problem;
  EXPECT_EQ(intact->entries, 10);

  // Someone with owner rights drops the guard and edits an entry: verify sees it.
  ASSERT_TRUE(sql("ALTER TABLE audit DISABLE TRIGGER audit_no_update;"
                  " UPDATE audit SET json = replace(json, 'ageuk-app', 'someone') WHERE seq = 4",
                  &error))
      << error;
  auto altered = audit::verify(*log);
  EXPECT_FALSE(altered->intact);
  EXPECT_EQ(altered->first_bad_seq, 4);
  ASSERT_TRUE(sql("DELETE FROM audit WHERE seq >= 4 AND seq <= 5", &error)) << error;
  auto deleted = audit::verify(*log);
  EXPECT_FALSE(deleted->intact);
  EXPECT_NE(deleted->problem.find("missing"), std::string::npos) << deleted->problem;
}

TEST_F(PostgresAudit, AuditEventIsFhirAndSearchable) {
  auto log = open();
  auto trail = audit::AuditTrail::open(*log);
  for (int i = 0; i < 6; ++i) ASSERT_TRUE((*trail)->record(sample(i)).ok());
  store::AuditQuery q;
  q.patient = "pat-1";
  auto rows = log->query(q);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->size(), 2u);
  auto d = json::parse(*audit::audit_event_json(rows->front()));
  ASSERT_TRUE(d.ok());
  EXPECT_STREQ((*d)["resourceType"].GetString(), "AuditEvent");
  EXPECT_STREQ((*d)["action"].GetString(), "R");
  EXPECT_STREQ((*d)["purposeOfEvent"][0]["coding"][0]["code"].GetString(), "CAREMGT");
  q = {};
  q.entity = "CarePlan/cp2";
  EXPECT_EQ(log->query(q)->size(), 1u);
  q.entity = "CarePlan/cp2/_history/1";  // the version itself
  EXPECT_EQ(log->query(q)->size(), 1u);
  q.entity = "CarePlan/cp";  // a prefix of an id is another resource
  EXPECT_EQ(log->query(q)->size(), 0u);
  q = {};
  q.client_id = "ageuk-app";
  q.after_seq = 2;
  q.limit = 3;
  auto page = log->query(q);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 3u);
  EXPECT_EQ(page->front().seq, 3);
  auto csv = audit::export_csv(*log, {});
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(std::count(csv->begin(), csv->end(), '\n'), 7);  // header + 6
}

}  // namespace
