// extract-generator: writes a synthetic EMIS-style or SystmOne-style extract set.
#include <CLI/CLI.hpp>

#include <iostream>

#include "generator/generator.hpp"

int main(int argc, char** argv) {
  using namespace fhirgw::adapters;
  CLI::App app{"Write a synthetic practice extract set (EMIS-style or SystmOne-style)"};
  std::string format = "emis", dir;
  GeneratorOptions o;
  bool delta = false;
  app.add_option("--format", format, "emis or systmone")->check(CLI::IsMember({"emis", "systmone"}));
  app.add_option("--out", dir, "output directory")->required();
  app.add_option("--patients", o.patients, "number of patients")->check(CLI::NonNegativeNumber);
  app.add_option("--seed", o.seed, "random seed (same seed, same files)");
  app.add_option("--organisation", o.organisation, "practice ODS code");
  app.add_option("--systmone-org-id", o.systmone_org_id, "SystmOne IDOrganisationVisibleTo");
  app.add_option("--timestamp", o.timestamp, "extract time yyyyMMddHHmmss");
  app.add_flag("--delta", delta, "write a delta against the bulk of the same seed");
  CLI11_PARSE(app, argc, argv);
  o.bulk = !delta;
  auto result = generate_extract(*parse_format(format), dir, o);
  if (!result) {
    std::cerr << "extract-generator: " << result.error().message() << "\n";
    return 1;
  }
  std::cout << "wrote " << result->files << " files, " << result->rows << " rows, " << result->patients
            << " patients to " << dir << "\n";
  if (!result->emis_organisation_guid.empty()) {
    std::cout << "OrganisationGuid " << result->emis_organisation_guid << " = " << o.organisation << "\n";
  }
  return 0;
}
