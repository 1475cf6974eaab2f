#!/usr/bin/env bash
# Creates the PostgreSQL cluster behind FerretDB in .data/postgres, once: a
# second run finds PG_VERSION there and does nothing. Superuser "tickpipe",
# password $POSTGRES_PASSWORD (from .env), password auth on every connection.
# As root the cluster belongs to the system user "postgres", which runs it
# (stack/services.ts); otherwise to the user running this.
#
#   POSTGRES_PASSWORD=... stack/postgres/init.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
data="$root/.data/postgres"
bin="$root/.tools/postgres"

[[ -f "$data/PG_VERSION" ]] && exit 0
if [[ -z "${POSTGRES_PASSWORD:-}" ]]; then
  echo "init.sh: POSTGRES_PASSWORD is not set; run \"bash stack/bootstrap.sh\" to add it to .env" >&2
  exit 1
fi
mkdir -p "$data"
chmod 700 "$data"
as=()
if [[ $(id -u) -eq 0 ]]; then
  chown postgres: "$data"
  as=(runuser -u postgres --)
  if ! runuser -u postgres -- test -w "$data"; then
    echo "init.sh: the system user \"postgres\" cannot reach $data (a parent folder is not searchable by others); run \"chmod o+x\" on each parent of $root, or clone tickpipe where others may enter" >&2
    exit 1
  fi
fi
# initdb wants an empty folder: the password file and the log live beside it
pwfile="$root/.data/.postgres-initdb-password"
log="$root/.data/logs/postgres-initdb.log"
mkdir -p "$root/.data/logs"
(umask 077 && printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile")
[[ ${#as[@]} -gt 0 ]] && chown postgres: "$pwfile"
trap 'rm -f "$pwfile"' EXIT
"${as[@]}" "$bin/initdb" --pgdata="$data" --username=tickpipe --pwfile="$pwfile" \
  --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$log" 2>&1 ||
  { cat "$log" >&2; exit 1; }
echo "postgres: created the cluster in $data"
