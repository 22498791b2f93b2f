#pragma once
// Percent-encoding (RFC 3986) for query strings and form bodies, shared by
// the REST router and the OAuth token endpoint.
#include <optional>
#include <string>
#include <string_view>

namespace fhirgw::url {

// Strict: a malformed escape is an error (nullopt). For credentials and forms.
std::optional<std::string> decode_strict(std::string_view s, bool plus_is_space);
// Lenient: a malformed escape is kept as written. For search parameters.
std::string decode(std::string_view s, bool plus_is_space);
// Everything but unreserved characters is escaped.
std::string encode(std::string_view s);

}  // namespace fhirgw::url
