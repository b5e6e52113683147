/**
 * Reference entities: declared by id and interface, called in workflow bodies, serialized as nodes referring to the
 * registered id (never registered again), refused in local runs unless mocked.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  collectEntities,
  FlyteUserError,
  FlyteValidationError,
  referenceLaunchPlan,
  referenceTask,
  referenceWorkflow,
  serializationSettings,
  t,
  task,
  workflow,
} from "flytekit-ts";
import { loadEntities } from "../../../src/cli/load.js";
import { ResourceType } from "../../../src/idl/gen/flyteidl/core/identifier_pb.js";

const id = { project: "shared", domain: "production", version: "v7" };

export const pyAdd = referenceTask({
  ...id,
  name: "pylib.tasks.add",
  inputs: { a: t.int, b: t.int },
  outputs: t.int,
});
export const etl = referenceWorkflow({
  ...id,
  name: "pylib.wf.etl",
  inputs: { n: t.int },
  outputs: { total: t.int, label: t.str },
});
export const nightly = referenceLaunchPlan({ ...id, name: "pylib.wf.nightly", inputs: { n: t.int }, outputs: t.str });

export const double = task({ name: "ref_test.double", inputs: { x: t.int }, outputs: t.int }, ({ x }) => 2 * x);

export const mixed = workflow(
  { name: "ref_test.mixed", inputs: { x: t.int }, outputs: { s: t.int, l: t.str, n: t.str } },
  ({ x }) => {
    const sum = pyAdd({ a: double({ x }), b: 1 });
    const r = etl({ n: sum });
    return { s: r.total, l: r.label, n: nightly({ n: x }) };
  },
);

describe("reference entities", () => {
  test("serialize as nodes referring to the registered ids, and are not registered themselves", async () => {
    await loadEntities(import.meta.filename); // names the exports, as the CLI does
    const entities = collectEntities(
      [pyAdd, etl, nightly, mixed],
      serializationSettings({ project: "p", domain: "development", version: "v1" }),
    );
    assert.deepEqual(
      entities.map((e) => `${e.kind}:${e.name}`),
      ["1:ref_test.double", "2:ref_test.mixed", "3:ref_test.mixed"],
    );
    const wf = entities[1]!;
    assert.equal(wf.kind, 2);
    const nodes = wf.kind === 2 ? wf.spec.template!.nodes : [];
    assert.equal(nodes.length, 4);
    const [, add, sub, lp] = nodes;
    assert.equal(add!.target.case, "taskNode");
    const taskRef = add!.target.case === "taskNode" ? add!.target.value.reference.value : undefined;
    assert.deepEqual(
      { ...taskRef, $typeName: undefined },
      { $typeName: undefined, resourceType: ResourceType.TASK, name: "pylib.tasks.add", org: "", ...id },
    );
    assert.equal(add!.metadata!.name, "add");
    assert.deepEqual(
      add!.inputs.map((b) => [b.var, b.binding!.value.case]),
      [
        ["a", "promise"],
        ["b", "scalar"],
      ],
    );
    const subRef = sub!.target.case === "workflowNode" ? sub!.target.value.reference : undefined;
    assert.equal(subRef?.case, "subWorkflowRef");
    assert.equal(subRef?.value?.resourceType, ResourceType.WORKFLOW);
    assert.equal(subRef?.value?.name, "pylib.wf.etl");
    assert.equal(subRef?.value?.project, "shared");
    const lpRef = lp!.target.case === "workflowNode" ? lp!.target.value.reference : undefined;
    assert.equal(lpRef?.case, "launchplanRef");
    assert.equal(lpRef?.value?.resourceType, ResourceType.LAUNCH_PLAN);
    assert.equal(lpRef?.value?.version, "v7");
    assert.equal(wf.kind === 2 ? wf.spec.subWorkflows.length : -1, 0, "nothing of the reference is embedded");
    // The workflow outputs bind to the reference nodes' outputs by name.
    const outs = wf.kind === 2 ? wf.spec.template!.outputs : [];
    assert.deepEqual(
      outs.map((b) => {
        const v = b.binding!.value;
        return [b.var, v.case === "promise" ? `${v.value.nodeId}.${v.value.var}` : ""];
      }),
      [
        ["s", "n2.total"],
        ["l", "n2.label"],
        ["n", "n3.o0"],
      ],
    );
  });

  test("a local run fails with a clear error naming the reference and what to do", async () => {
    await assert.rejects(
      () => pyAdd({ a: 1, b: 2 }),
      (e: Error) =>
        e instanceof FlyteUserError &&
        e.message.includes("pylib.tasks.add is a reference to the task shared/production/pylib.tasks.add@v7") &&
        e.message.includes(".mock(fn)") &&
        e.message.includes("tsflyte run --remote"),
    );
    // Independent nodes run concurrently: whichever reference runs first fails the workflow.
    await assert.rejects(() => mixed({ x: 1 }), /is a reference to the (task|launch plan) shared\/production\//);
  });

  test("mocked references run locally with converted inputs and outputs, until restored", async () => {
    const seen: unknown[] = [];
    const restore = [
      pyAdd.mock(({ a, b }) => {
        seen.push({ a, b });
        return a + b;
      }),
      etl.mock(async ({ n }) => ({ total: n * 10, label: `n=${n}` })),
      nightly.mock(({ n }) => `night ${n}`),
    ];
    try {
      assert.deepEqual(await mixed({ x: 4 }), { s: 90, l: "n=9", n: "night 4" });
      assert.deepEqual(seen, [{ a: 8, b: 1 }]);
    } finally {
      for (const r of restore) r();
    }
    await assert.rejects(() => pyAdd({ a: 1, b: 2 }), /cannot run locally/);
  });

  test("a mock returning the wrong type is a type error naming the reference and output", async () => {
    const restore = pyAdd.mock((() => "three") as never);
    try {
      await assert.rejects(() => pyAdd({ a: 1, b: 2 }), /pylib\.tasks\.add: output o0/);
    } finally {
      restore();
    }
  });

  test("ids must be given in full", () => {
    assert.throws(
      () => referenceTask({ project: "p", domain: "d", name: "x", version: "" }),
      (e: Error) =>
        e instanceof FlyteValidationError && /reference task x: version must be a non-empty string/.test(e.message),
    );
    assert.throws(
      () => referenceWorkflow({ project: "p", domain: 3 as unknown as string, name: "w", version: "v" }),
      /reference workflow w: domain must be a non-empty string, got 3/,
    );
  });
});
