// The audit trail's block index: queries answered from Bloom-filtered blocks
// and the journal past them must return exactly what a plain scan of every
// entry returns.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <sstream>
#include <thread>

#include "audit/audit_event.hpp"
#include "audit/audit_trail.hpp"
#include "store/audit_block_filter.hpp"
#include "store/audit_chain.hpp"
#include "audit_samples.hpp"
#include "gateway_process.hpp"

using namespace fhirgw;

namespace {

int64_t sql_int(const std::string& db, const std::string& sql) {
  sqlite3* h = nullptr;
  sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  int64_t n = -1;
  if (sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(h);
  return n;
}

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// The reference: every condition spelled out on the row's columns.
bool reference_match(const store::AuditRow& r, const store::AuditQuery& q) {
  if (r.seq <= q.after_seq) return false;
  if (q.from_ms && r.recorded_ms < *q.from_ms) return false;
  if (q.to_ms && r.recorded_ms >= *q.to_ms) return false;
  if (!q.client_id.empty() && q.client_id != r.client_id) return false;
  if (!q.organisation.empty() && q.organisation != r.organisation) return false;
  if (!q.outcome.empty() && q.outcome != r.outcome) return false;
  if (!q.patient.empty()) {
    auto p = words(r.patients);
    if (std::find(p.begin(), p.end(), q.patient) == p.end()) return false;
  }
  if (!q.entity.empty()) {
    bool found = false;
    for (const auto& e : words(r.entities)) found = found || e == q.entity || e.rfind(q.entity + "/_history/", 0) == 0;
    if (!found) return false;
  }
  return true;
}

audit::AuditRecord varied(std::mt19937& rng) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  audit::AuditRecord r;
  r.request_id = "req-" + std::to_string(rng());
  const char* clients[] = {"ageuk-app", "hospice-app", "acute-app"};
  const char* orgs[] = {"AGEUK1", "HOSPICE1", "TRUST1"};
  int c = pick(3);
  r.caller.client_id = clients[c];
  r.caller.organisation = orgs[c];
  r.caller.purpose = "CAREMGT";
  r.interaction = pick(4) == 0 ? "search-type" : "read";
  r.type = "CarePlan";
  r.status = pick(10) == 0 ? 404 : 200;
  for (int i = pick(4); i > 0; --i) r.returned.push_back("CarePlan/cp" + std::to_string(pick(300)) + "/_history/1");
  for (int i = pick(3); i > 0; --i) r.patients.push_back("pat-" + std::to_string(pick(60)));
  r.policy_version = "2025.1";
  return r;
}

}  // namespace

TEST(AuditBlockFilter, HasNoFalseNegativesAndFewFalsePositives) {
  std::vector<uint64_t> keys;
  store::AuditRow row;
  for (int i = 0; i < 4000; ++i) {
    row.client_id = "client-" + std::to_string(i);
    row.patients = "p" + std::to_string(i) + " q" + std::to_string(i);
    store::audit_entry_keys(row, keys);
  }
  std::string filter = store::build_block_filter(keys);
  for (uint64_t k : keys) ASSERT_TRUE(store::block_filter_may_contain(filter, k));
  int false_positives = 0;
  for (int i = 0; i < 10000; ++i) {
    store::AuditQuery q;
    q.patient = "absent-" + std::to_string(i);
    false_positives += store::block_filter_may_contain(filter, store::audit_query_keys(q)[0]) ? 1 : 0;
  }
  EXPECT_LT(false_positives, 300);  // ~1% expected at 10 bits a key
}

TEST(AuditBlockFilter, AnEntityMatchesAsTheResourceOrTheVersion) {
  store::AuditRow r;
  r.seq = 1;
  r.entities = "CarePlan/cp20/_history/3 Patient/p1/_history/1";
  store::AuditQuery q;
  for (const char* e : {"CarePlan/cp20", "CarePlan/cp20/_history/3", "Patient/p1"}) {
    q.entity = e;
    EXPECT_TRUE(store::audit_row_matches(r, q)) << e;
  }
  // A prefix of an id is another resource.
  for (const char* e : {"CarePlan/cp2", "CarePlan/cp20/_history/1", "CarePlan"}) {
    q.entity = e;
    EXPECT_FALSE(store::audit_row_matches(r, q)) << e;
  }
}

TEST(AuditBlockIndex, QueriesReturnWhatAPlainScanReturns) {
  fhirgw::testing::TempDir dir;
  auto log = store::open_audit_log("sqlite:" + dir.file("g.db"));
  ASSERT_TRUE(log.ok()) << log.error().message();
  std::mt19937 rng(20261123);
  const int n = static_cast<int>(store::kAuditBlockEntries) * 2 + 700;  // two whole blocks and a tail
  int64_t seq = 0;
  std::string prev = store::kAuditGenesis;
  std::vector<store::AuditRow> all;
  for (int done = 0; done < n;) {
    std::vector<store::AuditRow> rows;
    for (int i = 0; i < 300 && done < n; ++i, ++done) {
      int64_t ms = 1700000000000 + seq * 10 + static_cast<int64_t>(rng() % 25);  // out of order a little
      rows.push_back(audit::to_row(varied(rng), ms, seq + 1));
      rows.back().prev_hash = prev;
      rows.back().hash = audit::chain_hash(prev, rows.back().entry);
      prev = rows.back().hash;
      ++seq;
    }
    ASSERT_TRUE((*log)->append(rows).ok());
    all.insert(all.end(), rows.begin(), rows.end());
  }
  // The index thread seals the whole blocks (no timing asserted: it is awaited).
  const std::string db = dir.file("g.audit.db");
  for (int i = 0; i < 1200 && sql_int(db, "SELECT count(*) FROM audit_block") < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_EQ(sql_int(db, "SELECT count(*) FROM audit_block"), 2);
  ASSERT_EQ(sql_int(db, "SELECT max(last_seq) FROM audit_block"), 2 * static_cast<int64_t>(store::kAuditBlockEntries));

  auto check = [&](store::AuditQuery q, const std::string& what) {
    q.limit = q.limit ? q.limit : 100000;
    std::vector<int64_t> expected;
    for (const auto& r : all)
      if (reference_match(r, q) && expected.size() < static_cast<size_t>(q.limit)) expected.push_back(r.seq);
    auto rows = (*log)->query(q);
    ASSERT_TRUE(rows.ok()) << rows.error().message();
    std::vector<int64_t> got;
    for (const auto& r : *rows) got.push_back(r.seq);
    EXPECT_EQ(got, expected) << what;
  };
  std::uniform_int_distribution<int64_t> at(0, seq);
  for (int i = 0; i < 60; ++i) {
    store::AuditQuery q;
    std::string what;
    switch (i % 6) {
      case 0: q.patient = "pat-" + std::to_string(rng() % 64); what = "patient " + q.patient; break;
      case 1: q.entity = "CarePlan/cp" + std::to_string(rng() % 310); what = "entity " + q.entity; break;
      case 2: q.client_id = i % 4 ? "hospice-app" : "nobody"; q.outcome = "4"; what = "agent+outcome"; break;
      case 3: q.organisation = "TRUST1"; q.limit = 7; q.after_seq = at(rng); what = "org, a page"; break;
      case 4: {
        int64_t from = 1700000000000 + at(rng) * 10;
        q.from_ms = from;
        q.to_ms = from + 5000;
        q.patient = "pat-" + std::to_string(rng() % 60);
        what = "dates+patient";
        break;
      }
      default: q.after_seq = at(rng); q.limit = 50; what = "everything after " + std::to_string(q.after_seq);
    }
    check(q, what);
  }
}

TEST(AuditBlockIndex, AFreshIndexIsBuiltFromAnExistingJournal) {
  // An index deleted (or lost) beside its journal is built again from the journal alone.
  fhirgw::testing::TempDir dir;
  const std::string url = "sqlite:" + dir.file("g.db");
  const int n = static_cast<int>(store::kAuditBlockEntries) + 100;
  {
    auto log = store::open_audit_log(url);
    auto trail = audit::AuditTrail::open(**log);
    std::mt19937 rng(7);
    for (int i = 0; i < n; ++i) (*trail)->submit(varied(rng), [](Status) {});
  }
  for (const char* f : {"g.audit.db", "g.audit.db-wal", "g.audit.db-shm"}) std::filesystem::remove(dir.file(f));
  auto log = store::open_audit_log(url);
  ASSERT_TRUE(log.ok());
  const std::string db = dir.file("g.audit.db");
  for (int i = 0; i < 1200 && sql_int(db, "SELECT count(*) FROM audit_block") < 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(sql_int(db, "SELECT last_seq FROM audit_block"), static_cast<int64_t>(store::kAuditBlockEntries));
  store::AuditQuery q;
  q.limit = 10000;
  EXPECT_EQ((*log)->query(q)->size(), static_cast<size_t>(n));
  auto report = audit::verify(**log);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->intact) << report->problem;
}

TEST(AuditBlockIndex, ABlockOfEntriesWithManyResourcesIsSealedEarly) {
  // Entries that each returned a thousand resources (a large history page):
  // a block closes at kAuditBlockKeys keys, so its filter stays small.
  fhirgw::testing::TempDir dir;
  auto log = store::open_audit_log("sqlite:" + dir.file("g.db"));
  ASSERT_TRUE(log.ok());
  const int per_entry = 1000, entries = static_cast<int>(store::kAuditBlockKeys / per_entry) + 40;
  std::string prev = store::kAuditGenesis;
  std::vector<store::AuditRow> rows;
  for (int i = 0; i < entries; ++i) {
    audit::AuditRecord r = fhirgw::testing::sample_audit_record(i);
    r.returned.clear();
    for (int k = 0; k < per_entry; ++k)
      r.returned.push_back("CarePlan/e" + std::to_string(i) + "-" + std::to_string(k) + "/_history/1");
    rows.push_back(audit::to_row(r, 1700000000000 + i, i + 1));
    rows.back().prev_hash = prev;
    rows.back().hash = audit::chain_hash(prev, rows.back().entry);
    prev = rows.back().hash;
  }
  ASSERT_TRUE((*log)->append(rows).ok());
  const std::string db = dir.file("g.audit.db");
  for (int i = 0; i < 1200 && sql_int(db, "SELECT count(*) FROM audit_block") < 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const int64_t sealed = sql_int(db, "SELECT last_seq FROM audit_block ORDER BY first_seq LIMIT 1");
  EXPECT_GT(sealed, 0);
  EXPECT_LT(sealed, entries);
  EXPECT_LT(sql_int(db, "SELECT max(length(filter)) FROM audit_block"), 512 * 1024);
  // Entries in the sealed block and past it are both found.
  for (int i : {3, entries - 2}) {
    store::AuditQuery q;
    q.entity = "CarePlan/e" + std::to_string(i) + "-999";
    auto found = (*log)->query(q);
    ASSERT_TRUE(found.ok());
    ASSERT_EQ(found->size(), 1u) << q.entity;
    EXPECT_EQ(found->front().seq, i + 1);
  }
}
