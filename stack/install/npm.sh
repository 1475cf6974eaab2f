#!/usr/bin/env bash
# Installs the npm-borne tools (Deno, Mongo Express) into .tools/npm from the
# pinned lock in stack/npm, and links deno into .tools/bin. Idempotent.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dest="$root/.tools/npm"
stamp="$dest/.lock.sha256"
command -v npm >/dev/null || { echo "npm is missing: install Node.js 20+ (apt-get install nodejs npm)" >&2; exit 1; }
want=$(sha256sum "$root/stack/npm/package-lock.json" | cut -d' ' -f1)
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$dest/node_modules/.bin/deno" ]]; then
  echo "npm tools: already present (deno, mongo-express)"
else
  start=$SECONDS
  mkdir -p "$dest"
  cp "$root/stack/npm/package.json" "$root/stack/npm/package-lock.json" "$dest/"
  (cd "$dest" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$want" >"$stamp"
  echo "npm tools: installed deno and mongo-express in $((SECONDS - start))s"
fi
mkdir -p "$root/.tools/bin"
ln -sf ../npm/node_modules/.bin/deno "$root/.tools/bin/deno"
