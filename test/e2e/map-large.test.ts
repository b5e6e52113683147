/**
 * A local map over 10^6 elements through `tsflyte run`, as a user runs it (the built CLI in a subprocess): the mapped
 * list comes back whole and in order, with the failed elements as nulls. Its speed and memory are measured by
 * `npm run bench` (the scaling curve of local maps), not here.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { BIN, cliScratch, ROOT } from "../helpers/cli.js";

const { scratch, env } = cliScratch("tsflyte-map-large-");

before(() => {
  if (!existsSync(join(ROOT, "dist", "cli", "main.js"))) {
    throw new Error("dist/cli/main.js is missing: run `npm run build` before the e2e tests");
  }
});
after(() => rmSync(scratch, { recursive: true, force: true }));

test("a local map over 10^6 elements returns every element in place, failed ones as null", async () => {
  const n = 1_000_000;
  const every = 250_000;
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>(
    (resolve, reject) => {
      execFile(
        process.execPath,
        [BIN, "run", "test/e2e/fixtures/map-large.ts", "halves", "--n", String(n), "--every", String(every)],
        { cwd: ROOT, env, timeout: 600_000, maxBuffer: 1 << 26 },
        (error, stdout, stderr) => {
          if (error && typeof error.code !== "number") reject(error);
          else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
        },
      );
    },
  );
  assert.equal(code, 0, stderr);
  const failed = [7, 250_007, 500_007, 750_007];
  // Every element i succeeded with i / 2 but the failed ones: the sum of 0..n-1 less theirs, halved (exact in floats).
  const sum = ((n * (n - 1)) / 2 - failed.reduce((s, x) => s + x, 0)) / 2;
  assert.deepEqual(JSON.parse(stdout), { n, nulls: failed, misplaced: 0, sum });
  assert.match(stderr, /4 of 1000000 elements failed; their outputs are null/);
});
