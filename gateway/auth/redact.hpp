#pragma once
// What the HTTP logger may write instead of a credential.
#include <string>
#include <string_view>

namespace fhirgw::auth {

// "Bearer eyJ…" → "Bearer [redacted]"; any other scheme keeps only its name;
// a value without a scheme becomes "[redacted]"; empty stays empty.
std::string redact_authorization(std::string_view header);

}  // namespace fhirgw::auth
