// The SQLite store's read cache: the shared commit count that says when it
// is stale, the cache's own bounds, and the store answering from it without
// ever serving a state older than the last commit (from any store on the file).
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "store/sqlite/commit_counter.hpp"
#include "store/sqlite/result_cache.hpp"
#include "sqlite_file_fixture.hpp"
#include "store_fixture.hpp"

using namespace fhirgw;
using namespace fhirgw::testing;
using store::sqlite::Bind;
using store::sqlite::CachedRows;
using store::sqlite::CacheSession;
using store::sqlite::CommitCounter;
using store::sqlite::ResultCache;

namespace {

std::shared_ptr<const CachedRows> rows_of(const std::string& text, size_t bytes = 0) {
  auto r = std::make_shared<CachedRows>();
  r->rows.push_back({Bind{text}});
  r->bytes = bytes ? bytes : text.size();
  return r;
}

}  // namespace

TEST(ResultCacheTest, KeysTellStatementsAndValuesApart) {
  auto k = [](const std::string& sql, std::vector<Bind> b) { return ResultCache::key(sql, b); };
  EXPECT_NE(k("SELECT ?, ?", {std::string("ab"), std::string("c")}), k("SELECT ?, ?", {std::string("a"), std::string("bc")}));
  EXPECT_NE(k("SELECT ?", {int64_t{1}}), k("SELECT ?", {std::string("1")}));
  EXPECT_NE(k("SELECT ?", {nullptr}), k("SELECT ?", {std::string()}));
  EXPECT_NE(k("SELECT 1", {}), k("SELECT 2", {}));
  EXPECT_EQ(k("SELECT ?", {std::string("x")}), k("SELECT ?", {std::string("x")}));
  // A governed search's long patient list is not worth keeping.
  EXPECT_TRUE(k("SELECT ?", {std::string(ResultCache::kMaxKeyBytes, 'p')}).empty());
}

TEST(ResultCacheTest, EntriesServeOnlyTheCountTheyWereReadAt) {
  ResultCache cache(1 << 20);
  auto text = [](const std::shared_ptr<const CachedRows>& r) { return std::get<std::string>(r->rows.at(0).at(0)); };
  cache.insert("a", 2, rows_of("A"));
  ASSERT_NE(cache.find("a", 2), nullptr);
  EXPECT_EQ(cache.find("a", 4), nullptr);  // a commit since
  EXPECT_EQ(cache.find("b", 2), nullptr);
  cache.insert("a", 4, rows_of("A4"));  // rows of a later count replace those of the earlier one
  ASSERT_NE(cache.find("a", 4), nullptr);
  EXPECT_EQ(text(cache.find("a", 4)), "A4");
  EXPECT_EQ(cache.find("a", 2), nullptr);
  cache.insert("a", 2, rows_of("A"));  // a reader overtaken by a commit: not kept
  EXPECT_EQ(cache.find("a", 2), nullptr);
  EXPECT_EQ(text(cache.find("a", 4)), "A4");
  auto st = cache.stats();
  EXPECT_EQ(st.entries, 1u);
  EXPECT_EQ(st.hits, 4u);
  EXPECT_EQ(st.misses, 4u);
}

TEST(ResultCacheTest, StaysWithinItsBudgetAndKeepsWhatIsUsed) {
  const size_t budget = 256 * 1024;
  ResultCache cache(budget);
  for (int i = 0; i < 1000; ++i) {
    cache.insert("k" + std::to_string(i), 2, rows_of(std::string(1000, 'x')));
    ASSERT_NE(cache.find("k0", 2), nullptr) << "the entry used all along stays, at insert " << i;
  }
  auto st = cache.stats();
  EXPECT_LE(st.bytes, budget);
  EXPECT_GT(st.entries, 100u);
  EXPECT_LT(st.entries, 256u);
  EXPECT_EQ(cache.find("k1", 2), nullptr);  // the oldest unused went first
  EXPECT_NE(cache.find("k999", 2), nullptr);
  // One result larger than a quarter of the budget would push out the rest.
  cache.insert("huge", 2, rows_of("h", budget / 2));
  EXPECT_EQ(cache.find("huge", 2), nullptr);
}

TEST(ResultCacheTest, ASessionKeepsWhatItReadOnlyIfNothingWasCommittedMeanwhile) {
  ResultCache cache(1 << 20);
  {
    CacheSession s(&cache, 6);
    s.keep("q", rows_of("Q"));
    s.publish(8);  // the count moved during the call
  }
  EXPECT_EQ(cache.find("q", 6), nullptr);
  EXPECT_EQ(cache.find("q", 8), nullptr);
  {
    CacheSession s(&cache, 8);
    s.keep("q", rows_of("Q"));
    s.publish(8);
  }
  EXPECT_NE(cache.find("q", 8), nullptr);
  CacheSession mid_commit(&cache, std::nullopt);  // an odd count: no cache at all
  EXPECT_FALSE(mid_commit.active());
  EXPECT_EQ(mid_commit.find("q"), nullptr);
}

// A fresh folder and database file (tests/unit/store/sqlite_file_fixture.hpp).
class CommitCounterTest : public SqliteFileTest {};

TEST_F(CommitCounterTest, ProcessesShareOneCountThatOnlyGrows) {
  const std::string& db = path_;
  auto a = CommitCounter::open(db), b = CommitCounter::open(db);  // two mappings, as two processes have
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(std::filesystem::exists(CommitCounter::path_for(db)));
  ASSERT_EQ((*a)->stable(), std::optional<uint64_t>(0));
  (*a)->before_commit();
  EXPECT_EQ((*b)->stable(), std::nullopt) << "mid-commit, readers bypass their caches";
  (*a)->after_commit();
  auto first = (*b)->stable();
  ASSERT_TRUE(first.has_value());
  EXPECT_GT(*first, 0u);

  // A writer that dies mid-commit leaves the count odd: caches stay bypassed
  // until the next commit, whose count is past every earlier one.
  (*b)->before_commit();
  b->reset();
  EXPECT_EQ((*a)->stable(), std::nullopt);
  auto c = CommitCounter::open(db);  // a process started later sees the same
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)->stable(), std::nullopt);
  (*c)->before_commit();
  EXPECT_EQ((*a)->stable(), std::nullopt);
  (*c)->after_commit();
  auto next = (*a)->stable();
  ASSERT_TRUE(next.has_value());
  EXPECT_GT(*next, *first);
}

TEST_F(CommitCounterTest, TwoNamesOfOneDatabaseShareOneCount) {
  const auto real = dir_ / "real.db";
  { std::ofstream(real.string()) << ""; }
  std::filesystem::create_symlink(real, dir_ / "link.db");
  auto a = CommitCounter::open(real.string()), b = CommitCounter::open((dir_ / "link.db").string());
  ASSERT_TRUE(a.ok() && b.ok());
  (*b)->before_commit();
  EXPECT_EQ((*a)->stable(), std::nullopt);
  (*b)->after_commit();
  EXPECT_EQ((*a)->stable(), (*b)->stable());
  EXPECT_FALSE(std::filesystem::exists(dir_ / "link.db-commits"));
}

TEST_F(CommitCounterTest, AnUnwritableFolderIsAClearError) {
  auto c = CommitCounter::open((dir_ / "missing" / "s.db").string());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("commit count"), std::string::npos) << c.error().message();
}

// The store with its cache on (the default), SQLite only.
class SqliteReadCacheTest : public StoreTest {};

TEST_P(SqliteReadCacheTest, RepeatedReadsAndSearchesComeFromMemoryUntilACommit) {
  write(store::WriteKind::create, "Patient", "p1",
        patient("p1", "A81001", "Hartley", "Amelia", "1957-03-14", "female", "9000000009"));
  auto q = query("Patient", {{"family", "hart"}});
  ASSERT_TRUE(store_->read("Patient", "p1").ok());
  ASSERT_EQ(run(q).matches.size(), 1u);
  const auto before = *store_->cache_stats();
  for (int i = 0; i < 3; ++i) {
    auto r = store_->read("Patient", "p1");
    ASSERT_TRUE(r.ok() && r->has_value());
    EXPECT_EQ((*r)->version, 1);
    ASSERT_EQ(run(q).matches.size(), 1u);
  }
  const auto after = *store_->cache_stats();
  EXPECT_EQ(after.hits - before.hits, 6u);
  EXPECT_EQ(after.misses, before.misses);

  update("Patient", "p1", patient("p1", "A81001", "Hartwell", "Amelia", "1957-03-14", "female", "9000000009"));
  auto r = store_->read("Patient", "p1");
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->version, 2);
  EXPECT_EQ(run(q).matches.size(), 1u);
  EXPECT_TRUE(ids("Patient", {{"family", "hartley"}}).empty());
  EXPECT_GT(store_->cache_stats()->misses, after.misses);
}

TEST_P(SqliteReadCacheTest, ACommitUnderWayElsewhereSendsReadsToTheDatabase) {
  write(store::WriteKind::create, "Patient", "p1",
        patient("p1", "A81001", "Hartley", "Amelia", "1957-03-14", "female", "9000000009"));
  ASSERT_TRUE(store_->read("Patient", "p1").ok());
  auto other = CommitCounter::open(db_path());  // another process, mid-commit
  ASSERT_TRUE(other.ok());
  (*other)->before_commit();
  const auto before = *store_->cache_stats();
  ASSERT_TRUE(store_->read("Patient", "p1").ok());
  EXPECT_EQ(store_->cache_stats()->hits, before.hits);
  (*other)->after_commit();
  ASSERT_TRUE(store_->read("Patient", "p1").ok());  // read afresh at the new count...
  ASSERT_TRUE(store_->read("Patient", "p1").ok());  // ...then from memory
  EXPECT_EQ(store_->cache_stats()->hits, before.hits + 1);
}

// Readers race a writer and another store's writer: no reader ever sees a
// version older than one already acknowledged to anyone.
TEST_P(SqliteReadCacheTest, NoReadIsOlderThanTheLastAcknowledgedWrite) {
  write(store::WriteKind::create, "Patient", "p1",
        patient("p1", "A81001", "Hartley", "V1", "1957-03-14", "female", "9000000009"));
  auto other = open_another();
  ASSERT_TRUE(other);
  std::atomic<int64_t> acknowledged{1};
  std::atomic<bool> done{false};
  std::atomic<int> stale{0}, reads{0};
  auto reader = [&](store::Store& s) {
    while (!done.load()) {
      const int64_t floor = acknowledged.load();
      auto r = s.read("Patient", "p1");
      auto page = s.search(query("Patient", {{"family", "hartley"}}));
      if (!r.ok() || !r->has_value() || !page.ok() || page->matches.size() != 1) {
        ++stale;
        continue;
      }
      if ((*r)->version < floor || page->matches[0].version < floor) ++stale;
      ++reads;
    }
  };
  std::thread r1(reader, std::ref(*store_)), r2(reader, std::ref(*other));
  for (int v = 2; v <= 120; ++v) {
    store::Store& via = v % 2 ? *store_ : *other;
    auto tx = via.begin();
    ASSERT_TRUE(tx.ok());
    auto put = (*tx)->put({store::WriteKind::update, "Patient", "p1",
                           patient("p1", "A81001", "Hartley", "V" + std::to_string(v), "1957-03-14", "female",
                                   "9000000009"),
                           {}});
    ASSERT_TRUE(put.ok()) << put.error().message();
    ASSERT_TRUE((*tx)->commit().ok());
    acknowledged.store(v);
  }
  done.store(true);
  r1.join();
  r2.join();
  EXPECT_EQ(stale.load(), 0);
  EXPECT_GT(reads.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, SqliteReadCacheTest, ::testing::Values("sqlite"), backend_name_of);
