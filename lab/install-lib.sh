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

# lab_maven_libs LABEL DEST STAMP GROUP:ARTIFACT:VERSION...: copies the artifacts and their runtime
# dependencies from Maven Central (mvn dependency:copy-dependencies, cached in ~/.m2) into DEST, a classpath
# folder, and stamps it with STAMP. Does nothing when DEST has STAMP (bump the version in STAMP to refetch).
lab_maven_libs() {
  local label="$1" dest="$2" stamp="$3"
  shift 3
  if [ -f "$dest/$stamp" ]; then
    echo "$label already installed in $dest"
    return 0
  fi
  lab_require java mvn
  echo "fetching $* and their runtime dependencies from Maven Central..."
  local work coordinate group artifact version deps=""
  work="$(mktemp -d)"
  for coordinate in "$@"; do
    IFS=: read -r group artifact version <<<"$coordinate"
    deps+="<dependency><groupId>$group</groupId><artifactId>$artifact</artifactId><version>$version</version></dependency>"
  done
  cat >"$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>labdeck.lab</groupId>
  <artifactId>lab-libs</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>$deps</dependencies>
</project>
POM
  if ! mvn -q -B -f "$work/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$work/libs" >"$work/mvn.log" 2>&1; then
    sed 's/\x1b\[[0-9;]*m//g' "$work/mvn.log" >&2
    rm -rf "$work"
    echo "mvn failed: could not fetch $label ($*)" >&2
    exit 1
  fi
  lab_move_into_place "$work/libs" "$dest" "$stamp"
  rm -rf "$work"
  echo "installed $label: $(ls "$dest" | grep -c '\.jar$') jars ($(du -sh "$dest" | cut -f1)) in $dest"
}
