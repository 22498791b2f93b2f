#pragma once
// Where a resource came from: (format, organisation, table, key). Its id is
// derived from these, so a re-import of the same record updates rather than
// duplicates, and its source key is kept as an identifier.
#include <string>
#include <string_view>

namespace fhirgw::adapters {

struct SourceKey {
  std::string format;        // emis | systmone
  std::string organisation;  // controller ODS code
  std::string table;         // CareRecord_Alert, SRPatient, ...
  std::string key;           // the row's key value

  std::string id() const;
  // https://fhir-gateway.org.uk/Id/<format>/<organisation>/<table>
  std::string identifier_system() const;
};

std::string derived_id(std::string_view format, std::string_view organisation,
                       std::string_view table, std::string_view key);
// https://fhir-gateway.org.uk/CodeSystem/<format>-local/<organisation>
std::string local_code_system(std::string_view format, std::string_view organisation);

}  // namespace fhirgw::adapters
