#!/usr/bin/env bash
# Installs the lab's JupyterLab (jupyter_server, the JupyterLab UI, ipykernel) into .lab/jupyter/venv
# from PyPI, pinned with hashes by requirements.lock (see README.md to regenerate it). Idempotent: nothing
# to do when the lock is unchanged.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../install-lib.sh
source "$here/../install-lib.sh"

lab_locked_venv lab/jupyter "$lab_root/.lab/jupyter/venv" "$here/requirements.lock" jupyter lab --version
