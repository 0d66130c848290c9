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
