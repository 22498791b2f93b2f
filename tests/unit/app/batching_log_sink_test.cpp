// The batching log sink: every line arrives, in order, whether it leaves by
// the size trigger, an explicit flush, the timer, or the sink's destruction.
#include "app/batching_log_sink.hpp"

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <unistd.h>

#include <fcntl.h>

#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fhirgw::app {
namespace {

// A pipe whose read end is non-blocking, so the test can look at what has
// arrived without waiting.
struct Pipe {
  int fds[2]{-1, -1};
  Pipe() {
    EXPECT_EQ(pipe(fds), 0);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
  }
  ~Pipe() {
    close(fds[0]);
    close(fds[1]);
  }
  std::string drain() const {
    std::string out;
    char buf[65536];
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
    return out;
  }
};

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::shared_ptr<spdlog::logger> logger_on(std::shared_ptr<BatchingLogSink> sink) {
  auto logger = std::make_shared<spdlog::logger>("test", std::move(sink));
  logger->set_pattern("%v");
  return logger;
}

TEST(BatchingLogSink, HoldsLinesUntilFlushThenWritesThemInOrder) {
  Pipe p;
  auto sink = std::make_shared<BatchingLogSink>(p.fds[1], std::chrono::hours(1), 1 << 20);
  auto log = logger_on(sink);
  log->info("first");
  log->info("second");
  EXPECT_EQ(p.drain(), "");  // neither the timer nor the size trigger has fired
  log->flush();
  EXPECT_EQ(lines(p.drain()), (std::vector<std::string>{"first", "second"}));
}

TEST(BatchingLogSink, DestructionWritesWhatIsLeft) {
  Pipe p;
  {
    auto sink = std::make_shared<BatchingLogSink>(p.fds[1], std::chrono::hours(1), 1 << 20);
    auto log = logger_on(sink);
    log->info("last words");
  }
  EXPECT_EQ(p.drain(), "last words\n");
}

TEST(BatchingLogSink, ABatchPastItsSizeIsWrittenWithoutAFlush) {
  Pipe p;
  auto sink = std::make_shared<BatchingLogSink>(p.fds[1], std::chrono::hours(1), 64);
  auto log = logger_on(sink);
  for (int i = 0; i < 10; ++i) log->info("line number {:02}", i);  // 15 bytes each: past 64 bytes
  std::string got;
  while (got.size() < 64) got += p.drain();  // the writing thread was woken by size alone
  auto l = lines(got);
  ASSERT_GE(l.size(), 4u);
  for (size_t i = 0; i < l.size(); ++i) EXPECT_EQ(l[i], "line number 0" + std::to_string(i));
}

TEST(BatchingLogSink, TheTimerWritesAQuietBatch) {
  Pipe p;
  auto sink = std::make_shared<BatchingLogSink>(p.fds[1], std::chrono::milliseconds(5), 1 << 20);
  auto log = logger_on(sink);
  log->info("quiet");
  std::string got;
  while (got.empty()) got = p.drain();  // no flush, no size trigger: only the timer can send it
  EXPECT_EQ(got, "quiet\n");
}

TEST(BatchingLogSink, LinesFromManyThreadsAreNeitherLostNorInterleaved) {
  Pipe p;
  constexpr int kThreads = 4, kLines = 2000;
  {
    auto sink = std::make_shared<BatchingLogSink>(p.fds[1], std::chrono::milliseconds(1), 4096);
    auto log = logger_on(sink);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < kLines; ++i) log->info("t{} n{:05} end", t, i);
      });
    for (auto& th : threads) th.join();
  }
  auto l = lines(p.drain());
  ASSERT_EQ(l.size(), static_cast<size_t>(kThreads * kLines));
  std::vector<int> next(kThreads, 0);
  for (const auto& line : l) {
    int t = line[1] - '0';
    ASSERT_EQ(line, "t" + std::to_string(t) + " n" + std::string(5 - std::to_string(next[t]).size(), '0') +
                        std::to_string(next[t]) + " end");
    ++next[t];  // each thread's lines in its own order
  }
}

}  // namespace
}  // namespace fhirgw::app
