#include "auth/http_client.hpp"

#include <curl/curl.h>

#include <memory>
#include <mutex>

namespace fhirgw::auth {
namespace {

struct Sink {
  std::string body;
  std::size_t limit = 0;
  bool overflow = false;
};

size_t write_body(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t bytes = size * n;
  if (sink->body.size() + bytes > sink->limit) {
    sink->overflow = true;
    return 0;  // makes libcurl abort the transfer
  }
  sink->body.append(data, bytes);
  return bytes;
}

Error bad_gateway(std::string msg) { return Error::make(502, "transient", std::move(msg)); }

Result<HttpResponse> perform(const std::string& url, const std::string* post_body,
                             const HttpOptions& o) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });

  bool https = url.rfind("https://", 0) == 0;
  bool http = url.rfind("http://", 0) == 0;
  if (!https && !(http && o.allow_http))
    return bad_gateway("URL scheme not allowed (https required): " + url);

  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return bad_gateway("curl_easy_init failed");
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(nullptr, curl_slist_free_all);
  Sink sink;
  sink.limit = o.max_response_bytes;
  char errbuf[CURL_ERROR_SIZE] = {0};

  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, o.allow_http ? "http,https" : "https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(o.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.timeout.count()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!o.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, o.ca_file.c_str());
  if (!o.client_cert_file.empty()) curl_easy_setopt(c, CURLOPT_SSLCERT, o.client_cert_file.c_str());
  if (!o.client_key_file.empty()) curl_easy_setopt(c, CURLOPT_SSLKEY, o.client_key_file.c_str());
  headers.reset(curl_slist_append(headers.release(), "Accept: application/json"));
  if (post_body) {
    headers.reset(curl_slist_append(headers.release(),
                                    "Content-Type: application/x-www-form-urlencoded"));
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, post_body->c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(post_body->size()));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());

  CURLcode rc = curl_easy_perform(c);
  if (sink.overflow) return bad_gateway("response from " + url + " exceeds size limit");
  if (rc != CURLE_OK)
    return bad_gateway("request to " + url + " failed: " +
                       (errbuf[0] ? std::string(errbuf) : curl_easy_strerror(rc)));
  HttpResponse r;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  char* ct = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct) r.content_type = ct;
  r.body = std::move(sink.body);
  return r;
}

}  // namespace

Result<HttpResponse> http_get(const std::string& url, const HttpOptions& options) {
  return perform(url, nullptr, options);
}

Result<HttpResponse> http_post_form(const std::string& url, std::string_view form_body,
                                    const HttpOptions& options) {
  std::string body(form_body);
  return perform(url, &body, options);
}

}  // namespace fhirgw::auth
