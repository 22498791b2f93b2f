#pragma once
// An audit record as a partner's read of a CarePlan leaves it: numbered so
// a test can tell entries apart (request id, resource, one of three patients).
#include <string>

#include "audit/audit_record.hpp"

namespace fhirgw::testing {

inline audit::AuditRecord sample_audit_record(int i) {
  audit::AuditRecord r;
  r.request_id = "req-" + std::to_string(i);
  r.caller.client_id = "ageuk-app";
  r.caller.organisation = "AGEUK1";
  r.caller.purpose = "CAREMGT";
  r.interaction = "read";
  r.type = "CarePlan";
  r.status = 200;
  r.returned = {"CarePlan/cp" + std::to_string(i) + "/_history/1"};
  r.patients = {"pat-" + std::to_string(i % 3)};
  r.agreements = {"dsa-frailty"};
  r.policy_version = "2025.1";
  return r;
}

}  // namespace fhirgw::testing
