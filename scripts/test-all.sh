#!/usr/bin/env bash
# The whole test suite from a fresh clone: installs what the tests need, then runs them.
# Debian packages: chromium (browser tests), ffmpeg, espeak-ng and sox (test speech).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
for bin in chromium ffmpeg espeak-ng sox; do command -v "$bin" >/dev/null 2>&1 || need+=("$bin"); done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
  else
    echo "missing Debian packages: ${need[*]} (run: sudo apt-get install -y ${need[*]})" >&2
    exit 1
  fi
fi
npm ci --no-audit --no-fund
npm test
