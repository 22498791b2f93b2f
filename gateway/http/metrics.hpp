#pragma once
// Prometheus text-format metrics: requests by interaction and status, a
// latency histogram, open connections, and gauges read at scrape time (store
// queue depth). Request counters live in shards, one picked per thread, so
// I/O threads answering side by side never wait for each other's update;
// a scrape adds the shards up.
#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace fhirgw::http {

class Metrics {
 public:
  void observe_request(const std::string& interaction, int status, double seconds);
  void connection_opened() { ++open_connections_; }
  void connection_closed() { --open_connections_; }
  long open_connections() const { return open_connections_.load(); }
  // A gauge computed when /metrics is scraped.
  void add_gauge(std::string name, std::string help, std::function<double()> read);
  std::string render() const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  struct alignas(64) Shard {
    std::mutex mu;
    std::map<std::pair<std::string, int>, uint64_t> requests;
    std::array<uint64_t, kBuckets.size() + 1> latency_buckets{};
    double latency_sum = 0;
    uint64_t latency_count = 0;
  };
  static constexpr size_t kShards = 8;
  Shard& my_shard();
  mutable std::array<Shard, kShards> shards_;
  mutable std::mutex mu_;  // the gauges
  std::atomic<long> open_connections_{0};
  struct Gauge {
    std::string name, help;
    std::function<double()> read;
  };
  std::vector<Gauge> gauges_;
};

}  // namespace fhirgw::http
