#!/usr/bin/env bash
# Makes PostgreSQL (Debian's package, the backend behind FerretDB) available as
# .tools/postgres -> /usr/lib/postgresql/<major>/bin. Installs it with apt-get
# when it is missing and this runs as root; otherwise says what to install.
# Idempotent.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
link="$root/.tools/postgres"

newest_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

bin="$(newest_bin)"
if [[ -z "$bin" || ! -x "$bin/postgres" ]]; then
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
    echo "postgres.sh: PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres); install Debian's package as root: apt-get install postgresql" >&2
    exit 1
  fi
  start=$SECONDS
  echo "PostgreSQL: installing Debian's package with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # policy-rc.d-free: the package may try to start its own cluster on 5432; tickpipe never uses it
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  bin="$(newest_bin)"
  echo "PostgreSQL: installed $("$bin/postgres" --version) in $((SECONDS - start))s"
fi
# As root, PostgreSQL runs as the system user "postgres" (it refuses to run as root); Debian's package creates it
if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
  echo "postgres.sh: running as root, but there is no system user \"postgres\" to run PostgreSQL as; create one: useradd --system --home-dir /var/lib/postgresql --shell /usr/sbin/nologin postgres" >&2
  exit 1
fi
mkdir -p "$root/.tools"
if [[ "$(readlink "$link" 2>/dev/null)" != "$bin" ]]; then
  ln -sfn "$bin" "$link"
  echo "postgres: linked .tools/postgres -> $bin ($("$bin/postgres" --version))"
else
  echo "postgres: already present ($("$bin/postgres" --version))"
fi
