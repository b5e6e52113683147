/**
 * `flytekit-ts/testing` as a user runs it: a test file using the harness, run by `node --test` in a subprocess, from
 * the sources (the `source` export condition) and from the built package (`dist/`, through the `./testing` export).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SUITE = join(ROOT, "test", "e2e", "fixtures", "testing", "suite.ts");

function runSuite(conditions: string[], extra: Record<string, string> = {}) {
  // A child of a test run must not report to its parent's runner: it is a run of its own.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FLYTE_LOCAL_CACHE_DIR: mkdtempSync(join(tmpdir(), "testing-e2e-cache-")),
    ...extra,
  };
  delete env.NODE_TEST_CONTEXT;
  const r = spawnSync(process.execPath, [...conditions, "--import", "tsx", "--test", "--test-reporter=tap", SUITE], {
    cwd: ROOT,
    encoding: "utf8",
    env,
    timeout: 120_000,
  });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe("a test file using flytekit-ts/testing under node --test", () => {
  test("passes from the sources", () => {
    const { code, out } = runSuite(["--conditions=source"]);
    assert.equal(code, 0, out);
    assert.match(out, /# pass 5/);
    assert.match(out, /# fail 0/);
  });

  test("a failing assertion fails the run with the harness's message", () => {
    const { code, out } = runSuite(["--conditions=source"], { FAIL: "1" });
    assert.equal(code, 1, out);
    assert.match(out, /# pass 5/);
    assert.match(out, /# fail 1/);
    assert.match(out, /shop\.fetchPrice was never called with \{ sku: 'kiwi' \}/);
    assert.match(out, /#0: \{ sku: 'apple' \}/);
  });

  test("passes from the built package", {
    skip: !existsSync(join(ROOT, "dist", "testing", "index.js")) && "run npm run build first",
  }, () => {
    const { code, out } = runSuite([]);
    assert.equal(code, 0, out);
    assert.match(out, /# pass 5/);
  });
});
