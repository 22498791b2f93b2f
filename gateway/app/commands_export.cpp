// fhir-gateway export --format emis|systmone --organisation ODS --since T
//                     [--store URL] [--import-config FILE] OUT
//
// Writes the partner writes queued for one practice since T (a FHIR date or
// dateTime, or milliseconds since the epoch) as a write-back file set in
// OUT, and prints what was written and what could not be (with why).
// Exit 0 when the set was written, 2 for a usage or store problem.
#include <iostream>

#include "app/commands.hpp"
#include "app/import_setup.hpp"
#include "writeback/export.hpp"

namespace fhirgw::app {

namespace {

struct ExportArgs {
  std::string format, organisation, since, store_url = "sqlite:var/gateway.db", import_config, out;
  bool json = false;
};

[[noreturn]] void fail(const std::string& message) {
  std::cerr << "fhir-gateway export: " << message << "\n";
  std::exit(2);
}

void run_export(const ExportArgs& a) {
  auto format = adapters::parse_format(a.format);
  if (!format) fail("--format must be emis or systmone");
  auto since = parse_since(a.since);
  if (!since) fail("--since must be a FHIR date or dateTime (e.g. 2025-01-15T00:00:00Z) or epoch milliseconds");
  auto config = load_import_config_file(a.import_config);
  if (!config) fail(config.error().message());
  auto store = store::open_store(a.store_url);
  if (!store) fail(store.error().message());
  auto report = adapters::export_writeback(**store, *format, a.organisation, *since, a.out, *config);
  if (!report) fail(report.error().message());
  std::cout << (a.json ? adapters::render_json(*report) + "\n" : adapters::render_text(*report));
  std::exit(0);
}

}  // namespace

void register_export_command(CLI::App& cli) {
  static ExportArgs args;
  auto* cmd = cli.add_subcommand("export", "Write partner writes back as a practice extract file set");
  cmd->add_option("--format", args.format, "emis or systmone")->required();
  cmd->add_option("--organisation", args.organisation, "The practice (controller) ODS code")->required();
  cmd->add_option("--since", args.since, "Partner writes at or after this FHIR date/dateTime")->required();
  cmd->add_option("--store", args.store_url, "Store URL (default sqlite:var/gateway.db)");
  cmd->add_option("--import-config", args.import_config,
                  "Import settings (YAML): organisation code maps, questionnaire codes")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--json", args.json, "Print the report as JSON");
  cmd->add_option("OUT", args.out, "Folder to write the file set into (created if needed)")->required();
  cmd->callback([] { run_export(args); });
}

}  // namespace fhirgw::app
