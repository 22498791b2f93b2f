#pragma once
// Shaping what leaves: _summary and _elements subsets (marked SUBSETTED), and
// removal of fields the access layer hides (marked REDACTED).
#include <string>
#include <vector>

#include "core/json.hpp"
#include "rest/route.hpp"
#include "search/search_query.hpp"

namespace fhirgw::rest {

// Removes dotted element paths ("note", "dosage.text", "MedicationStatement.note"),
// traversing arrays, and labels the resource REDACTED.
void redact_fields(json::Value& resource, json::Allocator& a, const std::vector<std::string>& fields);
// Whether a summary mode or _elements changes what is sent.
bool shapes(search::Summary summary, const std::vector<std::string>& elements);
// For search results: summary mode and/or _elements.
std::string shape_for_search(const std::string& body, search::Summary summary,
                             const std::vector<std::string>& elements);
// For read: honours _summary and _elements query parameters.
std::string shape_for_read(const std::string& body, const Params& params);

}  // namespace fhirgw::rest
