/**
 * Every package `tsflyte package` makes from examples/ compiles with the real Flyte compiler (flytepropeller's task and
 * workflow compilation plus the FlyteWorkflow CRD build), and the harness rejects what propeller would reject.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { oracleSkip, runCompiler } from "./oracles.js";

const repo = join(import.meta.dirname, "..", "..");

test("the examples' package compiles with the Flyte compiler, every entity", {
  skip: oracleSkip("compiler"),
}, async () => {
  assert.ok(existsSync(join(repo, "dist", "cli", "main.js")), "run `npm run build` first");
  const out = join(mkdtempSync(join(tmpdir(), "examples-pkg-")), "pkg.tgz");
  const r = spawnSync(
    process.execPath,
    [
      join(repo, "bin", "tsflyte.js"),
      "package",
      "--image",
      "ghcr.io/acme/flytekit-ts-examples:v1",
      "-o",
      out,
      "examples/",
    ],
    {
      cwd: repo,
      encoding: "utf8",
    },
  );
  assert.equal(r.status, 0, r.stderr);
  const names = r.stdout.trim().split("\n");
  assert.ok(names.length >= 60, `only ${names.length} entities`);
  assert.ok(
    names.every((n) => /^\d{2}_.+_[123]\.pb$/.test(n)),
    names.join(", "),
  );
  const res = await runCompiler(out);
  const failed = res.results.filter((x) => !x.ok);
  assert.deepEqual(failed, [], res.stdout);
  assert.equal(res.exitCode, 0);
  assert.equal(res.results.length, names.length);
  // Every workflow built a FlyteWorkflow resource or its closure (launch plans without defaults for every input).
  assert.ok(res.results.filter((x) => x.kind === "workflow").length >= 15);
});
