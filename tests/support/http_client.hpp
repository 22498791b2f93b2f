#pragma once
// A small libcurl client for tests: real HTTP(S) over loopback.
#include <map>
#include <string>
#include <vector>

namespace fhirgw::testing {

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string error;  // transport error, if any
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

struct HttpOptions {
  std::string ca_file;           // trust this CA (TLS)
  std::string client_cert_file;  // mutual TLS
  std::string client_key_file;
  long timeout_ms = 30000;
};

class HttpClient {
 public:
  explicit HttpClient(std::string base_url, HttpOptions options = {});
  ~HttpClient();
  // path may be absolute (http...) or relative to the base URL.
  HttpResponse request(const std::string& method, const std::string& path, const std::string& body = {},
                       const std::vector<std::string>& headers = {});
  HttpResponse get(const std::string& path, const std::vector<std::string>& headers = {}) {
    return request("GET", path, {}, headers);
  }
  // FHIR JSON body with the right content type.
  HttpResponse send(const std::string& method, const std::string& path, const std::string& json,
                    std::vector<std::string> headers = {});
  const std::string& base_url() const { return base_; }
  void set_default_headers(std::vector<std::string> h) { defaults_ = std::move(h); }

 private:
  std::string base_;
  HttpOptions options_;
  std::vector<std::string> defaults_;
  void* curl_ = nullptr;  // reused handle: keep-alive like a real client
};

}  // namespace fhirgw::testing
