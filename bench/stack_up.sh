#!/usr/bin/env bash
# Figures for the native stack: warm "task up" to all-healthy (stack already
# installed, state on disk), and the resident memory of every service.
#   bash bench/stack_up.sh          # warm start, then RSS
#   bash bench/stack_up.sh --cold   # also: a fresh clone in a temp dir, empty .tools/, to all-healthy
# Leaves the stack running.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/bin:$PATH"
ctl() { .tools/venv/bin/supervisorctl -c .data/supervisor/supervisord.conf "$@"; }

if [[ "${1:-}" == "--cold" ]]; then
  task down >/dev/null 2>&1 || true
  clone=$(mktemp -d)
  git clone -q . "$clone"
  cp .env "$clone/.env"
  start=$(date +%s.%N)
  (cd "$clone" && bash stack/bootstrap.sh >/dev/null && .tools/bin/task up >/dev/null 2>&1)
  cold=$(awk -v s="$start" -v e="$(date +%s.%N)" "BEGIN {print e - s}")
  (cd "$clone" && .tools/bin/task down >/dev/null 2>&1)
  rm -rf "$clone"
  printf 'cold task up (fresh clone: npm, pip, Maven jars, Go builds, first start): %.1f s\n' "$cold"
fi

task down >/dev/null 2>&1 || true
start=$(date +%s.%N)
task up >/dev/null 2>&1
warm=$(awk -v s="$start" -v e="$(date +%s.%N)" "BEGIN {print e - s}")
printf 'warm task up to all-healthy (connector registered, pipeline started): %.1f s\n' "$warm"

sleep 10 # let the JVMs settle after start-up
total=0
while read -r name pid; do
  [[ "$pid" =~ ^[0-9]+$ && "$pid" != 0 ]] || continue
  # the service and all its children
  rss=$(ps -o rss= --pid "$pid" --ppid "$pid" | awk '{s+=$1} END {print s+0}')
  printf '  %-14s %7.0f MiB\n' "$name" "$((rss / 1024))"
  total=$((total + rss))
done < <(ctl status | awk '{print $1}' | while read -r n; do echo "$n $(ctl pid "$n")"; done)
printf "stack RSS: %d MiB (%s GiB)\n" "$((total / 1024))" "$(awk -v t="$total" "BEGIN {printf \"%.2f\", t / 1048576}")"
