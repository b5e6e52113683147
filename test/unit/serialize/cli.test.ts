/** `tsflyte serialize` and the command-line pieces `tsflyte package` shares with it, run in-process. */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { main } from "../../../src/cli/main.js";
import { settingsFrom, sourceFiles } from "../../../src/cli/serialize.js";
import { LaunchPlanSchema } from "../../../src/idl/gen/flyteidl/admin/launch_plan_pb.js";
import { TaskSpecSchema } from "../../../src/idl/gen/flyteidl/admin/task_pb.js";
import { decode, members } from "./helpers.js";

const scratch = mkdtempSync(join(tmpdir(), "serialize-cli-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

const FIXTURE = join(import.meta.dirname, "fixtures", "pipeline.ts");
const MOD = "test.unit.serialize.fixtures.pipeline";

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

describe("settings from the command line", () => {
  test("--image URI is the default, NAME=URI a named image, default=URI the default", () => {
    const s = settingsFrom({ image: ["ghcr.io/a/app:v1", "spark=ghcr.io/a/spark:3"] });
    assert.equal(s.image.default, "ghcr.io/a/app:v1");
    assert.deepEqual(s.image.images, { spark: "ghcr.io/a/spark:3" });
    assert.equal(settingsFrom({ image: ["default=r/x:1"] }).image.default, "r/x:1");
    // An = inside a registry path or tag is part of the image, not a name.
    assert.equal(settingsFrom({ image: ["localhost:5000/x=y:1"] }).image.default, "localhost:5000/x=y:1");
  });

  test("ids default to empty; --env KEY=VALUE in order; a malformed --env is a usage error", () => {
    const s = settingsFrom({ env: ["B=2", "A=1", "B=3"], project: "p" });
    assert.deepEqual([s.project, s.domain, s.version], ["p", "", ""]);
    assert.deepEqual(Object.entries(s.env), [
      ["B", "3"],
      ["A", "1"],
    ]);
    assert.throws(() => settingsFrom({ env: ["NOVALUE"] }), { name: "UsageError", message: /KEY=VALUE/ });
  });
});

describe("finding user files", () => {
  test("sources under a directory, sorted; no tests, declarations, node_modules, dist or hidden directories", () => {
    const root = join(scratch, "proj");
    for (const d of ["src/lib", "node_modules/dep", "dist", ".hidden", "test"])
      mkdirSync(join(root, d), { recursive: true });
    for (const f of [
      "src/b.ts",
      "src/a.mts",
      "src/lib/c.js",
      "src/types.d.ts",
      "src/a.test.ts",
      "src/a.spec.js",
      "src/readme.md",
      "node_modules/dep/index.js",
      "dist/a.js",
      ".hidden/x.ts",
      "test/t.ts",
    ])
      writeFileSync(join(root, f), "");
    const files = sourceFiles(["proj"], scratch).map((f) => f.slice(root.length + 1));
    assert.deepEqual(files, ["src/a.mts", "src/b.ts", "src/lib/c.js"]);
    assert.throws(() => sourceFiles(["missing"], scratch), /no such file or directory: missing/);
  });
});

describe("tsflyte serialize", () => {
  test("writes <index>_<name>_<kind>.pb (and .json with --json) into the directory", async () => {
    const dir = join(scratch, "out");
    const r = await cli("serialize", FIXTURE, "-o", dir, "--json", "--image", "ghcr.io/acme/app:v2", "--env", "K=V");
    assert.equal(r.code, 0, r.err);
    const expected = [`0_${MOD}.double_1`, `1_${MOD}.pipeline_2`, `2_${MOD}.pipeline_3`, "3_fixtures.nightly_3"];
    assert.deepEqual(
      r.out.trim().split("\n"),
      expected.map((n) => `${n}.pb`),
    );
    assert.deepEqual(readdirSync(dir).sort(), expected.flatMap((n) => [`${n}.json`, `${n}.pb`]).sort());
    const spec = decode(TaskSpecSchema, readFileSync(join(dir, `${expected[0]}.pb`)));
    const c = spec.template?.target.case === "container" ? spec.template.target.value : undefined;
    assert.equal(c?.image, "ghcr.io/acme/app:v2");
    assert.deepEqual(
      c?.env.map((e) => `${e.key}=${e.value}`),
      ["K=V", "MODE=task"],
    );
    assert.deepEqual(c?.args.slice(-4), ["task-module", MOD, "task-name", "double"]);
    const json = JSON.parse(readFileSync(join(dir, `${expected[0]}.json`), "utf8"));
    assert.equal(json.template.id.name, `${MOD}.double`);
    assert.equal(json.template.metadata.runtime.flavor, "typescript");
    const lp = decode(LaunchPlanSchema, readFileSync(join(dir, `${expected[3]}.pb`)));
    assert.deepEqual(Object.keys(lp.spec!.fixedInputs!.literals), ["x"]);
    assert.deepEqual(lp.spec!.defaultInputs!.parameters, {});
  });

  test("usage errors: no files, no -o, an unknown option", async () => {
    for (const argv of [
      ["serialize", "-o", scratch],
      ["serialize", FIXTURE],
      ["serialize", "--nope", FIXTURE],
    ]) {
      const r = await cli(...argv);
      assert.equal(r.code, 1);
      assert.match(r.err, /^Error: /);
    }
    const help = await cli("serialize", "--help");
    assert.equal(help.code, 0);
    assert.match(help.out, /Usage: tsflyte serialize/);
  });
});

describe("tsflyte package (in-process)", () => {
  test("a directory: test files skipped, the archive's members in order", async () => {
    const out = join(scratch, "pkg", "p.tgz");
    const r = await cli("package", "-o", out, join(import.meta.dirname, "fixtures"));
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(
      members(readFileSync(out)).map((m) => m.name),
      [`0_${MOD}.double_1.pb`, `1_${MOD}.pipeline_2.pb`, `2_${MOD}.pipeline_3.pb`, "3_fixtures.nightly_3.pb"],
    );
  });

  test("--copy must be none or all; --fast and --copy do not combine; no paths is an error", async () => {
    for (const argv of [
      ["package", "--copy", "auto", FIXTURE],
      ["package", "--fast", "--copy", "all", FIXTURE],
      ["package"],
    ]) {
      const r = await cli(...argv);
      assert.equal(r.code, 1, argv.join(" "));
    }
  });
});
