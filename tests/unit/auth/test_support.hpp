#pragma once
// Shared fixtures for the auth tests: real keys made with EVP_PKEY_keygen,
// temp files, a controllable clock and a tiny loopback HTTP server.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "auth/clock.hpp"
#include "auth/jwks.hpp"
#include "auth/jwt.hpp"

namespace fhirgw::auth::test {

// EVP_PKEY_keygen directly, so the tests do not rely on the code under test to make keys.
inline PKey make_key(const char* type, int rsa_bits, const char* group) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  if (!ctx || EVP_PKEY_keygen_init(ctx) != 1) throw std::runtime_error("keygen init");
  if (rsa_bits) EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, rsa_bits);
  if (group) EVP_PKEY_CTX_set_group_name(ctx, group);
  EVP_PKEY* k = nullptr;
  if (EVP_PKEY_keygen(ctx, &k) != 1) throw std::runtime_error("keygen");
  EVP_PKEY_CTX_free(ctx);
  return adopt_pkey(k);
}
inline PKey make_rsa(int bits = 2048) { return make_key("RSA", bits, nullptr); }
inline PKey make_p256() { return make_key("EC", 0, "P-256"); }
inline PKey make_p384() { return make_key("EC", 0, "P-384"); }

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "gw-auth-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string write(const std::string& name, const std::string& content) const {
    std::string p = file(name);
    std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
    return p;
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::string jwks_of(std::vector<Jwk> keys) {
  auto j = to_jwks_json(keys);
  if (!j) throw std::runtime_error(j.error().message());
  return *j;
}

inline std::string private_pem(const PKey& k) { return *private_key_to_pem(k.get()); }
inline std::string public_pem(const PKey& k) { return *public_key_to_pem(k.get()); }

// Time that only moves when a test says so.
struct FakeClock {
  std::shared_ptr<std::atomic<std::int64_t>> now =
      std::make_shared<std::atomic<std::int64_t>>(1'750'000'000);
  Clock clock() const {
    auto n = now;
    return [n] { return n->load(); };
  }
  void advance(std::int64_t seconds) { *now += seconds; }
  std::int64_t get() const { return now->load(); }
};

// One connection at a time, HTTP/1.1 with Connection: close. Enough for libcurl.
class TestHttpServer {
 public:
  struct Response {
    int status = 200;
    std::string body;
  };
  using Handler = std::function<Response(const std::string& method, const std::string& path,
                                         const std::string& body)>;

  explicit TestHttpServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 8) != 0 || ::pipe(stop_) != 0)
      throw std::runtime_error("test server setup");
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~TestHttpServer() {
    char c = 'x';
    (void)!::write(stop_[1], &c, 1);
    thread_.join();
    ::close(listen_fd_);
    ::close(stop_[0]);
    ::close(stop_[1]);
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int requests() const { return requests_.load(); }

 private:
  void run() {
    for (;;) {
      pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) continue;
      if (fds[1].revents) return;
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      serve(fd);
      ::close(fd);
    }
  }
  void serve(int fd) {
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string data;
    char buf[4096];
    std::size_t header_end;
    while ((header_end = data.find("\r\n\r\n")) == std::string::npos) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return;
      data.append(buf, static_cast<std::size_t>(n));
    }
    std::string head = data.substr(0, header_end);
    std::size_t content_length = 0;
    auto cl = head.find("Content-Length:");
    if (cl == std::string::npos) cl = head.find("content-length:");
    if (cl != std::string::npos) content_length = std::stoul(head.substr(cl + 15));
    std::string body = data.substr(header_end + 4);
    while (body.size() < content_length) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return;
      body.append(buf, static_cast<std::size_t>(n));
    }
    auto sp1 = head.find(' ');
    auto sp2 = head.find(' ', sp1 + 1);
    ++requests_;
    Response r = handler_(head.substr(0, sp1), head.substr(sp1 + 1, sp2 - sp1 - 1), body);
    std::string out = "HTTP/1.1 " + std::to_string(r.status) +
                      " X\r\nContent-Type: application/json\r\nContent-Length: " +
                      std::to_string(r.body.size()) + "\r\nConnection: close\r\n\r\n" + r.body;
    std::size_t sent = 0;
    while (sent < out.size()) {
      ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<std::size_t>(n);
    }
  }

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  int stop_[2] = {-1, -1};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

}  // namespace fhirgw::auth::test
