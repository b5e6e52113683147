/**
 * Launch plans against flytekit 1.16: the launch plans of test/conformance/py/launch_plan_oracle.py, serialized by
 * flytekit at test time, and their TypeScript twins (fixtures/launch_plan_twin.ts) must have equal LaunchPlanSpecs
 * field by field (schedule, notifications, labels, annotations, raw output config, max parallelism, security context,
 * overwrite cache, concurrency, default and fixed inputs) but for the workflow's name; the closure's state is unset
 * in both. The twins' package compiles with the real Flyte compiler.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { type JsonValue, toJson } from "@bufbuild/protobuf";
import { loadEntities } from "../../src/cli/load.js";
import { LaunchPlanSchema } from "../../src/idl/gen/flyteidl/admin/launch_plan_pb.js";
import { writePackage } from "../../src/serialize/package.js";
import { serializationSettings } from "../../src/serialize/settings.js";
import { Serializer } from "../../src/serialize/translate.js";
import { oracleSkip, repoRoot, runCompiler, runPython } from "./oracles.js";

const scratch = mkdtempSync(join(tmpdir(), "flytekit-ts-launch-plans-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

type Json = { [k: string]: any };
const NAMES = ["nightly", "hourly", "weekly"];

async function twins(): Promise<Serializer> {
  const { entities } = await loadEntities(join(repoRoot, "test", "conformance", "fixtures", "launch_plan_twin.ts"));
  const s = new Serializer(serializationSettings({ image: { default: "img:v1" } }));
  for (const n of NAMES) s.add(entities.get(n)!);
  return s;
}

describe("launch plans as flytekit writes them", () => {
  test("every LaunchPlanSpec equals flytekit's, field by field", { skip: oracleSkip("python") }, async () => {
    const run = await runPython(join(repoRoot, "test", "conformance", "py", "launch_plan_oracle.py"));
    assert.equal(run.exitCode, 0, run.stderr);
    const theirs = new Map(
      run.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Json)
        .map((j) => [j.name as string, j.lp as Json]),
    );
    const s = await twins();
    for (const name of NAMES) {
      const e = s.entities.find((x) => x.kind === 3 && x.name === name);
      assert.ok(e, `${name} was serialized`);
      const ours = toJson(LaunchPlanSchema, e.spec as never) as JsonValue as Json;
      const their = theirs.get(name)!;
      assert.ok(their, `flytekit wrote ${name}`);
      // The workflow's name carries each SDK's module path.
      for (const j of [ours, their]) j.spec.workflowId.name = "<wf>";
      assert.deepEqual(ours.id, their.id, `${name}: id`);
      for (const k of new Set([...Object.keys(ours.spec), ...Object.keys(their.spec)])) {
        assert.deepEqual(ours.spec[k], their.spec[k], `${name}: spec.${k}`);
      }
      assert.equal(ours.closure.state, their.closure?.state, `${name}: closure.state is left unset`);
    }
  });

  test("the twins' package compiles with the Flyte compiler, strictly", { skip: oracleSkip("compiler") }, async () => {
    const s = await twins();
    const file = join(scratch, "launch-plans.tgz");
    writePackage(s.entities, file);
    const res = await runCompiler(file, { strict: true, hydrate: true });
    assert.equal(res.exitCode, 0, `${res.stdout}${res.stderr}`);
    const lps = res.results.filter((r) => r.kind === "launch_plan");
    assert.equal(lps.length, 4, res.stdout);
    assert.ok(
      res.results.every((r) => r.ok && !r.warnings?.length),
      res.stdout,
    );
  });
});
