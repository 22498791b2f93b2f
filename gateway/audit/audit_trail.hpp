#pragma once
// The durable, tamper-evident audit trail. A flusher thread commits whatever
// is queued in one transaction (group commit), so durability costs one fsync
// per batch, not per request, and no request thread waits on the disk:
// submit() calls back once the entry is committed, and the response is only
// released then. Entries form a SHA-256 hash chain; verify() finds any entry
// deleted, altered or inserted after the fact.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "audit/audit_record.hpp"
#include "core/result.hpp"
#include "store/audit_log.hpp"

namespace fhirgw::audit {

class AuditTrail {
 public:
  // max_hold: how long a commit waits at most for entries still expected.
  static Result<std::unique_ptr<AuditTrail>> open(store::AuditLog& log,
                                                  std::chrono::microseconds max_hold = std::chrono::milliseconds(1));
  ~AuditTrail();  // commits what is queued, then stops the flusher
  // Queues the entry; `done` runs once it is durable, or failed: through the
  // delivery if one is set, else on the flusher thread.
  void submit(const AuditRecord& record, std::function<void(Status)> done);
  // Where submit()'s completions run. A server hands them to its I/O threads
  // as one job per commit, so a commit of 30 entries wakes an I/O thread once
  // rather than 30 times, and the flusher returns to the next batch sooner.
  // Null (the default, and before the I/O threads stop): the flusher runs
  // them itself. Returns once the flusher no longer uses the old delivery.
  using Delivery = std::function<void(std::function<void()>)>;
  void deliver_with(Delivery delivery);
  // A request that will submit an entry shortly holds the returned token until
  // it has: while any token is held, the flusher keeps its next commit open
  // (at most max_hold) so entries from requests already in progress
  // share its fsync. With none in progress it commits at once.
  std::shared_ptr<void> expect();
  // submit() and wait.
  Status record(const AuditRecord& record);
  int64_t entries() const;
  // Commits so far and entries in them: their ratio is the group-commit batch size.
  int64_t commits() const { return commits_.load(std::memory_order_relaxed); }
  int64_t committed_entries() const { return committed_entries_.load(std::memory_order_relaxed); }

 private:
  AuditTrail(store::AuditLog& log, std::chrono::microseconds max_hold) : log_(log), max_hold_(max_hold) {}
  void flush_loop();
  void expectation_met();
  // An entry already written out as its row by the submitting thread, so the
  // flusher (one thread, which every response waits on) only chains, stores
  // and calls back.
  struct Pending {
    store::AuditRow row;  // seq and hashes are the flusher's to set
    std::function<void(Status)> done;
    bool deliverable = true;  // false: record() waits on it, so it runs on the flusher
  };
  void enqueue(const AuditRecord& record, std::function<void(Status)> done, bool deliverable);
  // Runs the batch's completions: deliverable ones through the delivery, as one job.
  void complete(std::deque<Pending>& batch, const Status& result);
  store::AuditLog& log_;
  std::chrono::microseconds max_hold_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  int64_t next_seq_ = 1;
  std::string last_hash_;
  std::atomic<int64_t> commits_{0}, committed_entries_{0};
  std::atomic<int64_t> expected_{0};  // requests in progress that will submit
  std::mutex delivery_mu_;             // held while the delivery is called or replaced
  Delivery delivery_;
  std::thread flusher_;
};

struct VerifyReport {
  bool intact = true;
  int64_t entries = 0;
  int64_t first_bad_seq = 0;
  std::string problem;
};

std::string chain_hash(const std::string& prev_hash, const std::string& entry);
Result<VerifyReport> verify(store::AuditLog& log);
// CSV of the rows a query selects (header included).
Result<std::string> export_csv(store::AuditLog& log, const store::AuditQuery& q);

}  // namespace fhirgw::audit
