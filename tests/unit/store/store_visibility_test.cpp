#include <gtest/gtest.h>

#include "store_fixture.hpp"

using namespace fhirgw;
using namespace fhirgw::testing;

namespace {

// Two practices. A81001 has patients p1 (ordinary), p2 (dissented: the policy
// lists it in patients_out) and p3 (whose Patient record is confidential; m4,
// about p3, is not: confidentiality is per resource); B82002 has p4. m2 carries
// an excluded code, m6 is confidential.
class VisibilityTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (not_set_up()) return;
    update("Patient", "p1", patient("p1", "A81001", "Brontë", "Zoë", "1980-05-02", "female", "9000000009"));
    update("Patient", "p2", patient("p2", "A81001", "Smith", "John", "1975-11-30", "male", "9000000017"));
    update("Patient", "p3", patient("p3", "A81001", "Smithson", "Ann", "1990-01-15", "female", "9000000025", true));
    update("Patient", "p4", patient("p4", "B82002", "Jones", "Émile", "2001-07-04", "male", "9000000033"));
    update("MedicationStatement", "m1", medication("m1", "A81001", "p1", "111", R"("effectiveDateTime": "2024")"));
    update("MedicationStatement", "m2", medication("m2", "A81001", "p1", "999", R"("effectiveDateTime": "2024")"));
    update("MedicationStatement", "m3", medication("m3", "A81001", "p2", "111", R"("effectiveDateTime": "2024")"));
    update("MedicationStatement", "m4", medication("m4", "A81001", "p3", "111", R"("effectiveDateTime": "2024")"));
    update("MedicationStatement", "m5", medication("m5", "B82002", "p4", "111", R"("effectiveDateTime": "2024")"));
    update("MedicationStatement", "m6",
           medication("m6", "A81001", "p1", "111", R"("effectiveDateTime": "2024")", "active", true));
  }
  // A partner's narrowing: practice A81001, both types, p2 dissented, and code
  // 999 (say, a sensitive category) excluded.
  static search::Visibility partner() {
    search::Grant g;
    g.controllers = {"A81001"};
    g.types = {"Patient", "MedicationStatement"};
    g.patients_out = {"p2"};
    g.excluded_codes = {{"https://dmd.nhs.uk", "999"}};
    return {false, {g}};
  }
};

}  // namespace

TEST_P(VisibilityTest, GrantsNarrowSearches) {
  EXPECT_EQ(ids("MedicationStatement", {}, partner()), (Ids{"m1", "m4"}));
  EXPECT_EQ(ids("Patient", {}, partner()), Ids{"p1"});
  EXPECT_EQ(ids("Patient", {}, search::Visibility::nothing()), Ids{});
  EXPECT_EQ(ids("Patient", {}, search::Visibility::everything()), (Ids{"p1", "p2", "p3", "p4"}));

  auto vis = partner();
  vis.grants[0].types = {"Patient"};
  EXPECT_EQ(ids("MedicationStatement", {}, vis), Ids{});  // type not granted
  vis = partner();
  vis.grants[0].exclude_confidential = false;
  EXPECT_EQ(ids("MedicationStatement", {}, vis), (Ids{"m1", "m4", "m6"}));
  vis = partner();
  vis.grants[0].patients_restricted = true;
  vis.grants[0].patients_in = {"p3", "p4"};
  vis.grants[0].exclude_confidential = false;
  EXPECT_EQ(ids("MedicationStatement", {}, vis), Ids{"m4"});
  vis.grants[0].patients_in.clear();
  EXPECT_EQ(ids("MedicationStatement", {}, vis), Ids{});  // restricted to nobody
  vis = partner();
  vis.grants[0].controllers.clear();
  EXPECT_EQ(ids("MedicationStatement", {}, vis), Ids{});  // a grant without controllers grants nothing

  // Grants are ORed: a second agreement with B82002 adds its resources only.
  vis = partner();
  search::Grant other;
  other.controllers = {"B82002"};
  other.types = {"MedicationStatement"};
  vis.grants.push_back(other);
  EXPECT_EQ(ids("MedicationStatement", {}, vis), (Ids{"m1", "m4", "m5"}));
}

TEST_P(VisibilityTest, ThousandsOfPatientIdsStayCheap) {
  auto vis = partner();
  vis.grants[0].patients_restricted = true;
  std::vector<std::string> in, out;
  for (int i = 0; i < 5000; ++i) in.push_back("x" + std::to_string(i));
  in.push_back("p1");
  for (int i = 0; i < 5000; ++i) out.push_back("y" + std::to_string(i));
  vis.grants[0].patients_in = std::move(in);
  vis.grants[0].patients_out = std::move(out);
  EXPECT_EQ(ids("MedicationStatement", {}, vis), Ids{"m1"});
  EXPECT_EQ(ids("MedicationStatement", {}, vis), Ids{"m1"});  // again, from the list's cached form
}

TEST_P(VisibilityTest, ALongExclusionListHidesWhatAShortOneDoes) {
  // Past the length at which a list is bound as one value instead of inline.
  auto vis = partner();
  std::vector<std::pair<std::string, std::string>> codes;
  for (int i = 0; i < 200; ++i) codes.emplace_back("https://dmd.nhs.uk", "c" + std::to_string(i));
  codes.emplace_back("https://dmd.nhs.uk", "999");
  vis.grants[0].excluded_codes = std::move(codes);
  EXPECT_EQ(ids("MedicationStatement", {}, vis), (Ids{"m1", "m4"}));
  vis.grants[0].excluded_codes = {{"https://dmd.nhs.uk", "111"}, {"https://dmd.nhs.uk", "999"}};
  EXPECT_EQ(ids("MedicationStatement", {}, vis), Ids{});
}

TEST_P(VisibilityTest, TotalsCountOnlyVisibleResourcesAndPagesAreFull) {
  // Six medications exist; two are visible.
  auto q = query("MedicationStatement", {{"_count", "2"}}, partner());
  auto page = run(q);
  EXPECT_EQ(page.total, 2);
  EXPECT_EQ(ids_of(page.matches), (Ids{"MedicationStatement/m1", "MedicationStatement/m4"}));
  EXPECT_FALSE(page.next);  // no phantom page for hidden rows
  q = query("MedicationStatement", {{"_count", "1"}}, partner());
  page = run(q);
  ASSERT_TRUE(page.next);
  q.after = page.next;
  page = run(q);
  EXPECT_EQ(ids_of(page.matches), Ids{"MedicationStatement/m4"});  // hidden m2, m3 skipped, page still full
  EXPECT_FALSE(page.next);
  q = query("MedicationStatement", {{"_summary", "count"}}, partner());
  EXPECT_EQ(run(q).total, 2);
  q = query("MedicationStatement", {{"code", "999"}, {"_count", "0"}}, partner());
  EXPECT_EQ(run(q).total, 0);
}

TEST_P(VisibilityTest, IncludesNeverBringInHiddenResources) {
  // m3 (p2, dissented) is hidden, so is p2; the include of m1's patient is fine.
  auto vis = partner();
  search::Grant meds_of_p2;  // a grant that shows m3 but not patients
  meds_of_p2.controllers = {"A81001"};
  meds_of_p2.types = {"MedicationStatement"};
  vis.grants.push_back(meds_of_p2);
  auto q = query("MedicationStatement", {{"_include", "MedicationStatement:patient"}}, vis);
  q.count = 100;
  auto page = run(q);
  EXPECT_EQ(ids_of(page.matches), (Ids{"MedicationStatement/m1", "MedicationStatement/m2",
                                       "MedicationStatement/m3", "MedicationStatement/m4"}))
      << "the second grant shows every non-confidential medication of A81001";
  EXPECT_EQ(ids_of(page.included), Ids{"Patient/p1"});  // not p2 (dissent), not p3 (confidential)

  q = query("Patient", {{"_revinclude", "MedicationStatement:patient"}}, partner());
  page = run(q);
  EXPECT_EQ(ids_of(page.matches), Ids{"Patient/p1"});
  EXPECT_EQ(ids_of(page.included), Ids{"MedicationStatement/m1"});  // not m2 (excluded code), not m6 (R)
}

TEST_P(VisibilityTest, ChainingOnlyMatchesThroughVisibleTargets) {
  auto vis = partner();
  search::Grant meds;  // medications visible, patients not
  meds.controllers = {"A81001"};
  meds.types = {"MedicationStatement"};
  vis.grants.push_back(meds);
  // p2 is hidden (dissent): its NHS number cannot be used to find m3, even
  // though m3 itself is visible under the second grant.
  EXPECT_EQ(ids("MedicationStatement", {{"patient.identifier", "9000000017"}}, vis), Ids{});
  EXPECT_EQ(ids("MedicationStatement", {{"patient", "p2"}}, vis), Ids{"m3"});  // a plain reference is not a probe of p2
  EXPECT_EQ(ids("MedicationStatement", {{"patient.identifier", "9000000009"}}, vis), (Ids{"m1", "m2"}));
  // p3 is confidential: hidden as a chaining target too.
  EXPECT_EQ(ids("MedicationStatement", {{"patient.family", "smithson"}}, vis), Ids{});
  // A patient of another practice is invisible as a target.
  EXPECT_EQ(ids("MedicationStatement", {{"patient.family", "jones"}}, search::Visibility::everything()),
            Ids{"m5"});
  EXPECT_EQ(ids("MedicationStatement", {{"patient.family", "jones"}}, vis), Ids{});
}

TEST_P(VisibilityTest, ExcludedCodesFollowTheCurrentVersion) {
  auto vis = partner();
  EXPECT_EQ(ids("MedicationStatement", {{"patient", "p1"}}, vis), Ids{"m1"});
  update("MedicationStatement", "m1", medication("m1", "A81001", "p1", "999", R"("effectiveDateTime": "2024")"));
  EXPECT_EQ(ids("MedicationStatement", {{"patient", "p1"}}, vis), Ids{});
  // Consent withdrawn for p1 (now in patients_out): the patient disappears too.
  vis.grants[0].patients_out.push_back("p1");
  EXPECT_EQ(ids("Patient", {}, vis), Ids{});
}

TEST_P(VisibilityTest, HistoryNeverRevealsHiddenResources) {
  store::HistoryQuery q;
  q.visibility = partner();
  auto all = store_->history(q);
  ASSERT_TRUE(all.ok());
  std::vector<std::string> seen;
  for (const auto& v : all->versions) seen.push_back(v.type + "/" + v.id);
  EXPECT_EQ(seen, (Ids{"MedicationStatement/m4", "MedicationStatement/m1", "Patient/p1"}));
  EXPECT_EQ(all->total, 3);
  q.type = "Patient";
  q.id = "p2";
  auto p2 = store_->history(q);
  ASSERT_TRUE(p2.ok());
  EXPECT_TRUE(p2->versions.empty());
  EXPECT_EQ(p2->total, 0);
}

FHIRGW_STORE_BACKENDS(VisibilityTest);
