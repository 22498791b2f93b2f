#pragma once
// A count of the commits made to one SQLite database file, shared by every
// process that opens the file through this store (the gateway, its import
// and admin commands, a second gateway on the same file), so a process can
// tell, without a read transaction, that nothing has changed since it last
// looked: the result cache (store/sqlite/result_cache.hpp) stays correct when
// another process writes.
//
// The count lives in a small file beside the database (`<db>-commits`), mapped
// into each process's memory. A writer, holding SQLite's write lock, makes it
// odd just before COMMIT and even again just after, whatever COMMIT returned.
// A reader that saw the same even value before and after its read knows that
// its rows were the committed state at that value, and a cache entry stamped
// with that value stays good while the count does not move. Odd means a
// commit is under way (or its writer died mid-commit): readers bypass the
// cache until the next commit makes the count even again.
//
// Only writes made through this store move the count; a database edited
// with another tool while a gateway serves it must be followed by a restart.
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/result.hpp"

namespace fhirgw::store::sqlite {

class CommitCounter {
 public:
  // Maps `<db>-commits` beside the database file (symbolic links followed),
  // creating it (zero) if absent.
  static Result<std::unique_ptr<CommitCounter>> open(const std::string& db_path);
  ~CommitCounter();
  CommitCounter(const CommitCounter&) = delete;
  CommitCounter& operator=(const CommitCounter&) = delete;

  // The count, if no commit is under way.
  std::optional<uint64_t> stable() const {
    const uint64_t v = count_->load(std::memory_order_seq_cst);
    if (v & 1) return std::nullopt;
    return v;
  }
  // Around a COMMIT, by the holder of the database's write lock.
  void before_commit();
  void after_commit();

  static std::string path_for(const std::string& db_path) { return db_path + "-commits"; }

 private:
  explicit CommitCounter(std::atomic<uint64_t>* count) : count_(count) {}
  std::atomic<uint64_t>* count_;  // in the shared mapping
};

}  // namespace fhirgw::store::sqlite
