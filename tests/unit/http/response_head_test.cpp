// The hand-written response head, read back by Beast's own response parser:
// what a client library sees is what the REST layer set.
#include "http/response_head.hpp"

#include <gtest/gtest.h>

#include <boost/beast/http.hpp>

namespace bhttp = boost::beast::http;
using namespace fhirgw::http;

namespace {

struct Parsed {
  bhttp::response<bhttp::string_body> msg;
  bool ok = false;
};

// Parses head + body as a client would (skip_body for a HEAD request).
Parsed parse(const std::string& wire, bool head_request = false) {
  bhttp::response_parser<bhttp::string_body> p;
  p.eager(true);
  p.skip(head_request);
  boost::beast::error_code ec;
  size_t used = p.put(boost::asio::buffer(wire), ec);
  Parsed out;
  if (ec == bhttp::error::need_more) ec = {};
  if (!ec && !p.is_done()) p.put_eof(ec);
  out.ok = !ec && p.is_done() && used <= wire.size();
  out.msg = p.release();
  return out;
}

std::string wire(const Response& r, HeadFacts facts, bool send_body = true) {
  std::string out;
  facts.content_length = r.body.size();
  write_response_head(r, facts, out);
  if (send_body && status_has_body(r.status)) out += r.body;
  return out;
}

}  // namespace

TEST(ResponseHead, ParsesBackWithEveryHeader) {
  Response r;
  r.status = 201;
  r.body = R"({"resourceType":"Patient","id":"p1"})";
  r.set_header("ETag", "W/\"1\"");
  r.set_header("Location", "https://gw.example/Patient/p1/_history/1");
  auto p = parse(wire(r, {11, true, "req-1", 0}));
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.msg.result_int(), 201u);
  EXPECT_EQ(p.msg.reason(), "Created");
  EXPECT_EQ(p.msg[bhttp::field::content_type], "application/fhir+json; charset=utf-8");
  EXPECT_EQ(p.msg[bhttp::field::server], "fhir-gateway");
  EXPECT_EQ(p.msg["X-Request-Id"], "req-1");
  EXPECT_EQ(p.msg[bhttp::field::etag], "W/\"1\"");
  EXPECT_EQ(p.msg[bhttp::field::location], "https://gw.example/Patient/p1/_history/1");
  EXPECT_EQ(p.msg.body(), r.body);
  EXPECT_TRUE(p.msg.keep_alive());
}

TEST(ResponseHead, ConnectionFollowsTheVersionAndKeepAlive) {
  Response r;
  r.body = "{}";
  auto close11 = parse(wire(r, {11, false, "x", 0}));
  ASSERT_TRUE(close11.ok);
  EXPECT_FALSE(close11.msg.keep_alive());
  EXPECT_EQ(close11.msg[bhttp::field::connection], "close");
  auto keep10 = parse(wire(r, {10, true, "x", 0}));
  ASSERT_TRUE(keep10.ok);
  EXPECT_EQ(keep10.msg.version(), 10u);
  EXPECT_TRUE(keep10.msg.keep_alive());
  auto close10 = parse(wire(r, {10, false, "x", 0}));
  ASSERT_TRUE(close10.ok);
  EXPECT_FALSE(close10.msg.keep_alive());
}

TEST(ResponseHead, NoContentAndNotModifiedCarryNoBodyOrLength) {
  for (int status : {204, 304}) {
    Response r;
    r.status = status;
    r.set_header("ETag", "W/\"2\"");
    std::string w = wire(r, {11, true, "x", 0});
    EXPECT_EQ(w.find("Content-Length"), std::string::npos) << w;
    EXPECT_EQ(w.find("Content-Type"), std::string::npos) << w;
    auto p = parse(w);
    ASSERT_TRUE(p.ok) << w;
    EXPECT_EQ(p.msg.result_int(), static_cast<unsigned>(status));
    EXPECT_TRUE(p.msg.body().empty());
  }
}

TEST(ResponseHead, HeadAnswersCarryTheRepresentationsLength) {
  Response r;
  r.body = std::string(1234, 'x');
  auto p = parse(wire(r, {11, true, "x", 0}, false), true);
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.msg[bhttp::field::content_length], "1234");
  EXPECT_TRUE(p.msg.body().empty());
}

TEST(ResponseHead, LineBreaksInValuesCannotStartAHeader) {
  Response r;
  r.body = "{}";
  r.set_header("Location", "https://gw.example/a\r\nSet-Cookie: stolen=1");
  std::string w = wire(r, {11, true, "id\r\nX-Evil: 1", 0});
  auto p = parse(w);
  ASSERT_TRUE(p.ok) << w;
  EXPECT_EQ(p.msg.count(bhttp::field::set_cookie), 0u);
  EXPECT_EQ(p.msg.count("X-Evil"), 0u);
  EXPECT_EQ(p.msg[bhttp::field::location], "https://gw.example/a  Set-Cookie: stolen=1");
}
