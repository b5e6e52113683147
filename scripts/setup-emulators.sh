#!/usr/bin/env bash
# Installs the object-store emulators the storage tests run on loopback:
#   .tools/bin/fake-gcs-server  - the GCS JSON/XML API emulator, built from its Go module (cached by version)
# Azurite (the Azure Blob emulator) is an npm devDependency and needs no step here.
# Idempotent and non-interactive. Env: FLYTEKIT_TS_REQUIRE_ORACLES=1 makes a missing Go toolchain an error.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

version="v1.56.1"
bin_dir="$repo_root/.tools/bin"
target="$bin_dir/fake-gcs-server"
stamp="$target.version"

log() { printf '[setup-emulators] %s\n' "$*" >&2; }

if [[ -x "$target" ]] && [[ "$(cat "$stamp" 2>/dev/null || true)" == "$version" ]]; then
  log "fake-gcs-server $version: up to date ($target)"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  if [[ -n "${FLYTEKIT_TS_REQUIRE_ORACLES:-}" ]]; then
    log "ERROR: go is not installed, cannot build fake-gcs-server"
    exit 1
  fi
  log "WARNING: go is not installed; the gs:// emulator tests will be skipped"
  exit 0
fi
log "fake-gcs-server $version: building with $(go version) (cold: ~1-2 min on 2 cores)"
mkdir -p "$bin_dir"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# GOTOOLCHAIN=local: never download another Go toolchain; GOFLAGS is set whole so a caller's -mod flag cannot interfere.
GOBIN="$tmp" GOTOOLCHAIN=local GOFLAGS="-buildvcs=false" \
  go install -trimpath "github.com/fsouza/fake-gcs-server@$version"
mv -f "$tmp/fake-gcs-server" "$target"
printf '%s\n' "$version" >"$stamp"
log "fake-gcs-server $version: built $target"
