// Group commit on the SQLite writer: writes in flight together share one
// COMMIT; a member that rolls back takes only its own work with it; an
// import never makes an API write wait; a transaction the database rolled
// back fails every member in it.
#include "store/sqlite/writer_group.hpp"

#include <future>
#include <string>
#include <thread>

#include "sqlite_file_fixture.hpp"

using namespace fhirgw;
using namespace fhirgw::store::sqlite;

namespace {

class WriterGroupTest : public fhirgw::testing::SqliteFileTest {
 protected:
  void SetUp() override {
    SqliteFileTest::SetUp();
    group_ = std::make_unique<WriterGroup>(*writer_);
  }
  void TearDown() override {
    group_.reset();
    SqliteFileTest::TearDown();
  }
  void insert(const std::string& x) { ASSERT_TRUE(writer_->exec("INSERT INTO t VALUES ('" + x + "')").ok()); }
  // What a reader (another connection) sees: only committed rows.
  std::string rows() {
    auto reader = Connection::open(path_, true);
    auto s = (*reader)->prepare("SELECT group_concat(x, ',') FROM (SELECT x FROM t ORDER BY x)");
    EXPECT_TRUE(s.ok());
    return *s->step() && !s->null_at(0) ? s->text_at(0) : "";
  }
  // Starts a write on another thread that joins (bulk or not), runs `work`
  // on the connection, then commits or not; returns once it waits in join().
  std::future<Status> second_writer(bool bulk, std::function<void()> work, bool commit) {
    auto f = std::async(std::launch::async, [=, this]() -> Status {
      auto m = group_->join(bulk);
      if (!m) return std::move(m).error();
      work();
      if (commit) return group_->commit(*m);
      group_->rollback(*m);
      return Error::invalid("rolled back");
    });
    while (group_->waiting() == 0) std::this_thread::yield();
    return f;
  }

  std::unique_ptr<WriterGroup> group_;
};

}  // namespace

TEST_F(WriterGroupTest, WritesInFlightTogetherShareOneCommit) {
  auto a = group_->join(false);
  ASSERT_TRUE(a.ok());
  insert("a");
  auto b = second_writer(false, [&] { insert("b"); }, true);
  // b waits for the writer: a hands over and waits for b's commit, which covers both.
  EXPECT_TRUE(group_->commit(*a).ok());
  EXPECT_TRUE(b.get().ok());
  EXPECT_EQ(rows(), "a,b");
  EXPECT_EQ(group_->commits(), 1);
  EXPECT_EQ(group_->committed_members(), 2);
  // Alone, a write commits at once.
  auto c = group_->join(false);
  insert("c");
  EXPECT_TRUE(group_->commit(*c).ok());
  EXPECT_EQ(rows(), "a,b,c");
  EXPECT_EQ(group_->commits(), 2);
}

TEST_F(WriterGroupTest, AMemberThatRollsBackTakesOnlyItsOwnWork) {
  auto a = group_->join(false);
  insert("a");
  auto b = second_writer(false, [&] { insert("b"); }, false);
  EXPECT_TRUE(group_->commit(*a).ok());  // committed by b on its way out
  EXPECT_FALSE(b.get().ok());
  EXPECT_EQ(rows(), "a");
  EXPECT_EQ(group_->commits(), 1);
}

TEST_F(WriterGroupTest, AnImportCommitsWhatIsPendingBeforeItStarts) {
  auto a = group_->join(false);
  insert("a");
  std::promise<void> a_durable;
  auto waits_for_a = a_durable.get_future();
  auto bulk = second_writer(true, [&] {
    // a's write is already durable while the import runs.
    EXPECT_EQ(waits_for_a.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    insert("import");
  }, false);
  EXPECT_TRUE(group_->commit(*a).ok());
  a_durable.set_value();
  EXPECT_FALSE(bulk.get().ok());  // the import gave up: its rows go, a's stay
  EXPECT_EQ(rows(), "a");
}

TEST_F(WriterGroupTest, ATransactionTheDatabaseRolledBackFailsEveryMemberInIt) {
  auto a = group_->join(false);
  insert("a");
  // As SQLite does by itself on some errors (a full disk): the open
  // transaction, a's work included, is gone.
  auto b = second_writer(false, [&] { ASSERT_TRUE(writer_->exec("ROLLBACK").ok()); }, true);
  EXPECT_FALSE(group_->commit(*a).ok());
  EXPECT_FALSE(b.get().ok());
  EXPECT_EQ(rows(), "");
  // The next write starts afresh.
  auto c = group_->join(false);
  ASSERT_TRUE(c.ok()) << c.error().message();
  insert("c");
  EXPECT_TRUE(group_->commit(*c).ok());
  EXPECT_EQ(rows(), "c");
}

TEST_F(WriterGroupTest, ManyWritersLoseNothing) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto m = group_->join(false);
        if (!m) { ++failures; continue; }
        insert(std::to_string(t * 1000 + i));
        if (!group_->commit(*m)) ++failures;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto reader = Connection::open(path_, true);
  auto n = (*reader)->prepare("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(*n->step());
  EXPECT_EQ(n->int_at(0), 400);
  EXPECT_EQ(group_->committed_members(), 400);
  EXPECT_LE(group_->commits(), 400);
}
