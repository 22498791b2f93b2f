// fhir-gateway policy check | explain | dry-run: what IG officers run before
// a policy goes live, against the real store.
#include <filesystem>
#include <iostream>

#include "app/commands.hpp"
#include "app/gateway_access.hpp"
#include "app/governance_state.hpp"
#include "auth/client_registry.hpp"
#include "core/fhir_time.hpp"
#include "policy/dry_run.hpp"
#include "policy/explain.hpp"
#include "policy/policy_loader.hpp"

namespace fhirgw::app {

namespace {

[[noreturn]] void fail(const std::string& message, int code = 2) {
  std::cerr << "fhir-gateway: " << message << "\n";
  std::exit(code);
}

policy::LoadOptions load_options() {
  policy::LoadOptions o;
  o.extra_dirs = {std::filesystem::current_path().string()};
  return o;
}

policy::Policy load_or_exit(const std::string& file) {
  auto p = policy::load_policy_file(file, load_options());
  if (!p.ok()) {
    std::cerr << file << " does not validate:\n";
    for (const auto& i : p.error().issues) std::cerr << "  " << i.diagnostics << "\n";
    std::exit(1);
  }
  return std::move(p).value();
}

std::unique_ptr<store::Store> open_or_exit(const std::string& url) {
  auto s = store::open_store(url);
  if (!s.ok()) fail(s.error().message());
  return std::move(s).value();
}

}  // namespace

void register_policy_commands(CLI::App& cli) {
  auto* pol = cli.add_subcommand("policy", "Check, explain and dry-run information-governance policies");
  pol->require_subcommand(1);

  static std::string check_file;
  auto* check = pol->add_subcommand("check", "Validate a policy file; every problem is listed with its line");
  check->add_option("file", check_file, "Policy (YAML)")->required()->check(CLI::ExistingFile);
  check->callback([] {
    auto p = load_or_exit(check_file);
    std::cout << check_file << ": valid, version " << p.version_stamp << ", " << p.organisations.size()
              << " organisations, " << p.agreements.size() << " agreements, " << p.code_sets.size()
              << " code sets\n";
    std::exit(0);
  });

  static std::string policy_file, clients_file, store_url = "sqlite:var/gateway.db", client, resource,
                     interaction = "read", purpose;
  auto* explain = pol->add_subcommand("explain", "Why a client may or may not read or write a resource");
  explain->add_option("--policy", policy_file, "Policy (YAML)")->required()->check(CLI::ExistingFile);
  explain->add_option("--clients", clients_file, "Client registrations (YAML)")->required()->check(CLI::ExistingFile);
  explain->add_option("--store", store_url, "Store URL");
  explain->add_option("--client", client, "Client id")->required();
  explain->add_option("--resource", resource, "Type/id")->required();
  explain->add_option("--interaction", interaction, "read, vread, search-type, create, update");
  explain->add_option("--purpose", purpose, "Purpose of use (ActReason code)")->required();
  explain->callback([] {
    auto p = load_or_exit(policy_file);
    auto registry = auth::ClientRegistry::load_file(clients_file);
    if (!registry.ok()) fail(registry.error().message());
    const auto* reg = registry->find(client);
    if (!reg) fail("no client '" + client + "' in " + clients_file);
    auto slash = resource.find('/');
    if (slash == std::string::npos) fail("--resource must be Type/id");
    std::optional<model::Interaction> which;
    for (auto i : {model::Interaction::read, model::Interaction::vread, model::Interaction::search,
                   model::Interaction::create, model::Interaction::update, model::Interaction::history_instance})
      if (model::to_string(i) == interaction || (interaction == "search" && i == model::Interaction::search)) which = i;
    if (!which) fail("unknown --interaction " + interaction);
    auto st = open_or_exit(store_url);
    auto rec = st->read(resource.substr(0, slash), resource.substr(slash + 1));
    if (!rec.ok()) fail(rec.error().message());
    if (!rec->has_value()) fail(resource + " is not in the store", 1);
    GovernanceState gov(*st);
    gov.set_policy(std::move(p));
    if (auto s = gov.load(); !s.ok()) fail(s.error().message());
    auto snap = gov.current();
    if (!snap.ok()) fail(snap.error().message());
    const auto& s = **snap;
    Caller who = auth::caller_for(*reg, purpose);
    auto facts = GatewayAccess::facts_of(**rec);
    const policy::PatientFacts* patient = nullptr;
    if (auto it = s.patients->find(facts.patient_id); it != s.patients->end()) patient = &it->second;
    policy::Request request;
    request.caller = who;
    request.purpose = purpose;
    request.interaction = *which;
    request.type = facts.type;
    request.scope_allows = true;  // the explanation is about the policy; scopes are the token's business
    request.now_ms = fhir_time::now_ms();
    std::cout << json::to_pretty_string(policy::explain(*s.policy, *s.consents, request, facts, patient)) << "\n";
    std::exit(0);
  });

  static std::string current_file, proposed_file, dry_store = "sqlite:var/gateway.db";
  static std::vector<std::string> purposes;
  auto* dry = pol->add_subcommand("dry-run", "What a proposed policy would show or hide, per partner, before it goes live");
  dry->add_option("proposed", proposed_file, "The proposed policy (YAML)")->required()->check(CLI::ExistingFile);
  dry->add_option("--current", current_file, "The policy in force (YAML)")->required()->check(CLI::ExistingFile);
  dry->add_option("--store", dry_store, "Store URL");
  dry->add_option("--purpose", purposes, "Only these purposes of use");
  dry->callback([] {
    auto current = load_or_exit(current_file);
    auto proposed = load_or_exit(proposed_file);
    auto st = open_or_exit(dry_store);
    GovernanceState gov(*st);
    if (auto s = gov.load(); !s.ok()) fail(s.error().message());
    auto snap = gov.current();
    if (!snap.ok()) fail(snap.error().message());
    auto facts = GatewayAccess::all_facts(*st);
    if (!facts.ok()) fail(facts.error().message());
    auto report = policy::dry_run(current, proposed, *(*snap)->consents, *(*snap)->patients, *facts, purposes,
                                  fhir_time::now_ms());
    std::printf("%-10s %-8s %10s %10s %12s %12s %10s %10s\n", "partner", "purpose", "patients", "->", "resources",
                "->", "+visible", "-hidden");
    for (const auto& d : report.partners)
      std::printf("%-10s %-8s %10zu %10zu %12zu %12zu %10zu %10zu\n", d.partner.c_str(), d.purpose.c_str(),
                  d.patients_before, d.patients_after, d.resources_before, d.resources_after,
                  d.resources_became_visible, d.resources_became_hidden);
    std::cout << "\n" << json::to_pretty_string(policy::to_json(report)) << "\n";
    std::exit(0);
  });
}

}  // namespace fhirgw::app
