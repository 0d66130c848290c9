#!/usr/bin/env bash
# Builds FerretDB (a server that speaks MongoDB's wire protocol, over SQLite here) from the Go module
# proxy into .lab/mongodb/bin: MongoDB's own server is not on any registry these machines reach.
set -euo pipefail

FERRETDB_VERSION="${FERRETDB_VERSION:-v1.24.2}"

# shellcheck source=../install-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../install-lib.sh"
bin="$lab_root/.lab/mongodb/bin"

lab_exit_if_installed "$bin/.installed-$FERRETDB_VERSION" "ferretdb $FERRETDB_VERSION already installed in $bin"
lab_require go

# The module cache is shared with scripts/helm-check.sh, so a rebuild downloads nothing.
cache="${LABDECK_TOOLS_CACHE:-$HOME/.cache/labdeck}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "building ferretdb $FERRETDB_VERSION from the Go module proxy (a few minutes on 2 cores)..."
GOBIN="$work/bin" GOMODCACHE="$cache/go-mod" GOFLAGS=-mod=mod nice -n 10 \
  go install "github.com/FerretDB/FerretDB/cmd/ferretdb@$FERRETDB_VERSION"
"$work/bin/ferretdb" --version >/dev/null
lab_move_into_place "$work/bin" "$bin" ".installed-$FERRETDB_VERSION"
echo "installed ferretdb $FERRETDB_VERSION in $bin"
