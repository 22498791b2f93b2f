#include "auth/scopes.hpp"

#include <gtest/gtest.h>

using namespace fhirgw;
using namespace fhirgw::auth;
using I = fhirgw::model::Interaction;

TEST(Scopes, ParsesV2AndV1) {
  auto s = parse_scope("system/CarePlan.rs");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->resource_type, "CarePlan");
  EXPECT_TRUE(s->r && s->s);
  EXPECT_FALSE(s->c || s->u || s->d || s->v1);

  auto all = parse_scope("system/*.cruds");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->resource_type, "*");
  EXPECT_TRUE(all->c && all->r && all->u && all->d && all->s);

  auto narrowed = parse_scope("system/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category%7Claboratory");
  ASSERT_TRUE(narrowed.ok());
  ASSERT_EQ(narrowed->params.size(), 1u);
  EXPECT_EQ(narrowed->params[0].first, "category");
  EXPECT_EQ(narrowed->params[0].second, "http://terminology.hl7.org/CodeSystem/observation-category|laboratory");

  auto read = parse_scope("system/*.read");
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->v1 && read->r && read->s && !read->c && !read->u && !read->d);
  auto write = parse_scope("system/Patient.write");
  ASSERT_TRUE(write.ok());
  EXPECT_TRUE(write->c && write->u && write->d && !write->r && !write->s);
  auto star = parse_scope("system/Patient.*");
  ASSERT_TRUE(star.ok());
  EXPECT_TRUE(star->c && star->r && star->u && star->d && star->s);
}

TEST(Scopes, RejectsMalformed) {
  for (const char* bad : {"", "system/", "system/Patient", "system/Patient.", "system/Patient.rc",
                          "system/Patient.rr", "system/Patient.x", "system/patient.rs", "system/Pat*.rs",
                          "patient/Patient.rs", "user/*.cruds", "openid", "launch", "offline_access",
                          "system/Patient.read?x=1", "system/Patient.rs?", "system/Patient.rs?x",
                          "system/Patient.rs?=1", "system/Patient.rs?a=%zz", "System/Patient.rs",
                          "system/*.*.rs"})
    EXPECT_FALSE(parse_scope(bad).ok()) << bad;
}

TEST(Scopes, InteractionTruthTable) {
  struct Row {
    const char* scope;
    I interaction;
    bool allowed;
  };
  const Row rows[] = {
      {"system/CarePlan.c", I::create, true},          {"system/CarePlan.c", I::read, false},
      {"system/CarePlan.r", I::read, true},            {"system/CarePlan.r", I::vread, true},
      {"system/CarePlan.r", I::history_instance, true}, {"system/CarePlan.r", I::search, false},
      {"system/CarePlan.r", I::history_type, false},   {"system/CarePlan.s", I::search, true},
      {"system/CarePlan.s", I::history_type, true},    {"system/CarePlan.s", I::read, false},
      {"system/CarePlan.u", I::update, true},          {"system/CarePlan.u", I::create, false},
      {"system/CarePlan.d", I::remove, true},          {"system/CarePlan.d", I::update, false},
      {"system/CarePlan.rs", I::remove, false},        {"system/CarePlan.cruds", I::remove, true},
      {"system/*.rs", I::read, true},                  {"system/*.rs", I::create, false},
      {"system/CarePlan.read", I::search, true},       {"system/CarePlan.read", I::update, false},
      {"system/CarePlan.write", I::update, true},      {"system/CarePlan.write", I::create, true},
      {"system/CarePlan.write", I::remove, true},      {"system/CarePlan.write", I::read, false},
      {"system/CarePlan.*", I::history_type, true},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(scope_allows(std::vector<std::string>{row.scope}, "CarePlan", row.interaction, {}), row.allowed)
        << row.scope << " " << model::to_string(row.interaction);
  }
  // Another type is never allowed by a typed scope.
  EXPECT_FALSE(scope_allows({"system/CarePlan.cruds"}, "Patient", I::read, {}));
  EXPECT_TRUE(scope_allows({"system/CarePlan.cruds", "system/Patient.r"}, "Patient", I::read, {}));
  EXPECT_FALSE(scope_allows({}, "Patient", I::read, {}));
  EXPECT_FALSE(scope_allows({"garbage", "system/Patient"}, "Patient", I::read, {}));
}

TEST(Scopes, NarrowedScopeNeedsTheSameParameterOnTheRequest) {
  std::vector<std::string> granted = {"system/Flag.rs?category=urgent&status=active"};
  SearchParams both = {{"category", "urgent"}, {"status", "active"}};
  EXPECT_TRUE(scope_allows(granted, "Flag", I::search, both));
  SearchParams more = {{"status", "active"}, {"patient", "Patient/1"}, {"category", "urgent"}};
  EXPECT_TRUE(scope_allows(granted, "Flag", I::search, more));
  EXPECT_FALSE(scope_allows(granted, "Flag", I::search, {{"category", "urgent"}}));
  EXPECT_FALSE(scope_allows(granted, "Flag", I::search, {{"category", "urgent,other"}, {"status", "active"}}));
  EXPECT_FALSE(scope_allows(granted, "Flag", I::search, {{"category:not", "urgent"}, {"status", "active"}}));
  EXPECT_FALSE(scope_allows(granted, "Flag", I::search, {}));
  // Reads carry no search parameters: a narrowed scope cannot allow them.
  EXPECT_FALSE(scope_allows(granted, "Flag", I::read, {}));
}

TEST(Scopes, GrantIsWithinAllowedPatterns) {
  const std::vector<std::string> allowed = {"system/CarePlan.rs", "system/Patient.r", "system/Patient.s",
                                            "system/Flag.rs?category=urgent"};
  auto g = grant_scopes("system/CarePlan.rs system/Patient.rs", allowed);
  ASSERT_TRUE(g.ok()) << g.error().message();
  EXPECT_EQ(*g, (std::vector<std::string>{"system/CarePlan.rs", "system/Patient.rs"}));
  // Subsets, v1 equivalents, duplicates, extra spaces.
  g = grant_scopes("  system/CarePlan.r system/CarePlan.read system/CarePlan.r ", allowed);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(*g, (std::vector<std::string>{"system/CarePlan.r", "system/CarePlan.read"}));
  // Narrowing may be kept or extended, never dropped.
  EXPECT_TRUE(grant_scopes("system/Flag.s?category=urgent", allowed).ok());
  EXPECT_TRUE(grant_scopes("system/Flag.s?category=urgent&status=active", allowed).ok());
  EXPECT_FALSE(grant_scopes("system/Flag.s", allowed).ok());
  EXPECT_FALSE(grant_scopes("system/Flag.s?category=routine", allowed).ok());
}

TEST(Scopes, EscalationIsRefusedNotTrimmed) {
  const std::vector<std::string> allowed = {"system/CarePlan.rs", "system/Patient.rs"};
  for (const char* req : {"system/CarePlan.cruds", "system/CarePlan.rs system/Consent.rs", "system/*.rs",
                          "system/*.read", "system/*.*", "system/CarePlan.write", "system/CarePlan.*",
                          "system/Patient.d", "patient/*.rs", "system/CarePlan.rs openid", ""}) {
    auto g = grant_scopes(req, allowed);
    ASSERT_FALSE(g.ok()) << req;
    EXPECT_NE(g.error().message().find("invalid_scope"), std::string::npos);
  }
  // A wildcard pattern allows any one type, but a typed pattern never allows "*".
  EXPECT_TRUE(grant_scopes("system/Consent.rs system/*.r", {"system/*.rs"}).ok());
  EXPECT_FALSE(grant_scopes("system/*.rs", {"system/CarePlan.rs", "system/Patient.rs", "system/Flag.rs"}).ok());
}

TEST(Scopes, StillAllowedAfterRegistryChange) {
  std::vector<std::string> granted = {"system/CarePlan.rs", "system/Patient.rs"};
  EXPECT_EQ(still_allowed(granted, {"system/Patient.rs"}), std::vector<std::string>{"system/Patient.rs"});
  EXPECT_EQ(still_allowed(granted, {"system/*.cruds"}), granted);
  EXPECT_TRUE(still_allowed(granted, {}).empty());
}
