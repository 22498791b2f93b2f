#!/usr/bin/env bash
# Installs every Debian package the gateway's build, tests, demo and benchmarks
# need. Idempotent: packages already present are skipped quickly.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config clang libclang-rt-14-dev
  libboost1.81-dev          # Beast + Asio (HTTP/1.1, TLS streams, io_context)
  rapidjson-dev             # FHIR JSON parse/serialise (SAX + DOM, fast)
  libssl-dev openssl        # TLS, JWT signatures (RS/ES), hashes, HMAC
  libcurl4-openssl-dev      # JWKS fetch, upstream push
  libsqlite3-dev sqlite3    # embedded store
  libpq-dev postgresql      # scaled-out store (tests start a real server)
  libyaml-cpp-dev           # policy and configuration files (with comments)
  libcli11-dev              # command line
  libspdlog-dev libfmt-dev  # structured logs
  libgtest-dev libgmock-dev # unit + integration tests
  libbenchmark-dev wrk      # benchmarks
  curl ca-certificates python3
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm fetches the pinned base FHIR definitions. Machines that already carry a
# Node.js with npm keep it; otherwise Debian's npm is installed.
if ! command -v npm >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get install -y -qq --no-install-recommends npm
fi
