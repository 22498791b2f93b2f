// Write-back keys: deterministic, in their reserved space, never the practice's.
#include <gtest/gtest.h>

#include <set>

#include "core/ids.hpp"
#include "mapping/writeback_keys.hpp"

using namespace fhirgw::adapters;

TEST(WritebackKeys, GuidIsAStableVersion8Uuid) {
  auto k = writeback_guid("Y99999", "Flag", "abc");
  EXPECT_EQ(k, writeback_guid("Y99999", "Flag", "abc"));
  ASSERT_EQ(k.size(), 36u);
  EXPECT_EQ(k[14], '8');
  EXPECT_NE(std::string("89AB").find(k[19]), std::string::npos);
  for (char c : k) EXPECT_TRUE(c == '-' || std::isdigit(static_cast<unsigned char>(c)) || (c >= 'A' && c <= 'F')) << k;
  EXPECT_TRUE(is_writeback_guid(k));
  EXPECT_NE(k, writeback_guid("Y99998", "Flag", "abc"));
  EXPECT_NE(k, writeback_guid("Y99999", "CarePlan", "abc"));
  EXPECT_NE(k, writeback_guid("Y99999", "Flag", "abd"));
  EXPECT_NE(k, writeback_guid("Y99999", "Flag", "abc", "item/q1/0"));
}

TEST(WritebackKeys, PracticeGuidsAreNotRecognised) {
  // EMIS and the generator mint version-4 GUIDs.
  EXPECT_FALSE(is_writeback_guid("A1B2C3D4-0001-4E5F-8A9B-000000000001"));
  for (int i = 0; i < 200; ++i) {
    std::string g = fhirgw::ids::random_uuid();
    for (auto& c : g) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_FALSE(is_writeback_guid(g)) << g;
  }
  EXPECT_FALSE(is_writeback_guid("not-a-guid"));
}

TEST(WritebackKeys, RowIdsStayInTheReservedRangeWithoutCollisions) {
  std::set<int64_t> seen;
  for (int i = 0; i < 20000; ++i) {
    int64_t id = writeback_row_id("Y99999", "QuestionnaireResponse", std::to_string(i), "item/q1/0");
    EXPECT_GE(id, kWritebackRowIdFirst);
    EXPECT_TRUE(seen.insert(id).second) << "collision at " << i;
    EXPECT_TRUE(is_writeback_row_id(std::to_string(id)));
  }
  // Practice ids (SRE row identifiers are far below the range).
  EXPECT_FALSE(is_writeback_row_id("5000001"));
  EXPECT_FALSE(is_writeback_row_id("8999999999999999999"));
  EXPECT_TRUE(is_writeback_row_id("9223372036854775807"));
  EXPECT_FALSE(is_writeback_row_id("9000000000000000000x"));
  EXPECT_EQ(writeback_key(Format::systmone, "Y99999", "Flag", "abc"),
            std::to_string(writeback_row_id("Y99999", "Flag", "abc")));
  EXPECT_TRUE(is_writeback_key(Format::emis, writeback_key(Format::emis, "Y99999", "Flag", "abc")));
}

TEST(WritebackKeys, TablesPerType) {
  EXPECT_EQ(*writeback_table(Format::emis, "QuestionnaireResponse"), "CareRecord_Observation");
  EXPECT_EQ(*writeback_table(Format::systmone, "QuestionnaireResponse"), "SRAnsweredQuestionnaire");
  EXPECT_EQ(*writeback_table(Format::emis, "Flag"), "CareRecord_Alert");
  EXPECT_EQ(*writeback_table(Format::systmone, "Flag"), "SRSpecialNotes");
  EXPECT_EQ(*writeback_table(Format::emis, "CarePlan"), "CareRecord_CarePlan");
  EXPECT_EQ(*writeback_table(Format::systmone, "CarePlan"), "SRCarePlan");
  EXPECT_FALSE(writeback_table(Format::emis, "Consent"));
}
