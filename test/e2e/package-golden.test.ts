/**
 * `tsflyte package` writes the same protobuf bytes as before, member by member: the examples, the conformance
 * fixtures and snacks, the naming fixtures, and a generated module shaped like the packaging benchmark's (tasks,
 * workflows chaining them, named launch plans with default inputs), packaged with ids and an env set. The golden file
 * holds each member's name and the sha256 of its bytes; a deliberate change to what serialization writes regenerates
 * it with `FLYTEKIT_TS_UPDATE_GOLDEN=1` (and the diff shows which entities changed).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { readTar } from "../../src/entrypoint/tar.js";

const repo = join(import.meta.dirname, "..", "..");
const goldenFile = join(import.meta.dirname, "golden", "package.json");
const scratch = mkdtempSync(join(tmpdir(), "tsflyte-package-golden-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

const FLAGS = ["--image", "ghcr.io/acme/app:v1", "--image", "gpu=ghcr.io/acme/app:gpu", "--env", "STAGE=golden"];
const IDS = ["--project", "flytesnacks", "--domain", "development", "--version", "v7"];

/** Packages `paths` (relative to `cwd`) and returns every member as `name sha256`. */
function packaged(cwd: string, flags: readonly string[], paths: readonly string[]): string[] {
  assert.ok(existsSync(join(repo, "dist", "cli", "main.js")), "run `npm run build` first (bin/tsflyte.js runs dist/)");
  const out = join(scratch, `${paths.join("+").replaceAll("/", "_")}.tgz`);
  const r = spawnSync(process.execPath, [join(repo, "bin", "tsflyte.js"), "package", ...flags, "-o", out, ...paths], {
    cwd,
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  return [...readTar(new Uint8Array(gunzipSync(readFileSync(out))))].map(
    (e) => `${e.name} ${createHash("sha256").update(e.data).digest("hex")}`,
  );
}

/** A user project with a generated module like the packaging benchmark's, small. */
function generatedProject(): string {
  const dir = join(scratch, "generated");
  mkdirSync(join(dir, "gen"), { recursive: true });
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(repo, join(dir, "node_modules", "flytekit-ts"), "dir");
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ name: "golden-project", type: "module" })}\n`);
  const lines = ['import { launchPlan, t, task, workflow } from "flytekit-ts";', ""];
  for (let i = 0; i < 12; i++) {
    lines.push(`export const t${i} = task({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + ${i});`);
  }
  for (let w = 0; w < 3; w++) {
    lines.push(
      `export const w${w} = workflow({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => {`,
      "  let a = x;",
      ...[0, 1, 2, 3].map((k) => `  a = t${w * 4 + k}({ x: a });`),
      "  return a;",
      "});",
      `export const lp${w} = launchPlan(w${w}, { name: "gen.tasks.lp${w}", defaultInputs: { x: ${w} } });`,
    );
  }
  writeFileSync(join(dir, "gen", "tasks.ts"), `${lines.join("\n")}\n`);
  return dir;
}

test("tsflyte package writes the golden bytes for every member", () => {
  const actual: Record<string, string[]> = {
    "examples/": packaged(repo, FLAGS, ["examples/"]),
    "test/conformance/fixtures/ (with ids)": packaged(repo, [...FLAGS, ...IDS], ["test/conformance/fixtures/"]),
    "test/conformance/snacks/": packaged(repo, FLAGS, ["test/conformance/snacks/"]),
    "test/e2e/fixtures/names/": packaged(repo, FLAGS, ["test/e2e/fixtures/names/"]),
    "generated gen/": packaged(generatedProject(), FLAGS, ["gen"]),
  };
  if (process.env.FLYTEKIT_TS_UPDATE_GOLDEN === "1") {
    writeFileSync(goldenFile, `${JSON.stringify(actual, null, 2)}\n`);
    return;
  }
  const golden = JSON.parse(readFileSync(goldenFile, "utf8")) as Record<string, string[]>;
  for (const [key, members] of Object.entries(actual)) {
    assert.deepEqual(members, golden[key], `${key}: members or bytes differ from ${goldenFile}`);
  }
  assert.deepEqual(Object.keys(actual), Object.keys(golden));
});
