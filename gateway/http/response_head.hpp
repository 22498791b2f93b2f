#pragma once
// The status line and header block of an HTTP/1.1 response, written straight
// into one string: the session sends it and the body as two buffers of one
// write, with no per-field allocation and no serializer state machine.
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace fhirgw::http {

struct HeadFacts {
  unsigned version = 11;     // 10 or 11
  bool keep_alive = true;
  std::string_view request_id;
  size_t content_length = 0;  // of the representation (also sent for HEAD)
};

// Appends "HTTP/1.1 200 OK\r\n...\r\n\r\n" to out. Statuses 1xx, 204 and 304
// carry no Content-Length and no Content-Type; values never carry CR or LF.
void write_response_head(const Response& r, const HeadFacts& facts, std::string& out);

// Whether a response with this status has a body at all (RFC 9110 §6.4.1).
bool status_has_body(int status);

}  // namespace fhirgw::http
