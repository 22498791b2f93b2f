// The facts cache may only ever answer for the exact version text it parsed:
// a wrong answer here would be a wrong policy decision.
#include "app/version_facts_cache.hpp"

#include <gtest/gtest.h>

using namespace fhirgw;
using app::VersionFactsCache;

namespace {

store::Record version(const std::string& id, int64_t v, const std::string& json) {
  store::Record r;
  r.type = "CarePlan";
  r.id = id;
  r.version = v;
  r.row = 100 + v;
  r.last_updated_ms = 1'700'000'000'000 + v;
  r.json = json;
  r.controller = "Y90001";
  r.patient_id = "p1";
  return r;
}

std::shared_ptr<const policy::ResourceFacts> facts(const std::string& patient) {
  auto f = std::make_shared<policy::ResourceFacts>();
  f->patient_id = patient;
  return f;
}

}  // namespace

TEST(VersionFactsCache, AnswersOnlyForTheSameVersionText) {
  VersionFactsCache cache;
  auto v1 = version("cp1", 1, R"({"resourceType":"CarePlan","id":"cp1"})");
  EXPECT_EQ(cache.find(v1), nullptr);
  cache.keep(v1, facts("p1"));
  ASSERT_NE(cache.find(v1), nullptr);
  EXPECT_EQ(cache.find(v1)->patient_id, "p1");
  // The next version, another resource, and the same version number with
  // other text (a rolled-back write, a restored backup) are all misses.
  EXPECT_EQ(cache.find(version("cp1", 2, v1.json)), nullptr);
  EXPECT_EQ(cache.find(version("cp2", 1, v1.json)), nullptr);
  EXPECT_EQ(cache.find(version("cp1", 1, R"({"resourceType":"CarePlan","id":"cp1","status":"active"})")), nullptr);
  auto moved = v1;
  moved.patient_id = "p2";  // a governance column differs
  EXPECT_EQ(cache.find(moved), nullptr);
  auto confidential = v1;
  confidential.confidential = true;
  EXPECT_EQ(cache.find(confidential), nullptr);
}

TEST(VersionFactsCache, TombstonesAreNeverKept) {
  VersionFactsCache cache;
  auto gone = version("cp1", 3, "");
  gone.deleted = true;
  cache.keep(gone, facts("p1"));
  EXPECT_EQ(cache.find(gone), nullptr);
}

TEST(VersionFactsCache, StaysWithinItsCapacity) {
  VersionFactsCache cache(64);
  for (int i = 0; i < 10'000; ++i) cache.keep(version("cp" + std::to_string(i), 1, "{}"), facts("p"));
  int kept = 0;
  for (int i = 0; i < 10'000; ++i) kept += cache.find(version("cp" + std::to_string(i), 1, "{}")) != nullptr;
  EXPECT_GT(kept, 0);
  EXPECT_LE(kept, 64);
}
