#include "app/import_jobs.hpp"

#include <spdlog/spdlog.h>

#include "core/fhir_time.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/thread_name.hpp"

namespace fhirgw::app {

const char* to_string(ImportJob::State s) {
  switch (s) {
    case ImportJob::State::running: return "running";
    case ImportJob::State::done: return "done";
    case ImportJob::State::failed: return "failed";
  }
  return "";
}

ImportJobs::ImportJobs(store::Store& store, ConfigProvider config, adapters::ImportOptions options)
    : store_(store), config_(std::move(config)), options_(std::move(options)) {}

ImportJobs::~ImportJobs() { shutdown(); }

void ImportJobs::remember(std::shared_ptr<ImportJob> job) {
  jobs_[job->id] = job;
  order_.push_back(job->id);
  while (order_.size() > kKeep) {
    auto it = jobs_.find(order_.front());
    if (it != jobs_.end() && it->second->report) jobs_.erase(it->second->report->import_id);
    jobs_.erase(order_.front());
    order_.pop_front();
  }
}

ImportJob ImportJobs::execute(std::shared_ptr<ImportJob> job, const std::filesystem::path& dir) {
  // Everything a poller may read is changed under mu_.
  auto finish = [&](ImportJob::State state, std::string error, std::optional<adapters::ImportReport> report) {
    std::lock_guard<std::mutex> g(mu_);
    job->state = state;
    job->error = std::move(error);
    job->report = std::move(report);
    // The report's id names the quarantine entries; the job answers to it too.
    if (job->report) jobs_[job->report->import_id] = job;
    job->finished_ms = fhir_time::now_ms();
    return *job;
  };
  auto config = config_();
  if (!config) return finish(ImportJob::State::failed, config.error().message(), std::nullopt);
  adapters::ImportOptions options = options_;
  options.progress = [this, job](const adapters::ImportProgress& p) {
    std::lock_guard<std::mutex> g(mu_);
    job->progress = p;
    return !stopping_.load();
  };
  auto report = adapters::import_file_set(store_, job->format, dir, *config, options);
  if (!report) {
    spdlog::warn("\"event\":\"import_failed\",\"import\":{},\"source\":{}", json::quoted(job->id),
                 json::quoted(job->source));
    return finish(ImportJob::State::failed, report.error().message(), std::nullopt);
  }
  spdlog::info("\"event\":\"import_done\",\"import\":{},\"source\":{},\"rows\":{}", json::quoted(job->id),
               json::quoted(job->source), report->totals.total());
  return finish(ImportJob::State::done, "", std::move(*report));
}

Result<std::string> ImportJobs::start(adapters::Format format, const std::filesystem::path& dir, bool remove_dir) {
  auto job = std::make_shared<ImportJob>();
  {
    std::lock_guard<std::mutex> g(mu_);
    if (stopping_) return Error::make(503, "transient", "The gateway is shutting down");
    if (busy_) return Error::make(429, "throttled", "An import is already running; try again when it has finished");
    busy_ = true;
    job->id = ids::random_uuid();
    job->format = format;
    job->source = "upload";
    job->started_ms = fhir_time::now_ms();
    remember(job);
    if (worker_.joinable()) worker_.join();  // the previous upload's thread has finished (busy_ was false)
  }
  worker_ = std::thread([this, job, dir, remove_dir] {
    name_this_thread("import-job");
    execute(job, dir);
    if (remove_dir) {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
    std::lock_guard<std::mutex> g(mu_);
    busy_ = false;
    slot_free_.notify_all();
  });
  return job->id;
}

std::optional<ImportJob> ImportJobs::run(adapters::Format format, const std::filesystem::path& dir,
                                         const std::string& source) {
  auto job = std::make_shared<ImportJob>();
  {
    std::unique_lock<std::mutex> lock(mu_);
    slot_free_.wait(lock, [&] { return !busy_ || stopping_; });
    if (stopping_) return std::nullopt;
    busy_ = true;
    job->id = ids::random_uuid();
    job->format = format;
    job->source = source;
    job->started_ms = fhir_time::now_ms();
    remember(job);
  }
  ImportJob result = execute(job, dir);
  std::lock_guard<std::mutex> g(mu_);
  busy_ = false;
  slot_free_.notify_all();
  if (stopping_ && result.state == ImportJob::State::failed) return std::nullopt;  // cancelled: not a verdict
  return result;
}

std::optional<ImportJob> ImportJobs::find(const std::string& id) const {
  std::lock_guard<std::mutex> g(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  return *it->second;
}

void ImportJobs::shutdown() {
  {
    std::lock_guard<std::mutex> g(mu_);
    stopping_ = true;
    slot_free_.notify_all();
  }
  if (worker_.joinable()) worker_.join();
}

}  // namespace fhirgw::app
