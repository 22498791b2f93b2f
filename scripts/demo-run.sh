#!/usr/bin/env bash
# Prepares and runs the demo with an already built gateway (scripts/demo.sh
# builds first). Everything it makes lives in DEMO_DIR and is made afresh:
# demo keys and certificates (never commit them), generated practice
# extracts, the imported store. Then it serves until stopped, printing the
# tokens and the walkthrough of docs/demo.md.
#
# Environment: BUILD_DIR (build), DEMO_DIR (var/demo), DEMO_LISTEN
# (127.0.0.1:8443), DEMO_PATIENTS (300 per practice).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=$(cd "${BUILD_DIR:-$REPO/build}" && pwd)
DEMO_DIR=${DEMO_DIR:-$REPO/var/demo}
LISTEN=${DEMO_LISTEN:-127.0.0.1:8443}
PATIENTS=${DEMO_PATIENTS:-300}
GW=$BUILD_DIR/fhir-gateway
GEN=$BUILD_DIR/adapters/generator/extract-generator
POLICY=$REPO/config/policy.example.yaml
log() { echo "demo: $*" >&2; }

rm -rf "$DEMO_DIR"
mkdir -p "$DEMO_DIR"
DEMO_DIR=$(cd "$DEMO_DIR" && pwd)
cp "$REPO"/config/demo/{gateway,clients,import}.yaml "$DEMO_DIR"/
cd "$DEMO_DIR"

log "making demo keys and certificates in $DEMO_DIR (demo only: never commit them)"
for c in gateway ageuk-northtown community-trust ig-officer integrator; do
  "$GW" keygen --out keys --name "$c" >/dev/null
done
"$REPO"/scripts/make-certs.sh tls >/dev/null

log "generating extracts: Meadow Lane (SystmOne, Y90001), Riverside (SystmOne, Y90002), Northgate (EMIS, Y99999)"
"$GEN" --format systmone --out extracts/Y90001 --patients "$PATIENTS" --seed 101 --organisation Y90001 --systmone-org-id 81001 >&2
"$GEN" --format systmone --out extracts/Y90002 --patients "$PATIENTS" --seed 102 --organisation Y90002 --systmone-org-id 81002 >&2
"$GEN" --format emis --out extracts/Y99999 --patients "$PATIENTS" --seed 103 --organisation Y99999 >&2

log "importing the three practices"
for set in systmone:Y90001 systmone:Y90002 emis:Y99999; do
  "$GW" import --format "${set%%:*}" --store sqlite:gateway.db --import-config import.yaml --policy "$POLICY" \
    "extracts/${set#*:}" >&2
done

"$GW" serve --config gateway.yaml --listen "$LISTEN" --policy "$POLICY" --profiles "$REPO/fhir-profiles" \
  >serve.out 2>gateway.log &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null' EXIT INT TERM
for _ in $(seq 200); do grep -q "ready at" serve.out && break; kill -0 $SERVER 2>/dev/null || break; sleep 0.1; done
if ! grep -q "ready at" serve.out; then
  log "the gateway did not start:"; tail -20 gateway.log >&2; exit 1
fi
BASE=$(sed -n 's/.*ready at //p' serve.out)

# Fresh tokens on demand (they live five minutes): source env.sh, then $(ageuk_token) etc.
cat >env.sh <<ENV
export BASE="$BASE" CA="$DEMO_DIR/tls/ca.pem" GW="$GW" DEMO_DIR="$DEMO_DIR" POLICY="$POLICY"
_demo_token() { "$GW" token --client "\$1" --key "$DEMO_DIR/keys/\$1.key.pem" --kid "\$1-1" --token-url "$BASE/auth/token" --ca "$DEMO_DIR/tls/ca.pem" \${2:+--scope "\$2"} 2>/dev/null; }
ageuk_token() { _demo_token ageuk-northtown "system/Patient.rs system/CarePlan.crus system/Flag.crs system/QuestionnaireResponse.crs system/MedicationStatement.rs system/Questionnaire.rs"; }
trust_token() { _demo_token community-trust "system/*.rs"; }
ig_token() { _demo_token ig-officer; }
integrator_token() { _demo_token integrator; }
ENV
# shellcheck source=/dev/null
. ./env.sh
AGEUK=$(ageuk_token); TRUST=$(trust_token); IG=$(ig_token)

# The story's patient: one Age UK may see, on a medicine in a sensitive category.
STORY_NHS=
for nhs in $(python3 "$REPO/scripts/demo_practice.py" sensitive "$DEMO_DIR" | awk '{print $1}'); do
  seen=$(curl -s --cacert tls/ca.pem -H "Authorization: Bearer $AGEUK" -H "X-Purpose-Of-Use: CAREMGT" \
    "$BASE/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|$nhs&_summary=count" | sed -n 's/.*"total":\([0-9]*\).*/\1/p')
  if [ "$seen" = "1" ]; then STORY_NHS=$nhs; break; fi
done
echo "export STORY_NHS=$STORY_NHS" >>env.sh
cat <<TXT

fhir-gateway demo ready at $BASE

Tokens (valid five minutes; \`source $DEMO_DIR/env.sh\` gives ageuk_token, trust_token,
ig_token and integrator_token for fresh ones):
  Age UK Northtown (voluntary partner):  $AGEUK
  Northtown Community Trust (statutory): $TRUST
  IG officer:                            $IG

The story's patient (NHS number $STORY_NHS) is visible to Age UK and takes a medicine
in a sensitive category. Walk the story with the commands in docs/demo.md, starting with:
  source $DEMO_DIR/env.sh
  curl -s --cacert \$CA -H "Authorization: Bearer \$(ageuk_token)" -H "X-Purpose-Of-Use: CAREMGT" \\
    "\$BASE/Flag?code=https://fhir-gateway.org.uk/CodeSystem/care-flag|complex-case&_include=Flag:patient"

Stop with Ctrl-C. Logs: $DEMO_DIR/gateway.log
TXT
wait $SERVER
