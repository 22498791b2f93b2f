#include "http/metrics.hpp"

#include <sstream>

namespace fhirgw::http {

void Metrics::observe_request(const std::string& interaction, int status, double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{interaction, status}];
  size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  ++latency_buckets_[i];
  latency_sum_ += seconds;
  ++latency_count_;
}

void Metrics::add_gauge(std::string name, std::string help, std::function<double()> read) {
  std::lock_guard lock(mu_);
  gauges_.push_back({std::move(name), std::move(help), std::move(read)});
}

std::string Metrics::render() const {
  std::ostringstream out;
  std::lock_guard lock(mu_);
  out << "# HELP fhirgw_requests_total Requests by FHIR interaction and HTTP status.\n"
         "# TYPE fhirgw_requests_total counter\n";
  for (const auto& [key, n] : requests_)
    out << "fhirgw_requests_total{interaction=\"" << key.first << "\",status=\"" << key.second
        << "\"} " << n << "\n";
  out << "# HELP fhirgw_request_duration_seconds Request latency.\n"
         "# TYPE fhirgw_request_duration_seconds histogram\n";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    cumulative += latency_buckets_[i];
    out << "fhirgw_request_duration_seconds_bucket{le=\"" << kBuckets[i] << "\"} " << cumulative
        << "\n";
  }
  cumulative += latency_buckets_[kBuckets.size()];
  out << "fhirgw_request_duration_seconds_bucket{le=\"+Inf\"} " << cumulative << "\n"
      << "fhirgw_request_duration_seconds_sum " << latency_sum_ << "\n"
      << "fhirgw_request_duration_seconds_count " << latency_count_ << "\n";
  out << "# HELP fhirgw_open_connections Open client connections.\n"
         "# TYPE fhirgw_open_connections gauge\n"
      << "fhirgw_open_connections " << open_connections_.load() << "\n";
  for (const auto& g : gauges_)
    out << "# HELP " << g.name << " " << g.help << "\n# TYPE " << g.name << " gauge\n"
        << g.name << " " << g.read() << "\n";
  return out.str();
}

}  // namespace fhirgw::http
