#pragma once
// Errors are values that carry a FHIR element path, so every rejection can be
// turned into an OperationOutcome whose issue.expression names the element.
#include <string>
#include <vector>

namespace fhirgw {

enum class Severity { fatal, error, warning, information };

struct Issue {
  Severity severity = Severity::error;
  std::string code;         // FHIR issue-type code: invalid, not-found, forbidden, ...
  std::string diagnostics;  // human-readable
  std::string expression;   // FHIRPath of the offending element, empty if none
};

struct Error {
  int status = 400;  // HTTP status this error maps to
  std::vector<Issue> issues;

  static Error make(int status, std::string code, std::string diagnostics,
                    std::string expression = {});
  // Convenience constructors for the statuses the REST layer uses most.
  static Error invalid(std::string diagnostics, std::string expression = {});
  static Error not_found(std::string diagnostics);
  static Error internal(std::string diagnostics);

  Error& add(Severity sev, std::string code, std::string diagnostics, std::string expression = {});
  const std::string& message() const;  // first issue's diagnostics
};

const char* to_string(Severity s);

}  // namespace fhirgw
