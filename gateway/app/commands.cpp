#include "app/commands.hpp"

namespace fhirgw::app {

void register_commands(CLI::App& cli) { (void)cli; }

}  // namespace fhirgw::app
