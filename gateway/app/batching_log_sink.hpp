#pragma once
// A spdlog sink that collects formatted lines in memory and writes them to a
// file descriptor in batches: from a background thread every `interval`, as
// soon as the batch passes `batch_bytes`, and at once for a flush (warnings
// and errors are flushed as they happen, see setup_logging).
//
// Why: a queue-per-line logger wakes its writing thread once per request, and
// on a busy gateway that wake-up cost more than the request's own store read.
// Here each request thread formats its line with its own copy of the
// formatter and only appends under the lock; a line waits at most `interval`
// before it reaches the descriptor, and lines keep their order.
#include <spdlog/sinks/sink.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace fhirgw::app {

class BatchingLogSink final : public spdlog::sinks::sink {
 public:
  // Starts the writing thread: construct it with shutdown signals blocked so
  // they are delivered to the thread that waits for them.
  BatchingLogSink(int fd, std::chrono::milliseconds interval, size_t batch_bytes);
  ~BatchingLogSink() override;  // writes what is left, then stops the thread
  BatchingLogSink(const BatchingLogSink&) = delete;
  BatchingLogSink& operator=(const BatchingLogSink&) = delete;

  void log(const spdlog::details::log_msg& msg) override;
  void flush() override;
  void set_pattern(const std::string& pattern) override;
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override;

 private:
  void run();
  void write_pending();  // with mu_ held
  // This thread's copy of the current formatter (formatters keep per-call
  // state, so threads cannot share one).
  spdlog::formatter& thread_formatter();

  int fd_;
  std::chrono::milliseconds interval_;
  size_t batch_bytes_;

  std::mutex formatter_mu_;
  std::unique_ptr<spdlog::formatter> formatter_;  // the master copy
  std::atomic<uint64_t> formatter_version_{0};    // unique across sinks: changes on every set

  std::mutex mu_;  // pending_, stopping_, and the descriptor's writes
  std::string pending_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace fhirgw::app
