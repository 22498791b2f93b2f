#pragma once
// Who is calling, as established by authentication (gateway/auth) and read by
// the policy engine (gateway/policy) and audit. A default Caller is
// unauthenticated and may see nothing.
#include <string>
#include <vector>

namespace fhirgw {

enum class OrgKind { unknown, statutory, voluntary, controller, internal };

struct Caller {
  bool authenticated = false;
  std::string client_id;
  std::string organisation;  // ODS-style organisation code
  OrgKind kind = OrgKind::unknown;
  std::vector<std::string> roles;   // partner, integrator, ig-officer, admin
  std::vector<std::string> scopes;  // granted SMART v2 scopes, e.g. "system/CarePlan.rs"
  std::string purpose;              // purpose of use (ActReason code) for this request
  std::string token_id;             // jti of the access token (for audit), never the token

  bool has_role(const std::string& r) const {
    for (const auto& x : roles)
      if (x == r) return true;
    return false;
  }
};

inline const char* to_string(OrgKind k) {
  switch (k) {
    case OrgKind::statutory: return "statutory";
    case OrgKind::voluntary: return "voluntary";
    case OrgKind::controller: return "controller";
    case OrgKind::internal: return "internal";
    default: return "unknown";
  }
}

}  // namespace fhirgw
