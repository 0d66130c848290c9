#!/usr/bin/env bash
# Idempotent install of Keycloak (the lab's OpenID provider) into <repo>/.lab/keycloak/server from
# Maven Central (org.keycloak:keycloak-quarkus-dist, via mvn, cached in ~/.m2), then builds it once for the
# lab (`kc.sh build --db=dev-mem`) so every start can be `start --optimized`: no per-start
# re-augmentation (30-45 s) and no start writing into the shared lib/ while another instance runs.
# Keycloak runs on the lab's JDK 25 (.lab/trino/jdk, which lab/trino/install.sh brings from PyPI): installed
# first when missing. Re-running is a no-op while the stamp for the pinned version is there.
set -euo pipefail

KEYCLOAK_VERSION="${KEYCLOAK_VERSION:-26.7.3}"
DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

# shellcheck source=../install-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../install-lib.sh"
dest="${KEYCLOAK_LAB_DIR:-$lab_root/.lab/keycloak}"
jdk="${TRINO_LAB_DIR:-$lab_root/.lab/trino}/jdk"
stamp="$dest/server/.installed-$KEYCLOAK_VERSION"

if [ ! -x "$jdk/bin/java" ]; then
  echo "keycloak: the lab's JDK is missing; installing it with lab/trino/install.sh"
  bash "$lab_root/lab/trino/install.sh"
fi
lab_exit_if_installed "$stamp" "keycloak $KEYCLOAK_VERSION already installed in $dest/server"
lab_require mvn unzip

start=$(date +%s)
mkdir -p "$dest"
work="$(mktemp -d "$dest/.tmp.XXXXXX")"
trap 'rm -rf "$work"' EXIT

artifact="org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip"
echo "keycloak: fetching $artifact (~190 MB) from Maven Central"
if ! mvn -B -Dstyle.color=never "$DEP_PLUGIN:copy" -Dartifact="$artifact" -DoutputDirectory="$work/dl" \
    -Dmdep.useBaseVersion=true >"$work/mvn.log" 2>&1; then
  tail -40 "$work/mvn.log" >&2
  echo "keycloak install: could not fetch $artifact from Maven Central" >&2
  exit 1
fi
unzip -q "$work/dl/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip" -d "$work/unzipped"
[ -x "$work/unzipped/keycloak-$KEYCLOAK_VERSION/bin/kc.sh" ] || {
  echo "the zip has no keycloak-$KEYCLOAK_VERSION/bin/kc.sh" >&2
  exit 1
}
built="$work/unzipped/keycloak-$KEYCLOAK_VERSION"
echo "keycloak: building it for the lab (in-memory H2; ~30 s)"
if ! JAVA_HOME="$jdk" "$built/bin/kc.sh" build --db=dev-mem >"$work/build.log" 2>&1; then
  tail -40 "$work/build.log" >&2
  echo "keycloak install: kc.sh build failed" >&2
  exit 1
fi
lab_move_into_place "$work/unzipped/keycloak-$KEYCLOAK_VERSION" "$dest/server" ".installed-$KEYCLOAK_VERSION"
echo "keycloak: installed $KEYCLOAK_VERSION in $dest/server in $(( $(date +%s) - start ))s ($(du -sh "$dest/server" | cut -f1))"
