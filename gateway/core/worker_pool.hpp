#pragma once
// A fixed set of threads with a bounded queue. Store and policy work runs here,
// never on the I/O threads. When the queue is full, try_submit refuses and the
// caller answers 503 with Retry-After instead of queueing without bound.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace fhirgw {

class WorkerPool {
 public:
  WorkerPool(size_t threads, size_t max_queue);
  ~WorkerPool();  // drains the queue, then joins
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  bool try_submit(std::function<void()> job);
  size_t queue_depth() const;
  size_t busy() const { return busy_.load(); }
  size_t capacity() const { return max_queue_; }
  void shutdown();  // stop accepting, finish queued jobs, join

 private:
  void run();
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> threads_;
  size_t max_queue_;
  bool stopping_ = false;
  std::atomic<size_t> busy_{0};
};

}  // namespace fhirgw
