#!/usr/bin/env bash
# Fetches Apicurio Registry (Confluent-compatible API at /apis/ccompat/v7) from Maven Central into
# .lab/schema-registry/app, checking the SHA-1 Maven Central publishes beside the zip.
set -euo pipefail

APICURIO_VERSION="${APICURIO_VERSION:-3.0.9}"

# shellcheck source=../install-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../install-lib.sh"
app="$lab_root/.lab/schema-registry/app"

lab_exit_if_installed "$app/.installed-$APICURIO_VERSION" "apicurio registry $APICURIO_VERSION already installed in $app"
lab_require java curl unzip sha1sum

url="https://repo1.maven.org/maven2/io/apicurio/apicurio-registry-app/$APICURIO_VERSION/apicurio-registry-app-$APICURIO_VERSION-all.zip"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "fetching apicurio-registry-app $APICURIO_VERSION (~110 MB) from Maven Central..."
curl -fsSL --retry 3 -o "$work/app.zip" "$url"
want="$(curl -fsSL --retry 3 "$url.sha1" | cut -c1-40)"
got="$(sha1sum "$work/app.zip" | cut -c1-40)"
if [ "$want" != "$got" ]; then
  echo "checksum mismatch for $url: Maven Central says $want, the download is $got" >&2
  exit 1
fi
unzip -q "$work/app.zip" -d "$work/app"
[ -f "$work/app/apicurio-registry-app-$APICURIO_VERSION-runner.jar" ] || {
  echo "the zip has no apicurio-registry-app-$APICURIO_VERSION-runner.jar" >&2
  exit 1
}
lab_move_into_place "$work/app" "$app" ".installed-$APICURIO_VERSION"
echo "installed apicurio registry $APICURIO_VERSION ($(du -sh "$app" | cut -f1)) in $app"
