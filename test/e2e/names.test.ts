/**
 * Names never depend on timing: an entity's name is settled from the declaration that defines it, at once and the
 * same way every time, whether the machine is idle or busy. Checked with CPU-hog processes running beside, a blocked
 * event loop, a module that runs its own task before it has finished loading, re-exports under other names, a task
 * made by a helper, a task defined in a workflow body, and the loading paths of `tsflyte run`, serialization and
 * `tsflyte-execute`.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { t } from "flytekit-ts";
import { loadEntities } from "../../src/cli/load.js";
import { LiteralMapSchema } from "../../src/idl/gen/flyteidl/core/literals_pb.js";
import { literalMap } from "../../src/idl/literals.js";
import { serializationSettings } from "../../src/serialize/settings.js";
import { Serializer } from "../../src/serialize/translate.js";
import { NO_DATA } from "../../src/types/type.js";

const repo = join(import.meta.dirname, "..", "..");
const fixtures = join(repo, "test", "e2e", "fixtures", "names");
const M = "test.e2e.fixtures.names";
const scratch = mkdtempSync(join(tmpdir(), "names-e2e-"));
const hogs: ChildProcess[] = [];

before(() => {
  // Keep the other cores busy while the names are settled.
  for (let i = 0; i < Math.max(1, cpus().length - 1); i++) {
    hogs.push(spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }));
  }
});
after(() => {
  for (const h of hogs) h.kill("SIGKILL");
  rmSync(scratch, { recursive: true, force: true });
});

function runScript(file: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", file], {
    cwd: repo,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, FLYTE_LOCAL_CACHE_DIR: join(scratch, "cache"), FLYTEKIT_TS_HOME: join(scratch, "home") },
  });
}

describe("names under load", () => {
  test("re-exported entities run on a blocked event loop keep the names of their declarations, before and after", () => {
    const r = runScript(join(fixtures, "main.ts"));
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as Record<string, unknown>;
    const names = [`${M}.tasks.add`, `${M}.tasks.times`, `${M}.tasks.made`, `${M}.tasks.pipeline`];
    assert.deepEqual(out, { before: names, names, lhs: ["add", "times", "made", "pipeline"], results: [2, 6, 8, 5] });
  });

  test("a module that runs its own task at its top level names it after its export (and finishes)", () => {
    for (let i = 0; i < 2; i++) {
      const r = runScript(join(fixtures, "tla.ts"));
      assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr}`);
      assert.deepEqual(JSON.parse(r.stdout.trim()), { square: `${M}.tla.square`, lhs: "square", out: 49 });
    }
  });

  test("serialization through a re-exporting module: the defining module's names and loader args", async () => {
    const { entities } = await loadEntities(join(fixtures, "reexport.ts"), repo);
    assert.deepEqual([...entities.keys()].sort(), ["made", "pipeline", "plus", "times"]);
    const s = new Serializer(serializationSettings({ image: { default: "img:1" } }));
    for (const e of entities.values()) s.add(e);
    const tasks = new Map(
      s.entities
        .filter((e) => e.kind === 1)
        .map((e) => [
          e.name,
          e.kind === 1 && e.spec.template?.target.case === "container" ? e.spec.template.target.value.args : [],
        ]),
    );
    assert.deepEqual([...tasks.keys()].sort(), [
      `${M}.tasks.add`,
      `${M}.tasks.made`,
      `${M}.tasks.pipeline.${M}.tasks.task_0`,
      `${M}.tasks.times`,
    ]);
    assert.deepEqual(tasks.get(`${M}.tasks.add`)!.slice(-4), ["task-module", `${M}.tasks`, "task-name", "add"]);
    assert.deepEqual(tasks.get(`${M}.tasks.times`)!.slice(-4), ["task-module", `${M}.tasks`, "task-name", "times"]);
    assert.deepEqual(tasks.get(`${M}.tasks.made`)!.slice(-4), ["task-module", `${M}.tasks`, "task-name", "made"]);
    assert.deepEqual(tasks.get(`${M}.tasks.pipeline.${M}.tasks.task_0`)!.slice(-4), [
      "--resolver",
      `${M}.tasks.pipeline`,
      "--",
      "0",
    ]);

    // The container loads each task back from those args.
    assert.ok(existsSync(join(repo, "dist", "entrypoint", "execute.js")), "run `npm run build` first");
    const cases: [string, Record<string, number>, number][] = [
      [`${M}.tasks.made`, { x: 21 }, 42],
      [`${M}.tasks.times`, { a: 6, b: 7 }, 42],
      [`${M}.tasks.pipeline.${M}.tasks.task_0`, { v: 43 }, 42],
    ];
    for (const [name, inputs, expected] of cases) {
      const dir = mkdtempSync(join(scratch, "exec-"));
      const lits = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, t.int.toLiteral(v, NO_DATA)]));
      writeFileSync(join(dir, "inputs.pb"), toBinary(LiteralMapSchema, literalMap(lits)));
      const args = tasks.get(name)!;
      const r = spawnSync(
        process.execPath,
        [
          join(repo, "bin", "tsflyte-execute.js"),
          "--inputs",
          join(dir, "inputs.pb"),
          "--output-prefix",
          join(dir, "out"),
          "--raw-output-data-prefix",
          join(dir, "raw"),
          ...args.slice(args.indexOf("--resolver")),
        ],
        { cwd: repo, encoding: "utf8", timeout: 120_000, env: { ...process.env, FLYTE_PROJECT_ROOT: repo } },
      );
      assert.equal(r.status, 0, `${name}: ${r.stderr}`);
      const out = fromBinary(LiteralMapSchema, readFileSync(join(dir, "out", "outputs.pb")));
      assert.equal(t.int.fromLiteral(out.literals.o0!, NO_DATA), expected, name);
    }
  });

  test("tsflyte run through a re-exporting module", () => {
    assert.ok(existsSync(join(repo, "dist", "cli", "main.js")), "run `npm run build` first");
    const r = spawnSync(
      process.execPath,
      [join(repo, "bin", "tsflyte.js"), "run", "test/e2e/fixtures/names/reexport.ts", "plus", "--a", "41"],
      {
        cwd: repo,
        encoding: "utf8",
        timeout: 120_000,
        env: { ...process.env, FLYTE_LOCAL_CACHE_DIR: join(scratch, "cache"), FLYTEKIT_TS_HOME: join(scratch, "home") },
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim().split("\n").at(-1), "42");
  });
});
