#pragma once
// The LIKE patterns both audit log backends search their space-separated
// columns with (ESCAPE '\'): a whole patient id in `patients`, a reference
// prefix ("CarePlan/123") at the start of a word in `entities`.
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

// Matches ' ' || patients || ' '.
inline std::string audit_patient_pattern(const std::string& patient) { return "% " + escape_like(patient) + " %"; }
// Matches ' ' || entities.
inline std::string audit_entity_pattern(const std::string& entity) { return "% " + escape_like(entity) + "%"; }

}  // namespace fhirgw::store
