#!/usr/bin/env bash
# Fetches Apache Kafka from Maven Central: the broker (+ runtime deps + a log4j2 backend) into .lab/kafka/libs
# and Kafka Connect (runtime, file connectors, transforms + runtime deps) into .lab/kafka/connect-libs, both of
# the same pinned version. Each folder is fetched once per version.
set -euo pipefail

KAFKA_VERSION="${KAFKA_VERSION:-4.3.1}"
LOG4J_VERSION="2.25.5"

# shellcheck source=../install-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../install-lib.sh"
log4j=(
  "org.apache.logging.log4j:log4j-core:$LOG4J_VERSION"
  "org.apache.logging.log4j:log4j-slf4j-impl:$LOG4J_VERSION"
)

lab_maven_libs "kafka $KAFKA_VERSION" "$lab_root/.lab/kafka/libs" ".installed-$KAFKA_VERSION" \
  "org.apache.kafka:kafka_2.13:$KAFKA_VERSION" "${log4j[@]}"

# Its own classpath: Connect brings Jetty, Jersey and Jackson modules the broker does not need.
lab_maven_libs "kafka connect $KAFKA_VERSION" "$lab_root/.lab/kafka/connect-libs" ".installed-$KAFKA_VERSION" \
  "org.apache.kafka:connect-runtime:$KAFKA_VERSION" "org.apache.kafka:connect-api:$KAFKA_VERSION" \
  "org.apache.kafka:connect-json:$KAFKA_VERSION" "org.apache.kafka:connect-file:$KAFKA_VERSION" \
  "org.apache.kafka:connect-transforms:$KAFKA_VERSION" "${log4j[@]}"
