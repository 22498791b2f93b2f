#!/usr/bin/env bash
# The cost of governance per request, measured with wrk on loopback:
#   open       development mode: no authentication, no policy, no audit
#   auth-only  a benchmark-only build with policy and audit compiled out:
#              bearer-token verification, scopes, rate limit
#   audit-only a benchmark-only build with policy compiled out: auth-only +
#              the durable audit entry (what the audit alone costs)
#   governed   the real gateway: token + policy decision (narrowing and the
#              per-resource check, redaction) + durable audit entry
# on 10,000 patients (each with a consent permit and a CarePlan) and a policy
# of 100 agreements, as the Age UK partner (CAREMGT). Prints req/s, p50/p99
# and the overheads: auth = 1 - auth-only/open, enforcement+audit = 1 - governed/auth-only,
# of which audit = 1 - audit-only/auth-only and policy = 1 - governed/audit-only.
# Governed responses wait for the durable audit entry (group commit), so with
# few connections the fsync latency bounds throughput; BENCH_CONNECTIONS lists
# the wrk connection counts to run (default 32), e.g. "32 128" also shows the
# amortised cost.
# Usage: tests/bench/run-governance-bench.sh [DURATION_SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$(pwd)
DURATION=${1:-10}
PATIENTS=${BENCH_PATIENTS:-10000}
BUILD_DIR=${BUILD_DIR:-build}
BENCH_BUILD=${BENCH_BUILD_DIR:-build-bench}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
./scripts/setup.sh >/dev/null
./scripts/fetch-definitions.sh
cmake -S . -B "$BUILD_DIR" -G Ninja >/dev/null
cmake --build "$BUILD_DIR" --target fhir-gateway >/dev/null
cmake -S . -B "$BENCH_BUILD" -G Ninja -DFHIRGW_BENCH_GATEWAYS=ON >/dev/null
cmake --build "$BENCH_BUILD" --target fhir-gateway-bench-noenforce fhir-gateway-bench-auditonly >/dev/null
GW=$REPO/$BUILD_DIR/fhir-gateway
NOENF=$REPO/$BENCH_BUILD/fhir-gateway-bench-noenforce
AUDITONLY=$REPO/$BENCH_BUILD/fhir-gateway-bench-auditonly
work=$(mktemp -d)
cleanup() { [ -n "${PID:-}" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
[ -n "${KEEP_WORK:-}" ] && trap "echo work kept in $work" EXIT

start() {  # binary args... ; sets PID and URL
  "$@" >"$work/out" 2>"$work/log" &
  PID=$!
  for _ in $(seq 300); do grep -q "ready at" "$work/out" && break; kill -0 $PID 2>/dev/null || break; sleep 0.1; done
  grep -q "ready at" "$work/out" || { tail "$work/log"; exit 1; }
  URL=$(sed -n 's/.*ready at //p' "$work/out")
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=; }

start "$GW" serve --development --listen 127.0.0.1:0 --store "sqlite:$work/g.db"
python3 tests/bench/seed_governed.py "$URL" "$PATIENTS" "$work"
stop

"$GW" keygen --out "$work/keys" --name gateway >/dev/null
"$GW" keygen --out "$work/keys" --name ageuk >/dev/null
cat >"$work/clients.yaml" <<YAML
clients:
  - client_id: ageuk-app
    organisation: AGEUK1
    kind: voluntary
    roles: [partner]
    allowed_scopes: [system/CarePlan.rs, system/Patient.rs]
    jwks_file: keys/ageuk.jwks.json
YAML
python3 tests/bench/policy_100.py config/policy.example.yaml "$work/policy.yaml"
cat >"$work/gateway.yaml" <<YAML
limits:
  client_rate_per_second: 10000000
  client_rate_burst: 10000000
YAML
governed_args=(serve --config "$work/gateway.yaml" --listen 127.0.0.1:0 --store "sqlite:$work/g.db" --policy "$work/policy.yaml"
               --clients "$work/clients.yaml" --signing-key "$work/keys/gateway.key.pem")

run() {  # connections script ids url [auth] [purpose]
  AUTH_HEADER="${5:-}" PURPOSE="${6:-}" IDS_FILE="$3" wrk -t2 -c"$1" -d"${DURATION}s" --latency -s "tests/bench/$2" "$4" 2>&1 |
    sed -n 's/^wrk_result //p'
}
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
declare -A R
modes="open auth-only audit-only governed"
for mode in $modes; do
  case $mode in
    open) start "$GW" serve --development --listen 127.0.0.1:0 --store "sqlite:$work/g.db"; AUTH= ;;
    auth-only) start "$NOENF" "${governed_args[@]}" ;;
    audit-only) start "$AUDITONLY" "${governed_args[@]}" ;;
    governed) start "$GW" "${governed_args[@]}" ;;
  esac
  if [ "$mode" != open ]; then
    TOKEN=$("$GW" token --client ageuk-app --key "$work/keys/ageuk.key.pem" --kid ageuk-1 --token-url "$URL/auth/token" \
      --scope "system/CarePlan.rs system/Patient.rs" 2>/dev/null)
    AUTH="Bearer $TOKEN"
  fi
  for c in $CONNECTIONS; do
    R[$mode,read,$c]=$(run "$c" read.lua "$work/careplans.txt" "$URL" "$AUTH" CAREMGT)
    R[$mode,search,$c]=$(run "$c" search.lua "$work/patients.txt" "$URL" "$AUTH" CAREMGT)
  done
  stop
done

for c in $CONNECTIONS; do
  echo "Governance benchmark: ${DURATION}s per run, wrk -t2 -c$c, $(nproc) cores; $PATIENTS patients, 100 agreements"
  printf "%-18s %-10s %10s %9s %9s %8s\n" scenario mode req/s p50_ms p99_ms non2xx
  for s in read search; do
    for mode in $modes; do
      r=${R[$mode,$s,$c]}
      printf "%-18s %-10s %10s %9s %9s %8s\n" "$s" "$mode" "$(field "$r" rps)" "$(field "$r" p50_ms)" "$(field "$r" p99_ms)" "$(field "$r" non2xx)"
    done
    awk -v o="$(field "${R[open,$s,$c]}" rps)" -v a="$(field "${R[auth-only,$s,$c]}" rps)" \
      -v d="$(field "${R[audit-only,$s,$c]}" rps)" -v g="$(field "${R[governed,$s,$c]}" rps)" -v s="$s" 'BEGIN {
        printf "  %s: authentication overhead %.0f%%, enforcement+audit overhead %.0f%% (goal < 20%%), total %.0f%%\n", s, 100*(1-a/o), 100*(1-g/a), 100*(1-g/o)
        printf "  %s: of which the durable audit %.0f%% (audit-only vs auth-only), policy %.0f%% (governed vs audit-only)\n", s, 100*(1-d/a), 100*(1-g/d) }'
  done
done
