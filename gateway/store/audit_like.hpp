#pragma once
// The LIKE patterns the PostgreSQL audit log searches its space-separated
// columns with (ESCAPE '\'), for the semantics audit_row_matches states (the
// SQLite log's block index tests rows with it directly): a whole patient id
// in `patients`; in `entities`, a whole reference, or any version of a
// resource ("CarePlan/1" matches "CarePlan/1/_history/2", not "CarePlan/12").
#include <string>

namespace fhirgw::store {

inline std::string escape_like(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// A whole word: matches ' ' || column || ' '.
inline std::string audit_word_pattern(const std::string& word) { return "% " + escape_like(word) + " %"; }
// Any version of the resource: matches ' ' || entities.
inline std::string audit_any_version_pattern(const std::string& resource) {
  return "% " + escape_like(resource + "/_history/") + "%";
}

}  // namespace fhirgw::store
