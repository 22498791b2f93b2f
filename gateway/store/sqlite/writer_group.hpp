#pragma once
// Group commit for the SQLite writer: concurrent API writes share one SQLite
// transaction, and so one fsync, instead of paying one each.
//
// SQLite has one writer connection, so a write holds it from begin() to
// commit(). A member (one Store transaction) works inside its own SAVEPOINT
// of the group's open transaction. At commit() it folds its work in; if
// another write is already waiting for the connection, it hands the
// connection over and waits: whoever finishes last, with nobody waiting,
// commits the group (one COMMIT, one fsync) and wakes the others with its
// result. A member that rolls back undoes only its savepoint. Nothing is
// acknowledged before the COMMIT that made it durable has returned, and a
// failed COMMIT fails every member of the group.
//
// A bulk transaction (an import) never shares: joining, it first commits
// what is pending, so no API write waits for an import to finish.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>

#include "core/result.hpp"
#include "store/sqlite/commit_counter.hpp"
#include "store/sqlite/db.hpp"

namespace fhirgw::store::sqlite {

class WriterGroup {
 public:
  // At most this many writes share a commit, which bounds how long the first
  // of them waits for the ones behind it.
  static constexpr int kMaxMembers = 64;

  // `commits`, if given, is moved around every COMMIT (store/sqlite/commit_counter.hpp).
  explicit WriterGroup(Connection& writer, CommitCounter* commits = nullptr) : db_(writer), commits_counter_(commits) {}

  // One Store transaction's hold on the writer.
  class Member {
   public:
    Member(Member&&) = default;

   private:
    friend class WriterGroup;
    Member(std::unique_lock<std::mutex> lock, bool bulk) : lock_(std::move(lock)), bulk_(bulk) {}
    std::unique_lock<std::mutex> lock_;
    bool bulk_;
  };

  // Waits for the writer and opens this member's savepoint (and the group's
  // transaction if none is open).
  Result<Member> join(bool bulk);
  // Folds the member's work into the group; returns once the group's COMMIT
  // has (or has not) made it durable.
  Status commit(Member& m);
  // Undoes the member's work only; the group goes on.
  void rollback(Member& m);
  // Gives up the whole open transaction (a bulk member whose failed write may
  // be half applied: it never shares its transaction, so nothing else is lost).
  void abandon(Member& m);

  int64_t commits() const { return commits_.load(std::memory_order_relaxed); }
  int waiting() const { return waiting_.load(std::memory_order_acquire); }  // writes blocked in join()
  int64_t committed_members() const { return committed_members_.load(std::memory_order_relaxed); }

 private:
  Status commit_locked();
  void fail_group_locked(const Error& e);
  void publish_locked(const Status& result);  // the open group's outcome, to its waiting members
  void finish_locked();
  void undo_member_locked();  // rolls back and closes the holder's savepoint
  bool transaction_open() const;

  Connection& db_;
  CommitCounter* commits_counter_;
  std::mutex mu_;  // the writer connection, held by one member at a time
  std::atomic<int> waiting_{0};  // threads in join() blocked on mu_
  bool open_ = false;            // the group's transaction is open
  int members_ = 0;              // members whose work is folded in, not yet committed
  int64_t generation_ = 0;       // the open group
  // Members that handed over wait here for their group's outcome.
  std::mutex results_mu_;
  std::condition_variable committed_;
  int64_t committed_generation_ = -1;
  std::map<int64_t, std::pair<Status, int>> results_;  // generation -> (result, members still to read it)
  std::atomic<int64_t> commits_{0}, committed_members_{0};
};

}  // namespace fhirgw::store::sqlite
