#pragma once
#include <CLI/CLI.hpp>

namespace fhirgw::app {

// Registers the subcommands other than serve (import, export, policy, token,
// validate, audit): each lives in its own commands_*.cpp.
void register_commands(CLI::App& cli);

}  // namespace fhirgw::app
