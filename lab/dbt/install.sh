#!/usr/bin/env bash
# Installs the lab's OpenLineage producer (dbt-core, dbt-postgres, openlineage-dbt)
# into <repo>/.lab/venv from PyPI. Idempotent: a second run with unchanged
# requirements returns at once (the venv is stamped with the requirements hash).
#
#   bash lab/dbt/install.sh          # install or no-op
#   bash lab/dbt/install.sh --force  # reinstall into the same venv
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="$repo/.lab/venv"
stamp="$venv/.labdeck-dbt-requirements.sha256"
python="${PYTHON:-python3}"

force=0
if [[ "${1:-}" == "--force" ]]; then force=1; fi

if ! command -v "$python" >/dev/null 2>&1; then
  echo "install.sh: $python not found (Python >= 3.10 with venv is required)" >&2
  exit 1
fi

want="$(cat "$here/requirements.txt" "$here/constraints.txt" | sha256sum | cut -d' ' -f1) $("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"

if [[ $force -eq 0 && -x "$venv/bin/dbt-ol" && -x "$venv/bin/dbt" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "lab/dbt: venv up to date ($venv)"
  exit 0
fi

start=$(date +%s)
# A venv whose interpreter is gone (python upgraded, copied checkout) is rebuilt.
if [[ -d "$venv" ]] && ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
  echo "lab/dbt: removing broken venv $venv"
  rm -rf "$venv"
fi
if [[ ! -x "$venv/bin/python" ]]; then
  mkdir -p "$repo/.lab"
  "$python" -m venv "$venv"
fi
rm -f "$stamp"

echo "lab/dbt: installing $(grep -E '^[a-z].*==' "$here/requirements.txt" | tr '\n' ' ')into $venv"
(cd "$here" && "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q -r requirements.txt)

# Fail here, not in a test, if an entry point is missing.
"$venv/bin/dbt" --version >/dev/null
"$venv/bin/python" -c 'import openlineage.dbt, openlineage_sql' >/dev/null

echo "$want" > "$stamp"
echo "lab/dbt: installed in $(( $(date +%s) - start ))s, $(du -sh "$venv" | cut -f1)"
