#include "store/sqlite/writer_group.hpp"

#include <sqlite3.h>

namespace fhirgw::store::sqlite {

namespace {
Error lost() { return Error::internal("The database rolled the write transaction back"); }
}  // namespace

bool WriterGroup::transaction_open() const { return sqlite3_get_autocommit(db_.handle()) == 0; }

Result<WriterGroup::Member> WriterGroup::join(bool bulk) {
  waiting_.fetch_add(1, std::memory_order_acq_rel);
  std::unique_lock lock(mu_);
  waiting_.fetch_sub(1, std::memory_order_acq_rel);
  // SQLite rolls a transaction back by itself on some errors (a full disk):
  // the members folded into it are lost, and are told so.
  if (open_ && !transaction_open()) fail_group_locked(lost());
  if (bulk && open_) (void)commit_locked();  // pending API writes go first: they must not wait for an import
  if (!open_) {
    if (auto st = db_.run_cached("BEGIN IMMEDIATE"); !st) {
      finish_locked();
      return std::move(st).error();
    }
    open_ = true;
  }
  if (!bulk) {
    if (auto st = db_.run_cached("SAVEPOINT member"); !st) {
      finish_locked();
      return std::move(st).error();
    }
  }
  return Member(std::move(lock), bulk);
}

Status WriterGroup::commit(Member& m) {
  if (m.bulk_) {
    members_ = 1;
    Status s = commit_locked();
    m.lock_.unlock();
    return s;
  }
  if (!transaction_open()) {
    fail_group_locked(lost());
    m.lock_.unlock();
    return lost();
  }
  if (auto st = db_.run_cached("RELEASE member"); !st) {
    undo_member_locked();
    finish_locked();
    m.lock_.unlock();
    return st;
  }
  ++members_;
  const int64_t mine = generation_;
  if (waiting_.load(std::memory_order_acquire) > 0 && members_ < kMaxMembers) {
    // Another write waits for the connection: it, or the last one after it,
    // commits for this one too. The wait is not on the connection's mutex,
    // which the next holder keeps for its whole transaction.
    std::unique_lock results(results_mu_);
    ++results_[mine].second;
    m.lock_.unlock();
    committed_.wait(results, [&] { return committed_generation_ >= mine; });
    auto it = results_.find(mine);
    Status s = it->second.first;
    if (--it->second.second == 0) results_.erase(it);
    return s;
  }
  Status s = commit_locked();
  m.lock_.unlock();
  return s;
}

void WriterGroup::rollback(Member& m) {
  if (m.bulk_) {
    abandon(m);
    return;
  }
  if (transaction_open()) {
    undo_member_locked();
  } else if (open_) {
    fail_group_locked(lost());
  }
  finish_locked();
  m.lock_.unlock();
}

void WriterGroup::abandon(Member& m) {
  if (!m.bulk_) {
    rollback(m);  // the member's savepoint holds all it wrote, half-applied writes included
    return;
  }
  if (transaction_open()) (void)db_.exec("ROLLBACK");
  open_ = false;
  m.lock_.unlock();
}

Status WriterGroup::commit_locked() {
  Status s;
  if (!transaction_open()) {
    s = lost();
  } else {
    if (commits_counter_) commits_counter_->before_commit();
    auto st = db_.run_cached("COMMIT");
    if (!st) {
      (void)db_.exec("ROLLBACK");
      s = std::move(st);
    }
    if (commits_counter_) commits_counter_->after_commit();
  }
  if (s) {
    commits_.fetch_add(1, std::memory_order_relaxed);
    committed_members_.fetch_add(members_, std::memory_order_relaxed);
  }
  open_ = false;
  members_ = 0;
  publish_locked(s);
  return s;
}

void WriterGroup::fail_group_locked(const Error& e) {
  if (transaction_open()) (void)db_.exec("ROLLBACK");
  open_ = false;
  members_ = 0;
  publish_locked(e);
}

void WriterGroup::publish_locked(const Status& result) {
  {
    std::lock_guard results(results_mu_);
    if (auto it = results_.find(generation_); it != results_.end()) it->second.first = result;
    committed_generation_ = generation_;
  }
  ++generation_;
  committed_.notify_all();
}

void WriterGroup::undo_member_locked() {
  (void)db_.run_cached("ROLLBACK TO member");
  (void)db_.run_cached("RELEASE member");
}

void WriterGroup::finish_locked() {
  // A holder leaving without adding work: if nobody else is coming, it
  // commits what others folded in, or gives the write lock back.
  if (waiting_.load(std::memory_order_acquire) > 0) return;
  if (members_ > 0) {
    (void)commit_locked();
  } else if (open_) {
    (void)db_.run_cached("ROLLBACK");
    open_ = false;
  }
}

}  // namespace fhirgw::store::sqlite
