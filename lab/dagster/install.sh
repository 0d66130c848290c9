#!/usr/bin/env bash
# Installs the lab's Dagster (dagster + dagster-webserver) into .lab/dagster/venv from PyPI, pinned with
# hashes by requirements.lock (see README.md to regenerate it). Idempotent: nothing to do when the lock
# is unchanged.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../install-lib.sh
source "$here/../install-lib.sh"

lab_locked_venv lab/dagster "$lab_root/.lab/dagster/venv" "$here/requirements.lock" dagster --version
