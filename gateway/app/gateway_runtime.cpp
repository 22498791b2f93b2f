#include "app/gateway_runtime.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>

#include "app/gateway_access.hpp"
#include "app/governance_state.hpp"
#include "app/import_jobs.hpp"
#include "app/inbox_watcher.hpp"
#include "app/profiles.hpp"
#include "audit/audit_trail.hpp"
#include "auth/jti_cache.hpp"
#include "auth/rate_limiter.hpp"
#include "auth/token_service.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "policy/policy_loader.hpp"

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

Result<policy::Policy> load_policy(const GatewayConfig& c) {
  policy::LoadOptions opts;
  opts.extra_dirs = {std::filesystem::current_path().string()};
  if (!c.profiles_dir.empty()) opts.extra_dirs.push_back(std::filesystem::path(c.profiles_dir).parent_path().string());
  return policy::load_policy_file(c.policy_file, opts);
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
  if (config.store_cache_mb) rt->store_->set_cache_bytes(*config.store_cache_mb << 20);
  auto key = cursor_key(config);
  if (!key.ok()) return std::move(key).error();
  auto validator = load_validator(config.profiles_dir);
  if (!validator.ok()) return std::move(validator).error();
  rt->validator_ = std::move(validator).value();

  if (config.development) {
    if (!is_loopback(config.server.host)) {
      return Error::invalid("Refusing to serve on " + config.server.host +
                            " without authentication and policy: development mode is loopback-only");
    }
    spdlog::warn("\"event\":\"development_mode\",\"detail\":\"no authentication and no policy: every caller sees everything; loopback only\"");
    rt->access_ = rest::make_development_access();
  } else {
    if (config.policy_file.empty() || config.clients_file.empty() || config.signing_key_file.empty()) {
      return Error::invalid(
          "No access policy configured. Give --policy, --clients and --signing-key (or the policy, clients and "
          "signing_key settings), or --development on a loopback address");
    }
    auto policy = load_policy(config);
    if (!policy.ok()) {
      Error e = std::move(policy).error();
      std::string all;
      for (const auto& i : e.issues) all += "\n  " + i.diagnostics;
      return Error::invalid("The policy " + config.policy_file + " does not validate:" + all);
    }
    auto log = store::open_audit_log(config.store_url);
    if (!log.ok()) return std::move(log).error();
    rt->audit_log_ = std::move(log).value();
    auto trail = audit::AuditTrail::open(*rt->audit_log_);
    if (!trail.ok()) return std::move(trail).error();
    rt->trail_ = std::move(trail).value();
    rt->governance_ = std::make_unique<GovernanceState>(*rt->store_);
    rt->store_->set_reads_bring_change_seq(true);  // a governed read then looks at the store once
    rt->governance_->set_policy(std::move(policy).value());
    if (auto s = rt->governance_->load(); !s.ok()) return std::move(s).error();
    rt->limiter_ = std::make_unique<auth::RateLimiter>(
        auth::RateLimiter::Limit{config.client_rate_per_second, config.client_rate_burst});
    auto access = std::make_unique<GatewayAccess>(*rt->limiter_, *rt->governance_, *rt->trail_);
    rt->gateway_access_ = access.get();
    rt->access_ = std::move(access);
  }
  rt->pool_ = std::make_unique<WorkerPool>(config.worker_threads, config.worker_queue);
  rest::ServiceConfig sc;
  sc.cursor_key = *key;
  rt->service_ = std::make_unique<rest::FhirService>(*rt->store_, *rt->access_, sc,
                                                    profile_validation(*rt->validator_, *rt->store_));
  rt->handler_ = std::make_unique<rest::FhirHandler>(*rt->service_, *rt->pool_, rt->metrics_);
  rt->handler_->set_reads_on_io_threads(config.reads_on_io_threads.value_or(rt->store_->reads_are_local()));
  register_validate_operation(*rt->handler_, *rt->validator_, *rt->store_, *rt->access_);
  WorkerPool* pool = rt->pool_.get();
  rt->metrics_.add_gauge("fhirgw_store_queue_depth", "Requests waiting for a store worker.",
                         [pool] { return static_cast<double>(pool->queue_depth()); });
  rt->metrics_.add_gauge("fhirgw_store_workers_busy", "Store workers busy.",
                         [pool] { return static_cast<double>(pool->busy()); });
  if (rt->store_->commit_stats()) {
    store::Store* st = rt->store_.get();
    rt->metrics_.add_gauge("fhirgw_store_commits", "Store write commits (one fsync each) since start.",
                           [st] { return static_cast<double>(st->commit_stats()->commits); });
    rt->metrics_.add_gauge("fhirgw_store_committed_writes", "Write transactions in those commits.",
                           [st] { return static_cast<double>(st->commit_stats()->transactions); });
  }
  if (rt->store_->cache_stats()) {
    store::Store* st = rt->store_.get();
    rt->metrics_.add_gauge("fhirgw_store_cache_hits", "Read statements answered from the store's cache since start.",
                           [st] { return static_cast<double>(st->cache_stats()->hits); });
    rt->metrics_.add_gauge("fhirgw_store_cache_misses", "Read statements that went to the database since start.",
                           [st] { return static_cast<double>(st->cache_stats()->misses); });
    rt->metrics_.add_gauge("fhirgw_store_cache_bytes", "Memory held by the store's read cache.",
                           [st] { return static_cast<double>(st->cache_stats()->bytes); });
  }
  if (audit::AuditTrail* trail = rt->trail_.get()) {
    rt->metrics_.add_gauge("fhirgw_audit_commits", "Audit trail commits (one fsync each) since start.",
                           [trail] { return static_cast<double>(trail->commits()); });
    rt->metrics_.add_gauge("fhirgw_audit_committed_entries", "Audit entries committed since start.",
                           [trail] { return static_cast<double>(trail->committed_entries()); });
  }
  if (rt->gateway_access_) rt->register_governance_endpoints();
  if (auto s = rt->start_import_services(); !s.ok()) return std::move(s).error();
  return rt;
}

GatewayRuntime::~GatewayRuntime() { shutdown(); }

void GatewayRuntime::deliver_audit_completions(std::function<void(std::function<void()>)> delivery) {
  if (trail_) trail_->deliver_with(std::move(delivery));
}

Status GatewayRuntime::set_base_url(const std::string& url) {
  base_url_ = url;
  service_->set_base_url(url);
  if (!gateway_access_) return {};
  auto registry = auth::ClientRegistry::load_file(config_.clients_file);
  if (!registry.ok()) return std::move(registry).error();
  auth::TokenServiceConfig tc;
  tc.signing_key_file = config_.signing_key_file;
  tc.issuer = url;
  tc.token_url = url + "/auth/token";
  tc.public_jwks_url = url + "/.well-known/jwks.json";
  auto tokens = auth::TokenService::create(tc, std::make_shared<const auth::ClientRegistry>(std::move(registry).value()),
                                           std::make_shared<auth::InMemoryJtiCache>(auth::system_clock(), 1'000'000));
  if (!tokens.ok()) return std::move(tokens).error();
  tokens_ = std::shared_ptr<auth::TokenService>(std::move(tokens).value());
  gateway_access_->set_tokens(tokens_);
  return {};
}

void GatewayRuntime::start_background() {
  if (config_.inbox_dir.empty() || inbox_) return;
  inbox_ = std::make_unique<InboxWatcher>(config_.inbox_dir, *imports_);
  if (auto s = inbox_->start(); !s.ok()) {
    spdlog::error("\"event\":\"inbox_not_started\",\"problem\":\"{}\"", s.error().message());
    inbox_.reset();
  }
}

Status GatewayRuntime::reload() {
  if (!gateway_access_) return {};
  auto policy = load_policy(config_);
  if (!policy.ok()) {
    for (const auto& i : policy.error().issues)
      spdlog::error("\"event\":\"policy_reload_refused\",\"problem\":{}", json::quoted(i.diagnostics));
    return std::move(policy).error();
  }
  auto registry = auth::ClientRegistry::load_file(config_.clients_file);
  if (!registry.ok()) {
    spdlog::error("\"event\":\"clients_reload_refused\",\"problem\":{}", json::quoted(registry.error().message()));
    return std::move(registry).error();
  }
  std::string stamp = policy->version_stamp;
  governance_->set_policy(std::move(policy).value());
  if (tokens_) tokens_->set_registry(std::make_shared<const auth::ClientRegistry>(std::move(registry).value()));
  spdlog::info("\"event\":\"policy_reloaded\",\"version\":\"{}\"", stamp);
  return {};
}

void GatewayRuntime::shutdown() {
  // The inbox first (it waits on the import slot), then any running import
  // (cancelled: rolled back), then the workers.
  if (inbox_) inbox_->stop();
  if (imports_) imports_->shutdown();
  if (pool_) pool_->shutdown();
}

}  // namespace fhirgw::app
