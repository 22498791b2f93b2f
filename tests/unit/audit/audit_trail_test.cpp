#include "audit/audit_event.hpp"
#include "audit/audit_trail.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

#include "core/json.hpp"
#include "store/audit_block_filter.hpp"
#include "store/audit_chain.hpp"
#include "audit_samples.hpp"
#include "gateway_process.hpp"
#include "journal_file.hpp"

using namespace fhirgw;

namespace {

audit::AuditRecord sample(int i) { return fhirgw::testing::sample_audit_record(i); }

// A trail of n entries, written and closed (the process that wrote it is gone).
void write_trail(const std::string& url, int n) {
  auto log = store::open_audit_log(url);
  ASSERT_TRUE(log.ok()) << log.error().message();
  auto trail = audit::AuditTrail::open(**log);
  for (int i = 0; i < n; ++i) ASSERT_TRUE((*trail)->record(sample(i)).ok());
}

int64_t count_rows(const std::string& db, const std::string& from) {
  sqlite3* h = nullptr;
  sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  int64_t n = -1;
  if (sqlite3_prepare_v2(h, ("SELECT count(*) FROM " + from).c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(h);
  return n;
}

void insert_legacy_row(const std::string& db, const store::AuditRow& r) {
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(h, "INSERT INTO audit VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &st, nullptr),
            SQLITE_OK);
  const std::string* text[] = {&r.request_id, &r.client_id, &r.organisation, &r.purpose, &r.action,
                               &r.resource_type};
  sqlite3_bind_int64(st, 1, r.seq);
  sqlite3_bind_int64(st, 2, r.recorded_ms);
  for (int i = 0; i < 6; ++i) sqlite3_bind_text(st, 3 + i, text[i]->c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 9, r.status);
  const std::string* rest[] = {&r.outcome, &r.patients, &r.entities, &r.agreements, &r.policy_version,
                               &r.entry, &r.prev_hash, &r.hash};
  for (int i = 0; i < 8; ++i) sqlite3_bind_text(st, 10 + i, rest[i]->c_str(), -1, SQLITE_TRANSIENT);
  EXPECT_EQ(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
  sqlite3_close(h);
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
  ASSERT_NO_FATAL_FAILURE(write_trail(url, 5));
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

TEST(AuditTrail, VerifyCatchesAnEntryAlteredOrDeletedInTheJournal) {
  fhirgw::testing::TempDir dir;
  std::string url = "sqlite:" + dir.file("g.db");
  auto log = store::open_audit_log(url);
  auto trail = audit::AuditTrail::open(**log);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*trail)->record(sample(i)).ok());
  const std::string file = dir.file("g.audit.journal");
  auto lines = fhirgw::testing::journal_lines(file);
  ASSERT_EQ(lines.size(), 10u);
  // Someone with file access edits an entry's hashed text: verify sees it.
  const std::string original = lines[3];
  auto at = lines[3].find("ageuk-app", lines[3].find("\"entry\""));
  ASSERT_NE(at, std::string::npos);
  lines[3].replace(at, 9, "someone");
  fhirgw::testing::write_journal_lines(file, lines);
  auto altered = audit::verify(**log);
  ASSERT_TRUE(altered.ok()) << altered.error().message();
  EXPECT_FALSE(altered->intact);
  EXPECT_EQ(altered->first_bad_seq, 4);
  EXPECT_NE(altered->problem.find("altered"), std::string::npos) << altered->problem;
  // ... or only the searchable copy of a fact, to hide the entry from a search.
  lines[3] = original;
  lines[3].replace(lines[3].find("ageuk-app"), 9, "someone");
  ASSERT_LT(lines[3].find("someone"), lines[3].find("\"entry\""));
  fhirgw::testing::write_journal_lines(file, lines);
  auto hidden = audit::verify(**log);
  ASSERT_TRUE(hidden.ok());
  EXPECT_FALSE(hidden->intact);
  EXPECT_EQ(hidden->first_bad_seq, 4);
  EXPECT_NE(hidden->problem.find("client_id"), std::string::npos) << hidden->problem;
  // ... or removes entries 4 and 5.
  lines.erase(lines.begin() + 3, lines.begin() + 5);
  fhirgw::testing::write_journal_lines(file, lines);
  auto deleted = audit::verify(**log);
  ASSERT_TRUE(deleted.ok());
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
  auto d = json::parse(*audit::audit_event_json(rows->front()));
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

TEST(AuditTrail, AnEntryIsCompactAndItsAuditEventCarriesEveryFact) {
  fhirgw::testing::TempDir dir;
  auto log = store::open_audit_log("sqlite:" + dir.file("g.db"));
  auto trail = audit::AuditTrail::open(**log);
  audit::AuditRecord r = sample(7);
  r.interaction = "update";
  r.status = 412;
  r.outcome_detail = "version \"2\" expected";  // quotes survive the entry's JSON
  r.query = "patient=pat-1&_count=5";
  r.remote = "10.0.0.9";
  r.written = {"CarePlan/cp7/_history/2"};
  r.patients = {"pat-2", "pat-1", "pat-2"};
  ASSERT_TRUE((*trail)->record(r).ok());
  auto rows = (*log)->scan(0, 10);
  ASSERT_EQ(rows->size(), 1u);
  const auto& row = rows->front();
  EXPECT_EQ(row.entry.front(), '[');
  auto rendered = audit::audit_event_json(row);
  ASSERT_TRUE(rendered.ok()) << rendered.error().message();
  EXPECT_LT(row.entry.size() * 2, rendered->size());  // the trail keeps facts, not boilerplate
  auto d = json::parse(*rendered);
  ASSERT_TRUE(d.ok());
  const auto& e = *d;
  EXPECT_STREQ(e["id"].GetString(), "1");
  EXPECT_STREQ(e["subtype"][0]["code"].GetString(), "update");
  EXPECT_STREQ(e["action"].GetString(), "U");
  EXPECT_STREQ(e["outcome"].GetString(), "4");
  EXPECT_EQ(std::string(e["outcomeDesc"].GetString()), "HTTP 412: version \"2\" expected");
  EXPECT_EQ(std::string(e["recorded"].GetString()).size(), 24u);  // an instant, to the millisecond
  EXPECT_STREQ(e["agent"][0]["who"]["identifier"]["value"].GetString(), "ageuk-app");
  EXPECT_STREQ(e["agent"][0]["who"]["display"].GetString(), "AGEUK1");
  EXPECT_STREQ(e["agent"][0]["network"]["address"].GetString(), "10.0.0.9");
  EXPECT_TRUE(std::string(e["agent"][0]["policy"][0].GetString()).ends_with("/agreement/dsa-frailty"));
  const auto& entity = e["entity"];
  ASSERT_EQ(entity.Size(), 5u);  // returned, written, two patients, the query
  EXPECT_STREQ(entity[0]["what"]["reference"].GetString(), "CarePlan/cp7/_history/1");
  EXPECT_STREQ(entity[1]["what"]["reference"].GetString(), "CarePlan/cp7/_history/2");
  EXPECT_STREQ(entity[2]["what"]["reference"].GetString(), "Patient/pat-1");
  EXPECT_STREQ(entity[3]["what"]["reference"].GetString(), "Patient/pat-2");
  EXPECT_STREQ(entity[4]["description"].GetString(), "patient=pat-1&_count=5");
  EXPECT_STREQ(e["extension"][0]["valueString"].GetString(), "2025.1");
  EXPECT_EQ(row.patients, "pat-1 pat-2");  // the searchable columns agree with the entry
  EXPECT_EQ(row.outcome, "4");
}

TEST(AuditTrail, EntriesWrittenAsWholeAuditEventsStillVerifyAndRead) {
  // A trail begun before entries became compact: its rows hold the AuditEvent
  // JSON itself. New entries chain onto them; verify and search read both.
  fhirgw::testing::TempDir dir;
  auto log = store::open_audit_log("sqlite:" + dir.file("g.db"));
  std::vector<store::AuditRow> old;
  std::string prev = store::kAuditGenesis;
  for (int i = 1; i <= 3; ++i) {
    store::AuditRow row = audit::to_row(sample(i), 1700000000000 + i, i);
    row.entry = *audit::audit_event_json(row);  // what earlier versions stored
    row.prev_hash = prev;
    row.hash = audit::chain_hash(prev, row.entry);
    prev = row.hash;
    old.push_back(row);
  }
  ASSERT_TRUE((*log)->append(old).ok());
  auto trail = audit::AuditTrail::open(**log);
  ASSERT_TRUE((*trail)->record(sample(4)).ok());
  auto report = audit::verify(**log);
  EXPECT_TRUE(report->intact) << report->problem;
  EXPECT_EQ(report->entries, 4);
  auto rows = (*log)->scan(0, 10);
  ASSERT_EQ(rows->size(), 4u);
  EXPECT_EQ(*audit::audit_event_json((*rows)[0]), old[0].entry);  // returned as stored
  EXPECT_EQ((*rows)[3].entry.front(), '[');
  auto d = json::parse(*audit::audit_event_json((*rows)[3]));
  EXPECT_STREQ((*d)["id"].GetString(), "4");
  // An entry in no known shape is an error, not an empty event.
  store::AuditRow bad = (*rows)[3];
  bad.entry = "[1,2]";
  EXPECT_FALSE(audit::audit_event_json(bad).ok());
}

TEST(AuditTrail, TheIndexCatchesUpInTheBackground) {
  // Appends only write the journal; the index thread gathers their keys into
  // blocks on its own, without any query asking for it. The entries past the
  // last whole block are read from the journal by queries.
  fhirgw::testing::TempDir dir;
  auto log = store::open_audit_log("sqlite:" + dir.file("g.db"));
  ASSERT_TRUE(log.ok()) << log.error().message();
  int64_t seq = 0;
  std::string prev = store::kAuditGenesis;
  for (int batch = 0; batch < 20; ++batch) {  // 10,000 entries
    std::vector<store::AuditRow> rows;
    for (int i = 0; i < 500; ++i) {
      rows.push_back(audit::to_row(sample(static_cast<int>(seq)), 1700000000000 + seq, seq + 1));
      rows.back().prev_hash = prev;
      rows.back().hash = audit::chain_hash(prev, rows.back().entry);
      prev = rows.back().hash;
      ++seq;
    }
    ASSERT_TRUE((*log)->append(rows).ok());
  }
  // Waits for the thread (no timing is asserted: only that it indexes every whole block).
  const int64_t whole = 10000 / store::kAuditBlockEntries * store::kAuditBlockEntries;
  int64_t indexed = 0;
  for (int i = 0; i < 1200 && indexed < whole; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    indexed = count_rows(dir.file("g.audit.db"), "audit_block");
    indexed = indexed > 0 ? indexed * store::kAuditBlockEntries : 0;
  }
  EXPECT_EQ(indexed, whole);
  store::AuditQuery q;
  q.limit = 10000;
  EXPECT_EQ((*log)->query(q)->size(), 10000u);
  EXPECT_EQ((*log)->last()->value().seq, 10000);
}

TEST(AuditTrail, QueriesSeeEveryEntryTheMomentItIsDurable) {
  fhirgw::testing::TempDir dir;
  auto log = store::open_audit_log("sqlite:" + dir.file("g.db"));
  auto trail = audit::AuditTrail::open(**log);
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE((*trail)->record(sample(i)).ok());
    store::AuditQuery q;
    q.after_seq = i;  // the entry just recorded, whether or not the index thread has reached it
    auto rows = (*log)->query(q);
    ASSERT_TRUE(rows.ok()) << rows.error().message();
    ASSERT_EQ(rows->size(), 1u);
    EXPECT_EQ(rows->front().seq, i + 1);
  }
}

TEST(AuditTrail, ATornLastLineIsCutOffAndTheChainGoesOn) {
  // A process that died mid-write, before the sync that would have
  // acknowledged the entry, leaves part of a line.
  fhirgw::testing::TempDir dir;
  std::string url = "sqlite:" + dir.file("g.db");
  ASSERT_NO_FATAL_FAILURE(write_trail(url, 5));
  fhirgw::testing::append_to_journal(dir.file("g.audit.journal"), R"({"seq":6,"recorded_ms":17000000)");
  auto log = store::open_audit_log(url);
  ASSERT_TRUE(log.ok()) << log.error().message();
  EXPECT_EQ((*log)->last()->value().seq, 5);  // the torn line is no entry
  auto trail = audit::AuditTrail::open(**log);
  ASSERT_TRUE((*trail)->record(sample(6)).ok());
  auto report = audit::verify(**log);
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_TRUE(report->intact) << report->problem;
  EXPECT_EQ(report->entries, 6);
  EXPECT_EQ(fhirgw::testing::journal_lines(dir.file("g.audit.journal")).size(), 6u);
}

TEST(AuditTrail, AnIndexThatDoesNotMatchTheJournalIsRebuilt) {
  // A journal restored from an older backup: the index points past its end.
  fhirgw::testing::TempDir dir;
  std::string url = "sqlite:" + dir.file("g.db");
  const std::string file = dir.file("g.audit.journal");
  {
    auto log = store::open_audit_log(url);
    auto trail = audit::AuditTrail::open(**log);
    for (int i = 0; i < 10; ++i) ASSERT_TRUE((*trail)->record(sample(i)).ok());
    ASSERT_EQ((*log)->query({})->size(), 10u);  // indexed
  }
  auto lines = fhirgw::testing::journal_lines(file);
  lines.resize(6);
  fhirgw::testing::write_journal_lines(file, lines);
  auto log = store::open_audit_log(url);
  ASSERT_TRUE(log.ok()) << log.error().message();
  auto rows = (*log)->query({});
  ASSERT_TRUE(rows.ok()) << rows.error().message();
  EXPECT_EQ(rows->size(), 6u);
  store::AuditQuery q;
  q.patient = "pat-1";
  EXPECT_EQ((*log)->query(q)->size(), 2u);
}

TEST(AuditTrail, ATrailKeptInTheOlderTableMovesIntoTheJournalIntact) {
  // Trails written before the journal kept each entry as a row of `audit`.
  fhirgw::testing::TempDir dir;
  const std::string db = dir.file("g.audit.db");
  exec_raw(db, R"SQL(
    CREATE TABLE audit (seq INTEGER PRIMARY KEY, recorded_ms INTEGER NOT NULL, request_id TEXT NOT NULL,
      client_id TEXT NOT NULL, organisation TEXT NOT NULL, purpose TEXT NOT NULL, action TEXT NOT NULL,
      resource_type TEXT NOT NULL, status INTEGER NOT NULL, outcome TEXT NOT NULL, patients TEXT NOT NULL,
      entities TEXT NOT NULL, agreements TEXT NOT NULL, policy_version TEXT NOT NULL, json TEXT NOT NULL,
      prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
      BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;)SQL");
  std::string prev = store::kAuditGenesis;
  for (int i = 1; i <= 3000; ++i) {
    store::AuditRow r = audit::to_row(sample(i), 1700000000000 + i, i);
    r.prev_hash = prev;
    r.hash = audit::chain_hash(prev, r.entry);
    prev = r.hash;
    if (i == 2500) r.entry += " ";  // altered before the move: it must stay detectable
    insert_legacy_row(db, r);
  }
  auto log = store::open_audit_log("sqlite:" + dir.file("g.db"));
  ASSERT_TRUE(log.ok()) << log.error().message();
  EXPECT_EQ(count_rows(db, "sqlite_master WHERE name = 'audit'"), 0);  // the table is gone
  auto report = audit::verify(**log);
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_FALSE(report->intact);
  EXPECT_EQ(report->first_bad_seq, 2500);
  EXPECT_EQ((*log)->last()->value().seq, 3000);
  store::AuditQuery q;
  q.after_seq = 2990;
  EXPECT_EQ((*log)->query(q)->size(), 10u);
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

// With a delivery (the server's I/O threads), a commit's completions arrive
// as one job, after the entries are durable; record() never depends on it
// (it may run where no I/O thread is left), and without one they run at once.
TEST_F(GroupCommit, ACommitsCompletionsAreDeliveredAsOneJob) {
  auto& t = open_trail(std::chrono::hours(1));
  std::mutex mu;
  std::vector<std::function<void()>> jobs;
  t.deliver_with([&](std::function<void()> job) {
    std::lock_guard lock(mu);
    jobs.push_back(std::move(job));
  });
  auto in_progress = t.expect();
  auto first = submit_flagged(t, 1);
  auto second = submit_flagged(t, 2);
  auto third = submit_flagged(t, 3);
  in_progress.reset();
  while (t.commits() == 0) std::this_thread::yield();
  std::vector<std::function<void()>> delivered;
  while (delivered.empty()) {
    std::this_thread::yield();
    std::lock_guard lock(mu);
    delivered.swap(jobs);
  }
  ASSERT_EQ(delivered.size(), 1u);  // one job for the commit's three completions
  EXPECT_FALSE(first->load());      // not run until the job is
  delivered.front()();
  EXPECT_TRUE(first->load());
  EXPECT_TRUE(second->load());
  EXPECT_TRUE(third->load());
  // record() completes on the flusher, whatever the delivery does with jobs.
  EXPECT_TRUE(t.record(sample(4)).ok());
  EXPECT_EQ(t.committed_entries(), 4);
  // Without a delivery, completions run as soon as the commit is done.
  t.deliver_with(nullptr);
  wait_for(*submit_flagged(t, 5));
  std::lock_guard lock(mu);
  EXPECT_TRUE(jobs.empty());
}
