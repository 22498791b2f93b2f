// FHIR dates → practice formats, in Europe/London time.
#include <gtest/gtest.h>

#include "writeback/source_time.hpp"

using namespace fhirgw::adapters::writeback;

TEST(SourceTime, SummerInstantsBecomeBritishSummerTime) {
  auto t = to_london("2025-07-01T09:30:00+00:00");
  ASSERT_TRUE(t);
  EXPECT_EQ(emis_date(*t), "2025-07-01");
  EXPECT_EQ(emis_time(*t), "10:30:00");
  EXPECT_EQ(systmone_datetime(*t), "01 Jul 2025 10:30:00");
  auto z = to_london("2025-07-01T23:30:00Z");
  EXPECT_EQ(systmone_datetime(*z), "02 Jul 2025 00:30:00");
}

TEST(SourceTime, WinterInstantsStayGmtAndOffsetsAreApplied) {
  auto t = to_london("2025-01-15T11:02:00+01:00");
  ASSERT_TRUE(t);
  EXPECT_EQ(emis_time(*t), "10:02:00");
  EXPECT_EQ(compact_timestamp(*t), "20250115100200");
}

TEST(SourceTime, DatesHaveNoTime) {
  auto t = to_london("2025-03-30");
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->has_time);
  EXPECT_EQ(emis_date(*t), "2025-03-30");
  EXPECT_EQ(emis_time(*t), "");
  EXPECT_EQ(systmone_datetime(*t), "30 Mar 2025 00:00:00");
  EXPECT_FALSE(to_london("30/03/2025"));
}

TEST(SourceTime, EpochAcrossTheSpringChange) {
  // 2025-03-30 00:59:59Z is GMT; 01:00:00Z is 02:00 BST.
  EXPECT_EQ(systmone_datetime(london_from_epoch_ms(1743296399000)), "30 Mar 2025 00:59:59");
  EXPECT_EQ(systmone_datetime(london_from_epoch_ms(1743296400000)), "30 Mar 2025 02:00:00");
}
