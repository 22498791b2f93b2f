#pragma once
// The durable, tamper-evident audit trail. A flusher thread commits whatever
// is queued in one transaction (group commit), so durability costs one fsync
// per batch, not per request, and no request thread waits on the disk:
// submit() calls back once the entry is committed, and the response is only
// released then. Entries form a SHA-256 hash chain; verify() finds any entry
// deleted, altered or inserted after the fact.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "audit/audit_record.hpp"
#include "core/result.hpp"
#include "store/audit_log.hpp"

namespace fhirgw::audit {

class AuditTrail {
 public:
  static Result<std::unique_ptr<AuditTrail>> open(store::AuditLog& log);
  ~AuditTrail();  // commits what is queued, then stops the flusher
  // Queues the entry; `done` runs (on the flusher thread) once it is durable, or failed.
  void submit(const AuditRecord& record, std::function<void(Status)> done);
  // submit() and wait.
  Status record(const AuditRecord& record);
  int64_t entries() const;

 private:
  explicit AuditTrail(store::AuditLog& log) : log_(log) {}
  void flush_loop();
  struct Pending {
    AuditRecord record;
    int64_t recorded_ms = 0;
    std::function<void(Status)> done;
  };
  store::AuditLog& log_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  int64_t next_seq_ = 1;
  std::string last_hash_;
  std::thread flusher_;
};

struct VerifyReport {
  bool intact = true;
  int64_t entries = 0;
  int64_t first_bad_seq = 0;
  std::string problem;
};

std::string chain_hash(const std::string& prev_hash, const std::string& json);
Result<VerifyReport> verify(store::AuditLog& log);
// CSV of the rows a query selects (header included).
Result<std::string> export_csv(store::AuditLog& log, const store::AuditQuery& q);

}  // namespace fhirgw::audit
