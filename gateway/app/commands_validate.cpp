// fhir-gateway validate FILE...: the same checks every API write gets.
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/commands.hpp"
#include "app/profiles.hpp"
#include "core/json.hpp"

namespace fhirgw::app {

void register_validate_command(CLI::App& cli) {
  static std::vector<std::string> files;
  static std::string profiles, profile_url;
  auto* cmd = cli.add_subcommand("validate", "Validate FHIR JSON resources against the gateway's profiles");
  cmd->add_option("files", files, "Resource files (JSON)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--profiles", profiles, "The fhir-profiles folder");
  cmd->add_option("--profile", profile_url, "Validate against this profile URL instead of the type's own");
  cmd->callback([] {
    auto validator = load_validator(profiles);
    if (!validator.ok()) {
      std::cerr << "fhir-gateway: " << validator.error().message() << "\n";
      std::exit(2);
    }
    int failed = 0;
    for (const auto& f : files) {
      std::ifstream in(f);
      std::stringstream ss;
      ss << in.rdbuf();
      auto doc = json::parse(ss.str());
      if (!doc.ok()) {
        std::cout << f << ": error: " << doc.error().message() << "\n";
        ++failed;
        continue;
      }
      auto issues = (*validator)->validate(*doc, profile_url);
      bool errors = validation::has_errors(issues);
      failed += errors ? 1 : 0;
      std::cout << f << ": " << (errors ? "INVALID" : "valid") << "\n";
      for (const auto& i : issues)
        std::cout << "  " << to_string(i.severity) << " [" << i.code << "] " << i.expression << ": " << i.diagnostics
                  << "\n";
    }
    std::exit(failed ? 1 : 0);
  });
}

}  // namespace fhirgw::app
