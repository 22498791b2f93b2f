#include "audit/audit_trail.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <thread>

#include "core/json.hpp"
#include "gateway_process.hpp"

using namespace fhirgw;

namespace {

audit::AuditRecord sample(int i) {
  audit::AuditRecord r;
  r.request_id = "req-" + std::to_string(i);
  r.caller.client_id = "ageuk-app";
  r.caller.organisation = "AGEUK1";
  r.caller.purpose = "CAREMGT";
  r.interaction = "read";
  r.type = "CarePlan";
  r.status = 200;
  r.returned = {"CarePlan/cp" + std::to_string(i) + "/_history/1"};
  r.patients = {"pat-" + std::to_string(i % 3)};
  r.agreements = {"dsa-frailty"};
  r.policy_version = "2025.1";
  return r;
}

void exec_raw(const std::string& db, const std::string& sql) {
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(h);
}

TEST(AuditTrail, ConcurrentRecordsFormOneIntactChain) {
  fhirgw::testing::TempDir dir;
  auto log = store::open_audit_log("sqlite:" + dir.file("g.db"));
  ASSERT_TRUE(log.ok()) << log.error().message();
  auto trail = audit::AuditTrail::open(**log);
  ASSERT_TRUE(trail.ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) EXPECT_TRUE((*trail)->record(sample(t * 100 + i)).ok());
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ((*trail)->entries(), 200);
  auto report = audit::verify(**log);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->intact) << report->problem;
  EXPECT_EQ(report->entries, 200);
}

TEST(AuditTrail, ChainContinuesAcrossReopen) {
  fhirgw::testing::TempDir dir;
  std::string url = "sqlite:" + dir.file("g.db");
  {
    auto log = store::open_audit_log(url);
    auto trail = audit::AuditTrail::open(**log);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE((*trail)->record(sample(i)).ok());
  }
  auto log = store::open_audit_log(url);
  auto trail = audit::AuditTrail::open(**log);
  ASSERT_TRUE((*trail)->record(sample(9)).ok());
  auto report = audit::verify(**log);
  EXPECT_TRUE(report->intact) << report->problem;
  EXPECT_EQ(report->entries, 6);
}

TEST(AuditTrail, TwoInstancesOnOneStoreShareOneIntactChain) {
  fhirgw::testing::TempDir dir;
  std::string url = "sqlite:" + dir.file("g.db");
  // Two gateway instances, each with its own connection and in-memory chain head.
  auto log_a = store::open_audit_log(url);
  auto log_b = store::open_audit_log(url);
  ASSERT_TRUE(log_a.ok() && log_b.ok());
  auto a = audit::AuditTrail::open(**log_a);
  auto b = audit::AuditTrail::open(**log_b);
  std::thread ta([&] { for (int i = 0; i < 30; ++i) EXPECT_TRUE((*a)->record(sample(i)).ok()); });
  std::thread tb([&] { for (int i = 0; i < 30; ++i) EXPECT_TRUE((*b)->record(sample(100 + i)).ok()); });
  ta.join();
  tb.join();
  auto report = audit::verify(**log_a);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->intact) << report->problem;
  EXPECT_EQ(report->entries, 60);
}

TEST(AuditTrail, TheDatabaseRefusesEditsAndVerifyCatchesTampering) {
  fhirgw::testing::TempDir dir;
  std::string url = "sqlite:" + dir.file("g.db");
  auto log = store::open_audit_log(url);
  auto trail = audit::AuditTrail::open(**log);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*trail)->record(sample(i)).ok());
  std::string file = dir.file("g.audit.db");
  {
    sqlite3* h = nullptr;
    sqlite3_open(file.c_str(), &h);
    EXPECT_NE(sqlite3_exec(h, "DELETE FROM audit WHERE seq = 3", nullptr, nullptr, nullptr), SQLITE_OK);
    EXPECT_NE(sqlite3_exec(h, "UPDATE audit SET client_id='x' WHERE seq = 3", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(h);
  }
  // Someone with file access drops the guard and edits an entry: verify sees it.
  exec_raw(file, "DROP TRIGGER audit_no_update; UPDATE audit SET json = replace(json, 'ageuk-app', 'someone') WHERE seq = 4;");
  auto altered = audit::verify(**log);
  EXPECT_FALSE(altered->intact);
  EXPECT_EQ(altered->first_bad_seq, 4);
  exec_raw(file, "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq >= 4 AND seq <= 5;");
  auto deleted = audit::verify(**log);
  EXPECT_FALSE(deleted->intact);
  EXPECT_NE(deleted->problem.find("missing"), std::string::npos) << deleted->problem;
}

TEST(AuditTrail, AuditEventIsFhirAndSearchable) {
  fhirgw::testing::TempDir dir;
  auto log = store::open_audit_log("sqlite:" + dir.file("g.db"));
  auto trail = audit::AuditTrail::open(**log);
  for (int i = 0; i < 6; ++i) ASSERT_TRUE((*trail)->record(sample(i)).ok());
  store::AuditQuery q;
  q.patient = "pat-1";
  auto rows = (*log)->query(q);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->size(), 2u);
  auto d = json::parse(rows->front().json);
  ASSERT_TRUE(d.ok());
  EXPECT_STREQ((*d)["resourceType"].GetString(), "AuditEvent");
  EXPECT_STREQ((*d)["action"].GetString(), "R");
  EXPECT_STREQ((*d)["outcome"].GetString(), "0");
  EXPECT_STREQ((*d)["purposeOfEvent"][0]["coding"][0]["code"].GetString(), "CAREMGT");
  q = {};
  q.entity = "CarePlan/cp2";
  EXPECT_EQ((*log)->query(q)->size(), 1u);
  auto csv = audit::export_csv(**log, {});
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(std::count(csv->begin(), csv->end(), '\n'), 7);  // header + 6
}

}  // namespace
