// Bundles built by appending serialised resources: valid JSON in every shape
// the REST layer produces, and FHIR's rule of no empty arrays.
#include "rest/bundle_writer.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "core/json.hpp"

using namespace fhirgw;
using rest::BundleWriter;

namespace {

json::Document parsed(BundleWriter& bw) {
  std::string text = bw.finish();
  auto d = json::parse(text);
  EXPECT_TRUE(d.ok()) << text;
  return d.ok() ? std::move(d).value() : json::Document();
}

}  // namespace

TEST(BundleWriter, EmptySearchHasNoEntryArray) {
  BundleWriter bw("searchset");
  bw.total(0);
  bw.link("self", "https://gw.example/CarePlan?patient=p1");
  auto d = parsed(bw);
  EXPECT_STREQ(d["type"].GetString(), "searchset");
  EXPECT_EQ(d["total"].GetInt64(), 0);
  EXPECT_EQ(d["link"].Size(), 1u);
  EXPECT_FALSE(d.HasMember("entry"));
  BundleWriter bare("batch-response");
  auto b = parsed(bare);
  EXPECT_FALSE(b.HasMember("link"));
  EXPECT_FALSE(b.HasMember("entry"));
}

TEST(BundleWriter, EntriesKeepTheResourceTextAndEscapeUrls) {
  BundleWriter bw("searchset");
  bw.total(2);
  bw.link("self", "https://gw.example/Flag?code=\"x\"");
  bw.link("next", "https://gw.example/Flag?_cursor=abc");
  bw.search_entry("https://gw.example/Flag/f1", R"({"resourceType":"Flag","id":"f1"})", "match");
  bw.search_entry("https://gw.example/Patient/p1", R"({"resourceType":"Patient","id":"p1"})", "include");
  auto d = parsed(bw);
  ASSERT_EQ(d["entry"].Size(), 2u);
  EXPECT_STREQ(d["link"][0]["url"].GetString(), "https://gw.example/Flag?code=\"x\"");
  EXPECT_STREQ(d["link"][1]["relation"].GetString(), "next");
  EXPECT_STREQ(d["entry"][0]["resource"]["id"].GetString(), "f1");
  EXPECT_STREQ(d["entry"][1]["search"]["mode"].GetString(), "include");
}

TEST(BundleWriter, HistoryAndResponseEntries) {
  BundleWriter bw("history");
  bw.total(2);
  std::string v2 = R"({"resourceType":"Patient","id":"p1","meta":{"versionId":"2"}})";
  bw.history_entry("https://gw.example/Patient/p1", &v2, "PUT", "Patient/p1", "200", "W/\"2\"",
                   "2026-11-23T10:00:00.000Z");
  bw.history_entry("https://gw.example/Patient/p1", nullptr, "DELETE", "Patient/p1", "204", "W/\"3\"",
                   "2026-11-23T10:01:00.000Z");
  auto d = parsed(bw);
  ASSERT_EQ(d["entry"].Size(), 2u);
  EXPECT_STREQ(d["entry"][0]["response"]["etag"].GetString(), "W/\"2\"");
  EXPECT_FALSE(d["entry"][1].HasMember("resource"));
  EXPECT_STREQ(d["entry"][1]["request"]["method"].GetString(), "DELETE");

  BundleWriter tx("transaction-response");
  std::string outcome = R"({"resourceType":"OperationOutcome","issue":[]})";
  tx.response_entry(&v2, "201 Created", "Patient/p1/_history/1", "W/\"1\"", "", nullptr);
  tx.response_entry(nullptr, "400 Bad Request", "", "", "", &outcome);
  auto t = parsed(tx);
  ASSERT_EQ(t["entry"].Size(), 2u);
  EXPECT_STREQ(t["entry"][0]["response"]["location"].GetString(), "Patient/p1/_history/1");
  EXPECT_FALSE(t["entry"][0]["response"].HasMember("lastModified"));
  EXPECT_STREQ(t["entry"][1]["response"]["outcome"]["resourceType"].GetString(), "OperationOutcome");
}

TEST(BundleWriter, ElementsOutOfOrderAreAProgrammingError) {
  BundleWriter bw("searchset");
  bw.link("self", "https://gw.example/Flag");
  EXPECT_THROW(bw.total(1), std::logic_error);
  bw.search_entry("https://gw.example/Flag/f1", R"({"resourceType":"Flag","id":"f1"})", "match");
  EXPECT_THROW(bw.link("next", "https://gw.example/Flag?_cursor=x"), std::logic_error);
}
