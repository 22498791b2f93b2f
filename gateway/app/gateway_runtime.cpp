#include "app/gateway_runtime.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>

#include "app/basic_validation.hpp"
#include "core/ids.hpp"

namespace fhirgw::app {

namespace {

// The paging-cursor key: read from the configured file, or created once
// beside the store so that restarts (and replicas sharing the file) agree.
Result<std::string> cursor_key(const GatewayConfig& c) {
  std::filesystem::path file = c.cursor_key_file;
  if (file.empty()) {
    if (c.store_url.rfind("sqlite:", 0) == 0)
      file = std::filesystem::path(c.store_url.substr(7)).parent_path() / "cursor.key";
    else
      file = "var/cursor.key";
  }
  if (std::ifstream in{file}; in) {
    std::string key;
    std::getline(in, key);
    if (key.size() >= 32) return key;
  }
  unsigned char raw[32];
  RAND_bytes(raw, sizeof raw);
  std::string key = ids::sha256_hex(std::string(reinterpret_cast<char*>(raw), sizeof raw));
  std::error_code ec;
  if (!file.parent_path().empty()) std::filesystem::create_directories(file.parent_path(), ec);
  std::ofstream out(file, std::ios::trunc);
  if (!out) return Error::internal("Cannot write the cursor key file " + file.string());
  out << key << "\n";
  std::filesystem::permissions(file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
  return key;
}

}  // namespace

Result<std::unique_ptr<GatewayRuntime>> GatewayRuntime::create(const GatewayConfig& config) {
  std::unique_ptr<GatewayRuntime> rt(new GatewayRuntime());
  rt->config_ = config;
  if (config.store_url.rfind("sqlite:", 0) == 0) {
    std::error_code ec;
    auto dir = std::filesystem::path(config.store_url.substr(7)).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  }
  auto store = store::open_store(config.store_url);
  if (!store.ok()) return std::move(store).error();
  rt->store_ = std::move(store).value();
  auto key = cursor_key(config);
  if (!key.ok()) return std::move(key).error();

  if (config.development) {
    if (!is_loopback(config.server.host)) {
      return Error::invalid("Refusing to serve on " + config.server.host +
                            " without authentication and policy: development mode is loopback-only");
    }
    spdlog::warn("\"event\":\"development_mode\",\"detail\":\"no authentication and no policy: every caller sees everything; loopback only\"");
    rt->access_ = rest::make_development_access();
  } else {
    return Error::invalid(
        "No access policy configured. Give --policy and --clients, or --development on a loopback address");
  }
  rt->pool_ = std::make_unique<WorkerPool>(config.worker_threads, config.worker_queue);
  rest::ServiceConfig sc;
  sc.cursor_key = *key;
  rt->service_ = std::make_unique<rest::FhirService>(*rt->store_, *rt->access_, sc, basic_validation());
  rt->handler_ = std::make_unique<rest::FhirHandler>(*rt->service_, *rt->pool_, rt->metrics_);
  WorkerPool* pool = rt->pool_.get();
  rt->metrics_.add_gauge("fhirgw_store_queue_depth", "Requests waiting for a store worker.",
                         [pool] { return static_cast<double>(pool->queue_depth()); });
  rt->metrics_.add_gauge("fhirgw_store_workers_busy", "Store workers busy.",
                         [pool] { return static_cast<double>(pool->busy()); });
  return rt;
}

GatewayRuntime::~GatewayRuntime() { shutdown(); }

void GatewayRuntime::set_base_url(const std::string& url) {
  base_url_ = url;
  service_->set_base_url(url);
}

void GatewayRuntime::start_background() {}

void GatewayRuntime::reload() { spdlog::info("\"event\":\"reload\",\"detail\":\"nothing to reload\""); }

void GatewayRuntime::shutdown() {
  if (pool_) pool_->shutdown();
}

}  // namespace fhirgw::app
