/**
 * A dynamic task in a container, as propeller runs it: tsflyte-execute writes futures.pb (a DynamicJobSpec the real
 * Flyte compiler accepts) or, when the body builds no node, outputs.pb.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { t } from "flytekit-ts";
import { DynamicJobSpecSchema } from "../../src/idl/gen/flyteidl/core/dynamic_job_pb.js";
import { LiteralMapSchema } from "../../src/idl/gen/flyteidl/core/literals_pb.js";
import { literalMap } from "../../src/idl/literals.js";
import { NO_DATA } from "../../src/types/type.js";
import { compilerPath, runCompiler } from "../conformance/oracles.js";

const repo = join(import.meta.dirname, "..", "..");
const bin = join(repo, "bin", "tsflyte-execute.js");

function run(taskName: string, n: number): string {
  assert.ok(existsSync(join(repo, "dist", "entrypoint", "execute.js")), "run `npm run build` first");
  const dir = mkdtempSync(join(tmpdir(), "dyn-e2e-"));
  mkdirSync(join(dir, "out"));
  writeFileSync(join(dir, "inputs.pb"), toBinary(LiteralMapSchema, literalMap({ n: t.int.toLiteral(n, NO_DATA) })));
  const r = spawnSync(
    process.execPath,
    [
      bin,
      "--inputs",
      join(dir, "inputs.pb"),
      "--output-prefix",
      join(dir, "out"),
      "--raw-output-data-prefix",
      join(dir, "raw"),
      "--resolver",
      "flytekit_ts.default_task_resolver",
      "--",
      "task-module",
      "test.e2e.fixtures.dynamic.dyn",
      "task-name",
      taskName,
    ],
    {
      cwd: repo,
      encoding: "utf8",
      env: {
        ...process.env,
        FLYTE_PROJECT_ROOT: repo,
        FLYTE_INTERNAL_TASK_PROJECT: "proj",
        FLYTE_INTERNAL_TASK_DOMAIN: "dev",
        FLYTE_INTERNAL_TASK_VERSION: "v7",
      },
    },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!existsSync(join(dir, "out", "error.pb")), r.stderr);
  return join(dir, "out");
}

test("a dynamic task writes futures.pb with nodes dn0.., deduplicated tasks and the subworkflow", async () => {
  const out = run("fanout", 3);
  const spec = fromBinary(DynamicJobSpecSchema, readFileSync(join(out, "futures.pb")));
  assert.deepEqual(
    spec.nodes.map((n) => n.id),
    ["dn0", "dn1", "dn2", "dn3"],
  );
  assert.equal(spec.minSuccesses, 4n);
  assert.deepEqual(
    spec.tasks.map((t) => t.id?.name),
    ["test.e2e.fixtures.dynamic.dyn.square"],
  );
  assert.deepEqual(
    spec.subworkflows.map((w) => w.id?.name),
    ["test.e2e.fixtures.dynamic.dyn.inner"],
  );
  const id = spec.tasks[0]!.id!;
  assert.deepEqual([id.project, id.domain, id.version], ["proj", "dev", "v7"]);
  assert.equal(spec.outputs[0]?.var, "o0");
  assert.equal(spec.outputs[0]?.binding?.value.case, "collection");
  if (existsSync(compilerPath())) {
    const res = await runCompiler([], { dynamic: [join(out, "futures.pb")] });
    assert.equal(res.exitCode, 0, res.stdout + res.stderr);
    assert.equal(res.results.filter((r) => r.ok).length, 1);
  } else if (process.env.FLYTEKIT_TS_REQUIRE_ORACLES) {
    assert.fail("the Flyte compiler harness is missing; run scripts/setup-oracles.sh");
  }
});

test("a dynamic body that builds no node writes outputs.pb", () => {
  const out = run("constant", 4);
  assert.ok(!existsSync(join(out, "futures.pb")));
  const lm = fromBinary(LiteralMapSchema, readFileSync(join(out, "outputs.pb")));
  assert.deepEqual(t.list(t.int).fromLiteral(lm.literals.o0!, NO_DATA), [4, 5]);
});
