#include "http/response_head.hpp"

#include <boost/beast/http/status.hpp>
#include <charconv>

namespace fhirgw::http {

namespace {

// A value is written as received from the REST layer, but a CR or LF in it
// would start a header of the caller's choosing: they become spaces.
void append_value(std::string& out, std::string_view v) {
  size_t start = out.size();
  out.append(v);
  for (size_t i = start; i < out.size(); ++i)
    if (out[i] == '\r' || out[i] == '\n') out[i] = ' ';
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ", 2);
  append_value(out, value);
  out.append("\r\n", 2);
}

void append_number(std::string& out, size_t n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, end);
}

}  // namespace

bool status_has_body(int status) { return !(status < 200 || status == 204 || status == 304); }

void write_response_head(const Response& r, const HeadFacts& facts, std::string& out) {
  out.append(facts.version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  append_number(out, static_cast<size_t>(r.status));
  out += ' ';
  auto reason = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(r.status));
  out.append(reason.data(), reason.size());
  out.append("\r\nServer: fhir-gateway\r\n");
  const bool body = status_has_body(r.status);
  if (body) append_field(out, "Content-Type", r.content_type);
  append_field(out, "X-Request-Id", facts.request_id);
  for (const auto& [k, v] : r.headers) append_field(out, k, v);
  if (facts.version == 10) {
    if (facts.keep_alive) out.append("Connection: keep-alive\r\n");
  } else if (!facts.keep_alive) {
    out.append("Connection: close\r\n");
  }
  if (body) {
    out.append("Content-Length: ");
    append_number(out, facts.content_length);
    out.append("\r\n");
  }
  out.append("\r\n");
}

}  // namespace fhirgw::http
