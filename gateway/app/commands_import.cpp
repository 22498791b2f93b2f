// fhir-gateway import --format emis|systmone [--store URL] [--import-config FILE]
//                     --policy FILE [--profiles DIR] [--report-json FILE] DIR
//
// Imports one extract file set in one transaction and prints the report that
// accounts for every row. A progress bar on a terminal, plain lines
// otherwise (stderr), the summary table on stdout. Exit 0 when the set was
// imported (quarantined rows included), 1 when it was refused or a file was
// rejected, 2 for a usage or configuration problem.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "app/commands.hpp"
#include "app/import_setup.hpp"
#include "app/profiles.hpp"
#include "import/importer.hpp"

namespace fhirgw::app {

namespace {

struct ImportArgs {
  std::string format, store_url = "sqlite:var/gateway.db", import_config, policy, profiles, report_json, dir;
};

[[noreturn]] void fail(int code, const std::string& message) {
  std::cerr << "fhir-gateway import: " << message << "\n";
  std::exit(code);
}

// Redraws one line on a terminal; prints a line per file otherwise.
class Progress {
 public:
  explicit Progress(bool terminal) : terminal_(terminal) {}
  bool operator()(const adapters::ImportProgress& p) {
    if (terminal_) {
      constexpr int kWidth = 30;
      int filled = p.steps ? static_cast<int>(kWidth * p.step / p.steps) : 0;
      std::string bar(static_cast<size_t>(filled), '#');
      bar.resize(kWidth, '.');
      std::fprintf(stderr, "\r[%s] step %zu/%zu  %10lld rows  %-60.60s", bar.c_str(), p.step + 1, p.steps,
                   static_cast<long long>(p.rows_done), p.file.c_str());
      std::fflush(stderr);
    } else if (p.file != last_file_) {
      std::fprintf(stderr, "importing %s (step %zu/%zu, %lld rows so far)\n", p.file.c_str(), p.step + 1, p.steps,
                   static_cast<long long>(p.rows_done));
    }
    last_file_ = p.file;
    return true;
  }
  void done() const {
    if (terminal_) std::fprintf(stderr, "\r%*s\r", 120, "");
  }

 private:
  bool terminal_;
  std::string last_file_;
};

void run_import(const ImportArgs& a) {
  auto format = adapters::parse_format(a.format);
  if (!format) fail(2, "--format must be emis or systmone");
  auto setup = load_import_setup(a.import_config, a.policy);
  if (!setup) fail(2, setup.error().message());
  for (const auto& w : setup->warnings) std::cerr << "fhir-gateway import: warning: " << w << "\n";
  auto validator = load_validator(a.profiles);
  if (!validator) fail(2, validator.error().message());
  if (a.store_url.rfind("sqlite:", 0) == 0) {
    std::error_code ec;
    auto parent = std::filesystem::path(a.store_url.substr(7)).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  }
  auto store = store::open_store(a.store_url);
  if (!store) fail(2, store.error().message());

  Progress progress(::isatty(STDERR_FILENO) == 1);
  adapters::ImportOptions options;
  options.validator = validator->get();
  options.progress = [&progress](const adapters::ImportProgress& p) { return progress(p); };
  auto report = adapters::import_file_set(**store, *format, a.dir, setup->config, options);
  progress.done();
  if (!report) {
    std::cerr << "fhir-gateway import: the file set was refused: " << report.error().message() << "\n";
    for (const auto& i : report.error().issues) {
      if (!i.expression.empty()) std::cerr << "  " << i.expression << ": " << i.diagnostics << "\n";
    }
    std::exit(1);
  }
  std::cout << adapters::render_text(*report);
  if (!a.report_json.empty()) {
    std::ofstream out(a.report_json, std::ios::trunc);
    out << adapters::render_json(*report) << "\n";
    if (!out) fail(2, "cannot write " + a.report_json);
  }
  std::exit(import_rejected(*report) ? 1 : 0);
}

}  // namespace

void register_import_command(CLI::App& cli) {
  static ImportArgs args;
  auto* cmd = cli.add_subcommand("import", "Import one EMIS-style or SystmOne-style extract file set");
  cmd->add_option("--format", args.format, "emis or systmone")->required();
  cmd->add_option("--store", args.store_url, "Store URL (default sqlite:var/gateway.db)");
  cmd->add_option("--import-config", args.import_config,
                  "Import settings (YAML): organisation code maps, questionnaires")
      ->check(CLI::ExistingFile);
  cmd->add_option("--policy", args.policy, "IG policy (YAML): its consent codes decide what is consent and dissent")
      ->check(CLI::ExistingFile);
  cmd->add_option("--profiles", args.profiles, "The fhir-profiles folder (profile validation)");
  cmd->add_option("--report-json", args.report_json, "Also write the report as JSON to this file");
  cmd->add_option("DIR", args.dir, "The folder holding the file set")->required()->check(CLI::ExistingDirectory);
  cmd->callback([] { run_import(args); });
}

}  // namespace fhirgw::app
