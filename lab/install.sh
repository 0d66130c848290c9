#!/usr/bin/env bash
# Installs every lab server the integration tests use (idempotent; fast when already installed).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# keycloak after trino: it runs on the JDK lab/trino/install.sh brings.
for part in kafka trino dbt schema-registry keycloak airflow dagster spark mongodb mlflow jupyter; do
  if [ -f "$here/$part/install.sh" ]; then
    echo "--- lab/$part"
    started=$SECONDS
    bash "$here/$part/install.sh"
    echo "--- lab/$part: $((SECONDS - started)) s"
  fi
done
