#pragma once
// Check digits of the identifiers the gateway meets: NHS numbers (Modulus 11)
// and SNOMED CT identifiers (Verhoeff). Used by the validator's invariants.
// (gateway/core has no nhs_number.hpp yet; when it does, nhs_number_valid
// should move there and this header forward to it.)
#include <string_view>

namespace fhirgw::validation {

// 10 digits; weights 10..2 on digits 1-9; check = 11 - (sum mod 11), 11 -> 0,
// 10 -> never valid. "9992345675" is valid.
bool nhs_number_valid(std::string_view digits);

// Verhoeff check over a string of decimal digits (last digit is the check).
bool verhoeff_valid(std::string_view digits);

// A SNOMED CT identifier: 6-18 digits, no leading zero, a known partition
// identifier (2nd and 3rd digits from the right) and a valid Verhoeff digit.
bool sctid_valid(std::string_view id);

// An SCTID whose partition says it names a concept (00 or 10), as codes must.
bool snomed_concept_id_valid(std::string_view id);

}  // namespace fhirgw::validation
