#!/usr/bin/env bash
# Installs Debian's chromium for the console's browser tests (puppeteer-core
# drives it; puppeteer's own browser download cannot work on these machines).
# Idempotent: does nothing when chromium is on PATH.
set -euo pipefail
if command -v chromium >/dev/null; then
  echo "chromium: already present ($(command -v chromium))"
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "chromium is missing and there is no apt-get: install Chromium so that \"chromium\" is on PATH" >&2
  exit 1
fi
start=$SECONDS
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 ||
  { apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium >/dev/null; }
echo "chromium: installed $(chromium --version 2>/dev/null) in $((SECONDS - start))s"
