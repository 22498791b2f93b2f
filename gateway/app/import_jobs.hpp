#pragma once
// Imports that run off the request threads, one at a time: $import uploads
// and inbox file sets share one slot. A second import asked for while one
// runs is refused (busy), never queued without bound; jobs are kept in
// memory (the last kKeep) so their status can be polled, and each can be
// cancelled at shutdown (its transaction rolls back; nothing is half-done).
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/result.hpp"
#include "import/importer.hpp"
#include "store/store.hpp"

namespace fhirgw::app {

struct ImportJob {
  enum class State { running, done, failed };
  std::string id;
  adapters::Format format = adapters::Format::emis;
  std::string source;  // "upload" or the inbox folder
  State state = State::running;
  adapters::ImportProgress progress;
  std::optional<adapters::ImportReport> report;
  std::string error;  // failed: why the set was refused
  int64_t started_ms = 0, finished_ms = 0;
};
const char* to_string(ImportJob::State s);

class ImportJobs {
 public:
  static constexpr size_t kKeep = 50;
  // The configuration for each import, read when it starts (so a policy
  // reload or an edited import config applies to the next import).
  using ConfigProvider = std::function<Result<adapters::ImportConfig>()>;

  ImportJobs(store::Store& store, ConfigProvider config, adapters::ImportOptions options);
  ~ImportJobs();

  // Starts an import of dir on its own thread; busy (HTTP 429) while another
  // runs. remove_dir: the folder is deleted afterwards (an upload's copy).
  Result<std::string> start(adapters::Format format, const std::filesystem::path& dir, bool remove_dir);
  // Runs on the caller's thread, waiting for the slot (the inbox watcher).
  // nullopt when cancelled by shutdown before or during the import.
  std::optional<ImportJob> run(adapters::Format format, const std::filesystem::path& dir, const std::string& source);
  std::optional<ImportJob> find(const std::string& id) const;
  // Cancels a running import and waits for its thread.
  void shutdown();

 private:
  ImportJob execute(std::shared_ptr<ImportJob> job, const std::filesystem::path& dir);
  void remember(std::shared_ptr<ImportJob> job);

  store::Store& store_;
  ConfigProvider config_;
  adapters::ImportOptions options_;
  mutable std::mutex mu_;
  std::condition_variable slot_free_;
  bool busy_ = false;
  std::atomic<bool> stopping_{false};
  std::map<std::string, std::shared_ptr<ImportJob>> jobs_;
  std::deque<std::string> order_;
  std::thread worker_;
};

}  // namespace fhirgw::app
