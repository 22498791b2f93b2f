#include "core/fhir_time.hpp"

#include <gtest/gtest.h>

using namespace fhirgw::fhir_time;

TEST(FhirTime, DateRangesFollowPrecision) {
  auto y = parse("2025");
  ASSERT_TRUE(y);
  EXPECT_EQ(y->lo_ms, days_from_civil(2025, 1, 1) * 86400000LL);
  EXPECT_EQ(y->hi_ms, days_from_civil(2026, 1, 1) * 86400000LL);
  auto m = parse("2024-02");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->hi_ms - m->lo_ms, 29 * 86400000LL);  // leap year
  auto s = parse("2025-01-15T11:02:00+01:00");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->lo_ms, (days_from_civil(2025, 1, 15) * 86400 + 10 * 3600 + 2 * 60) * 1000LL);
  EXPECT_EQ(s->hi_ms - s->lo_ms, 1000);
}

TEST(FhirTime, RejectsMalformed) {
  EXPECT_FALSE(parse("2025-13"));
  EXPECT_FALSE(parse("2025-02-30"));
  EXPECT_FALSE(parse("25-01-01"));
  EXPECT_FALSE(parse("2025-01-01T25:00"));
  EXPECT_FALSE(parse("2025-01-01x"));
  EXPECT_FALSE(is_valid_datetime("2025-01-01T10:00"));  // FHIR needs seconds and zone
  EXPECT_TRUE(is_valid_datetime("2025-01-01T10:00:00Z"));
  EXPECT_TRUE(is_valid_date("2025-01-01"));
  EXPECT_FALSE(is_valid_date("2025-01-01T10:00:00Z"));
  EXPECT_TRUE(is_valid_instant("2025-01-01T10:00:00.123+00:00"));
  EXPECT_FALSE(is_valid_instant("2025-01-01"));
}

TEST(FhirTime, LondonOffsetsAcrossClockChanges) {
  // 2025: BST from 30 March 01:00 GMT to 26 October 02:00 BST.
  EXPECT_EQ(london_datetime(2025, 1, 15, 11, 2, 0), "2025-01-15T11:02:00+00:00");
  EXPECT_EQ(london_datetime(2025, 7, 1, 9, 0, 0), "2025-07-01T09:00:00+01:00");
  EXPECT_EQ(london_offset_minutes(2025, 3, 30, 0, 59), 0);
  EXPECT_EQ(london_offset_minutes(2025, 3, 30, 2, 0), 60);
  EXPECT_EQ(london_offset_minutes(2025, 10, 26, 0, 30), 60);
  EXPECT_EQ(london_offset_minutes(2025, 10, 26, 2, 30), 0);
}

TEST(FhirTime, FormatsInstants) {
  EXPECT_EQ(format_instant(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_instant(1737000000123LL), "2025-01-16T04:00:00.123Z");
  EXPECT_EQ(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
}
