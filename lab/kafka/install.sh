#!/usr/bin/env bash
# Fetches Apache Kafka (broker + runtime deps + a log4j2 backend) from Maven Central into .lab/kafka/libs.
set -euo pipefail

KAFKA_VERSION="${KAFKA_VERSION:-4.3.1}"
LOG4J_VERSION="2.25.5"

# shellcheck source=../install-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../install-lib.sh"
libs="$lab_root/.lab/kafka/libs"

lab_exit_if_installed "$libs/.installed-$KAFKA_VERSION" "kafka $KAFKA_VERSION already installed in $libs"
lab_require java mvn

echo "fetching kafka_2.13:$KAFKA_VERSION and its runtime dependencies from Maven Central..."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat >"$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>labdeck.lab</groupId>
  <artifactId>kafka-libs</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$LOG4J_VERSION</version></dependency>
  </dependencies>
</project>
POM

if ! mvn -q -B -f "$work/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$work/libs" >"$work/mvn.log" 2>&1; then
  sed 's/\x1b\[[0-9;]*m//g' "$work/mvn.log" >&2
  echo "mvn failed: could not fetch kafka_2.13:$KAFKA_VERSION" >&2
  exit 1
fi
lab_move_into_place "$work/libs" "$libs" ".installed-$KAFKA_VERSION"
echo "installed $(ls "$libs" | grep -c '\.jar$') jars ($(du -sh "$libs" | cut -f1)) in $libs"
