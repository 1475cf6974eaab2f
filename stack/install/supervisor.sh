#!/usr/bin/env bash
# Installs supervisord (PyPI, pinned in stack/supervisor/requirements.txt) into
# a virtualenv at .tools/venv. Idempotent.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
venv="$root/.tools/venv"
reqs="$root/stack/supervisor/requirements.txt"
command -v python3 >/dev/null || { echo "python3 is missing: apt-get install python3 python3-venv" >&2; exit 1; }
want=$(sha256sum "$reqs" | cut -d' ' -f1)
if [[ -x "$venv/bin/supervisord" && "$(cat "$venv/.reqs.sha256" 2>/dev/null)" == "$want" ]]; then
  echo "supervisor: already present"
  exit 0
fi
start=$SECONDS
python3 -m venv "$venv" || { echo "python3 cannot make a virtualenv: apt-get install python3-venv" >&2; exit 1; }
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$reqs"
echo "$want" >"$venv/.reqs.sha256"
echo "supervisor: installed $("$venv/bin/supervisord" --version) in $((SECONDS - start))s"
