#include "app/commands.hpp"

namespace fhirgw::app {

void register_commands(CLI::App& cli) {
  register_token_commands(cli);
  register_audit_commands(cli);
  register_import_command(cli);
  register_export_command(cli);
  register_validate_command(cli);
  register_policy_commands(cli);
}

}  // namespace fhirgw::app
