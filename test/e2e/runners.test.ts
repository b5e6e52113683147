/**
 * `flytekit-ts/testing` under vitest and jest, as a user's project runs it: the fixture projects in
 * test/e2e/fixtures/runners (the shop workflows plus each runner's test files) are laid out in a temporary directory
 * whose node_modules links flytekit-ts to this checkout (as a `file:` dependency does) and the runner to this
 * checkout's copy, then the runner runs as a subprocess. Each must pass, concurrent tests must keep their mocks apart,
 * and a deliberately failing assertion (FAIL=1) must fail the run with the harness's message. Needs `npm run build`.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const FIXTURES = join(ROOT, "test", "e2e", "fixtures", "runners");

/** A project for `runner` in a fresh directory, with `packages` of this checkout linked into its node_modules. */
function project(runner: "vitest" | "jest", packages: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), `runner-${runner}-`));
  cpSync(join(FIXTURES, "shared"), dir, { recursive: true });
  cpSync(join(FIXTURES, runner), dir, { recursive: true });
  const link = (name: string, target: string) => {
    mkdirSync(dirname(join(dir, "node_modules", name)), { recursive: true });
    symlinkSync(target, join(dir, "node_modules", name), "dir");
  };
  link("flytekit-ts", ROOT);
  for (const p of [...packages, "typescript", "@types/node"]) link(p, join(ROOT, "node_modules", p));
  return dir;
}

function run(cwd: string, args: string[], extra: Record<string, string> = {}) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FLYTE_LOCAL_CACHE_DIR: join(cwd, ".cache"),
    FLYTE_LOCAL_SANDBOX: join(cwd, ".sandbox"),
    NO_COLOR: "1",
    ...extra,
  };
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_OPTIONS;
  delete env.FORCE_COLOR;
  return new Promise<{ code: number; out: string }>((resolve, reject) => {
    execFile(process.execPath, args, { cwd, env, timeout: 240_000, maxBuffer: 16 << 20 }, (e, stdout, stderr) => {
      if (e && typeof e.code !== "number") reject(e);
      else resolve({ code: e ? (e.code as number) : 0, out: `${stdout}\n${stderr}` });
    });
  });
}

/** The failing run's output names the missing call and lists the calls received, and the unexpected call. */
function assertHarnessMessages(out: string): void {
  assert.match(out, /workflows\.shop\.fetchPrice was never called with \{ sku: 'kiwi' \}/);
  assert.match(out, /#0: \{ sku: 'apple' \}/);
  assert.match(out, /EXPECTED FAILURE: a task that was called/);
}

/** The project's workflows and tests type-check (strict) against the runner's and the harness's types. */
async function typechecks(dir: string): Promise<void> {
  const r = await run(dir, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json"]);
  assert.equal(r.code, 0, r.out);
}

before(() => {
  if (!existsSync(join(ROOT, "dist", "testing", "index.js")))
    throw new Error("run `npm run build` before the e2e tests");
});

describe("vitest", { timeout: 600_000 }, () => {
  const VITEST = ["node_modules/vitest/vitest.mjs", "run"];

  test("the project's tests pass: mocks, eager, concurrent tests, a second file", async () => {
    const dir = project("vitest", ["vitest"]);
    const r = await run(dir, VITEST);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /Test Files {2}2 passed \(2\)/);
    assert.match(r.out, /Tests {2}10 passed \(10\)/);
    await typechecks(dir);
  });

  test("files sharing one worker and module graph (--no-isolate, threads) keep their mocks apart", async () => {
    const dir = project("vitest", ["vitest"]);
    const r = await run(dir, [...VITEST, "--no-isolate", "--pool=threads", "--no-file-parallelism"]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /Tests {2}10 passed \(10\)/);
  });

  test("a failing assertion fails the run with the harness's message", async () => {
    const dir = project("vitest", ["vitest"]);
    const r = await run(dir, VITEST, { FAIL: "1" });
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /Tests {2}2 failed \| 10 passed \(12\)/);
    assertHarnessMessages(r.out);
  });
});

describe("jest (ESM, --experimental-vm-modules)", { timeout: 600_000 }, () => {
  const JEST = ["--experimental-vm-modules", "node_modules/jest/bin/jest.js", "--ci"];
  const PACKAGES = ["jest", "@jest/globals", "@babel/preset-typescript"];

  test("the project's tests pass: mocks, eager, concurrent tests, a second file", async () => {
    const dir = project("jest", PACKAGES);
    const r = await run(dir, JEST);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /Test Suites: 2 passed, 2 total/);
    assert.match(r.out, /Tests: {7}10 passed, 10 total/);
    await typechecks(dir);
  });

  test("a failing assertion fails the run with the harness's message (in band)", async () => {
    const dir = project("jest", PACKAGES);
    const r = await run(dir, [...JEST, "--runInBand"], { FAIL: "1" });
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /Tests: {7}2 failed, 10 passed, 12 total/);
    assertHarnessMessages(r.out);
  });
});
