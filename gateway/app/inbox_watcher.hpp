#pragma once
// The extract inbox: a folder the practice systems' transfer jobs drop file
// sets into, watched by a running gateway.
//
//   inbox/emis/<set>/...      one EMIS-style file set per subfolder
//   inbox/systmone/<set>/...  one SystmOne-style file set per subfolder
//   inbox/done/<format>-<set>/      imported sets, with report.json and report.txt
//   inbox/failed/<format>-<set>/    refused sets (the import failed or a file
//                                   was rejected), with report.txt (and report.json when there is one)
//
// A set is complete when its folder holds a file named READY: the transfer
// job writes it last, so a half-copied set is never read. Sets are imported
// oldest name first, one at a time (sharing the one import slot with
// $import). Polling; stop() ends the wait at once and cancels a running
// import (rolled back), leaving that set in place for the next start.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "app/import_jobs.hpp"

namespace fhirgw::app {

class InboxWatcher {
 public:
  static constexpr const char* kReadyMarker = "READY";

  InboxWatcher(std::filesystem::path inbox, ImportJobs& jobs,
               std::chrono::milliseconds interval = std::chrono::seconds(2));
  ~InboxWatcher();
  // Creates the folders and starts polling.
  Status start();
  void stop();
  // One pass over both format folders; returns how many sets it moved.
  int scan_once();

 private:
  void loop();
  bool process(adapters::Format format, const std::filesystem::path& set);

  std::filesystem::path inbox_;
  ImportJobs& jobs_;
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace fhirgw::app
