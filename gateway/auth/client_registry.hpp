#pragma once
// The partners and internal clients allowed to call the gateway, with their
// credentials (a JWKS for SMART Backend Services and/or client-certificate
// fingerprints) and the scopes they may ever be granted. Loaded from YAML:
//
//   clients:
//     - client_id: ageuk-lambeth
//       organisation: AGE01
//       kind: voluntary            # statutory | voluntary | controller | internal
//       roles: [partner]           # partner | integrator | ig-officer | admin
//       allowed_scopes: [system/CarePlan.rs, system/QuestionnaireResponse.cruds]
//       jwks_file: keys/ageuk.jwks.json   # or jwks_url: https://... (not both)
//       cert_fingerprints: ["AB:CD:..."]  # SHA-256 of the certificate's DER
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/caller.hpp"
#include "core/result.hpp"

namespace YAML {
class Node;
}

namespace fhirgw::auth {

struct ClientRegistration {
  std::string client_id;
  std::string organisation;
  OrgKind kind = OrgKind::unknown;
  std::vector<std::string> roles;
  std::vector<std::string> allowed_scopes;     // scope patterns (see scopes.hpp)
  std::string jwks_file;                       // resolved against the YAML file's folder
  std::string jwks_url;
  std::vector<std::string> cert_fingerprints;  // normalised: lower-case hex, no colons
};

std::optional<OrgKind> parse_org_kind(std::string_view text);
// The caller a registered client is with all its allowed scopes, stating
// `purpose`: what $explain and `policy explain` answer for.
Caller caller_for(const ClientRegistration& reg, const std::string& purpose);
// Lower-case hex of a SHA-256 fingerprint, ignoring case and ':' separators;
// empty if it is not 64 hex digits.
std::string normalise_fingerprint(std::string_view text);

class ClientRegistry {
 public:
  // All problems are reported at once, one issue each, as
  // "<source>:<line>:<column>: clients[i].field: message".
  static Result<ClientRegistry> from_yaml(const YAML::Node& root, const std::string& source_name,
                                          const std::string& base_dir = {});
  static Result<ClientRegistry> from_yaml_text(std::string_view text, const std::string& source_name,
                                               const std::string& base_dir = {});
  static Result<ClientRegistry> load_file(const std::string& path);

  // Checks the same rules as the YAML loader (ids and fingerprints unique, ...).
  Status add(ClientRegistration client);

  const ClientRegistration* find(std::string_view client_id) const;
  const ClientRegistration* find_by_certificate(std::string_view fingerprint) const;
  const std::vector<ClientRegistration>& clients() const { return clients_; }

 private:
  std::vector<ClientRegistration> clients_;
};

}  // namespace fhirgw::auth
