#pragma once
// Copies the write-ahead log into the database on a thread of its own.
//
// SQLite's default is that the commit which takes the log past 1,000 pages
// copies the whole log before it returns: an API write that happens to cross
// the line waits for everyone's pages, and a large import waits for a copy of
// everything it wrote. A commit is durable once its log frames are synced, so
// the copy can wait: the writer's commit hook only wakes this thread, which
// runs PASSIVE checkpoints (they never block the writer or a reader) on its
// own connection. When steady writes keep the log from starting over, the
// writer copies the rest itself (see on_commit), so the log stays bounded.
// Closing the store's last connection checkpoints whatever is left.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/result.hpp"
#include "store/sqlite/db.hpp"

namespace fhirgw::store::sqlite {

class WalCheckpointer {
 public:
  // A checkpoint is due once a commit leaves `threshold_pages` in the log.
  static Result<std::unique_ptr<WalCheckpointer>> start(const std::string& path, int threshold_pages = 1000);
  ~WalCheckpointer();  // finishes a checkpoint in progress, then stops
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Takes over `writer`'s checkpoints (replacing its automatic ones) until unwatch.
  void watch(Connection& writer);
  void unwatch(Connection& writer);

  int64_t checkpoints() const;  // completed, for tests and figures
  // Blocks until no checkpoint is due or running (tests, benchmarks).
  void wait_idle();

 private:
  WalCheckpointer(std::unique_ptr<Connection> conn, int threshold_pages);
  static int on_commit(void* self, struct sqlite3*, const char*, int pages);
  void request();
  void loop();

  static constexpr int kRestartFactor = 4;
  std::unique_ptr<Connection> conn_;
  const int threshold_pages_;
  std::atomic<int> log_frames_{0};  // the log's length after the last commit (writer's thread)
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool due_ = false;
  bool running_ = false;
  bool stop_ = false;
  int64_t done_ = 0;
  std::thread thread_;
};

}  // namespace fhirgw::store::sqlite
