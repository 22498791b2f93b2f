#include "app/commands.hpp"

namespace fhirgw::app {

void register_commands(CLI::App& cli) {
  register_token_commands(cli);
  register_audit_commands(cli);
  register_validate_command(cli);
}

}  // namespace fhirgw::app
