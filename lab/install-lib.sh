# Sourced by lab/*/install.sh: the steps the lab installs share. Needs `set -euo pipefail` in the caller.

# The repository root (installs go to $lab_root/.lab/<server>).
lab_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# lab_require TOOL...: exits naming the first tool that is not on the PATH.
lab_require() {
  local tool
  for tool in "$@"; do
    if ! command -v "$tool" >/dev/null; then
      if [ "$tool" = java ]; then echo "java (>= 17) is required" >&2; else echo "$tool is required" >&2; fi
      exit 1
    fi
  done
}

# lab_exit_if_installed STAMP MESSAGE: exits 0 with MESSAGE when STAMP exists (installed before).
lab_exit_if_installed() {
  if [ -f "$1" ]; then
    echo "$2"
    exit 0
  fi
}

# lab_move_into_place BUILT DEST STAMP: stamps the freshly built folder BUILT, then replaces DEST with it.
lab_move_into_place() {
  touch "$1/$3"
  mkdir -p "$(dirname "$2")"
  rm -rf "$2"
  mv "$1" "$2"
}

# lab_locked_venv LABEL VENV LOCK [CHECK...]: builds the Python venv VENV from the hash-pinned LOCK
# (`uv pip compile --generate-hashes` output) with $PYTHON (default python3), then runs CHECK (a command
# run with the venv's bin first on the PATH) so a broken install fails here, not in a test. Stamped with
# the lock's hash and the Python version: does nothing when both are unchanged; a changed lock rebuilds
# the venv from scratch so nothing stale stays in it. Prints the install time.
lab_locked_venv() {
  local label="$1" venv="$2" lock="$3"
  shift 3
  local python="${PYTHON:-python3}" stamp="$venv/.labdeck-lock.sha256" want start
  lab_require "$python"
  want="$(sha256sum "$lock" | cut -d' ' -f1) $("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && "$venv/bin/python" -c '' 2>/dev/null; then
    echo "$label: venv up to date ($venv)"
    return 0
  fi
  start=$(date +%s)
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  "$python" -m venv "$venv"
  echo "$label: installing $(grep -cE '^[A-Za-z0-9]' "$lock") pinned packages from $(basename "$lock") into $venv"
  "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q \
    --require-hashes --no-deps -r "$lock"
  if [ $# -gt 0 ]; then PATH="$venv/bin:$PATH" "$@" >/dev/null; fi
  echo "$want" >"$stamp"
  echo "$label: installed in $(($(date +%s) - start)) s, $(du -sh "$venv" | cut -f1)"
}
