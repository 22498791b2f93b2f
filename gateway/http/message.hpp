#pragma once
// Transport-neutral request and response: what the Beast sessions hand to the
// REST layer and get back. No Beast types leak past gateway/http/.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace fhirgw::http {

struct Request {
  std::string method;   // GET, POST, ...
  std::string target;   // path + query as received
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string remote;                   // peer address
  std::string client_cert_sha256;       // hex fingerprint of a verified client cert, or ""
  std::string request_id;               // assigned by the server
  bool tls = false;

  // First header value with this (lower-case) name, or "".
  const std::string& header(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type = "application/fhir+json; charset=utf-8";
  // For metrics and logs: the FHIR interaction this request was routed to.
  std::string interaction = "unknown";

  void set_header(std::string name, std::string value);
};

}  // namespace fhirgw::http
