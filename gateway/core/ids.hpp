#pragma once
// Resource ids: random (server-assigned) and deterministic (derived from a
// source key so that re-imports update rather than duplicate).
#include <string>
#include <string_view>

namespace fhirgw::ids {

std::string random_uuid();  // RFC 4122 v4, lower case
// RFC 4122 v5 (SHA-1) style id from a namespace string and a name.
std::string derived_uuid(std::string_view namespace_name, std::string_view name);
// FHIR id rule: [A-Za-z0-9\-\.]{1,64}
bool is_valid_id(std::string_view id);
std::string sha256_hex(std::string_view data);
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

}  // namespace fhirgw::ids
