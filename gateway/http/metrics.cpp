#include "http/metrics.hpp"

#include <sstream>

namespace fhirgw::http {

Metrics::Shard& Metrics::my_shard() {
  static std::atomic<size_t> next{0};
  thread_local size_t mine = next.fetch_add(1, std::memory_order_relaxed);
  return shards_[mine % kShards];
}

void Metrics::observe_request(const std::string& interaction, int status, double seconds) {
  Shard& s = my_shard();
  std::lock_guard lock(s.mu);
  ++s.requests[{interaction, status}];
  size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  ++s.latency_buckets[i];
  s.latency_sum += seconds;
  ++s.latency_count;
}

void Metrics::add_gauge(std::string name, std::string help, std::function<double()> read) {
  std::lock_guard lock(mu_);
  gauges_.push_back({std::move(name), std::move(help), std::move(read)});
}

std::string Metrics::render() const {
  std::map<std::pair<std::string, int>, uint64_t> requests;
  std::array<uint64_t, kBuckets.size() + 1> latency_buckets{};
  double latency_sum = 0;
  uint64_t latency_count = 0;
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mu);
    for (const auto& [key, n] : shard.requests) requests[key] += n;
    for (size_t i = 0; i < latency_buckets.size(); ++i) latency_buckets[i] += shard.latency_buckets[i];
    latency_sum += shard.latency_sum;
    latency_count += shard.latency_count;
  }
  std::ostringstream out;
  std::lock_guard lock(mu_);
  out << "# HELP fhirgw_requests_total Requests by FHIR interaction and HTTP status.\n"
         "# TYPE fhirgw_requests_total counter\n";
  for (const auto& [key, n] : requests)
    out << "fhirgw_requests_total{interaction=\"" << key.first << "\",status=\"" << key.second
        << "\"} " << n << "\n";
  out << "# HELP fhirgw_request_duration_seconds Request latency.\n"
         "# TYPE fhirgw_request_duration_seconds histogram\n";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    cumulative += latency_buckets[i];
    out << "fhirgw_request_duration_seconds_bucket{le=\"" << kBuckets[i] << "\"} " << cumulative
        << "\n";
  }
  cumulative += latency_buckets[kBuckets.size()];
  out << "fhirgw_request_duration_seconds_bucket{le=\"+Inf\"} " << cumulative << "\n"
      << "fhirgw_request_duration_seconds_sum " << latency_sum << "\n"
      << "fhirgw_request_duration_seconds_count " << latency_count << "\n";
  out << "# HELP fhirgw_open_connections Open client connections.\n"
         "# TYPE fhirgw_open_connections gauge\n"
      << "fhirgw_open_connections " << open_connections_.load() << "\n";
  for (const auto& g : gauges_)
    out << "# HELP " << g.name << " " << g.help << "\n# TYPE " << g.name << " gauge\n"
        << g.name << " " << g.read() << "\n";
  return out.str();
}

}  // namespace fhirgw::http
