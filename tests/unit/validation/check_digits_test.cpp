#include "validation/check_digits.hpp"

#include <gtest/gtest.h>

namespace fhirgw::validation {
namespace {

TEST(NhsNumber, SpecExampleIsValid) {
  EXPECT_TRUE(nhs_number_valid("9992345675"));
  EXPECT_TRUE(nhs_number_valid("9993456780"));  // check digit 11 -> 0
  EXPECT_TRUE(nhs_number_valid("9994567896"));
}

TEST(NhsNumber, WrongCheckDigitIsInvalid) {
  for (char c = '0'; c <= '9'; ++c) {
    std::string n = "999234567";
    n += c;
    EXPECT_EQ(nhs_number_valid(n), c == '5') << n;
  }
}

TEST(NhsNumber, CheckDigitTenIsNeverValid) {
  // 999123456: sum 10*9+9*9+8*9+7*1+6*2+5*3+4*4+3*5+2*6 = 320, 320 mod 11 = 1, check 10.
  for (char c = '0'; c <= '9'; ++c) EXPECT_FALSE(nhs_number_valid(std::string("999123456") + c));
}

TEST(NhsNumber, ShapeIsChecked) {
  EXPECT_FALSE(nhs_number_valid(""));
  EXPECT_FALSE(nhs_number_valid("999234567"));     // 9 digits
  EXPECT_FALSE(nhs_number_valid("99923456750"));   // 11 digits
  EXPECT_FALSE(nhs_number_valid("999 234 5675"));  // spaces
  EXPECT_FALSE(nhs_number_valid("99923456a5"));
}

TEST(Verhoeff, KnownValues) {
  EXPECT_TRUE(verhoeff_valid("2363"));  // the textbook example: 236 -> check 3
  EXPECT_FALSE(verhoeff_valid("2364"));
  EXPECT_FALSE(verhoeff_valid("23x3"));
}

TEST(Sctid, ConceptIds) {
  EXPECT_TRUE(snomed_concept_id_valid("22298006"));    // myocardial infarction
  EXPECT_TRUE(snomed_concept_id_valid("735324008"));   // treatment escalation plan
  EXPECT_TRUE(snomed_concept_id_valid("322236009"));   // paracetamol 500mg tablet (dm+d VMP)
  EXPECT_TRUE(snomed_concept_id_valid("10759761000119100"));  // extension (long) format
  EXPECT_FALSE(snomed_concept_id_valid("22298007"));   // check digit wrong
  EXPECT_FALSE(snomed_concept_id_valid("12345"));      // too short
  EXPECT_FALSE(snomed_concept_id_valid("0735324008"));  // leading zero
  EXPECT_FALSE(snomed_concept_id_valid("1234567890123456789"));  // too long
}

TEST(Sctid, PartitionMustNameAConcept) {
  // 2579014 is a description id (partition 01) with a valid check digit pattern? Build one:
  // find a check digit that makes "XXXX01d" Verhoeff-valid and confirm it is rejected as a concept.
  for (char c = '0'; c <= '9'; ++c) {
    std::string id = std::string("123456701") + c;
    if (verhoeff_valid(id)) {
      EXPECT_TRUE(sctid_valid(id));
      EXPECT_FALSE(snomed_concept_id_valid(id));
    }
  }
  EXPECT_FALSE(sctid_valid("1234567991"));  // partition 99 does not exist
}

}  // namespace
}  // namespace fhirgw::validation
