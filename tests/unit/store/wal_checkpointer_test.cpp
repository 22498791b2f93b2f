// The SQLite writer's checkpoints run on the checkpointer's thread: commits
// leave their frames in the log, and the thread copies them into the
// database once the log passes its threshold.
#include <filesystem>
#include <string>

#include "sqlite_file_fixture.hpp"
#include "store/sqlite/wal_checkpointer.hpp"

using namespace fhirgw::store::sqlite;
namespace fs = std::filesystem;

namespace {

class WalCheckpointerTest : public fhirgw::testing::SqliteFileTest {
 protected:
  // Commits `n` transactions of 40 KB each (three 16 KiB pages).
  void write(int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(writer_->exec("BEGIN; INSERT INTO t VALUES (hex(randomblob(20000))); COMMIT").ok());
    }
  }
  uintmax_t database_bytes() const { return fs::file_size(path_); }
};

}  // namespace

TEST_F(WalCheckpointerTest, CommitsLeaveTheCopyToTheThread) {
  // A threshold no commit reaches: the writer never checkpoints itself, so
  // the database file stays as it was however much is written.
  auto idle = WalCheckpointer::start(path_, 1 << 30);
  ASSERT_TRUE(idle.ok()) << idle.error().message();
  (*idle)->watch(*writer_);
  const uintmax_t before = database_bytes();
  write(500);  // 20 MB, past the 1,000 pages at which SQLite's own hook (replaced) would copy
  (*idle)->wait_idle();
  EXPECT_EQ((*idle)->checkpoints(), 0);
  EXPECT_EQ(database_bytes(), before);
  (*idle)->unwatch(*writer_);
}

TEST_F(WalCheckpointerTest, TheThreadCopiesTheLogPastItsThreshold) {
  auto ckpt = WalCheckpointer::start(path_, 1);
  ASSERT_TRUE(ckpt.ok()) << ckpt.error().message();
  (*ckpt)->watch(*writer_);
  const uintmax_t before = database_bytes();
  write(20);
  (*ckpt)->wait_idle();
  EXPECT_GE((*ckpt)->checkpoints(), 1);
  EXPECT_GT(database_bytes(), before + 20 * 40000);  // the rows are in the database file, not only the log
  (*ckpt)->unwatch(*writer_);
  // And the data reads back whole.
  auto reader = Connection::open(path_, true);
  ASSERT_TRUE(reader.ok());
  auto n = (*reader)->prepare("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(n.ok());
  ASSERT_TRUE(*n->step());
  EXPECT_EQ(n->int_at(0), 20);
}

TEST_F(WalCheckpointerTest, AGrownLogShrinksBackOnceCopied) {
  auto ckpt = WalCheckpointer::start(path_, 1);
  ASSERT_TRUE(ckpt.ok()) << ckpt.error().message();
  (*ckpt)->watch(*writer_);
  // One 100 MB transaction, as a large import writes: the log grows past it.
  ASSERT_TRUE(writer_->exec("BEGIN").ok());
  for (int i = 0; i < 2500; ++i) ASSERT_TRUE(writer_->exec("INSERT INTO t VALUES (hex(randomblob(20000)))").ok());
  ASSERT_TRUE(writer_->exec("COMMIT").ok());
  const fs::path wal = path_ + "-wal";
  EXPECT_GT(fs::file_size(wal), 90u << 20);
  (*ckpt)->wait_idle();
  write(1);  // the next write starts the log again, and trims the file
  EXPECT_LE(fs::file_size(wal), 64u << 20);
  (*ckpt)->unwatch(*writer_);
}

TEST_F(WalCheckpointerTest, SteadyCommitsDoNotGrowTheLogWithoutBound) {
  // Commits back to back: the log may only start over when a write begins
  // just after a checkpoint has copied everything, which they keep missing.
  auto ckpt = WalCheckpointer::start(path_, 10);
  ASSERT_TRUE(ckpt.ok()) << ckpt.error().message();
  (*ckpt)->watch(*writer_);
  write(2000);  // 80 MB in all
  const fs::path wal = path_ + "-wal";
  EXPECT_LT(fs::file_size(wal), 16u << 20);
  (*ckpt)->unwatch(*writer_);
}
