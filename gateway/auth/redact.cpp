#include "auth/redact.hpp"

#include <algorithm>

namespace fhirgw::auth {

std::string redact_authorization(std::string_view header) {
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  if (header.empty()) return {};
  auto sp = header.find(' ');
  std::string_view scheme = header.substr(0, sp);
  // An auth scheme is a token (RFC 7235); anything else may itself be a secret.
  bool looks_like_scheme =
      sp != std::string_view::npos && scheme.size() <= 32 &&
      std::all_of(scheme.begin(), scheme.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
      });
  if (!looks_like_scheme) return "[redacted]";
  return std::string(scheme) + " [redacted]";
}

}  // namespace fhirgw::auth
