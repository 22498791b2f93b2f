#!/usr/bin/env bash
# Makes a local CA, a server certificate for localhost/127.0.0.1, and client
# certificates for the names given (mutual TLS). For demos and tests only.
# Usage: make-certs.sh OUT_DIR [client-name ...]
set -euo pipefail
out=${1:?usage: make-certs.sh OUT_DIR [client ...]}
shift || true
mkdir -p "$out"
cd "$out"
if [ ! -f ca.pem ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 \
    -subj "/CN=fhir-gateway demo CA (not for production)" -keyout ca.key -out ca.pem 2>/dev/null
fi
if [ ! -f server.pem ]; then
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout server.key -out server.csr 2>/dev/null
  printf "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\n" > server.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 \
    -extfile server.ext -out server.pem 2>/dev/null
  rm -f server.csr server.ext
fi
for name in "$@"; do
  [ -f "client-$name.pem" ] && continue
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$name" \
    -keyout "client-$name.key" -out "client-$name.csr" 2>/dev/null
  printf "extendedKeyUsage=clientAuth\n" > client.ext
  openssl x509 -req -in "client-$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 \
    -extfile client.ext -out "client-$name.pem" 2>/dev/null
  rm -f "client-$name.csr" client.ext
done
chmod 600 ./*.key
