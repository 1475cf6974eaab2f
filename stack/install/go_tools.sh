#!/usr/bin/env bash
# Builds the Go-based servers and tools of the local stack into .tools/bin:
#   ferretdb   MongoDB wire protocol on PostgreSQL (stack/ferretdb, FerretDB v1.24.2, patched)
#   versitygw  S3 gateway over a POSIX directory
#   task       go-task, runs Taskfile.yml
# Idempotent: a binary whose stamp file .tools/bin/.NAME.version matches the
# pinned version (and, for ferretdb, its sources) is left alone.
# Usage: stack/install/go_tools.sh
set -euo pipefail

VERSITYGW_VERSION=v1.8.0
TASK_VERSION=v3.54.0
# Static, stripped binaries; changing these flags rebuilds everything.
GO_BUILD_FLAGS=(-trimpath "-ldflags=-s -w")

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="$root/.tools/bin"

if ! command -v go >/dev/null 2>&1; then
  echo "go_tools.sh: Go is not on PATH; install Go 1.26.4 or newer (go-task $TASK_VERSION needs it; Debian's golang-go is too old) and put its bin directory on PATH" >&2
  exit 1
fi
build_id="$(go env GOVERSION) ${GO_BUILD_FLAGS[*]}"
mkdir -p "$bin"

# build NAME VERSION COMMAND...: runs COMMAND unless .tools/bin/NAME exists and
# its stamp says VERSION, then prints one line with the outcome and the time.
build() {
  local name="$1" version="$2"
  shift 2
  local stamp="$bin/.$name.version" start=$SECONDS
  if [[ -x "$bin/$name" && -f "$stamp" && "$(<"$stamp")" == "$version" ]]; then
    echo "$name: already present (${version%% *}), 0s"
    return
  fi
  rm -f "$stamp"
  if ! "$@"; then
    echo "go_tools.sh: building $name ${version%% *} failed; see the go output above" >&2
    exit 1
  fi
  echo "$version" >"$stamp"
  echo "$name: built (${version%% *}) in $((SECONDS - start))s"
}

install_module() { (cd / && GOBIN="$bin" CGO_ENABLED=0 go install "${GO_BUILD_FLAGS[@]}" "$1"); }

ferretdb_src="$root/stack/ferretdb"
# FerretDB's module, patched (stack/ferretdb/postgresql_backend.patch), in .tools/build/ferretdb while main.go builds against it
build_ferretdb() {
  local work="$root/.tools/build/ferretdb" module
  rm -rf "$work" && mkdir -p "$work"
  module="$(cd "$ferretdb_src" && go mod download -json github.com/FerretDB/FerretDB | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  cp -r "$module" "$work/FerretDB" && chmod -R u+w "$work/FerretDB"
  (cd "$work/FerretDB" && git apply -p1 "$ferretdb_src/postgresql_backend.patch")
  cp "$ferretdb_src/go.mod" "$ferretdb_src/go.sum" "$ferretdb_src/main.go" "$work/"
  (cd "$work" && go mod edit -replace github.com/FerretDB/FerretDB=./FerretDB &&
    CGO_ENABLED=0 go build "${GO_BUILD_FLAGS[@]}" -buildvcs=false -o "$bin/ferretdb" .)
  # the source copy has JavaScript tests of its own that "deno test" would pick up
  rm -rf "$work"
}
ferretdb_version="$(awk '{ for (i = 1; i < NF; i++) if ($i == "github.com/FerretDB/FerretDB") print $(i + 1) }' "$ferretdb_src/go.mod")"
ferretdb_hash="$(cat "$ferretdb_src/go.mod" "$ferretdb_src/go.sum" "$ferretdb_src/main.go" "$ferretdb_src/postgresql_backend.patch" | sha256sum | cut -c1-16)"

build ferretdb "$ferretdb_version src:$ferretdb_hash $build_id" build_ferretdb
build versitygw "$VERSITYGW_VERSION $build_id" \
  install_module "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"
build task "$TASK_VERSION $build_id" \
  install_module "github.com/go-task/task/v3/cmd/task@$TASK_VERSION"
