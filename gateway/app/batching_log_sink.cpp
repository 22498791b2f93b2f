#include "app/batching_log_sink.hpp"

#include <spdlog/pattern_formatter.h>
#include <unistd.h>

#include <cerrno>

#include "core/thread_name.hpp"

namespace fhirgw::app {

namespace {
std::atomic<uint64_t> g_formatter_versions{0};
}  // namespace

BatchingLogSink::BatchingLogSink(int fd, std::chrono::milliseconds interval, size_t batch_bytes)
    : fd_(fd), interval_(interval), batch_bytes_(batch_bytes) {
  set_formatter(std::make_unique<spdlog::pattern_formatter>());
  pending_.reserve(batch_bytes_ * 2);
  writer_ = std::thread([this] {
    name_this_thread("log-writer");
    run();
  });
}

BatchingLogSink::~BatchingLogSink() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (writer_.joinable()) writer_.join();
}

void BatchingLogSink::set_pattern(const std::string& pattern) {
  set_formatter(std::make_unique<spdlog::pattern_formatter>(pattern));
}

void BatchingLogSink::set_formatter(std::unique_ptr<spdlog::formatter> formatter) {
  std::lock_guard lock(formatter_mu_);
  formatter_ = std::move(formatter);
  formatter_version_.store(++g_formatter_versions, std::memory_order_release);
}

spdlog::formatter& BatchingLogSink::thread_formatter() {
  thread_local uint64_t version = 0;
  thread_local std::unique_ptr<spdlog::formatter> mine;
  const uint64_t current = formatter_version_.load(std::memory_order_acquire);
  if (!mine || version != current) {
    std::lock_guard lock(formatter_mu_);
    mine = formatter_->clone();
    version = formatter_version_.load(std::memory_order_relaxed);
  }
  return *mine;
}

void BatchingLogSink::log(const spdlog::details::log_msg& msg) {
  thread_local spdlog::memory_buf_t formatted;
  formatted.clear();
  thread_formatter().format(msg, formatted);
  std::lock_guard lock(mu_);
  pending_.append(formatted.data(), formatted.size());
  if (pending_.size() >= batch_bytes_) wake_.notify_one();
}

void BatchingLogSink::flush() {
  std::lock_guard lock(mu_);
  write_pending();
}

void BatchingLogSink::write_pending() {
  size_t off = 0;
  while (off < pending_.size()) {
    ssize_t n = ::write(fd_, pending_.data() + off, pending_.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the descriptor is gone: nothing better to do with a log line
    off += static_cast<size_t>(n);
  }
  pending_.clear();
}

void BatchingLogSink::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait_for(lock, interval_, [this] { return stopping_ || pending_.size() >= batch_bytes_; });
    write_pending();
    if (stopping_) return;
  }
}

}  // namespace fhirgw::app
