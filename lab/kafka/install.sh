#!/usr/bin/env bash
# Fetches Apache Kafka (broker + runtime deps + a log4j2 backend) from Maven Central into .lab/kafka/libs.
set -euo pipefail

KAFKA_VERSION="${KAFKA_VERSION:-4.3.1}"
LOG4J_VERSION="2.25.5"

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
home="$repo/.lab/kafka"
libs="$home/libs"
stamp="$libs/.installed-$KAFKA_VERSION"

if [ -f "$stamp" ]; then
  echo "kafka $KAFKA_VERSION already installed in $libs"
  exit 0
fi

command -v java >/dev/null || { echo "java (>= 17) is required" >&2; exit 1; }
command -v mvn >/dev/null || { echo "mvn is required" >&2; exit 1; }

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
touch "$work/libs/.installed-$KAFKA_VERSION"
mkdir -p "$home"
rm -rf "$libs"
mv "$work/libs" "$libs"
echo "installed $(ls "$libs" | grep -c '\.jar$') jars ($(du -sh "$libs" | cut -f1)) in $libs"
