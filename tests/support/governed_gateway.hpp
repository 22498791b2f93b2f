#pragma once
// A governed fhir-gateway for security and end-to-end tests: everything a
// real deployment has (client keys and registrations, a TLS CA with server
// and client certificates, the example IG policy with its code set, a seeded
// SQLite store), built in a temporary folder, and the real binary serving
// HTTPS with SMART Backend Services tokens, optional mutual TLS and the
// policy engine. Start one per test suite (it takes about a second).
//
// Registered clients (see kClients in the .cpp):
//   ageuk-app    AGEUK1 voluntary partner   Patient.rs CarePlan.rus Flag.crs QuestionnaireResponse.crs
//                                           MedicationStatement.rs Questionnaire.rs   (purpose CAREMGT)
//   ageuk-flood  AGEUK1 voluntary partner   same scopes; for rate-limit tests so ageuk-app keeps its budget
//   trust-app    RZZ statutory partner      system/*.rs                               (purpose TREAT)
//   trust-writer RZZ statutory partner      system/*.cruds (writes and deletes are attempted, the policy decides)
//   trust-mtls   RZZ statutory partner      system/*.rs, certificate "trust-mtls" registered: tokens
//                                           fetched over that certificate are bound to it (RFC 8705)
//   ig-officer   ICB1 internal, ig-officer  no scopes; $explain, $dry-run, $reload-policy, AuditEvent
// plus keys/intruder.key.pem: a key pair no client is registered with.
//
// Seeded resources are named by role: id("consenting patient") is
// "Patient/pat-consent". roles() lists them all; the .cpp documents what each
// one is for and who may see it under the example policy.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "gateway_process.hpp"
#include "http_client.hpp"

namespace fhirgw::testing {

class GovernedGateway {
 public:
  // Builds the folder, seeds the store (through a development-mode gateway
  // that is stopped again) and starts the governed gateway over HTTPS with
  // client-certificate verification.
  static Result<std::unique_ptr<GovernedGateway>> start();
  ~GovernedGateway();
  GovernedGateway(const GovernedGateway&) = delete;
  GovernedGateway& operator=(const GovernedGateway&) = delete;

  const std::string& base_url() const { return governed_->base_url(); }
  GatewayProcess& process() { return *governed_; }
  std::string file(const std::string& name) const { return dir_.file(name); }  // in the temporary folder
  std::string ca_file() const { return dir_.file("tls/ca.pem"); }
  std::string store_url() const { return "sqlite:" + dir_.file("db/gateway.db"); }
  std::string policy_file() const { return dir_.file("policy.yaml"); }
  std::string clients_file() const { return dir_.file("clients.yaml"); }
  // The private key the gateway signs access tokens with (to forge expired ones in tests).
  std::string signing_key_file() const { return dir_.file("keys/gateway.key.pem"); }
  // keys/NAME.key.pem for NAME in ageuk, ageukflood, trust, trustwriter, trustmtls, igofficer, intruder.
  std::string client_key_file(const std::string& name) const { return dir_.file("keys/" + name + ".key.pem"); }
  // tls/client-NAME.pem and .key (NAME: trust-mtls, stranger; stranger is signed by the CA but unregistered).
  std::string client_cert_file(const std::string& name) const { return dir_.file("tls/client-" + name + ".pem"); }
  std::string client_cert_key_file(const std::string& name) const { return dir_.file("tls/client-" + name + ".key"); }

  // An access token from /auth/token (SMART Backend Services, client key of
  // the registered client). With cert_name, the token request is made over
  // that client certificate (and the token is bound to it if registered).
  Result<std::string> token(const std::string& client_id, const std::string& scopes,
                            const std::string& cert_name = {}) const;
  // An HTTPS client trusting the test CA, presenting tls/client-<cert_name> when given.
  std::unique_ptr<HttpClient> http(const std::string& cert_name = {}) const;
  // An HTTPS client that sends "Authorization: Bearer <token>" and
  // "X-Purpose-Of-Use: <purpose>" (when purpose is not empty) on every request.
  Result<std::unique_ptr<HttpClient>> session(const std::string& client_id, const std::string& scopes,
                                              const std::string& purpose, const std::string& cert_name = {}) const;

  // Seeded resources by role: "Type/id". Unknown roles throw std::out_of_range.
  const std::string& id(const std::string& role) const { return ids_.at(role); }
  // Only the id part ("pat-consent").
  std::string bare_id(const std::string& role) const;
  const std::map<std::string, std::string>& roles() const { return ids_; }
  // Groups of seeded resources (e.g. "paging careplans visible to ageuk").
  const std::vector<std::string>& group(const std::string& name) const { return groups_.at(name); }

  // A write as the GP practice makes it (through its extract): a request to
  // a development-mode gateway on the same store, started on first use and
  // kept running beside the governed one. The governed gateway must see the
  // change on its next request, without restart.
  HttpResponse practice_request(const std::string& method, const std::string& path, const std::string& json = {});
  // Records a general dissent (9Nd1.) for the patient, as the practice would; returns its Consent id.
  Result<std::string> record_dissent(const std::string& patient_id);

  // A second governed instance on the same store, policy, clients, signing
  // key and cursor key, presenting the primary's base URL (as replicas behind
  // a load balancer do), so tokens and paging links of one are valid on the
  // other. Started on first use; a session against it uses a primary token.
  Result<std::unique_ptr<HttpClient>> replica_session(const std::string& client_id, const std::string& scopes,
                                                      const std::string& purpose);

  // Runs `fhir-gateway audit verify` on the store; output in *text.
  int audit_verify(std::string* text) const;

 private:
  GovernedGateway() = default;
  Status build();
  Status seed();
  Status start_governed();

  TempDir dir_;
  std::unique_ptr<GatewayProcess> governed_;
  std::unique_ptr<GatewayProcess> practice_;
  std::unique_ptr<GatewayProcess> replica_;
  std::string replica_url_;
  std::unique_ptr<HttpClient> practice_http_;
  std::map<std::string, std::string> ids_;
  std::map<std::string, std::vector<std::string>> groups_;
};

// Organisation and purpose constants of the example policy.
inline constexpr const char* kAgeUkScopes =
    "system/Patient.rs system/CarePlan.rus system/Flag.crs system/QuestionnaireResponse.crs "
    "system/MedicationStatement.rs system/Questionnaire.rs";
inline constexpr const char* kTrustScopes = "system/*.rs";

}  // namespace fhirgw::testing
