// The ceiling for the REST benchmarks: the least an HTTP/1.1 server on the
// same stack (Beast, Asio, same thread count) can do per request — answer
// prebuilt JSON from memory, no routing, store, policy or audit. The gateway's
// figures are reported as a ratio of this.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

std::string g_read_body, g_search_body;

class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket s) : stream_(std::move(s)) {}
  void start() { read(); }

 private:
  void read() {
    req_ = {};
    http::async_read(stream_, buf_, req_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return;
      self->respond();
    });
  }
  void respond() {
    auto res = std::make_shared<http::response<http::string_body>>(http::status::ok, req_.version());
    res->set(http::field::content_type, "application/fhir+json");
    bool search = req_.target().find('?') != beast::string_view::npos;
    bool create = req_.method() == http::verb::post;
    if (create) res->result(http::status::created);
    res->body() = search ? g_search_body : g_read_body;
    res->keep_alive(req_.keep_alive());
    res->prepare_payload();
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, size_t) {
      if (ec || !res->keep_alive()) return;
      self->read();
    });
  }
  beast::tcp_stream stream_;
  beast::flat_buffer buf_;
  http::request<http::string_body> req_;
};

void accept(tcp::acceptor& a, net::io_context& ioc) {
  a.async_accept(net::make_strand(ioc), [&](beast::error_code ec, tcp::socket s) {
    if (!ec) std::make_shared<Session>(std::move(s))->start();
    accept(a, ioc);
  });
}

std::string slurp(const char* path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::cerr << "usage: ceiling-server PORT THREADS READ_BODY.json SEARCH_BODY.json\n";
    return 2;
  }
  g_read_body = slurp(argv[3]);
  g_search_body = slurp(argv[4]);
  net::io_context ioc;
  tcp::acceptor acceptor(ioc, {net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(std::atoi(argv[1]))});
  accept(acceptor, ioc);
  std::cout << "ceiling ready at http://127.0.0.1:" << acceptor.local_endpoint().port() << std::endl;
  int threads = std::max(1, std::atoi(argv[2]));
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
}
