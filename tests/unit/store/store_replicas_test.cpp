// Several stores on one database — the scaled-out deployment (gateway
// replicas on one PostgreSQL database), or several processes on one SQLite
// file: writes made through one are read through the other, conflicting
// writes are decided once, and change tracking never misses a commit.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "store_fixture.hpp"

using namespace fhirgw;
using namespace fhirgw::testing;
using store::WriteKind;

namespace {

Result<store::WriteResult> write_on(store::Store& s, store::Write w) {
  auto tx = s.begin();
  if (!tx) return std::move(tx).error();
  auto r = (*tx)->put(w);
  if (!r) return r;
  if (auto st = (*tx)->commit(); !st) return std::move(st).error();
  return r;
}

}  // namespace

TEST_P(StoreTest, WritesThroughOneStoreAreReadThroughAnother) {
  auto other = open_another();
  ASSERT_TRUE(other);
  auto created = write_on(*store_, {WriteKind::create, "Patient", "p1",
                                    patient("p1", "A81001", "Hartley", "Amelia", "1957-03-14", "female", "9000000009"),
                                    {}});
  ASSERT_TRUE(created.ok()) << created.error().message();
  auto seen = other->read("Patient", "p1");
  ASSERT_TRUE(seen.ok() && seen->has_value());
  EXPECT_EQ((*seen)->json, created->record.json);
  auto q = query("Patient", {{"family", "hart"}});
  auto page = other->search(q);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->matches.size(), 1u);

  // The other replica updates with If-Match; the first sees version 2, and a
  // stale If-Match through the first is refused.
  auto v2 = write_on(*other, {WriteKind::update, "Patient", "p1",
                              patient("p1", "A81001", "Hartley", "Amy", "1957-03-14", "female", "9000000009"), 1});
  ASSERT_TRUE(v2.ok()) << v2.error().message();
  EXPECT_EQ(v2->record.version, 2);
  auto now = store_->read("Patient", "p1");
  ASSERT_TRUE(now.ok() && now->has_value());
  EXPECT_EQ((*now)->version, 2);
  auto stale = write_on(*store_, {WriteKind::update, "Patient", "p1",
                                  patient("p1", "A81001", "Hartley", "Ann", "1957-03-14", "female", "9000000009"), 1});
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().status, 412);
  EXPECT_EQ(*store_->change_seq(), *other->change_seq());
}

// Two replicas race to create the same ids and to update the same version:
// each race has exactly one winner, the loser gets 409 / 412.
TEST_P(StoreTest, ConflictingWritesFromTwoStoresHaveOneWinner) {
  auto other = open_another();
  ASSERT_TRUE(other);
  constexpr int kIds = 15;
  std::atomic<int> created{0}, conflicts{0}, other_errors{0};
  auto racer = [&](store::Store& s) {
    for (int i = 0; i < kIds; ++i) {
      std::string id = "r" + std::to_string(i);
      auto r = write_on(s, {WriteKind::create, "Patient", id,
                            patient(id, "A81001", "Race", "R", "1970-01-01", "male", "9000000009"), {}});
      if (r.ok()) ++created;
      else if (r.error().status == 409) ++conflicts;
      else ++other_errors;
      auto u = write_on(s, {WriteKind::update, "Patient", id,
                            patient(id, "A81001", "Race", &s == store_.get() ? "A" : "B", "1970-01-01", "male",
                                    "9000000009"),
                            1});
      if (!u.ok() && u.error().status != 412) ++other_errors;
    }
  };
  std::thread a(racer, std::ref(*store_)), b(racer, std::ref(*other));
  a.join();
  b.join();
  EXPECT_EQ(created.load(), kIds);
  EXPECT_EQ(conflicts.load(), kIds);
  EXPECT_EQ(other_errors.load(), 0);
  for (int i = 0; i < kIds; ++i) {
    auto r = store_->read("Patient", "r" + std::to_string(i));
    ASSERT_TRUE(r.ok() && r->has_value());
    EXPECT_EQ((*r)->version, 2);  // one If-Match update won, the other was refused
  }
}

// Writers on two stores commit concurrently while a third polls
// changed_since, advancing its position to the last row it saw, as the
// gateway's governance state does. Every change must be seen: a position
// never moves past a commit that becomes visible later.
TEST_P(StoreTest, ChangeTrackingNeverMissesConcurrentCommits) {
  auto second = open_another();
  auto poller_store = open_another();
  ASSERT_TRUE(second && poller_store);
  constexpr int kPerWriter = 40;
  std::atomic<int> writers_left{2}, errors{0};
  auto writer = [&](store::Store& s, const std::string& prefix) {
    for (int i = 0; i < kPerWriter; ++i) {
      std::string id = prefix + std::to_string(i);
      auto r = write_on(s, {WriteKind::create, "Patient", id,
                            patient(id, "A81001", "Track", "T", "1970-01-01", "female", "9000000009"), {}});
      if (!r.ok()) ++errors;
    }
    --writers_left;
  };
  std::map<std::string, int64_t> seen;  // id -> latest seq seen
  int64_t position = 0;
  bool went_backwards = false;
  auto poll_once = [&] {
    auto batch = poller_store->changed_since(position, {"Patient"}, 7);
    if (!batch.ok()) {
      ++errors;
      return size_t{0};
    }
    for (const auto& r : *batch) {
      if (r.row <= position) went_backwards = true;
      position = r.row;
      seen[r.id] = r.row;
    }
    return batch->size();
  };
  std::thread w1(writer, std::ref(*store_), "a"), w2(writer, std::ref(*second), "b");
  while (writers_left.load() > 0) poll_once();
  w1.join();
  w2.join();
  while (poll_once() > 0) {
  }
  EXPECT_EQ(errors.load(), 0);
  EXPECT_FALSE(went_backwards);
  EXPECT_EQ(seen.size(), static_cast<size_t>(2 * kPerWriter));
  for (const char* prefix : {"a", "b"})
    for (int i = 0; i < kPerWriter; ++i)
      EXPECT_EQ(seen.count(prefix + std::to_string(i)), 1u) << prefix << i << " was missed";
  EXPECT_EQ(position, *store_->change_seq());
}

// A database restart or failover drops every pooled connection: the next
// read and the next transaction reconnect instead of failing.
TEST_P(StoreTest, PooledConnectionsSurviveTheServerDroppingThem) {
  if (backend() != "postgres") GTEST_SKIP() << "about PostgreSQL's connection pool";
  write(WriteKind::create, "Patient", "p1", patient("p1", "A81001", "Pool", "P", "1970-01-01", "male", "9000000009"));
  auto tx = store_->begin();  // two connections in the pool once both are back
  ASSERT_TRUE(tx.ok());
  ASSERT_TRUE(store_->read("Patient", "p1").ok());
  tx->reset();
  std::string error;
  ASSERT_TRUE(PostgresServer::shared().execute(
      database_,
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
      " WHERE datname = current_database() AND pid <> pg_backend_pid()",
      nullptr, &error))
      << error;
  auto read = store_->read("Patient", "p1");
  ASSERT_TRUE(read.ok()) << read.error().message();
  ASSERT_TRUE(read->has_value());
  auto w = try_write(WriteKind::update, "Patient", "p1",
                     patient("p1", "A81001", "Pool", "Q", "1970-01-01", "male", "9000000009"));
  ASSERT_TRUE(w.ok()) << w.error().message();
  EXPECT_EQ(w->record.version, 2);
}

TEST_P(StoreTest, ChangeSeqFollowsEveryCommitWhoeverMadeIt) {
  // A governed search asks for change_seq first; the embedded store answers
  // from memory while its shared commit count has not moved.
  auto other = open_another();
  ASSERT_TRUE(other);
  const int64_t start = *store_->change_seq();
  EXPECT_EQ(*store_->change_seq(), start);  // nothing committed: the same answer
  for (int i = 1; i <= 3; ++i) {
    store::Store& writer = i % 2 ? *other : *store_;
    std::string id = "p" + std::to_string(i);
    ASSERT_TRUE(write_on(writer, {WriteKind::create, "Patient", id,
                                  patient(id, "A81001", "Hartley", "Amelia", "1957-03-14", "female", "9000000009"), {}})
                    .ok());
    EXPECT_EQ(*store_->change_seq(), start + i) << "after a commit through " << (i % 2 ? "another store" : "this one");
    EXPECT_EQ(*other->change_seq(), start + i);
  }
}
