#!/usr/bin/env bash
# Installs the lab's MLflow tracking server (mlflow-skinny and what `mlflow server` needs) into
# .lab/mlflow/venv from PyPI, pinned with hashes by requirements.lock (see README.md to regenerate it).
# Idempotent: nothing to do when the lock is unchanged.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../install-lib.sh
source "$here/../install-lib.sh"

lab_locked_venv lab/mlflow "$lab_root/.lab/mlflow/venv" "$here/requirements.lock" mlflow --version
