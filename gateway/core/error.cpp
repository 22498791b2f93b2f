#include "core/error.hpp"

namespace fhirgw {

Error Error::make(int status, std::string code, std::string diagnostics, std::string expression) {
  Error e;
  e.status = status;
  e.issues.push_back({Severity::error, std::move(code), std::move(diagnostics), std::move(expression)});
  return e;
}

Error Error::invalid(std::string diagnostics, std::string expression) {
  return make(400, "invalid", std::move(diagnostics), std::move(expression));
}
Error Error::not_found(std::string diagnostics) { return make(404, "not-found", std::move(diagnostics)); }
Error Error::internal(std::string diagnostics) { return make(500, "exception", std::move(diagnostics)); }

Error& Error::add(Severity sev, std::string code, std::string diagnostics, std::string expression) {
  issues.push_back({sev, std::move(code), std::move(diagnostics), std::move(expression)});
  return *this;
}

const std::string& Error::message() const {
  static const std::string empty;
  return issues.empty() ? empty : issues.front().diagnostics;
}

const char* to_string(Severity s) {
  switch (s) {
    case Severity::fatal: return "fatal";
    case Severity::error: return "error";
    case Severity::warning: return "warning";
    case Severity::information: return "information";
  }
  return "error";
}

}  // namespace fhirgw
