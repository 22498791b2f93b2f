#include <gtest/gtest.h>

#include "core/nhs_number.hpp"
#include "mapping/source_dates.hpp"

using namespace fhirgw;
using namespace fhirgw::adapters;

TEST(NhsNumber, Modulus11) {
  EXPECT_TRUE(nhs_number_valid("9992345675"));  // the spec's worked example
  EXPECT_TRUE(nhs_number_valid("9993456780"));  // check digit 11 → 0
  EXPECT_FALSE(nhs_number_valid("9992345676"));
  for (char c = '0'; c <= '9'; ++c) {
    EXPECT_FALSE(nhs_number_valid(std::string("999123456") + c)) << "999123456x never valid";
  }
  EXPECT_FALSE(nhs_number_valid("999234567"));
  EXPECT_FALSE(nhs_number_valid("99923456750"));
  EXPECT_FALSE(nhs_number_valid("999234567A"));
  EXPECT_FALSE(nhs_number_valid("999 234 56"));
  EXPECT_FALSE(nhs_number_valid(""));
  EXPECT_EQ(nhs_check_digit("999234567"), 5);
  EXPECT_FALSE(nhs_check_digit("999123456"));
}

TEST(SourceDates, EmisPrecisions) {
  EXPECT_EQ(*emis_datetime("2024-06-03", "", "U"), "");
  EXPECT_EQ(*emis_datetime("2024-06-03", "", "Y"), "2024");
  EXPECT_EQ(*emis_datetime("2024-06-03", "", "YM"), "2024-06");
  EXPECT_EQ(*emis_datetime("2024-06-03", "", "YMD"), "2024-06-03");
  EXPECT_EQ(*emis_datetime("2024-06-03", "14:30:00", "YMDT"), "2024-06-03T14:30:00+01:00");  // BST
  EXPECT_EQ(*emis_datetime("2024-01-15", "09:05:00", "YMDT"), "2024-01-15T09:05:00+00:00");  // GMT
  EXPECT_EQ(*emis_datetime("2024-01-15 09:05:00", "", "YMDT"), "2024-01-15T09:05:00+00:00");
  EXPECT_FALSE(emis_datetime("2024-02-30", "", "YMD").ok());
  EXPECT_FALSE(emis_datetime("15/01/2024", "", "YMD").ok());
  EXPECT_FALSE(emis_datetime("2024-01-15", "25:00:00", "YMDT").ok());
  EXPECT_FALSE(emis_datetime("2024-01-15", "", "D").ok());
  EXPECT_EQ(*emis_date("2024-02-29"), "2024-02-29");
  EXPECT_FALSE(emis_date("2023-02-29").ok());
}

TEST(SourceDates, SystmOneFormats) {
  EXPECT_EQ(*systmone_datetime("29 Sep 2011 14:53:28"), "2011-09-29T14:53:28+01:00");
  EXPECT_EQ(*systmone_datetime("15 Jan 2025 11:02:00"), "2025-01-15T11:02:00+00:00");
  EXPECT_EQ(*systmone_datetime("15 Jan 2025 11:02"), "2025-01-15T11:02:00+00:00");
  EXPECT_EQ(*systmone_date("14 Mar 1957 00:00"), "1957-03-14");
  EXPECT_FALSE(systmone_datetime("2025-01-15").ok());
  EXPECT_FALSE(systmone_datetime("31 Feb 2025 00:00:00").ok());
  EXPECT_FALSE(systmone_datetime("15 Foo 2025 00:00:00").ok());
  EXPECT_EQ(systmone_datetime("xx").error().message(), "invalid date 'xx', expected dd MMM yyyy HH:mm:ss");
}
