#include "app/config.hpp"

#include <yaml-cpp/yaml.h>

namespace fhirgw::app {

namespace {

Error at(const YAML::Node& n, const std::string& msg) {
  return Error::invalid("line " + std::to_string(n.Mark().line + 1) + ": " + msg);
}

std::string resolve(const std::filesystem::path& base, const std::string& p) {
  if (p.empty() || std::filesystem::path(p).is_absolute()) return p;
  return (base / p).lexically_normal().string();
}

}  // namespace

bool is_loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "::1" || host == "localhost" || host.rfind("127.", 0) == 0;
}

Status parse_listen(const std::string& text, http::ServerConfig& server) {
  std::string host, port;
  if (!text.empty() && text[0] == '[') {
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return Error::invalid("--listen must be HOST:PORT, got '" + text + "'");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) return Error::invalid("--listen must be HOST:PORT, got '" + text + "'");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  try {
    int p = std::stoi(port);
    if (p < 0 || p > 65535) throw std::out_of_range("port");
    server.port = static_cast<uint16_t>(p);
  } catch (...) {
    return Error::invalid("--listen port must be 0-65535, got '" + port + "'");
  }
  server.host = host == "localhost" ? "127.0.0.1" : host;
  return {};
}

Result<GatewayConfig> load_config(const std::filesystem::path& file) {
  GatewayConfig c;
  c.config_dir = std::filesystem::absolute(file).parent_path();
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::Exception& e) {
    return Error::invalid("Cannot read " + file.string() + ": " + e.what());
  }
  if (!root.IsMap()) return Error::invalid(file.string() + ": the configuration must be a mapping");
  try {
    for (const auto& kv : root) {
      const std::string key = kv.first.as<std::string>();
      const YAML::Node& v = kv.second;
      if (key == "listen") {
        if (auto s = parse_listen(v.as<std::string>(), c.server); !s.ok()) return at(v, s.error().message());
      } else if (key == "store") {
        c.store_url = v.as<std::string>();
        if (c.store_url.rfind("sqlite:", 0) == 0)
          c.store_url = "sqlite:" + resolve(c.config_dir, c.store_url.substr(7));
      } else if (key == "store_cache_mb") {
        auto n = v.as<long long>();
        if (n < 0) return at(v, "store_cache_mb must not be negative");
        c.store_cache_mb = static_cast<size_t>(n);
      } else if (key == "public_base_url") {
        c.public_base_url = v.as<std::string>();
      } else if (key == "cursor_key_file") {
        c.cursor_key_file = resolve(c.config_dir, v.as<std::string>());
      } else if (key == "policy") {
        c.policy_file = resolve(c.config_dir, v.as<std::string>());
      } else if (key == "clients") {
        c.clients_file = resolve(c.config_dir, v.as<std::string>());
      } else if (key == "signing_key") {
        c.signing_key_file = resolve(c.config_dir, v.as<std::string>());
      } else if (key == "profiles") {
        c.profiles_dir = resolve(c.config_dir, v.as<std::string>());
      } else if (key == "inbox") {
        c.inbox_dir = resolve(c.config_dir, v.as<std::string>());
      } else if (key == "import") {
        c.import_config_file = resolve(c.config_dir, v.as<std::string>());
      } else if (key == "reads_on_io_threads") {
        c.reads_on_io_threads = v.as<bool>();
      } else if (key == "development") {
        c.development = v.as<bool>();
      } else if (key == "tls") {
        for (const auto& t : v) {
          auto tk = t.first.as<std::string>();
          auto tv = resolve(c.config_dir, t.second.as<std::string>());
          if (tk == "cert") c.server.tls_cert_file = tv;
          else if (tk == "key") c.server.tls_key_file = tv;
          else if (tk == "client_ca") c.server.tls_client_ca_file = tv;
          else return at(t.first, "unknown tls setting '" + tk + "'");
        }
      } else if (key == "limits") {
        for (const auto& t : v) {
          auto tk = t.first.as<std::string>();
          auto n = t.second.as<long long>();
          if (n < 0) return at(t.second, "limits must not be negative");
          if (tk == "body_bytes") c.server.body_limit = n;
          else if (tk == "header_bytes") c.server.header_limit = n;
          else if (tk == "read_timeout_ms") c.server.read_timeout = std::chrono::milliseconds(n);
          else if (tk == "idle_timeout_ms") c.server.idle_timeout = std::chrono::milliseconds(n);
          else if (tk == "max_connections") c.server.max_connections = n;
          else if (tk == "io_threads") c.server.io_threads = n;
          else if (tk == "worker_threads") c.worker_threads = n;
          else if (tk == "worker_queue") c.worker_queue = n;
          else if (tk == "client_rate_per_second") c.client_rate_per_second = static_cast<double>(n);
          else if (tk == "client_rate_burst") c.client_rate_burst = static_cast<double>(n);
          else return at(t.first, "unknown limit '" + tk + "'");
        }
      } else {
        return at(kv.first, "unknown setting '" + key + "'");
      }
    }
  } catch (const YAML::Exception& e) {
    return Error::invalid(file.string() + ": " + e.what());
  }
  return c;
}

}  // namespace fhirgw::app
