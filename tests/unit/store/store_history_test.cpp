#include <gtest/gtest.h>

#include "store_fixture.hpp"

using namespace fhirgw;
using namespace fhirgw::testing;

namespace {

std::vector<std::string> versions_of(const store::HistoryPage& page) {
  std::vector<std::string> out;
  for (const auto& r : page.versions)
    out.push_back(r.type + "/" + r.id + "/" + std::to_string(r.version) + (r.deleted ? "-deleted" : ""));
  return out;
}

}  // namespace

TEST_P(StoreTest, HistoryInstanceTypeAndSystemNewestFirst) {
  update("Patient", "p1", patient("p1", "A81001", "Brontë", "Zoë", "1980-05-02", "female", "9000000009"));
  update("Patient", "p2", patient("p2", "A81001", "Smith", "John", "1975", "male", "9000000017"));
  update("Patient", "p1", patient("p1", "A81001", "Brontë", "Zoë", "1980-05-02", "female", "9000000025"));
  update("MedicationStatement", "m1", medication("m1", "A81001", "p1", "111", R"("effectiveDateTime": "2024")"));
  remove("Patient", "p1");

  store::HistoryQuery q;
  q.visibility = search::Visibility::everything();
  q.type = "Patient";
  q.id = "p1";
  auto inst = store_->history(q);
  ASSERT_TRUE(inst.ok());
  EXPECT_EQ(versions_of(*inst), (Ids{"Patient/p1/3-deleted", "Patient/p1/2", "Patient/p1/1"}));
  EXPECT_EQ(inst->total, 3);
  EXPECT_FALSE(inst->next_before_seq);
  EXPECT_TRUE(inst->versions[0].json.empty());
  EXPECT_NE(inst->versions[2].json.find("9000000009"), std::string::npos);

  q.id.clear();
  auto type = store_->history(q);
  ASSERT_TRUE(type.ok());
  EXPECT_EQ(versions_of(*type), (Ids{"Patient/p1/3-deleted", "Patient/p1/2", "Patient/p2/1", "Patient/p1/1"}));

  q.type.clear();
  auto system = store_->history(q);
  ASSERT_TRUE(system.ok());
  EXPECT_EQ(system->total, 5);
  EXPECT_EQ(versions_of(*system).at(1), "MedicationStatement/m1/1");

  // Paging by sequence, two at a time.
  q.count = 2;
  std::vector<std::string> paged;
  int pages = 0;
  while (true) {
    auto page = store_->history(q);
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(page->total, 5);
    for (auto& v : versions_of(*page)) paged.push_back(v);
    ++pages;
    if (!page->next_before_seq) break;
    q.before_seq = page->next_before_seq;
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(paged, versions_of(*system));

  // _since: only versions at or after the instant.
  store::HistoryQuery since;
  since.visibility = search::Visibility::everything();
  since.since_ms = system->versions[1].last_updated_ms;
  auto recent = store_->history(since);
  ASSERT_TRUE(recent.ok());
  std::vector<std::string> expected;
  for (const auto& v : system->versions)
    if (v.last_updated_ms >= *since.since_ms)
      expected.push_back(v.type + "/" + v.id + "/" + std::to_string(v.version) + (v.deleted ? "-deleted" : ""));
  EXPECT_EQ(versions_of(*recent), expected);
  EXPECT_GE(expected.size(), 2u);
}

TEST_P(StoreTest, HistoryIsJudgedOnCurrentGovernance) {
  update("Patient", "p1", patient("p1", "A81001", "Brontë", "Zoë", "1980-05-02", "female", "9000000009"));
  update("MedicationStatement", "m1", medication("m1", "A81001", "p1", "111", R"("effectiveDateTime": "2024")"));
  update("MedicationStatement", "m1", medication("m1", "A81001", "p1", "222", R"("effectiveDateTime": "2024")"));

  search::Grant g;
  g.controllers = {"A81001"};
  g.types = {"Patient", "MedicationStatement"};
  store::HistoryQuery q;
  q.type = "MedicationStatement";
  q.visibility = {false, {g}};
  auto visible = store_->history(q);
  ASSERT_TRUE(visible.ok());
  EXPECT_EQ(visible->total, 2);

  // Consent withdrawn for p1: every version disappears at once, and the total says so.
  q.visibility.grants[0].patients_out = {"p1"};
  auto withdrawn = store_->history(q);
  ASSERT_TRUE(withdrawn.ok());
  EXPECT_TRUE(withdrawn->versions.empty());
  EXPECT_EQ(withdrawn->total, 0);

  // A code in an excluded set on an OLD version hides the history too.
  q.visibility.grants[0].patients_out.clear();
  q.visibility.grants[0].excluded_codes = {{"https://dmd.nhs.uk", "111"}};
  auto excluded = store_->history(q);
  ASSERT_TRUE(excluded.ok());
  EXPECT_TRUE(excluded->versions.empty());
  EXPECT_EQ(excluded->total, 0);

  // The current-version search, by contrast, judges today's content.
  auto s = ids("MedicationStatement", {}, q.visibility);
  EXPECT_EQ(s, Ids{"m1"});

  // The current version's code hides the history as well, and still does
  // once the resource is deleted and its search rows are gone.
  q.visibility.grants[0].excluded_codes = {{"https://dmd.nhs.uk", "222"}};
  EXPECT_EQ(store_->history(q)->total, 0);
  EXPECT_TRUE(ids("MedicationStatement", {}, q.visibility).empty());
  remove("MedicationStatement", "m1");
  auto after_delete = store_->history(q);
  ASSERT_TRUE(after_delete.ok());
  EXPECT_TRUE(after_delete->versions.empty());
  EXPECT_EQ(after_delete->total, 0);
  q.visibility.grants[0].excluded_codes = {{"https://dmd.nhs.uk", "333"}};
  EXPECT_EQ(store_->history(q)->total, 3);  // m1's three versions: 111, 222, deleted

  // Nothing visible when no grant is given, and confidential resources are hidden.
  q.visibility = search::Visibility::nothing();
  EXPECT_EQ(store_->history(q)->total, 0);
  update("MedicationStatement", "m2", medication("m2", "A81001", "p1", "333", R"("effectiveDateTime": "2024")",
                                                 "active", true));
  q.visibility = {false, {g}};
  auto conf = store_->history(q);
  ASSERT_TRUE(conf.ok());
  for (const auto& v : conf->versions) EXPECT_NE(v.id, "m2");
  EXPECT_EQ(conf->total, 3);
}
