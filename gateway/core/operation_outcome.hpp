#pragma once
#include <string>

#include "core/error.hpp"

namespace fhirgw {

// Serialises an Error (or a single informational message) as a FHIR
// OperationOutcome JSON text.
std::string to_operation_outcome(const Error& e);
std::string operation_outcome_info(const std::string& diagnostics);

}  // namespace fhirgw
