#!/usr/bin/env bash
# Installs the two conformance oracles used by test/conformance:
#   1. .tools/bin/flyte-compiler  - our Go harness around flytepropeller's compiler (tools/flyte-compiler)
#   2. .venv                      - Python venv with the pinned flytekit (tools/flytekit-oracle/requirements.txt)
# Idempotent: each step is skipped when its result is already up to date. Non-interactive (CI=true, no stdin).
#
# Env:
#   FLYTEKIT_TS_REQUIRE_ORACLES=1  a missing toolchain (go, python3) is an error instead of a warning
#   ORACLES_ONLY=go|python         run only one of the two steps
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

tools_dir="$repo_root/.tools"
go_src="$repo_root/tools/flyte-compiler"
go_bin="$tools_dir/bin/flyte-compiler"
venv="$repo_root/.venv"
requirements="$repo_root/tools/flytekit-oracle/requirements.txt"
require="${FLYTEKIT_TS_REQUIRE_ORACLES:-}"
only="${ORACLES_ONLY:-}"

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PYTHONDONTWRITEBYTECODE=1

log() { printf '[setup-oracles] %s\n' "$*" >&2; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

missing_tool() {
  if [[ -n "$require" ]]; then
    log "ERROR: $1 (FLYTEKIT_TS_REQUIRE_ORACLES is set)"
    exit 1
  fi
  log "WARNING: $1; the tests that need this oracle will be skipped"
}

setup_go() {
  local t0
  t0="$(now)"
  if ! command -v go >/dev/null 2>&1; then
    missing_tool "go is not installed, cannot build $go_bin"
    return 0
  fi
  if [[ -x "$go_bin" ]] && [[ -z "$(find "$go_src" -type f -newer "$go_bin" -print -quit)" ]]; then
    log "flyte-compiler: up to date ($go_bin), skipped in $(elapsed "$t0")"
    return 0
  fi
  log "flyte-compiler: building with $(go version) (cold: downloads ~1 GB of Go modules, ~2 min on 2 cores)"
  mkdir -p "$tools_dir/bin"
  local tmp="$go_bin.tmp.$$"
  # -mod=readonly: go.mod/go.sum are committed and must already be complete (reproducible builds).
  # GOTOOLCHAIN=local: never try to download another Go toolchain.
  if ! (cd "$go_src" && GOFLAGS="-mod=readonly -buildvcs=false" GOTOOLCHAIN=local \
    go build -trimpath -o "$tmp" .); then
    rm -f "$tmp"
    log "ERROR: go build of tools/flyte-compiler failed"
    exit 1
  fi
  mv -f "$tmp" "$go_bin"
  log "flyte-compiler: built $go_bin in $(elapsed "$t0")"
}

pinned_flytekit() {
  sed -n 's/^flytekit==\([^[:space:]]*\).*/\1/p' "$requirements" | head -n 1
}

setup_python() {
  local t0 want stamp have
  t0="$(now)"
  want="$(pinned_flytekit)"
  if [[ -z "$want" ]]; then
    log "ERROR: no flytekit==VERSION line in $requirements"
    exit 1
  fi
  stamp="$(sha256sum "$requirements" | cut -d' ' -f1)"
  if [[ -x "$venv/bin/python" ]]; then
    have="$("$venv/bin/python" -c 'import flytekit; print(flytekit.__version__)' 2>/dev/null || true)"
    if [[ "$have" == "$want" ]] && [[ "$(cat "$venv/.flytekit-ts-requirements" 2>/dev/null || true)" == "$stamp" ]]; then
      log "flytekit: $have already installed in .venv, skipped in $(elapsed "$t0")"
      return 0
    fi
  fi
  if ! command -v python3 >/dev/null 2>&1; then
    missing_tool "python3 is not installed, cannot create $venv"
    return 0
  fi
  # Recreate a venv whose interpreter no longer runs (e.g. the base Python moved).
  if [[ -e "$venv" ]] && ! "$venv/bin/python" -c 'pass' >/dev/null 2>&1; then
    log "flytekit: .venv is broken, recreating it"
    rm -rf "$venv"
  fi
  if [[ ! -x "$venv/bin/python" ]]; then
    log "flytekit: creating .venv with $(python3 --version 2>&1)"
    python3 -m venv "$venv"
  fi
  log "flytekit: installing flytekit==$want and its frozen dependencies into .venv"
  "$venv/bin/python" -m pip install --quiet --require-virtualenv -r "$requirements" </dev/null
  have="$("$venv/bin/python" -c 'import flytekit; print(flytekit.__version__)')"
  if [[ "$have" != "$want" ]]; then
    log "ERROR: .venv has flytekit $have, expected $want"
    exit 1
  fi
  printf '%s\n' "$stamp" >"$venv/.flytekit-ts-requirements"
  log "flytekit: $have installed in $(elapsed "$t0")"
}

t_all="$(now)"
case "$only" in
  "") setup_go; setup_python ;;
  go) setup_go ;;
  python) setup_python ;;
  *) log "ERROR: ORACLES_ONLY must be go or python, got '$only'"; exit 2 ;;
esac
log "done in $(elapsed "$t_all")"
