#include "app/inbox_watcher.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <vector>

#include "core/thread_name.hpp"
#include "import/import_report.hpp"

namespace fhirgw::app {

namespace {

bool write_text(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

// A free name under parent: base, base-2, base-3, ...
std::filesystem::path free_name(const std::filesystem::path& parent, const std::string& base) {
  auto p = parent / base;
  for (int i = 2; std::filesystem::exists(p); ++i) p = parent / (base + "-" + std::to_string(i));
  return p;
}

bool rejected(const adapters::ImportReport& r) {
  return std::any_of(r.files.begin(), r.files.end(), [](const auto& f) { return !f.rejected.empty(); });
}

}  // namespace

InboxWatcher::InboxWatcher(std::filesystem::path inbox, ImportJobs& jobs, std::chrono::milliseconds interval)
    : inbox_(std::move(inbox)), jobs_(jobs), interval_(interval) {}

InboxWatcher::~InboxWatcher() { stop(); }

Status InboxWatcher::start() {
  std::error_code ec;
  for (const char* d : {"emis", "systmone", "done", "failed"}) {
    std::filesystem::create_directories(inbox_ / d, ec);
    if (ec) return Error::internal("cannot create " + (inbox_ / d).string() + ": " + ec.message());
  }
  thread_ = std::thread([this] {
    name_this_thread("inbox-watch");
    loop();
  });
  spdlog::info("\"event\":\"inbox_watching\",\"inbox\":\"{}\"", inbox_.string());
  return {};
}

void InboxWatcher::stop() {
  {
    std::lock_guard<std::mutex> g(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void InboxWatcher::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    scan_once();
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stop_; });
  }
}

int InboxWatcher::scan_once() {
  int moved = 0;
  for (auto format : {adapters::Format::emis, adapters::Format::systmone}) {
    auto dir = inbox_ / std::string(adapters::to_string(format));
    std::error_code ec;
    std::vector<std::filesystem::path> sets;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
      if (e.is_directory() && std::filesystem::exists(e.path() / kReadyMarker)) sets.push_back(e.path());
    }
    std::sort(sets.begin(), sets.end());
    for (const auto& set : sets) {
      {
        std::lock_guard<std::mutex> g(mu_);
        if (stop_) return moved;
      }
      if (process(format, set)) ++moved;
    }
  }
  return moved;
}

bool InboxWatcher::process(adapters::Format format, const std::filesystem::path& set) {
  std::string name = set.filename().string();
  auto job = jobs_.run(format, set, set.string());
  if (!job) return false;  // shutting down: the set stays for the next start
  bool ok = job->state == ImportJob::State::done && !rejected(*job->report);
  auto target = free_name(inbox_ / (ok ? "done" : "failed"), std::string(adapters::to_string(format)) + "-" + name);
  std::error_code ec;
  std::filesystem::rename(set, target, ec);
  if (ec) {
    spdlog::error("\"event\":\"inbox_move_failed\",\"set\":\"{}\",\"problem\":\"{}\"", set.string(), ec.message());
    return false;
  }
  if (job->report) {
    write_text(target / "report.json", adapters::render_json(*job->report));
    write_text(target / "report.txt", adapters::render_text(*job->report));
  } else {
    write_text(target / "report.txt", "Import refused: " + job->error + "\n");
  }
  spdlog::info("\"event\":\"inbox_set\",\"set\":\"{}\",\"outcome\":\"{}\"", name, ok ? "done" : "failed");
  return true;
}

}  // namespace fhirgw::app
