// The scaled-out deployment: two replicas of the real binary on one
// PostgreSQL database (a real server), started together (so their schema
// migrations race and must serialise), each serving HTTP on loopback. A write
// through one is read, searched, versioned and conflict-checked through the
// other.
#include <gtest/gtest.h>

#include "core/json.hpp"
#include "gateway_process.hpp"
#include "http_client.hpp"
#include "json_body.hpp"
#include "postgres_server.hpp"

using namespace fhirgw;
using namespace fhirgw::testing;

namespace {

std::string patient_json(const std::string& given, const std::string& id = {}) {
  return R"({"resourceType":"Patient",)" + (id.empty() ? std::string() : R"("id":")" + id + R"(",)") +
         R"("name":[{"family":"Replica","given":[")" + given +
         R"("]}],"gender":"female","birthDate":"1950-01-01"})";
}

TEST(PostgresReplicas, AWriteThroughOneReplicaIsSeenByTheOther) {
  auto& pg = PostgresServer::shared();
  if (!pg.binaries_found()) GTEST_SKIP() << pg.problem();
  ASSERT_TRUE(pg.running()) << pg.problem();
  std::string database = pg.unique_name("replicas"), error;
  ASSERT_TRUE(pg.create_database(database, {}, &error)) << error;
  std::string url = pg.url(database);
  {
    std::vector<std::string> args = {"serve", "--development", "--listen", "127.0.0.1:0", "--store", url};
    GatewayProcess a(args), b(args);  // both start (and migrate) at once
    ASSERT_TRUE(a.wait_ready()) << a.output();
    ASSERT_TRUE(b.wait_ready()) << b.output();
    HttpClient on_a(a.base_url()), on_b(b.base_url());

    auto created = on_a.send("POST", "/Patient", patient_json("Ann"));
    ASSERT_EQ(created.status, 201) << created.body;
    std::string id = parse(created.body)["id"].GetString();

    auto read = on_b.get("/Patient/" + id);
    ASSERT_EQ(read.status, 200) << read.body;
    EXPECT_EQ(read.header("etag"), "W/\"1\"");
    EXPECT_STREQ(parse(read.body)["name"][0]["given"][0].GetString(), "Ann");
    auto found = on_b.get("/Patient?family=replica");
    ASSERT_EQ(found.status, 200) << found.body;
    EXPECT_EQ(parse(found.body)["total"].GetInt(), 1);

    // B updates with If-Match; A serves version 2 on its very next request and
    // refuses a write that names the version A last served.
    auto updated = on_b.send("PUT", "/Patient/" + id, patient_json("Amy", id), {"If-Match: W/\"1\""});
    ASSERT_EQ(updated.status, 200) << updated.body;
    EXPECT_EQ(updated.header("etag"), "W/\"2\"");
    auto now = on_a.get("/Patient/" + id);
    ASSERT_EQ(now.status, 200);
    EXPECT_EQ(now.header("etag"), "W/\"2\"");
    EXPECT_STREQ(parse(now.body)["name"][0]["given"][0].GetString(), "Amy");
    auto stale = on_a.send("PUT", "/Patient/" + id, patient_json("Ada", id), {"If-Match: W/\"1\""});
    EXPECT_EQ(stale.status, 412) << stale.body;
    auto history = on_a.get("/Patient/" + id + "/_history");
    ASSERT_EQ(history.status, 200) << history.body;
    EXPECT_EQ(parse(history.body)["total"].GetInt(), 2);

    // A delete through A is a 410 through B.
    EXPECT_EQ(on_a.request("DELETE", "/Patient/" + id).status / 100, 2);
    EXPECT_EQ(on_b.get("/Patient/" + id).status, 410);

    EXPECT_EQ(a.stop(), 0);
    EXPECT_EQ(b.stop(), 0);
  }
  EXPECT_TRUE(pg.drop_database(database, &error)) << error;
}

}  // namespace
