// Two gateway processes on one SQLite file (a second gateway, or the import
// and admin commands beside a running one). Each keeps recent read results
// in memory (store/sqlite/result_cache.hpp); a commit by either must reach
// the other's very next read, search and history, however warm its cache.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "core/json.hpp"
#include "gateway_process.hpp"
#include "http_client.hpp"
#include "json_body.hpp"

using namespace fhirgw;
using namespace fhirgw::testing;

namespace {

std::string patient_json(const std::string& id, const std::string& given) {
  return R"({"resourceType":"Patient","id":")" + id + R"(","name":[{"family":"Twofold","given":[")" + given +
         R"("]}],"gender":"female","birthDate":"1950-01-01"})";
}

std::string given_of(const std::string& body) { return parse(body)["name"][0]["given"][0].GetString(); }

// The value of a metric in Prometheus text, or -1.
double metric(HttpClient& c, const std::string& name) {
  auto r = c.get("/metrics");
  auto at = r.body.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(r.body.substr(at + name.size() + 2));
}

TEST(SqliteProcesses, EachSeesTheOthersCommitsOnItsNextRead) {
  TempDir dir;
  std::vector<std::string> args = {"serve", "--development", "--listen", "127.0.0.1:0", "--store",
                                   "sqlite:" + dir.file("shared.db")};
  GatewayProcess a(args), b(args);
  ASSERT_TRUE(a.wait_ready()) << a.output();
  ASSERT_TRUE(b.wait_ready()) << b.output();
  HttpClient on_a(a.base_url()), on_b(b.base_url());

  ASSERT_EQ(on_a.send("PUT", "/Patient/tw1", patient_json("tw1", "v1")).status, 201);
  // A reads twice: the second read is answered from A's memory.
  ASSERT_EQ(on_a.get("/Patient/tw1").status, 200);
  const double hits = metric(on_a, "fhirgw_store_cache_hits");
  auto warm = on_a.get("/Patient/tw1");
  ASSERT_EQ(warm.status, 200);
  EXPECT_EQ(metric(on_a, "fhirgw_store_cache_hits"), hits + 1);
  ASSERT_EQ(on_a.get("/Patient?family=twofold").status, 200);
  ASSERT_EQ(on_a.get("/Patient/tw1/_history").status, 200);

  // Each round: B writes, A reads at once (its cache warm from the round
  // before), then the other way round.
  for (int v = 2; v <= 40; ++v) {
    const bool b_writes = v % 2 == 0;
    HttpClient& writer = b_writes ? on_b : on_a;
    HttpClient& reader = b_writes ? on_a : on_b;
    const std::string given = "v" + std::to_string(v);
    auto put = writer.send("PUT", "/Patient/tw1", patient_json("tw1", given));
    ASSERT_EQ(put.status, 200) << put.body;
    auto read = reader.get("/Patient/tw1");
    ASSERT_EQ(read.status, 200);
    EXPECT_EQ(read.header("etag"), "W/\"" + std::to_string(v) + "\"") << "round " << v;
    EXPECT_EQ(given_of(read.body), given) << "round " << v;
    auto found = reader.get("/Patient?family=twofold");
    ASSERT_EQ(found.status, 200);
    auto bundle = parse(found.body);
    ASSERT_EQ(bundle["total"].GetInt(), 1) << found.body;
    EXPECT_STREQ(bundle["entry"][0]["resource"]["name"][0]["given"][0].GetString(), given.c_str()) << "round " << v;
    auto history = reader.get("/Patient/tw1/_history");
    EXPECT_EQ(parse(history.body)["total"].GetInt(), v) << "round " << v;
    // The writer's own cache follows its writes too.
    EXPECT_EQ(given_of(writer.get("/Patient/tw1").body), given) << "round " << v;
  }

  // A delete through B is a 410 through A, whose cache held the resource.
  ASSERT_EQ(on_a.get("/Patient/tw1").status, 200);
  EXPECT_EQ(on_b.request("DELETE", "/Patient/tw1").status / 100, 2);
  EXPECT_EQ(on_a.get("/Patient/tw1").status, 410);
  EXPECT_EQ(parse(on_a.get("/Patient?family=twofold").body)["total"].GetInt(), 0);

  EXPECT_EQ(a.stop(), 0);
  EXPECT_EQ(b.stop(), 0);
}

TEST(SqliteProcesses, TheCacheCanBeTurnedOff) {
  TempDir dir;
  {
    std::ofstream cfg(dir.file("gateway.yaml"));
    cfg << "store_cache_mb: 0\n";
  }
  GatewayProcess gw({"serve", "--development", "--config", dir.file("gateway.yaml"), "--listen", "127.0.0.1:0",
                     "--store", "sqlite:" + dir.file("off.db")});
  ASSERT_TRUE(gw.wait_ready()) << gw.output();
  HttpClient c(gw.base_url());
  ASSERT_EQ(c.send("PUT", "/Patient/off1", patient_json("off1", "v1")).status, 201);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(c.get("/Patient/off1").status, 200);
  EXPECT_EQ(metric(c, "fhirgw_store_cache_hits"), 0);
  EXPECT_EQ(metric(c, "fhirgw_store_cache_bytes"), 0);
  EXPECT_EQ(gw.stop(), 0);
}

}  // namespace
