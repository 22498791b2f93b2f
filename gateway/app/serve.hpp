#pragma once
#include "app/config.hpp"

namespace fhirgw::app {

// Runs the gateway until SIGINT/SIGTERM; returns the process exit code.
int run_serve(const GatewayConfig& config);

}  // namespace fhirgw::app
