#!/usr/bin/env bash
# Builds a MongoDB-protocol server for the lab (FerretDB's embeddable package over SQLite, lab/mongodb/ferretdb,
# pinned by its go.sum) from the Go module proxy into .lab/mongodb/bin: MongoDB's own server is on no
# registry these machines reach.
set -euo pipefail

# shellcheck source=../install-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../install-lib.sh"
src="$lab_root/lab/mongodb/ferretdb"
bin="$lab_root/.lab/mongodb/bin"
stamp=".installed-$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" | sha256sum | cut -c1-16)"

lab_exit_if_installed "$bin/$stamp" "ferretdb already built in $bin"
lab_require go

# The module cache is shared with scripts/helm-check.sh.
cache="${LABDECK_TOOLS_CACHE:-$HOME/.cache/labdeck}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "building ferretdb from the Go module proxy (several minutes on 2 cores the first time)..."
(cd "$src" && GOMODCACHE="$cache/go-mod" GOFLAGS=-mod=readonly nice -n 10 go build -trimpath -o "$work/bin/ferretdb" .)
lab_move_into_place "$work/bin" "$bin" "$stamp"
echo "built ferretdb in $bin"
