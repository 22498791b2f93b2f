#include "http/server.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <list>
#include <mutex>
#include <thread>

#include "core/ids.hpp"
#include "core/thread_name.hpp"
#include "core/operation_outcome.hpp"
#include "http/response_head.hpp"

namespace fhirgw::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

namespace {

Response error_response(int status, const std::string& code, const std::string& message) {
  Response r;
  r.status = status;
  r.body = to_operation_outcome(Error::make(status, code, message));
  r.interaction = "protocol";
  return r;
}

std::string peer_fingerprint(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (!cert) return {};
  std::string out;
  if (SSL_get_verify_result(ssl) == X509_V_OK) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (X509_digest(cert, EVP_sha256(), md, &n) == 1) {
      static const char* hex = "0123456789abcdef";
      for (unsigned i = 0; i < n; ++i) {
        out += hex[md[i] >> 4];
        out += hex[md[i] & 15];
      }
    }
  }
  X509_free(cert);
  return out;
}

}  // namespace

class SessionBase;

struct Server::Impl {
  ServerConfig config;
  Handler& handler;
  Metrics& metrics;
  net::io_context ioc;
  std::optional<ssl::context> tls_ctx;
  tcp::acceptor acceptor{ioc};
  std::atomic<bool> draining{false};
  std::atomic<size_t> connections{0};
  std::mutex sessions_mu;
  std::list<std::weak_ptr<SessionBase>> sessions;
  uint16_t bound_port = 0;
  // Timeouts: each session keeps a deadline; one timer sweeps them all, so a
  // request costs two clock reads instead of a timer armed and cancelled per
  // socket operation.
  net::steady_timer sweeper{ioc};

  Impl(ServerConfig c, Handler& h, Metrics& m) : config(std::move(c)), handler(h), metrics(m) {}
  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  void sweep();
};

namespace {

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// Behaviour shared by plain and TLS sessions; Derived supplies stream().
class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  virtual ~SessionBase() = default;
  virtual void start() = 0;
  virtual void shutdown_if_idle() = 0;
  // Closes the connection if its deadline has passed (checked again on the
  // session's strand, where it may have been re-armed meanwhile).
  virtual void close_if_overdue() = 0;
  bool overdue(int64_t now_ms) const {
    int64_t d = deadline_ms_.load(std::memory_order_relaxed);
    return d != 0 && d <= now_ms;
  }

 protected:
  void arm(std::chrono::milliseconds timeout) {
    deadline_ms_.store(steady_ms() + timeout.count(), std::memory_order_relaxed);
  }
  void disarm() { deadline_ms_.store(0, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> deadline_ms_{0};  // steady-clock ms; 0 = none
};

template <class Derived>
class Session : public SessionBase {
 public:
  Session(Server::Impl& server, bool over_capacity)
      : server_(server), over_capacity_(over_capacity) {
    server_.metrics.connection_opened();
  }
  ~Session() override {
    server_.metrics.connection_closed();
    --server_.connections;
  }

  void close_if_overdue() override {
    auto self = shared_from_this();
    net::post(derived().stream().get_executor(), [this, self] {
      if (!overdue(steady_ms())) return;
      // Pending reads and writes end with operation_aborted and the session closes.
      beast::get_lowest_layer(derived().stream()).close();
    });
  }

  void shutdown_if_idle() override {
    auto self = shared_from_this();
    net::post(derived().stream().get_executor(), [this, self] {
      if (!in_flight_) {
        beast::error_code ec;
        beast::get_lowest_layer(derived().stream()).socket().shutdown(tcp::socket::shutdown_both, ec);
        beast::get_lowest_layer(derived().stream()).close();
      }
    });
  }

 protected:
  Derived& derived() { return static_cast<Derived&>(*this); }

  void do_read() {
    parser_.emplace();
    parser_->body_limit(server_.config.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(server_.config.header_limit));
    this->arm(requests_served_ == 0 ? server_.config.read_timeout : server_.config.idle_timeout);
    bhttp::async_read(derived().stream(), buffer_, *parser_,
                      [self = this->shared_from_this(), this](beast::error_code ec, std::size_t) {
                        on_read(ec);
                      });
  }

  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == net::error::operation_aborted ||
        ec == beast::error::timeout || ec == net::error::eof || ec == net::error::connection_reset) {
      return derived().do_close();
    }
    if (ec == bhttp::error::body_limit) {
      return send_protocol_error(413, "too-costly", "Request body exceeds " +
                                 std::to_string(server_.config.body_limit) + " bytes");
    }
    if (ec == bhttp::error::header_limit) {
      return send_protocol_error(431, "too-costly", "Request header fields too large");
    }
    if (ec) {
      return send_protocol_error(400, "structure", std::string("Malformed HTTP request: ") + ec.message());
    }
    // A whole request arrived: while we process it the idle timer must not fire.
    this->disarm();
    auto msg = parser_->release();
    started_ = std::chrono::steady_clock::now();
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    is_head_ = msg.method() == bhttp::verb::head;
    if (over_capacity_) {
      keep_alive_ = false;
      auto r = error_response(503, "transient", "Too many open connections; try again shortly");
      r.set_header("Retry-After", "1");
      return write(std::move(r));
    }
    Request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    for (const auto& f : msg) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers.emplace_back(std::move(name), std::string(f.value()));
    }
    req.body = std::move(msg.body());
    req.remote = remote_;
    req.client_cert_sha256 = client_cert_;
    req.tls = Derived::kTls;
    const auto& incoming_id = req.header("x-request-id");
    req.request_id = (!incoming_id.empty() && incoming_id.size() <= 64) ? incoming_id : ids::random_uuid();
    request_id_ = req.request_id;
    in_flight_ = true;
    auto self = this->shared_from_this();
    // dispatch: a handler that answers on this session's strand (cheap
    // endpoints) writes at once; one answering from a worker is queued.
    server_.handler.handle(std::move(req), [this, self](Response r) {
      net::dispatch(derived().stream().get_executor(),
                [this, self, r = std::move(r)]() mutable { write(std::move(r)); });
    });
  }

  void send_protocol_error(int status, const std::string& code, const std::string& message) {
    keep_alive_ = false;
    version_ = 11;
    started_ = std::chrono::steady_clock::now();
    if (request_id_.empty()) request_id_ = ids::random_uuid();
    write(error_response(status, code, message));
  }

  void write(Response r) {
    bool keep = keep_alive_ && !server_.draining.load();
    out_body_ = status_has_body(r.status) ? std::move(r.body) : std::string();
    out_head_.clear();
    write_response_head(r, {version_, keep, request_id_, out_body_.size()}, out_head_);
    if (is_head_) out_body_.clear();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    server_.metrics.observe_request(r.interaction, r.status, secs);
    this->arm(server_.config.read_timeout);
    if constexpr (Derived::kTls) {
      // One buffer: once the head is sent, Asio's two-buffer write passes an
      // empty first buffer, and Beast's flat_stream (under TLS) sizes its
      // write by the first buffer, so a body over 16 KiB never left. A
      // generic sequence (buffers_cat) avoids that but costs every plain
      // response ~0.7 µs; TLS copies the bytes into records anyway.
      out_head_ += out_body_;
      out_body_.clear();
    }
    std::array<net::const_buffer, 2> buffers{net::buffer(out_head_), net::buffer(out_body_)};
    net::async_write(derived().stream(), buffers,
                     [this, self = this->shared_from_this(), keep](beast::error_code ec, std::size_t) {
                       in_flight_ = false;
                       ++requests_served_;
                       if (ec || !keep) return derived().do_close();
                       do_read();
                     });
  }

  Server::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bool over_capacity_ = false;
  bool keep_alive_ = true;
  bool is_head_ = false;
  bool in_flight_ = false;
  unsigned version_ = 11;
  size_t requests_served_ = 0;
  std::string remote_, client_cert_, request_id_;
  std::string out_head_, out_body_;  // the response being written (one at a time)
  std::chrono::steady_clock::time_point started_;
};

class PlainSession : public Session<PlainSession> {
 public:
  static constexpr bool kTls = false;
  PlainSession(Server::Impl& server, tcp::socket&& socket, bool over)
      : Session(server, over), stream_(std::move(socket)) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
  }
  beast::tcp_stream& stream() { return stream_; }
  void start() override {
    net::dispatch(stream_.get_executor(), [self = shared_from_this(), this] { do_read(); });
  }
  void do_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

 private:
  beast::tcp_stream stream_;
};

class TlsSession : public Session<TlsSession> {
 public:
  static constexpr bool kTls = true;
  TlsSession(Server::Impl& server, tcp::socket&& socket, ssl::context& ctx, bool over)
      : Session(server, over), stream_(std::move(socket), ctx) {
    beast::error_code ec;
    auto ep = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
  }
  beast::ssl_stream<beast::tcp_stream>& stream() { return stream_; }
  void start() override {
    net::dispatch(stream_.get_executor(), [self = shared_from_this(), this] {
      arm(server_.config.read_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self, this](beast::error_code ec) {
                                if (ec) return;  // failed handshakes just close
                                client_cert_ = peer_fingerprint(stream_.native_handle());
                                do_read();
                              });
    });
  }
  void do_close() {
    arm(std::chrono::seconds(5));
    stream_.async_shutdown([self = shared_from_this(), this](beast::error_code) {
      beast::get_lowest_layer(stream_).close();
    });
  }

 private:
  beast::ssl_stream<beast::tcp_stream> stream_;
};

void Server::Impl::do_accept() {
  acceptor.async_accept(net::make_strand(ioc),
                        [this](beast::error_code ec, tcp::socket s) { on_accept(ec, std::move(s)); });
}

void Server::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
  if (!ec) {
    bool over = ++connections > config.max_connections;
    std::shared_ptr<SessionBase> s;
    if (tls_ctx) s = std::make_shared<TlsSession>(*this, std::move(socket), *tls_ctx, over);
    else s = std::make_shared<PlainSession>(*this, std::move(socket), over);
    {
      std::lock_guard lock(sessions_mu);  // closed sessions are pruned by the sweeper
      sessions.push_back(s);
    }
    s->start();
  }
  if (!draining) do_accept();
}

void Server::Impl::sweep() {
  // A quarter of the shortest timeout, so a deadline is enforced within 25% of it.
  auto shortest = std::min(config.read_timeout, config.idle_timeout);
  auto interval = std::clamp(shortest / 4, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
  sweeper.expires_after(interval);
  sweeper.async_wait([this](beast::error_code ec) {
    if (ec) return;
    int64_t now = steady_ms();
    {
      std::lock_guard lock(sessions_mu);
      for (auto it = sessions.begin(); it != sessions.end();) {
        auto s = it->lock();
        if (!s) {
          it = sessions.erase(it);
          continue;
        }
        if (s->overdue(now)) s->close_if_overdue();
        ++it;
      }
    }
    sweep();
  });
}

Server::Server(ServerConfig config, Handler& handler, Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(config), handler, metrics)) {}

Server::~Server() = default;

Result<uint16_t> Server::start() {
  auto& c = impl_->config;
  if (!c.tls_cert_file.empty()) {
    try {
      impl_->tls_ctx.emplace(ssl::context::tls_server);
      auto& ctx = *impl_->tls_ctx;
      ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                      ssl::context::single_dh_use);
      SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
      ctx.use_certificate_chain_file(c.tls_cert_file);
      ctx.use_private_key_file(c.tls_key_file, ssl::context::pem);
      if (!c.tls_client_ca_file.empty()) {
        ctx.load_verify_file(c.tls_client_ca_file);
        // Ask for a client certificate but let token-only clients in; the
        // fingerprint is only reported when the chain verified.
        SSL_CTX_set_verify(ctx.native_handle(), SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
        static const unsigned char sid[] = "fhir-gateway";
        SSL_CTX_set_session_id_context(ctx.native_handle(), sid, sizeof sid - 1);
      }
    } catch (const std::exception& e) {
      return Error::make(500, "exception", std::string("TLS set-up failed: ") + e.what());
    }
  }
  beast::error_code ec;
  auto addr = net::ip::make_address(c.host, ec);
  if (ec) return Error::invalid("Bad listen address '" + c.host + "': " + ec.message());
  tcp::endpoint ep(addr, c.port);
  impl_->acceptor.open(ep.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(ep, ec);
  if (!ec) impl_->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error::make(500, "exception",
                       "Cannot listen on " + c.host + ":" + std::to_string(c.port) + ": " + ec.message());
  }
  impl_->bound_port = impl_->acceptor.local_endpoint().port();
  impl_->do_accept();
  impl_->sweep();
  return impl_->bound_port;
}

void Server::run() {
  std::vector<std::thread> threads;
  size_t n = impl_->config.io_threads ? impl_->config.io_threads
                                      : std::max<size_t>(2, std::thread::hardware_concurrency());
  for (size_t i = 1; i < n; ++i) threads.emplace_back([this] {
    name_this_thread("io");
    impl_->ioc.run();
  });
  impl_->ioc.run();
  for (auto& t : threads) t.join();
}

void Server::stop() {
  net::post(impl_->ioc, [this] {
    if (impl_->draining.exchange(true)) return;
    beast::error_code ec;
    impl_->acceptor.close(ec);
    std::lock_guard lock(impl_->sessions_mu);
    for (auto& w : impl_->sessions)
      if (auto s = w.lock()) s->shutdown_if_idle();
    // Sessions with a request in flight finish it (Connection: close) and end;
    // the io_context then runs out of work. A deadline guards against stuck peers.
    auto timer = std::make_shared<net::steady_timer>(impl_->ioc, impl_->config.drain_timeout);
    timer->async_wait([this, timer](beast::error_code) { impl_->ioc.stop(); });
    // Keep the timer from holding the io_context open once sessions are gone.
    auto poll = std::make_shared<net::steady_timer>(impl_->ioc);
    auto check = std::make_shared<std::function<void()>>();
    *check = [this, poll, timer, check] {
      if (impl_->connections.load() == 0) {
        timer->cancel();
        impl_->ioc.stop();
        return;
      }
      poll->expires_after(std::chrono::milliseconds(20));
      poll->async_wait([check](beast::error_code) { (*check)(); });
    };
    (*check)();
  });
}

void Server::post(std::function<void()> job) { net::post(impl_->ioc, std::move(job)); }

std::string Server::base_url() const {
  std::string host = impl_->config.host;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return std::string(impl_->tls_ctx ? "https://" : "http://") + host + ":" +
         std::to_string(impl_->bound_port);
}

bool Server::tls() const { return impl_->tls_ctx.has_value(); }

}  // namespace fhirgw::http
