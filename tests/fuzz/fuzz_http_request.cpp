// Raw bytes through Beast's HTTP/1.1 request parser (with the server's limits)
// and then the FHIR router and query-string decoder.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>
#include <string>

#include "rest/paging.hpp"
#include "rest/route.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace http = boost::beast::http;
  http::request_parser<http::string_body> parser;
  parser.body_limit(1 << 20);
  parser.header_limit(16 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (!ec && parser.is_header_done()) {
    const auto& msg = parser.get();
    auto r = fhirgw::rest::route(std::string(msg.method_string()), std::string(msg.target()));
    (void)r;
  }
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)fhirgw::rest::route("GET", text);
  (void)fhirgw::rest::parse_query(text);
  (void)fhirgw::rest::decode_cursor("key", "client", text);
  return 0;
}
