#pragma once
// application/x-www-form-urlencoded bodies (the OAuth token request).
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace fhirgw::auth {

using FormFields = std::vector<std::pair<std::string, std::string>>;

// '+' is a space and %XX a byte; a bad escape, an empty name or a body over
// max_bytes is an error. Order and repeats are kept (see form_value).
Result<FormFields> parse_form(std::string_view body, std::size_t max_bytes = 64 * 1024);
// The single value of `name`: nullopt when absent; an error when repeated
// (RFC 6749 §3.2: parameters MUST NOT be included more than once).
Result<std::optional<std::string>> form_value(const FormFields& fields, std::string_view name);
std::string form_encode(const FormFields& fields);

}  // namespace fhirgw::auth
