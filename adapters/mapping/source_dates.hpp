#pragma once
// Source date formats → FHIR date / dateTime. Extract times are Europe/London
// wall-clock: a value with a time gets the GMT/BST offset of that moment.
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace fhirgw::adapters {

// EMIS yyyy-MM-dd → FHIR date.
Result<std::string> emis_date(std::string_view date);
// EMIS date + optional HH:mm:ss (separate column or after the date) +
// precision U|Y|YM|YMD|YMDT → FHIR dateTime; "" for U (no date).
Result<std::string> emis_datetime(std::string_view date, std::string_view time,
                                  std::string_view precision);
// SystmOne "dd MMM yyyy HH:mm:ss" / "dd MMM yyyy HH:mm" / "dd MMM yyyy".
Result<std::string> systmone_datetime(std::string_view text);
// The date part only (birthDate).
Result<std::string> systmone_date(std::string_view text);

}  // namespace fhirgw::adapters
