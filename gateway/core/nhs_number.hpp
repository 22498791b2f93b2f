#pragma once
// NHS number Modulus 11 check, shared by the extract readers (verification
// status on import) and the validator.
#include <optional>
#include <string_view>

namespace fhirgw {

// True for exactly ten ASCII digits whose tenth digit is the Modulus 11 check
// digit of the first nine (weights 10..2; 11 → 0; 10 → never valid).
bool nhs_number_valid(std::string_view number);

// The check digit for nine leading digits, or nullopt when no check digit
// exists (remainder gives 10) or the input is not nine digits.
std::optional<int> nhs_check_digit(std::string_view first_nine);

}  // namespace fhirgw
