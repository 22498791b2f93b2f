#pragma once
// Removing the fields an agreement hides before a resource leaves the gateway.
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"

namespace fhirgw::policy {

inline constexpr const char* kObservationValueSystem = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue";

// Removes each hidden field (dotted path relative to the resource, arrays
// traversed at every step, "x[x]" = every choice variant xFoo) and drops
// objects and arrays left empty. When hidden_fields is non-empty the resource
// is labelled meta.security REDACTED whether or not anything was present, so
// the label does not reveal that the patient had, say, a note.
void redact(json::Value& resource, json::Allocator& alloc, const std::vector<std::string>& hidden_fields);

// Whether the path reaches any present, non-null value.
bool has_field(const json::Value& resource, std::string_view path);

}  // namespace fhirgw::policy
