/**
 * Conditionals held to Flyte's own tools: every shape of conditional in fixtures/conditions_twin.ts (if/elif/else,
 * and/or, a failing else, nested conditionals, conditions on workflow inputs and node outputs of each primitive type,
 * a conditional in a dynamic body) compiles with the real Flyte compiler, and its branch nodes equal the ones pyflyte
 * writes for the flytekit twin (py/conditions_twin.py): node ids, conditions and their typed constants, bindings,
 * failure node ids.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { fromBinary, type JsonValue, toBinary, toJson } from "@bufbuild/protobuf";
import { loadEntities } from "../../src/cli/load.js";
import { currentState, runInContext } from "../../src/core/context.js";
import type { DynamicTask } from "../../src/core/dynamic.js";
import { TaskSpecSchema } from "../../src/idl/gen/flyteidl/admin/task_pb.js";
import { DynamicJobSpecSchema } from "../../src/idl/gen/flyteidl/core/dynamic_job_pb.js";
import { toDynamicJobSpec } from "../../src/serialize/dynamic.js";
import { type WorkflowSpec, WorkflowSpecSchema } from "../../src/idl/gen/flyteidl/admin/workflow_pb.js";
import { BooleanExpressionSchema } from "../../src/idl/gen/flyteidl/core/condition_pb.js";
import { BindingDataSchema } from "../../src/idl/gen/flyteidl/core/literals_pb.js";
import type { Node } from "../../src/idl/gen/flyteidl/core/workflow_pb.js";
import { writePackage } from "../../src/serialize/package.js";
import { serializationSettings } from "../../src/serialize/settings.js";
import { Serializer, serializeTask } from "../../src/serialize/translate.js";
import { oracleSkip, pythonPath, readTarGz, repoRoot, runCompiler } from "./oracles.js";

const TWINS = join(repoRoot, "test", "conformance", "fixtures");
const PY_TWINS = join(repoRoot, "test", "conformance", "py");
const scratch = mkdtempSync(join(tmpdir(), "flytekit-ts-conditions-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** The TypeScript twin, serialized into a package. */
async function ourPackage(): Promise<{ file: string; workflows: Map<string, WorkflowSpec>; dynamic: DynamicTask }> {
  const { entities } = await loadEntities(join(TWINS, "conditions_twin.ts"), TWINS);
  const dynamic = entities.get("inDynamic") as unknown as DynamicTask;
  const s = new Serializer(serializationSettings({ image: { default: "ghcr.io/acme/conditions:v1" } }));
  for (const [, e] of entities) s.add(e);
  const file = join(scratch, "ts.tgz");
  writePackage([...s.entities], file);
  const workflows = new Map<string, WorkflowSpec>();
  for (const e of s.entities) if (e.kind === 2) workflows.set(short(e.name), e.spec);
  return { file, workflows, dynamic };
}

/** The flytekit twin, packaged by pyflyte. */
function pyflytePackage(): { file: string; workflows: Map<string, WorkflowSpec> } {
  const dir = join(scratch, "py");
  mkdirSync(dir);
  copyFileSync(join(PY_TWINS, "conditions_twin.py"), join(dir, "conditions_twin.py"));
  const file = join(scratch, "py.tgz");
  const r = spawnSync(
    join(dirname(pythonPath()), "pyflyte"),
    ["--pkgs", "conditions_twin", "package", "--image", "ghcr.io/acme/conditions:v1", "-o", file],
    { cwd: dir, encoding: "utf8", timeout: 300_000, env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" } },
  );
  assert.equal(r.status, 0, `pyflyte package failed:\n${r.stdout}\n${r.stderr}`);
  const workflows = new Map<string, WorkflowSpec>();
  for (const m of readTarGz(file)) {
    if (!m.name.endsWith("_2.pb")) continue;
    const spec = fromBinary(WorkflowSpecSchema, m.data);
    workflows.set(short(spec.template!.id!.name), spec);
  }
  return { file, workflows };
}

/** An entity's name without its module (the twins live in modules of different names). */
function short(name: string): string {
  return name.slice(name.lastIndexOf(".") + 1);
}

/** What a conditional is made of, comparable between the two SDKs (nothing about containers or interfaces). */
function shape(n: Node): JsonValue {
  const t = n.target;
  const common = {
    id: n.id,
    name: n.metadata?.name ?? "",
    inputs: n.inputs.map((b) => [b.var, toJson(BindingDataSchema, b.binding!)]),
    upstream: [...n.upstreamNodeIds].sort(),
  };
  switch (t.case) {
    case "taskNode":
      return { ...common, task: short(t.value.reference.value?.name ?? "") };
    case "workflowNode":
      return { ...common, workflow: short(t.value.reference.value?.name ?? "") };
    case "branchNode": {
      const ie = t.value.ifElse!;
      const block = (b: (typeof ie.other)[number]) => ({
        condition: toJson(BooleanExpressionSchema, b.condition!),
        thenNode: shape(b.thenNode!),
      });
      return {
        ...common,
        case: block(ie.case!),
        other: ie.other.map(block),
        else:
          ie.default.case === "elseNode"
            ? shape(ie.default.value)
            : { failedNodeId: ie.default.value?.failedNodeId ?? "", message: ie.default.value?.message ?? "" },
      };
    }
    default:
      return { ...common, target: t.case ?? "" };
  }
}

function workflowShape(spec: WorkflowSpec): JsonValue {
  const wt = spec.template!;
  return {
    nodes: wt.nodes.map(shape),
    outputs: wt.outputs.map((b) => [b.var, toJson(BindingDataSchema, b.binding!)]),
  };
}

const ours = await ourPackage();

describe("conditionals", () => {
  test("every shape compiles with the Flyte compiler, strictly", { skip: oracleSkip("compiler") }, async () => {
    const run = await runCompiler(ours.file, { strict: true });
    const failed = run.results.filter((r) => !r.ok || (r.warnings?.length ?? 0) > 0);
    assert.deepEqual(failed, [], run.stdout + run.stderr);
    assert.equal(run.results.filter((r) => r.kind === "workflow").length, ours.workflows.size);
    assert.equal(ours.workflows.size, 6);
  });

  test("a conditional in a dynamic body: its DynamicJobSpec compiles", { skip: oracleSkip("compiler") }, async () => {
    const settings = serializationSettings({ image: { default: "ghcr.io/acme/conditions:v1" } });
    const graph = await runInContext({ ...currentState(), mode: "dynamic" }, () =>
      ours.dynamic.compileIntoWorkflow({ x: 3 }),
    );
    const job = toDynamicJobSpec(graph, settings);
    assert.deepEqual(
      job.nodes.map((n) => [n.id, n.target.case]),
      [
        ["dn0", "taskNode"],
        ["dn1", "branchNode"],
      ],
    );
    const futures = join(scratch, "futures.pb");
    const iface = join(scratch, "dynamic_task.pb");
    writeFileSync(futures, toBinary(DynamicJobSpecSchema, job));
    writeFileSync(iface, toBinary(TaskSpecSchema, serializeTask(ours.dynamic, settings)));
    const run = await runCompiler([], { dynamic: [futures], dynamicInterface: iface, strict: true });
    assert.deepEqual(
      run.results.filter((r) => !r.ok),
      [],
      run.stdout + run.stderr,
    );
    assert.equal(run.results.length, 1);
  });

  test("branch nodes equal pyflyte's for the flytekit twin", { skip: oracleSkip("python") }, async () => {
    const theirs = pyflytePackage();
    assert.deepEqual([...ours.workflows.keys()].sort(), [...theirs.workflows.keys()].sort());
    for (const [name, spec] of ours.workflows) {
      assert.deepEqual(workflowShape(spec), workflowShape(theirs.workflows.get(name)!), name);
    }
    // pyflyte's package compiles too: both SDKs write what the compiler accepts.
    if (!oracleSkip("compiler")) {
      const run = await runCompiler(theirs.file);
      assert.deepEqual(
        run.results.filter((r) => !r.ok),
        [],
        run.stdout,
      );
    }
  });
});
