#pragma once
// The durable, tamper-evident audit trail. record() returns only once the
// entry is committed: concurrent callers are committed together in one
// transaction (group commit), so durability costs one fsync per batch, not
// per request. Entries form a SHA-256 hash chain; verify() finds any entry
// deleted, altered or inserted after the fact.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "audit/audit_record.hpp"
#include "core/result.hpp"
#include "store/audit_log.hpp"

namespace fhirgw::audit {

class AuditTrail {
 public:
  static Result<std::unique_ptr<AuditTrail>> open(store::AuditLog& log);
  Status record(const AuditRecord& record);
  int64_t entries() const;

 private:
  explicit AuditTrail(store::AuditLog& log) : log_(log) {}
  struct Pending {
    AuditRecord record;
    int64_t recorded_ms = 0;
    bool done = false;
    Status result;
  };
  store::AuditLog& log_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Pending>> queue_;
  bool flushing_ = false;
  int64_t next_seq_ = 1;
  std::string last_hash_;
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
