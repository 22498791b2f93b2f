#!/usr/bin/env bash
# REST benchmark: wrk on loopback against the gateway (development mode, SQLite
# store, 1,000 patients and 10,000 CarePlans) and against the in-tree ceiling
# server answering the same bytes from memory. Prints req/s, p50/p99, the
# gateway/ceiling ratio, and the gateway's RSS before and after sustained load.
# Usage: tests/bench/run-rest-bench.sh [DURATION_SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-10}
BUILD_DIR=${BUILD_DIR:-build}
THREADS=${WRK_THREADS:-2}
CONNS=${WRK_CONNECTIONS:-32}
./scripts/setup.sh >/dev/null
cmake -S . -B "$BUILD_DIR" -G Ninja >/dev/null
cmake --build "$BUILD_DIR" --target fhir-gateway ceiling-server >/dev/null
work=$(mktemp -d)
cleanup() { kill "${GW_PID:-}" "${CEIL_PID:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

"$BUILD_DIR"/fhir-gateway serve --development --listen 127.0.0.1:0 --store "sqlite:$work/bench.db" \
  >"$work/gw.out" 2>"$work/gw.log" &
GW_PID=$!
for _ in $(seq 100); do grep -q "ready at" "$work/gw.out" && break; sleep 0.1; done
GW=$(sed -n 's/.*ready at //p' "$work/gw.out")
python3 tests/bench/seed.py "$GW" 1000 10000 "$work"

rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
curl -s "$GW/CarePlan/$(head -1 "$work/careplans.txt")" >"$work/read.json"
curl -s "$GW/CarePlan?patient=$(head -1 "$work/patients.txt")" >"$work/search.json"

"$BUILD_DIR"/tests/bench/ceiling-server 0 2 "$work/read.json" "$work/search.json" >"$work/ceil.out" &
CEIL_PID=$!
for _ in $(seq 100); do grep -q "ready at" "$work/ceil.out" && break; sleep 0.1; done
CEIL=$(sed -n 's/.*ready at //p' "$work/ceil.out")

run() {  # name script ids url
  IDS_FILE="$3" wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -s "tests/bench/$2" "$4" 2>&1 |
    sed -n 's/^wrk_result //p'
}
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

echo "REST benchmark: ${DURATION}s per run, wrk -t$THREADS -c$CONNS, $(nproc) cores; 1,000 patients, 10,000 CarePlans"
printf "%-18s %12s %10s %10s %12s %10s %10s %8s\n" scenario gw_req/s gw_p50ms gw_p99ms ceil_req/s ceil_p50 ceil_p99 ratio
rss_start=$(rss "$GW_PID")
for scenario in "read-by-id read.lua careplans.txt" "search-by-patient search.lua patients.txt" "create create.lua patients.txt"; do
  set -- $scenario
  g=$(run "$1" "$2" "$work/$3" "$GW")
  c=$(run "$1" "$2" "$work/$3" "$CEIL")
  ratio=$(awk -v a="$(field "$g" rps)" -v b="$(field "$c" rps)" 'BEGIN { printf "%.0f%%", 100 * a / b }')
  printf "%-18s %12s %10s %10s %12s %10s %10s %8s\n" "$1" "$(field "$g" rps)" "$(field "$g" p50_ms)" \
    "$(field "$g" p99_ms)" "$(field "$c" rps)" "$(field "$c" p50_ms)" "$(field "$c" p99_ms)" "$ratio"
  [ "$(field "$g" non2xx)" = "0" ] || echo "  warning: $(field "$g" non2xx) non-2xx responses from the gateway"
done
rss_mid=$(rss "$GW_PID")
run sustained read.lua "$work/careplans.txt" "$GW" >/dev/null
run sustained search.lua "$work/patients.txt" "$GW" >/dev/null
rss_end=$(rss "$GW_PID")
echo "gateway RSS: start ${rss_start} KiB, after scenarios ${rss_mid} KiB, after 2 more sustained runs ${rss_end} KiB"
