#!/usr/bin/env bash
# Installs the lab's Airflow 3 (.lab/airflow3/venv) and Airflow 2 (.lab/airflow2/venv) from PyPI, each
# pinned with hashes by its lock file in this folder (see README.md to regenerate them). Idempotent: a
# venv whose lock is unchanged is left alone.
#
#   bash lab/airflow/install.sh     # both
#   bash lab/airflow/install.sh 3   # only Airflow 3 (or 2)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../install-lib.sh
source "$here/../install-lib.sh"

for major in ${1:-3 2}; do
  lab_locked_venv "lab/airflow$major" "$lab_root/.lab/airflow$major/venv" \
    "$here/requirements-airflow$major.lock" airflow version
done
