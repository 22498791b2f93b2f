#include "store/sqlite/wal_checkpointer.hpp"

#include <sqlite3.h>

#include "core/thread_name.hpp"

namespace fhirgw::store::sqlite {

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::start(const std::string& path, int threshold_pages) {
  auto conn = Connection::open(path, false);
  if (!conn) return std::move(conn).error();
  return std::unique_ptr<WalCheckpointer>(new WalCheckpointer(std::move(*conn), threshold_pages));
}

WalCheckpointer::WalCheckpointer(std::unique_ptr<Connection> conn, int threshold_pages)
    : conn_(std::move(conn)), threshold_pages_(threshold_pages) {
  // This connection never writes, so its own commits never call for a checkpoint.
  sqlite3_wal_autocheckpoint(conn_->handle(), 0);
  thread_ = std::thread([this] {
    name_this_thread("wal-checkpoint");
    loop();
  });
}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard<std::mutex> g(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void WalCheckpointer::watch(Connection& writer) { sqlite3_wal_hook(writer.handle(), &WalCheckpointer::on_commit, this); }

void WalCheckpointer::unwatch(Connection& writer) { sqlite3_wal_hook(writer.handle(), nullptr, nullptr); }

// Runs on the writer's thread just after its commit: as a rule only a flag
// and a wake-up. The log starts over from its beginning only when a write
// begins just after a checkpoint has copied all of it, which steady commits
// keep missing while the copy runs on another thread. So once the log is
// kRestartFactor times the threshold and still growing by small commits (not
// one import's worth), this writer copies what is left itself; its next
// transaction then starts the log again. (PASSIVE returns at once if the
// thread's checkpoint is running.)
int WalCheckpointer::on_commit(void* self, struct sqlite3* db, const char*, int pages) {
  auto* c = static_cast<WalCheckpointer*>(self);
  const int before = c->log_frames_.exchange(pages, std::memory_order_relaxed);
  if (pages >= int64_t{kRestartFactor} * c->threshold_pages_ && pages - before < c->threshold_pages_) {
    sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    return SQLITE_OK;
  }
  if (pages >= c->threshold_pages_) c->request();
  return SQLITE_OK;
}

void WalCheckpointer::request() {
  {
    std::lock_guard<std::mutex> g(mu_);
    if (due_) return;
    due_ = true;
  }
  cv_.notify_all();
}

void WalCheckpointer::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return due_ || stop_; });
    if (stop_) return;
    due_ = false;
    running_ = true;
    lock.unlock();
    // PASSIVE copies what no reader still needs and never waits for a lock;
    // frames it could not copy are taken by the next one.
    int log = 0, copied = 0;
    sqlite3_wal_checkpoint_v2(conn_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
    lock.lock();
    running_ = false;
    ++done_;
    cv_.notify_all();
  }
}

int64_t WalCheckpointer::checkpoints() const {
  std::lock_guard<std::mutex> g(mu_);
  return done_;
}

void WalCheckpointer::wait_idle() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return (!due_ && !running_) || stop_; });
}

}  // namespace fhirgw::store::sqlite
