#pragma once
#include "rest/service.hpp"

namespace fhirgw::app {

// Structural checks every write gets even before profile validation:
// resourceType known, id well-formed, meta well-shaped.
rest::ValidateFn basic_validation();

}  // namespace fhirgw::app
