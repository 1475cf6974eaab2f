#!/usr/bin/env bash
# Installs everything tickpipe's native stack needs into .tools/ (git-ignored)
# and creates .env with fresh secrets. Idempotent: a second run only checks.
#
# Needs, from the machine: Node.js + npm, JDK 17+ and Maven, Go 1.22+, Python 3; PostgreSQL (Debian's
# package) too, which stack/install/postgres.sh installs with apt-get when run as root.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
start=$SECONDS

missing=()
command -v npm >/dev/null || missing+=("Node.js 20+ with npm (apt-get install nodejs npm)")
command -v java >/dev/null || missing+=("a JDK 17+ (apt-get install openjdk-17-jdk-headless)")
command -v mvn >/dev/null || missing+=("Maven (apt-get install maven)")
command -v go >/dev/null || missing+=("Go 1.22+ (https://go.dev/doc/install, or apt-get install golang)")
command -v python3 >/dev/null || missing+=("Python 3 with venv (apt-get install python3 python3-venv)")
if ((${#missing[@]} > 0)); then
  printf 'Cannot install tickpipe: missing\n' >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 1
fi

bash stack/install/npm.sh
bash stack/install/supervisor.sh
bash stack/install/java.sh
bash stack/install/connect_plugin.sh
bash stack/install/flink.sh
bash stack/install/flink_cluster.sh
bash stack/install/go_tools.sh
bash stack/install/postgres.sh
bash stack/install/chromium.sh

fresh() {
  local line=$1
  while [[ "$line" == *CHANGE_ME* ]]; do
    line=${line/CHANGE_ME/$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')}
  done
  printf '%s\n' "$line"
}
if [[ ! -f .env ]]; then
  umask 077
  while IFS= read -r line; do fresh "$line"; done <.env.example >.env
  echo ".env: created with fresh secrets"
else
  # variables .env.example gained since .env was made (e.g. CONSOLE_PASSWORD) are added, with fresh secrets
  added=()
  while IFS= read -r line; do
    [[ "$line" =~ ^([A-Z_][A-Z0-9_]*)= ]] || continue
    grep -q "^${BASH_REMATCH[1]}=" .env || { fresh "$line" >>.env; added+=("${BASH_REMATCH[1]}"); }
  done <.env.example
  echo ".env: kept${added[*]:+; added ${added[*]}}"
fi
echo "bootstrap: done in $((SECONDS - start))s; tools are in .tools/bin (add it to PATH to type task and deno)"
