#pragma once
#include <CLI/CLI.hpp>

namespace fhirgw::app {

// Registers the subcommands other than serve; each family lives in its own
// commands_*.cpp.
void register_commands(CLI::App& cli);

void register_audit_commands(CLI::App& cli);
void register_token_commands(CLI::App& cli);
void register_import_command(CLI::App& cli);
void register_export_command(CLI::App& cli);
void register_validate_command(CLI::App& cli);
void register_policy_commands(CLI::App& cli);

}  // namespace fhirgw::app
