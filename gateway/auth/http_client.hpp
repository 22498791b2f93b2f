#pragma once
// The few outbound HTTP calls auth makes (fetching a partner's JWKS, asking a
// token endpoint for a token), over libcurl with hard limits: a timeout, a
// response size cap, no redirects, https only unless explicitly allowed.
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace fhirgw::auth {

struct HttpOptions {
  std::chrono::milliseconds timeout{5000};
  bool allow_http = false;            // plain http (tests, loopback); https otherwise
  std::string ca_file;                // extra trust anchors (PEM); system store when empty
  std::string client_cert_file;       // PEM certificate for mutual TLS, optional
  std::string client_key_file;        // PEM private key for mutual TLS, optional
  std::size_t max_response_bytes = 1 << 20;
};

struct HttpResponse {
  long status = 0;
  std::string content_type;
  std::string body;
};

// Transport failures and refused URLs are errors (502); any HTTP status is a response.
Result<HttpResponse> http_get(const std::string& url, const HttpOptions& options);
Result<HttpResponse> http_post_form(const std::string& url, std::string_view form_body,
                                    const HttpOptions& options);

}  // namespace fhirgw::auth
