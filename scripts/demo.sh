#!/usr/bin/env bash
# Quick-start command 1: install what is needed, build, and run the gateway
# with the demo (two SystmOne-style practices, one EMIS-style practice, a
# voluntary partner, a community trust, a policy with two sharing agreements).
# Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/fetch-definitions.sh
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" --target fhir-gateway extract-generator
exec ./scripts/demo-run.sh
