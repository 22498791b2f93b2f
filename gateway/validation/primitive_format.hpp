#pragma once
// The FHIR R4 primitive types and their JSON representation rules: which JSON
// type carries each one and the lexical form (the spec's regexes, checked by
// hand because they run for every primitive of every resource).
#include <optional>
#include <string>
#include <string_view>

#include "core/json.hpp"

namespace fhirgw::validation {

enum class Primitive {
  none,  // not a primitive
  base64Binary, boolean, canonical, code, date, dateTime, decimal, id, instant, integer,
  markdown, oid, positiveInt, string, time, unsignedInt, uri, url, uuid, xhtml,
};

// "dateTime" -> Primitive::dateTime; none for complex types.
Primitive primitive_from_name(std::string_view fhir_type);

// Checks a primitive's JSON value; empty optional when valid, else why not.
std::optional<std::string> check_primitive(Primitive p, const json::Value& v);

}  // namespace fhirgw::validation
