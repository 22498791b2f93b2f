// fhir-gateway audit verify | export
#include <iostream>

#include "app/commands.hpp"
#include "audit/audit_trail.hpp"
#include "core/fhir_time.hpp"

namespace fhirgw::app {

void register_audit_commands(CLI::App& cli) {
  auto* audit = cli.add_subcommand("audit", "Check and export the audit trail");
  audit->require_subcommand(1);

  static std::string store_url = "sqlite:var/gateway.db";
  auto* verify = audit->add_subcommand("verify", "Check the hash chain: no entry deleted, altered or inserted");
  verify->add_option("--store", store_url, "Store URL the audit trail belongs to");
  verify->callback([] {
    auto log = store::open_audit_log(store_url);
    if (!log.ok()) {
      std::cerr << "fhir-gateway: " << log.error().message() << "\n";
      std::exit(2);
    }
    auto report = audit::verify(**log);
    if (!report.ok()) {
      std::cerr << "fhir-gateway: " << report.error().message() << "\n";
      std::exit(2);
    }
    if (report->intact) {
      std::cout << "audit trail intact: " << report->entries << " entries\n";
      std::exit(0);
    }
    std::cout << "audit trail BROKEN at entry " << report->first_bad_seq << ": " << report->problem << "\n";
    std::exit(1);
  });

  static store::AuditQuery query;
  static std::string from, to;
  auto* exp = audit->add_subcommand("export", "Write audit entries as CSV to standard output");
  exp->add_option("--store", store_url, "Store URL the audit trail belongs to");
  exp->add_option("--from", from, "Entries recorded at or after this date/time");
  exp->add_option("--to", to, "Entries recorded before this date/time");
  exp->add_option("--agent", query.client_id, "Client id");
  exp->add_option("--organisation", query.organisation, "Organisation code");
  exp->add_option("--patient", query.patient, "Patient id");
  exp->add_option("--entity", query.entity, "Resource reference prefix, e.g. CarePlan/123");
  exp->add_option("--outcome", query.outcome, "0 success, 4 refused or invalid, 8 server failure");
  exp->callback([] {
    if (!from.empty()) {
      auto r = fhir_time::parse(from);
      if (!r) { std::cerr << "fhir-gateway: --from is not a date\n"; std::exit(2); }
      query.from_ms = r->lo_ms;
    }
    if (!to.empty()) {
      auto r = fhir_time::parse(to);
      if (!r) { std::cerr << "fhir-gateway: --to is not a date\n"; std::exit(2); }
      query.to_ms = r->lo_ms;
    }
    auto log = store::open_audit_log(store_url);
    if (!log.ok()) { std::cerr << "fhir-gateway: " << log.error().message() << "\n"; std::exit(2); }
    auto csv = audit::export_csv(**log, query);
    if (!csv.ok()) { std::cerr << "fhir-gateway: " << csv.error().message() << "\n"; std::exit(2); }
    std::cout << *csv;
    std::exit(0);
  });
}

}  // namespace fhirgw::app
