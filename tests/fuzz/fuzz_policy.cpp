// libFuzzer target: arbitrary text fed to the policy loader must never crash,
// hang or leak; a policy that loads must also decide and narrow without
// crashing. Links gw_policy (gw_core, yaml-cpp).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/engine.hpp"
#include "policy/policy_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fhirgw;
  if (size > 64 * 1024) return 0;  // policies are small; bigger inputs only slow the search
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  policy::LoadOptions options;
  options.base_dir = "/nonexistent-fuzz-dir";  // code sets resolve to nothing unless absolute
  auto loaded = policy::load_policy_text(text, options, "<fuzz>");
  if (!loaded) {
    // Every refusal says why.
    if (loaded.error().issues.empty()) __builtin_trap();
    return 0;
  }
  const policy::Policy& p = *loaded;
  policy::ConsentIndex consents;
  policy::PatientDirectory patients;
  policy::PatientFacts patient{"p1", p.organisations.empty() ? "" : p.organisations.front().code, true, "1950-01-01", {}};
  patients[patient.id] = patient;
  for (const auto& org : p.organisations) {
    policy::Request req;
    req.caller.authenticated = true;
    req.caller.organisation = org.code;
    req.caller.roles = {"partner"};
    req.scope_allows = true;
    req.now_ms = 1750000000000;
    for (const auto& a : p.agreements) {
      if (a.purposes.empty()) continue;
      req.purpose = a.purposes.front();
      for (const auto& rule : a.resources) {
        policy::ResourceFacts r{rule.type, "r1", a.controllers.empty() ? "" : a.controllers.front(), "p1", false, {}, ""};
        (void)policy::decide(p, consents, req, r, &patient);
        req.type = rule.type;
        (void)policy::narrow(p, consents, req, patients);
      }
    }
  }
  return 0;
}
