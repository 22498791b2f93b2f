#pragma once
// How a reference text ("Patient/123", "https://host/fhir/Patient/123",
// "Patient/123/_history/2", a canonical "https://x/Questionnaire/q|1.0") is
// split into type, id and URL — shared by the indexer and the search parser.
#include <optional>
#include <string>
#include <string_view>

namespace fhirgw::search {

struct ReferenceParts {
  std::string type;  // "" when the text has no type (a bare id, or an opaque URL)
  std::string id;    // "" for URLs with no Type/id tail (e.g. urn:uuid:...)
  std::string url;   // the absolute URL as written ("" for relative references)
};

// nullopt for empty text and for contained references ("#x").
std::optional<ReferenceParts> parse_reference(std::string_view text);

// A resource type name shape: an upper-case letter then letters.
bool looks_like_type(std::string_view name);

}  // namespace fhirgw::search
