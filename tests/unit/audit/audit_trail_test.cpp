#include "audit/audit_trail.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <thread>

#include "core/json.hpp"
#include "audit_samples.hpp"
#include "gateway_process.hpp"

using namespace fhirgw;

namespace {

audit::AuditRecord sample(int i) { return fhirgw::testing::sample_audit_record(i); }

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

namespace {

// Submits and returns a flag set once the entry is durable.
std::shared_ptr<std::atomic<bool>> submit_flagged(audit::AuditTrail& trail, int i) {
  auto done = std::make_shared<std::atomic<bool>>(false);
  trail.submit(sample(i), [done](Status s) {
    EXPECT_TRUE(s.ok());
    done->store(true);
  });
  return done;
}

void wait_for(const std::atomic<bool>& flag) {
  while (!flag.load()) std::this_thread::yield();
}

// A trail on a fresh SQLite audit log, with the given longest commit hold.
class GroupCommit : public ::testing::Test {
 protected:
  audit::AuditTrail& open_trail(std::chrono::microseconds max_hold) {
    auto log = store::open_audit_log("sqlite:" + dir_.file("g.db"));
    EXPECT_TRUE(log.ok()) << log.error().message();
    log_ = std::move(log).value();
    auto trail = audit::AuditTrail::open(*log_, max_hold);
    EXPECT_TRUE(trail.ok());
    trail_ = std::move(trail).value();
    return *trail_;
  }

 private:
  fhirgw::testing::TempDir dir_;
  std::unique_ptr<store::AuditLog> log_;
  std::unique_ptr<audit::AuditTrail> trail_;  // destroyed before its log
};

}  // namespace

TEST_F(GroupCommit, ACommitWaitsForEntriesStillExpectedAndTakesThemAllAtOnce) {
  // A hold far longer than the test: only the expectations decide.
  auto& t = open_trail(std::chrono::hours(1));
  auto first_request = t.expect();
  auto second_request = t.expect();
  auto first = submit_flagged(t, 1);
  first_request.reset();  // the first request has submitted; the second has not
  auto second = submit_flagged(t, 2);
  EXPECT_EQ(t.commits(), 0);  // still held: a request in progress will submit
  EXPECT_FALSE(first->load());
  second_request.reset();  // nothing more in progress: the held commit goes
  wait_for(*first);
  wait_for(*second);
  EXPECT_EQ(t.commits(), 1);  // one commit, one fsync, for both entries
  EXPECT_EQ(t.committed_entries(), 2);
}

TEST_F(GroupCommit, WithNothingInProgressAnEntryCommitsAtOnce) {
  auto& t = open_trail(std::chrono::hours(1));
  wait_for(*submit_flagged(t, 1));  // no expectation: no hold, however long the limit
  EXPECT_EQ(t.commits(), 1);
}

TEST_F(GroupCommit, AHeldCommitGoesWhenTheHoldRunsOut) {
  auto& t = open_trail(std::chrono::milliseconds(1));
  auto never_submits = t.expect();  // e.g. a request stuck on a slow search
  wait_for(*submit_flagged(t, 1));  // committed although the expectation is still held
  EXPECT_EQ(t.committed_entries(), 1);
}
