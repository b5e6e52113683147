/**
 * Conditionals through the CLI, as a user runs them (`node bin/tsflyte.js`, on the built dist/): every shape of the
 * conditional twins runs locally, conditions on none take their branches, and what Flyte's compiler cannot take
 * (isNone) fails at `tsflyte serialize` with a message naming the conditional.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { BIN, cliScratch, ROOT } from "../helpers/cli.js";

const TWINS = "test/conformance/fixtures/conditions_twin.ts";
const NONE = "test/e2e/fixtures/conditions-none.ts";
const { scratch, env } = cliScratch("tsflyte-conditions-");
after(() => rmSync(scratch, { recursive: true, force: true }));

function tsflyte(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") reject(error);
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

async function ok(...args: string[]): Promise<unknown> {
  const r = await tsflyte(...args);
  assert.equal(r.code, 0, `tsflyte ${args.join(" ")} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function fails(...args: string[]): Promise<string> {
  const r = await tsflyte(...args);
  assert.equal(r.code, 1, `expected tsflyte ${args.join(" ")} to fail:\n${r.stdout}\n${r.stderr}`);
  return r.stderr;
}

before(() => {
  if (!existsSync(join(ROOT, "dist", "cli", "main.js"))) {
    throw new Error("dist/cli/main.js is missing: run `npm run build` before the e2e tests");
  }
});

describe("tsflyte run: conditionals", () => {
  test("if/elif/else on a float with whole-number bounds, and the failing else", async () => {
    assert.equal(await ok("run", TWINS, "multiplier", "--my_input", "0.5"), 1);
    assert.equal(await ok("run", TWINS, "multiplier", "--my_input", "4"), 16);
    assert.match(await fails("run", TWINS, "multiplier", "--my_input", "11"), /The input must be between 0 and 10/);
  });

  test("nested conditionals, on node outputs, strings, booleans, datetimes and durations", async () => {
    assert.equal(await ok("run", TWINS, "nested", "--my_input", "3", "--x", "2"), 9);
    assert.equal(await ok("run", TWINS, "nestedDirect", "--x", "1", "--y", "2"), 4);
    assert.equal(await ok("run", TWINS, "nestedDirect", "--x", "1", "--y", "6"), 36);
    assert.equal(await ok("run", TWINS, "nestedDirect", "--x", "0", "--y", "2"), 4);
    assert.equal(await ok("run", TWINS, "mixed", "--s", "c", "--i", "1", "--b"), "<c>");
    assert.equal(await ok("run", TWINS, "mixed", "--s", "c", "--i", "1", "--no-b"), "<not b>");
    assert.equal(await ok("run", TWINS, "times", "--d", "2025-01-01T00:00:00Z", "--dur", "30m"), 1);
    assert.equal(await ok("run", TWINS, "times", "--d", "2025-01-01T00:00:00Z", "--dur", "2h"), 2);
    assert.equal(await ok("run", TWINS, "outputs", "--x", "20"), 8);
    assert.equal(await ok("run", TWINS, "outputs", "--x", "5"), 2);
  });

  test("isNone, and a comparison with none taking the else branch", async () => {
    assert.equal(await ok("run", NONE, "found", "--key", ""), "missing");
    assert.equal(await ok("run", NONE, "found", "--key", "abcdef"), "long");
    assert.equal(await ok("run", NONE, "found", "--key", "ab"), "short");
  });

  test("tsflyte serialize refuses isNone, naming the conditional, and writes nothing", async () => {
    const out = join(scratch, "out");
    const err = await fails("serialize", NONE, "-o", out);
    assert.match(err, /conditional "found": isNone and comparisons with null run locally only/);
    assert.ok(!existsSync(out) || readdirSync(out).length === 0);
  });
});

describe("tsflyte run and serialize: bindings Flyte would refuse fail before running", () => {
  const BAD = "test/e2e/fixtures/bad-bindings.ts";

  test("list<optional<str>> from a map with a success ratio into list<str>", async () => {
    const err = await fails("run", BAD, "lossy", "--xs", '["a"]');
    assert.match(
      err,
      /join \(node n1\): input xs: expected list<str>, got output o0 of node n0 of type list<optional<str>>/,
    );
    // serialize stops at the first of the file's two bad workflows
    const serr = await fails("serialize", BAD, "-o", join(scratch, "bad"));
    assert.match(serr, /input xs: expected list<str>|declares no outputs but its body returned/);
  });

  test("a workflow without outputs whose body returns a value", async () => {
    assert.match(
      await fails("run", BAD, "dropped", "--s", "a"),
      /declares no outputs but its body returned a node's outputs/,
    );
  });
});
