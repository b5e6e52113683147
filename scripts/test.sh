#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what the tests need (npm packages, the flytekit venv, the Go
# compiler harness), builds, checks, and runs every suite. Each suite prints "N passed, N failed, N cancelled,
# N skipped" (cancelled: a test that timed out, or was still running when its file ended).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

if [ ! -d node_modules/@bufbuild/protobuf ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm ci"
  npm ci --no-audit --no-fund
fi

step "build"
npm run --silent build

step "IDL bindings are up to date"
npm run --silent gen:check

step "lint and format"
npx biome check --error-on-warnings .

step "typecheck (strict, including tests and examples)"
npx tsc -p tsconfig.json --noEmit

step "package exports"
npm run --silent check:package

step "conformance oracles (flytekit venv, Go compiler harness)"
bash scripts/setup-oracles.sh

step "browser of the UI tests (Debian's chromium)"
bash scripts/setup-browser.sh

step "object-store emulators (fake-gcs-server; Azurite comes with npm)"
FLYTEKIT_TS_REQUIRE_ORACLES=1 bash scripts/setup-emulators.sh
export FLYTEKIT_TS_REQUIRE_ORACLES=1

# Runs recorded by the suites' `tsflyte run`s go to a directory of the suite's own, not the user's run store.
export FLYTEKIT_TS_HOME="${FLYTEKIT_TS_HOME:-$(mktemp -d)}"

status=0
run_suite() {
  local name=$1; shift
  step "suite: $name"
  local log
  log=$(mktemp)
  set +e
  node --conditions=source --import tsx --test --test-concurrency=2 --test-reporter=spec "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  set -e
  local pass fail cancelled skip
  pass=$(grep -E '^ℹ pass [0-9]+' "$log" | tail -1 | awk '{print $3}')
  fail=$(grep -E '^ℹ fail [0-9]+' "$log" | tail -1 | awk '{print $3}')
  cancelled=$(grep -E '^ℹ cancelled [0-9]+' "$log" | tail -1 | awk '{print $3}')
  skip=$(grep -E '^ℹ skipped [0-9]+' "$log" | tail -1 | awk '{print $3}')
  local line="$name: ${pass:-0} passed, ${fail:-0} failed, ${cancelled:-0} cancelled, ${skip:-0} skipped"
  echo "$line"
  SUMMARY+=("$line")
  TOTAL_PASS=$((TOTAL_PASS + ${pass:-0}))
  TOTAL_FAIL=$((TOTAL_FAIL + ${fail:-0}))
  TOTAL_CANCELLED=$((TOTAL_CANCELLED + ${cancelled:-0}))
  TOTAL_SKIP=$((TOTAL_SKIP + ${skip:-0}))
  rm -f "$log"
  if [ "$rc" -ne 0 ]; then status=1; fi
}

SUMMARY=()
TOTAL_PASS=0
TOTAL_FAIL=0
TOTAL_CANCELLED=0
TOTAL_SKIP=0
run_suite unit $(find test/unit -name '*.test.ts' | sort)
[ -d test/e2e ] && run_suite e2e $(find test/e2e -name '*.test.ts' | sort)
[ -d test/conformance ] && run_suite conformance $(find test/conformance -name '*.test.ts' | sort)
[ -d test/types ] && { step "type-level tests"; npx tsc -p test/types/tsconfig.json --noEmit; }

# The cluster suite runs against one local Flyte (tools/local-flyte), built on first use (cold: ~20 min CPU) and
# started once for all its files; it is always stopped, whatever the suite's result.
if [ -d test/cluster ] && [ -n "$(find test/cluster -name '*.test.ts' -print -quit)" ]; then
  step "local Flyte for the cluster suite"
  cluster_state="$PWD/.flyte-local/test-suite-$$"
  stop_cluster() { node --import tsx tools/local-flyte/cli.ts down --state-dir "$cluster_state" || true; }
  trap stop_cluster EXIT
  if node --import tsx tools/local-flyte/cli.ts up --state-dir "$cluster_state" --datacatalog; then
    FLYTE_LOCAL_STATE="$cluster_state" run_suite cluster $(find test/cluster -name '*.test.ts' | sort)
  else
    echo "cluster: the local Flyte did not start (logs in $cluster_state/logs)"
    SUMMARY+=("cluster: the local Flyte did not start")
    status=1
  fi
  stop_cluster
  trap - EXIT
fi

step "summary"
printf '%s\n' "${SUMMARY[@]}"
echo "${TOTAL_PASS} passed, ${TOTAL_FAIL} failed, ${TOTAL_CANCELLED} cancelled, ${TOTAL_SKIP} skipped"
exit $status
