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

// The cache is keyed by version: these read and keep by record, as check_read does.
std::shared_ptr<const policy::ResourceFacts> find(VersionFactsCache& c, const store::Record& r) {
  auto entry = c.find(VersionFactsCache::key(r));
  return entry ? entry->facts : nullptr;
}
void keep(VersionFactsCache& c, const store::Record& r, std::shared_ptr<const policy::ResourceFacts> f) {
  c.keep(VersionFactsCache::key(r), std::move(f));
}

}  // namespace

TEST(VersionFactsCache, AnswersOnlyForTheSameVersionText) {
  VersionFactsCache cache;
  auto v1 = version("cp1", 1, R"({"resourceType":"CarePlan","id":"cp1"})");
  EXPECT_EQ(find(cache, v1), nullptr);
  keep(cache, v1, facts("p1"));
  ASSERT_NE(find(cache, v1), nullptr);
  EXPECT_EQ(find(cache, v1)->patient_id, "p1");
  // The next version, another resource, and the same version number with
  // other text (a rolled-back write, a restored backup) are all misses.
  EXPECT_EQ(find(cache, version("cp1", 2, v1.json)), nullptr);
  EXPECT_EQ(find(cache, version("cp2", 1, v1.json)), nullptr);
  EXPECT_EQ(find(cache, version("cp1", 1, R"({"resourceType":"CarePlan","id":"cp1","status":"active"})")), nullptr);
  auto moved = v1;
  moved.patient_id = "p2";  // a governance column differs
  EXPECT_EQ(find(cache, moved), nullptr);
  auto confidential = v1;
  confidential.confidential = true;
  EXPECT_EQ(find(cache, confidential), nullptr);
}

TEST(VersionFactsCache, TombstonesAreNeverKept) {
  VersionFactsCache cache;
  auto gone = version("cp1", 3, "");
  gone.deleted = true;
  keep(cache, gone, facts("p1"));
  EXPECT_EQ(find(cache, gone), nullptr);
}

TEST(VersionFactsCache, StaysWithinItsCapacity) {
  VersionFactsCache cache(64);
  for (int i = 0; i < 10'000; ++i) keep(cache, version("cp" + std::to_string(i), 1, "{}"), facts("p"));
  int kept = 0;
  for (int i = 0; i < 10'000; ++i) kept += find(cache, version("cp" + std::to_string(i), 1, "{}")) != nullptr;
  EXPECT_GT(kept, 0);
  EXPECT_LE(kept, 64);
}

TEST(VersionFactsCache, KeepsARedactionPerVersionAndSetOfHiddenFields) {
  VersionFactsCache cache;
  auto v1 = version("cp1", 1, R"({"resourceType":"CarePlan","id":"cp1","note":[{"text":"x"}]})");
  const std::vector<std::string> note{"note"}, both{"note", "activity"};
  auto entry = cache.keep(VersionFactsCache::key(v1), facts("p1"));
  EXPECT_EQ(entry->redacted(note), nullptr);
  entry->keep_redacted(note, std::make_shared<const std::string>(R"({"resourceType":"CarePlan","id":"cp1"})"));
  auto again = cache.find(VersionFactsCache::key(v1));
  ASSERT_NE(again, nullptr);
  ASSERT_NE(again->redacted(note), nullptr);
  EXPECT_EQ(*again->redacted(note), R"({"resourceType":"CarePlan","id":"cp1"})");
  // Another set of hidden fields is a miss, and another version has its own entry.
  EXPECT_EQ(again->redacted(both), nullptr);
  EXPECT_EQ(again->redacted({}), nullptr);
  EXPECT_EQ(cache.find(VersionFactsCache::key(version("cp1", 2, v1.json))), nullptr);
}

TEST(VersionFactsCache, AVersionKeepsAFewRedactionsAtMost) {
  VersionFactsCache cache;
  auto entry = cache.keep(VersionFactsCache::key(version("cp1", 1, "{}")), facts("p1"));
  for (int i = 0; i < 100; ++i)
    entry->keep_redacted({"field" + std::to_string(i)}, std::make_shared<const std::string>("{}"));
  int kept = 0;
  for (int i = 0; i < 100; ++i) kept += entry->redacted({"field" + std::to_string(i)}) != nullptr;
  EXPECT_GT(kept, 0);
  EXPECT_LE(kept, 4);
}

// A kept decision answers only the exact context it was taken in: the same
// governance snapshot, slot of time, caller (organisation, client, kind,
// roles, purpose), interaction and scope verdict. Anything else is a miss,
// so the engine decides afresh.
TEST(VersionFactsCache, AKeptDecisionAnswersOnlyItsOwnContext) {
  VersionFactsCache cache;
  auto entry = cache.keep(VersionFactsCache::key(version("cp1", 1, "{}")), facts("p1"));
  Caller ageuk;
  ageuk.authenticated = true;
  ageuk.client_id = "ageuk-app";
  ageuk.organisation = "AGEUK1";
  ageuk.kind = OrgKind::voluntary;
  ageuk.roles = {"partner"};
  ageuk.purpose = "CAREMGT";
  ageuk.scopes = {"system/CarePlan.rs"};
  const app::ReadContext context{7, {1000, 2000}, &ageuk, model::Interaction::read, true};
  rest::AccessDecision permit;
  permit.permit = true;
  permit.agreement = "ageuk-frailty";
  permit.hidden_fields = {"note"};
  EXPECT_FALSE(entry->decision(context));
  entry->keep_decision(context, permit);
  auto kept = entry->decision(context);
  ASSERT_TRUE(kept);
  EXPECT_TRUE(kept->permit);
  EXPECT_EQ(kept->agreement, "ageuk-frailty");
  EXPECT_EQ(kept->hidden_fields, std::vector<std::string>{"note"});
  // Another token with the same grant: scopes and token id are not engine inputs.
  Caller same = ageuk;
  same.scopes = {"system/*.rs"};
  same.token_id = "other";
  auto with_same = context;
  with_same.caller = &same;
  EXPECT_TRUE(entry->decision(with_same));

  auto miss = [&](auto change) {
    Caller who = ageuk;
    app::ReadContext c = context;
    c.caller = &who;
    change(c, who);
    return !entry->decision(c);
  };
  EXPECT_TRUE(miss([](app::ReadContext& c, Caller&) { c.generation = 8; }));
  EXPECT_TRUE(miss([](app::ReadContext& c, Caller&) { c.slot = {2000, 3000}; }));
  EXPECT_TRUE(miss([](app::ReadContext& c, Caller&) { c.interaction = model::Interaction::vread; }));
  EXPECT_TRUE(miss([](app::ReadContext& c, Caller&) { c.scope_allows = false; }));
  EXPECT_TRUE(miss([](app::ReadContext&, Caller& w) { w.organisation = "TRUST1"; }));
  EXPECT_TRUE(miss([](app::ReadContext&, Caller& w) { w.client_id = "ageuk-flood"; }));
  EXPECT_TRUE(miss([](app::ReadContext&, Caller& w) { w.kind = OrgKind::statutory; }));
  EXPECT_TRUE(miss([](app::ReadContext&, Caller& w) { w.roles = {"partner", "ig-officer"}; }));
  EXPECT_TRUE(miss([](app::ReadContext&, Caller& w) { w.purpose = "TREAT"; }));
  EXPECT_TRUE(miss([](app::ReadContext&, Caller& w) { w.authenticated = false; }));

  // A newer snapshot's decision replaces the older one's; a version keeps a few at most.
  auto newer = context;
  newer.generation = 8;
  entry->keep_decision(newer, permit);
  EXPECT_FALSE(entry->decision(context));
  EXPECT_TRUE(entry->decision(newer));
  std::vector<Caller> callers(10, ageuk);
  int kept_count = 0;
  for (size_t i = 0; i < callers.size(); ++i) {
    callers[i].client_id = "client-" + std::to_string(i);
    auto c = newer;
    c.caller = &callers[i];
    entry->keep_decision(c, permit);
  }
  for (auto& who : callers) {
    auto c = newer;
    c.caller = &who;
    kept_count += entry->decision(c).has_value();
  }
  EXPECT_GT(kept_count, 0);
  EXPECT_LE(kept_count, 4);
}
