#!/usr/bin/env bash
# The browser of the UI tests: Debian's chromium (/usr/bin/chromium), installed with apt-get when missing and the
# script runs as root. The tests drive it with playwright-core, which never downloads a browser of its own; when no
# chromium can be installed, they skip and say why.
set -euo pipefail

if [[ -n "${FLYTEKIT_TS_CHROMIUM:-}" ]] || command -v chromium >/dev/null 2>&1; then exit 0; fi
if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "browser: installing Debian's chromium package" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >&2 ||
    { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >&2; } ||
    echo "browser: apt-get install chromium failed; the UI browser tests will skip" >&2
else
  echo "browser: chromium is not installed and apt-get is not usable here; the UI browser tests will skip" >&2
fi
