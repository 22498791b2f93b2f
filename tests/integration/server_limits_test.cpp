// Limits, durability, shutdown and TLS of the real binary.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "core/json.hpp"
#include "gateway_process.hpp"
#include "http_client.hpp"

using namespace fhirgw;
using namespace fhirgw::testing;

namespace {

int port_of(const std::string& base_url) { return std::stoi(base_url.substr(base_url.rfind(':') + 1)); }

int connect_to(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, n);
  return out;
}

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

const char* kPatient = R"({"resourceType":"Patient","name":[{"family":"Durable"}],"gender":"male"})";

TEST(ServerLimits, BodyAndHeaderLimitsAnswerWithOperationOutcomes) {
  TempDir dir;
  write_file(dir.file("gateway.yaml"), "development: true\nlisten: 127.0.0.1:0\nstore: sqlite:gateway.db\n"
                                       "limits:\n  body_bytes: 1024\n  header_bytes: 2048\n");
  GatewayProcess gw({"serve", "--config", dir.file("gateway.yaml")});
  ASSERT_TRUE(gw.wait_ready()) << gw.output();
  HttpClient client(gw.base_url());
  auto big = client.send("POST", "/Patient", std::string(4096, ' ') + kPatient);
  EXPECT_EQ(big.status, 413);
  EXPECT_NE(big.body.find("OperationOutcome"), std::string::npos);
  auto headers = client.get("/metadata", {"X-Big: " + std::string(4096, 'a')});
  EXPECT_EQ(headers.status, 431);
  EXPECT_NE(headers.body.find("OperationOutcome"), std::string::npos);
  EXPECT_EQ(client.send("POST", "/Patient", kPatient).status, 201);
}

TEST(ServerLimits, SlowClientsAreDisconnected) {
  TempDir dir;
  write_file(dir.file("gateway.yaml"), "development: true\nlisten: 127.0.0.1:0\nstore: sqlite:gateway.db\n"
                                       "limits:\n  read_timeout_ms: 300\n  idle_timeout_ms: 300\n");
  GatewayProcess gw({"serve", "--config", dir.file("gateway.yaml")});
  ASSERT_TRUE(gw.wait_ready()) << gw.output();
  int fd = connect_to(port_of(gw.base_url()));
  ASSERT_GE(fd, 0);
  std::string partial = "GET /metadata HTTP/1.1\r\nHost: x\r\n";  // never finished
  send(fd, partial.data(), partial.size(), 0);
  // The server closes the connection (recv returns 0) rather than waiting forever;
  // SO_RCVTIMEO of 10 s would make recv fail with -1 instead.
  char buf[64];
  EXPECT_EQ(recv(fd, buf, sizeof buf, 0), 0);
  close(fd);
  // A keep-alive connection that goes quiet after its answer is closed too.
  fd = connect_to(port_of(gw.base_url()));
  ASSERT_GE(fd, 0);
  std::string whole = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  send(fd, whole.data(), whole.size(), 0);
  std::string answer;
  char chunk[4096];
  ssize_t n;
  while ((n = recv(fd, chunk, sizeof chunk, 0)) > 0) answer.append(chunk, static_cast<size_t>(n));
  EXPECT_EQ(n, 0) << "the idle connection was not closed";
  EXPECT_EQ(answer.rfind("HTTP/1.1 200 OK", 0), 0u) << answer;
  close(fd);
  HttpClient client(gw.base_url());
  EXPECT_EQ(client.get("/healthz").status, 200);  // the server is still serving others
}

// With no room to wait for a worker (worker_queue: 0), anything that needs
// one is refused with 503; reads on the embedded store run on the I/O thread
// and still answer, unless reads_on_io_threads is turned off.
TEST(ServerLimits, ReadsOnTheEmbeddedStoreDoNotWaitForAWorker) {
  for (bool reads_on_io : {true, false}) {
    TempDir dir;
    write_file(dir.file("gateway.yaml"), std::string("development: true\nlisten: 127.0.0.1:0\nstore: sqlite:gateway.db\n"
                                                     "reads_on_io_threads: ") +
                                             (reads_on_io ? "true" : "false") + "\nlimits:\n  worker_queue: 0\n");
    GatewayProcess gw({"serve", "--config", dir.file("gateway.yaml")});
    ASSERT_TRUE(gw.wait_ready()) << gw.output();
    HttpClient client(gw.base_url());
    auto created = client.send("POST", "/Patient", kPatient);
    EXPECT_EQ(created.status, 503) << created.body;
    EXPECT_EQ(created.header("retry-after"), "1");
    EXPECT_NE(created.body.find("OperationOutcome"), std::string::npos);
    auto searched = client.get("/Patient?_count=1");
    EXPECT_EQ(searched.status, reads_on_io ? 200 : 503) << searched.body;
    auto read = client.get("/Patient/missing");
    EXPECT_EQ(read.status, reads_on_io ? 404 : 503) << read.body;
  }
}

TEST(ServerLimits, ConnectionCapAnswers503WithRetryAfter) {
  TempDir dir;
  write_file(dir.file("gateway.yaml"), "development: true\nlisten: 127.0.0.1:0\nstore: sqlite:gateway.db\n"
                                       "limits:\n  max_connections: 2\n");
  GatewayProcess gw({"serve", "--config", dir.file("gateway.yaml")});
  ASSERT_TRUE(gw.wait_ready()) << gw.output();
  int port = port_of(gw.base_url());
  int a = connect_to(port), b = connect_to(port);
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  // Make sure both are accepted before the third arrives.
  std::string req = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  send(a, req.data(), req.size(), 0);
  send(b, req.data(), req.size(), 0);
  char buf[512];
  EXPECT_GT(recv(a, buf, sizeof buf, 0), 0);
  EXPECT_GT(recv(b, buf, sizeof buf, 0), 0);
  int c = connect_to(port);
  ASSERT_GE(c, 0);
  send(c, req.data(), req.size(), 0);
  std::string resp = read_all(c);
  EXPECT_NE(resp.find("HTTP/1.1 503"), std::string::npos) << resp;
  EXPECT_NE(resp.find("Retry-After"), std::string::npos);
  EXPECT_NE(resp.find("OperationOutcome"), std::string::npos);
  close(a);
  close(b);
  close(c);
}

TEST(Durability, NothingAcknowledgedIsLostOnKill9) {
  TempDir dir;
  std::string store = "sqlite:" + dir.file("gateway.db");
  std::vector<std::string> ids;
  {
    GatewayProcess gw({"serve", "--development", "--listen", "127.0.0.1:0", "--store", store});
    ASSERT_TRUE(gw.wait_ready()) << gw.output();
    HttpClient client(gw.base_url());
    for (int i = 0; i < 20; ++i) {
      auto r = client.send("POST", "/Patient", kPatient);
      ASSERT_EQ(r.status, 201);
      auto d = json::parse(r.body);
      ids.push_back((*d)["id"].GetString());
    }
    gw.kill9();  // right after the last 201
  }
  GatewayProcess again({"serve", "--development", "--listen", "127.0.0.1:0", "--store", store});
  ASSERT_TRUE(again.wait_ready()) << again.output();
  HttpClient client(again.base_url());
  for (const auto& id : ids) EXPECT_EQ(client.get("/Patient/" + id).status, 200) << id;
}

TEST(Durability, NothingAcknowledgedIsLostOnKill9WhileWritesShareCommits) {
  // Eight clients write at once, so their writes share commits (the SQLite
  // writer's group commit), and the gateway is killed mid-stream: every 201
  // that reached a client is there after the restart.
  TempDir dir;
  std::string store = "sqlite:" + dir.file("gateway.db");
  std::mutex mu;
  std::vector<std::string> acknowledged;
  {
    GatewayProcess gw({"serve", "--development", "--listen", "127.0.0.1:0", "--store", store});
    ASSERT_TRUE(gw.wait_ready()) << gw.output();
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int t = 0; t < 8; ++t)
      clients.emplace_back([&] {
        HttpClient client(gw.base_url());
        while (!stop.load()) {
          auto r = client.send("POST", "/Patient", kPatient);
          if (r.status != 201) continue;  // refused or cut off by the kill: not acknowledged
          auto d = json::parse(r.body);
          if (!d.ok()) continue;
          std::lock_guard lock(mu);
          acknowledged.push_back((*d)["id"].GetString());
        }
      });
    for (;;) {
      {
        std::lock_guard lock(mu);
        if (acknowledged.size() >= 200) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    gw.kill9();  // writes still in flight
    stop = true;
    for (auto& c : clients) c.join();
  }
  GatewayProcess again({"serve", "--development", "--listen", "127.0.0.1:0", "--store", store});
  ASSERT_TRUE(again.wait_ready()) << again.output();
  HttpClient client(again.base_url());
  for (const auto& id : acknowledged) EXPECT_EQ(client.get("/Patient/" + id).status, 200) << id;
}

TEST(Startup, RefusesPlainHttpOffLoopbackAndDevelopmentOffLoopback) {
  std::string out;
  EXPECT_EQ(run_command({"serve", "--development", "--listen", "0.0.0.0:0"}, &out), 2);
  EXPECT_NE(out.find("loopback"), std::string::npos) << out;
  EXPECT_EQ(run_command({"serve", "--listen", "127.0.0.1:0", "--store", "sqlite:/tmp/fhirgw-nopolicy.db"}, &out), 2);
  EXPECT_NE(out.find("policy"), std::string::npos) << out;
  EXPECT_EQ(run_command({"--help"}, &out), 0);
  EXPECT_NE(out.find("serve"), std::string::npos);
}

TEST(Tls, ServesHttpsWithTheConfiguredCertificate) {
  TempDir dir;
  std::string script = std::string(FHIRGW_SOURCE_DIR) + "/scripts/make-certs.sh";
  ASSERT_EQ(std::system((script + " " + dir.file("tls") + " >/dev/null").c_str()), 0);
  GatewayProcess gw({"serve", "--development", "--listen", "127.0.0.1:0", "--store", "sqlite:" + dir.file("g.db"),
                     "--tls-cert", dir.file("tls/server.pem"), "--tls-key", dir.file("tls/server.key")});
  ASSERT_TRUE(gw.wait_ready()) << gw.output();
  EXPECT_EQ(gw.base_url().rfind("https://", 0), 0u);
  HttpOptions opts;
  opts.ca_file = dir.file("tls/ca.pem");
  HttpClient client(gw.base_url(), opts);
  auto r = client.get("/metadata");
  EXPECT_EQ(r.status, 200) << r.error;
  // A response well over one TLS record (16 KiB) arrives whole.
  for (int i = 0; i < 40; ++i) {
    std::string id = "tls-" + std::to_string(i);
    auto put = client.send("PUT", "/Patient/" + id,
                           R"({"resourceType":"Patient","id":")" + id +
                               R"(","name":[{"family":"Recordlength","given":["Anne","Marie","Louise"]}]})");
    ASSERT_EQ(put.status, 201) << put.body;
  }
  auto big = client.get("/Patient/_history?_count=1000");
  ASSERT_EQ(big.status, 200) << big.error;
  EXPECT_GT(big.body.size(), 16u * 1024);
  EXPECT_EQ(big.header("content-length"), std::to_string(big.body.size()));
  auto doc = json::parse(big.body);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ((*doc)["entry"].Size(), 40u);
  HttpClient untrusting(gw.base_url());
  auto bad = untrusting.get("/metadata");
  EXPECT_EQ(bad.status, 0);  // certificate not trusted: the handshake fails
  EXPECT_FALSE(bad.error.empty());
}

}  // namespace
