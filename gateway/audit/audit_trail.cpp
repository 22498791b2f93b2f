#include "audit/audit_trail.hpp"

#include "audit/audit_event.hpp"
#include "core/fhir_time.hpp"
#include "core/ids.hpp"
#include "core/thread_name.hpp"
#include "store/audit_chain.hpp"

namespace fhirgw::audit {

namespace {
constexpr const char* kGenesis = store::kAuditGenesis;
// Group commit: once an entry is waiting, the flusher holds the commit open
// while requests in progress are still to submit theirs (see expect()), for
// at most max_hold_, or until kFullBatch entries are waiting.
constexpr size_t kFullBatch = 256;

std::string csv_field(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}
}  // namespace

std::string chain_hash(const std::string& prev_hash, const std::string& entry) {
  return store::audit_link_hash(prev_hash, entry);
}

Result<std::unique_ptr<AuditTrail>> AuditTrail::open(store::AuditLog& log, std::chrono::microseconds max_hold) {
  std::unique_ptr<AuditTrail> t(new AuditTrail(log, max_hold));
  auto last = log.last();
  if (!last.ok()) return std::move(last).error();
  if (last->has_value()) {
    t->next_seq_ = (*last)->seq + 1;
    t->last_hash_ = (*last)->hash;
  } else {
    t->last_hash_ = kGenesis;
  }
  t->flusher_ = std::thread([p = t.get()] {
    name_this_thread("audit-flush");
    p->flush_loop();
  });
  return t;
}

AuditTrail::~AuditTrail() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
}

int64_t AuditTrail::entries() const {
  std::lock_guard lock(mu_);
  return next_seq_ - 1;
}

void AuditTrail::submit(const AuditRecord& record, std::function<void(Status)> done) {
  enqueue(record, std::move(done), true);
}

void AuditTrail::deliver_with(Delivery delivery) {
  std::lock_guard lock(delivery_mu_);
  delivery_ = std::move(delivery);
}

void AuditTrail::complete(std::deque<Pending>& batch, const Status& result) {
  std::vector<std::function<void(Status)>> deliverable;
  for (auto& p : batch) {
    if (p.deliverable) deliverable.push_back(std::move(p.done));
    else p.done(result);
  }
  if (deliverable.empty()) return;
  std::unique_lock lock(delivery_mu_);
  if (!delivery_) {
    lock.unlock();
    for (auto& done : deliverable) done(result);
    return;
  }
  delivery_([deliverable = std::move(deliverable), result]() {
    for (auto& done : deliverable) done(result);
  });
}

void AuditTrail::enqueue(const AuditRecord& record, std::function<void(Status)> done, bool deliverable) {
  bool refused = false, wake = false;
  store::AuditRow row = to_row(record, fhir_time::now_ms(), 0);
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      refused = true;
    } else {
      queue_.push_back({std::move(row), std::move(done), deliverable});
      // Only the first entry (the flusher sleeps on an empty queue) and a full
      // batch need a wake-up; while holding, the flusher waits for expectations.
      wake = queue_.size() == 1 || queue_.size() == kFullBatch;
    }
  }
  if (refused) {
    done(Error::make(503, "transient", "The audit trail is shutting down"));
    return;
  }
  if (wake) cv_.notify_one();
}

std::shared_ptr<void> AuditTrail::expect() {
  struct Token {
    AuditTrail* trail;
    ~Token() { trail->expectation_met(); }
  };
  expected_.fetch_add(1, std::memory_order_acq_rel);
  return std::shared_ptr<void>(new Token{this});
}

void AuditTrail::expectation_met() {
  if (expected_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  // The last request in progress has submitted: a held commit can go. Taking
  // the lock orders this with the flusher's check, so the wake is not lost.
  { std::lock_guard lock(mu_); }
  cv_.notify_one();
}

Status AuditTrail::record(const AuditRecord& record) {
  std::mutex m;
  std::condition_variable cv;
  bool finished = false;
  Status result;
  enqueue(
      record,
      [&](Status s) {
        std::lock_guard lock(m);
        result = std::move(s);
        finished = true;
        cv.notify_one();
      },
      false);
  std::unique_lock lock(m);
  cv.wait(lock, [&] { return finished; });
  return result;
}

void AuditTrail::flush_loop() {
  for (;;) {
    std::deque<Pending> batch;
    int64_t seq;
    std::string prev;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything is committed
      cv_.wait_for(lock, max_hold_, [this] {
        return stopping_ || queue_.size() >= kFullBatch || expected_.load(std::memory_order_acquire) == 0;
      });
      batch.swap(queue_);
      seq = next_seq_;
      prev = last_hash_;
    }
    std::vector<store::AuditRow> rows;
    rows.reserve(batch.size());
    for (auto& p : batch) {
      store::AuditRow& row = rows.emplace_back(std::move(p.row));
      row.seq = seq++;
      row.prev_hash = prev;
      row.hash = chain_hash(prev, row.entry);
      prev = row.hash;
    }
    Status result = log_.append(rows);
    if (result.ok()) {
      commits_.fetch_add(1, std::memory_order_relaxed);
      committed_entries_.fetch_add(static_cast<int64_t>(rows.size()), std::memory_order_relaxed);
    }
    if (result.ok() && !rows.empty()) {
      // The log may have moved the batch onto the trail's real end (another
      // instance appended first): continue from where the rows really landed.
      std::lock_guard lock(mu_);
      next_seq_ = rows.back().seq + 1;
      last_hash_ = rows.back().hash;
    }
    complete(batch, result);
  }
}

Result<VerifyReport> verify(store::AuditLog& log) {
  VerifyReport report;
  std::string prev = kGenesis;
  int64_t expect = 1;
  int64_t after = 0;
  for (;;) {
    auto rows = log.scan(after, 1000);
    if (!rows.ok()) return std::move(rows).error();
    if (rows->empty()) break;
    for (const auto& r : *rows) {
      auto fail = [&](std::string why) {
        report.intact = false;
        report.first_bad_seq = r.seq;
        report.problem = std::move(why);
      };
      if (r.seq != expect) {
        fail("entries " + std::to_string(expect) + " to " + std::to_string(r.seq - 1) + " are missing");
      } else if (r.prev_hash != prev) {
        fail("entry " + std::to_string(r.seq) + " does not follow its predecessor");
      } else if (chain_hash(r.prev_hash, r.entry) != r.hash) {
        fail("entry " + std::to_string(r.seq) + " was altered after it was written");
      } else if (auto fact = altered_fact(r); !fact.empty()) {
        fail("entry " + std::to_string(r.seq) + " was altered after it was written: its " + fact +
             " is not the one its hashed entry records");
      }
      if (!report.intact) return report;
      prev = r.hash;
      ++expect;
      ++report.entries;
      after = r.seq;
    }
  }
  return report;
}

Result<std::string> export_csv(store::AuditLog& log, const store::AuditQuery& query) {
  std::string out =
      "seq,recorded,request_id,client_id,organisation,purpose,action,resource_type,status,outcome,patients,"
      "entities,agreements,policy_version,hash\r\n";
  store::AuditQuery q = query;
  q.limit = 1000;
  for (;;) {
    auto rows = log.query(q);
    if (!rows.ok()) return std::move(rows).error();
    for (const auto& r : *rows) {
      out += std::to_string(r.seq) + "," + csv_field(fhir_time::format_instant(r.recorded_ms)) + "," +
             csv_field(r.request_id) + "," + csv_field(r.client_id) + "," + csv_field(r.organisation) + "," +
             csv_field(r.purpose) + "," + csv_field(r.action) + "," + csv_field(r.resource_type) + "," +
             std::to_string(r.status) + "," + csv_field(r.outcome) + "," + csv_field(r.patients) + "," +
             csv_field(r.entities) + "," + csv_field(r.agreements) + "," + csv_field(r.policy_version) + "," +
             csv_field(r.hash) + "\r\n";
      q.after_seq = r.seq;
    }
    if (static_cast<int>(rows->size()) < q.limit) break;
  }
  return out;
}

}  // namespace fhirgw::audit
