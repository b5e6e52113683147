import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { after, FlyteValidationError, t, task, TaskExecutionError, workflow } from "flytekit-ts";
import type { NodeSpec } from "../../../src/core/compilation.js";
import { DynamicTask, dynamic } from "../../../src/core/dynamic.js";
import { Task } from "../../../src/core/task.js";
import { Workflow } from "../../../src/core/workflow.js";

process.env.FLYTE_LOCAL_CACHE_DIR = mkdtempSync(join(tmpdir(), "dynamic-test-cache-"));

const t1 = task({ name: "d.t1", inputs: { a: t.int }, outputs: t.str }, ({ a }) => `fast-${a}`);
const add = task({ name: "d.add", inputs: { a: t.int, b: t.int.default(5) }, outputs: t.int }, ({ a, b }) => a + b);
const subwf = workflow({ name: "d.subwf", inputs: { a: t.int }, outputs: t.list(t.str) }, ({ a }) => [
  t1({ a }),
  t1({ a }),
]);

/** Every task a compiled graph runs, subworkflows included, deduplicated (what a DynamicJobSpec's `tasks` holds). */
function uniqueTasks(nodes: readonly NodeSpec[], seen = new Set<Task>()): Set<Task> {
  for (const n of nodes) {
    if (n.entity instanceof Task) seen.add(n.entity);
    else if (n.entity instanceof Workflow) uniqueTasks(n.entity.compile().nodes, seen);
  }
  return seen;
}

describe("dynamic compilation", () => {
  test("5 task calls and 1 subworkflow compile into 6 nodes dn0..dn5 and 1 unique task", async () => {
    const d = dynamic({ name: "d.fast", inputs: { a: t.int }, outputs: t.list(t.str) }, ({ a }) => {
      const s = Array.from({ length: a }, (_, i) => t1({ a: i }));
      subwf({ a });
      return s;
    });
    const spec = await d.compileIntoWorkflow({ a: 5 });
    assert.deepEqual(
      spec.nodes.map((n) => n.id),
      ["dn0", "dn1", "dn2", "dn3", "dn4", "dn5"],
    );
    assert.equal(uniqueTasks(spec.nodes).size, 1);
    assert.equal(spec.outputs.length, 1);
    const out = spec.outputs[0]!.binding!.value;
    assert.equal(out.case, "collection");
  });

  test("task defaults are bound as scalars; after() orders nodes", async () => {
    const d = dynamic({ name: "d.defaults", inputs: { a: t.int }, outputs: t.int }, ({ a }) => {
      const x = add({ a });
      const y = add({ a, b: 1 });
      after(y, x);
      return y;
    });
    const { nodes } = await d.compileIntoWorkflow({ a: 3 });
    const b = nodes[0]!.bindings.find((x) => x.var === "b")!.binding!.value;
    assert.equal(b.case, "scalar");
    assert.deepEqual(nodes[1]!.upstream, ["dn0"]);
    assert.equal(await d({ a: 3 }), 4);
  });

  test("nodeDependencyHints are kept on dynamic tasks and rejected on other tasks", () => {
    const d = dynamic({ name: "d.hints", inputs: {}, nodeDependencyHints: [t1, add] }, () => undefined);
    assert.deepEqual(d.nodeDependencyHints, [t1, add]);
    assert.equal(d.executionMode, "dynamic");
    assert.ok(d instanceof DynamicTask);
    assert.throws(
      () => task({ name: "d.nohints", nodeDependencyHints: [t1] } as never, () => undefined),
      (e: unknown) =>
        e instanceof FlyteValidationError && /nodeDependencyHints should only be used on dynamic tasks/.test(e.message),
    );
    assert.throws(
      () => dynamic({ name: "d.badhints", nodeDependencyHints: [1 as never] }, () => undefined),
      /must be an array of tasks/,
    );
  });
});

describe("dynamic local execution", () => {
  test("the width of the fan-out comes from an input; results are native", async () => {
    const fanout = dynamic({ name: "d.fanout", inputs: { n: t.int }, outputs: t.list(t.int) }, ({ n }) =>
      Array.from({ length: n }, (_, i) => add({ a: i, b: i })),
    );
    assert.deepEqual(await fanout({ n: 4 }), [0, 2, 4, 6]);
    assert.deepEqual(await fanout({ n: 0 }), []);
  });

  test("a body that only returns constants or inputs (no nodes) works", async () => {
    const echo = dynamic({ name: "d.echo", inputs: { n: t.int }, outputs: { n: t.int, s: t.str } }, ({ n }) => ({
      n,
      s: "const",
    }));
    assert.equal((await echo.compileIntoWorkflow({ n: 1 })).nodes.length, 0);
    assert.deepEqual(await echo({ n: 7 }), { n: 7, s: "const" });
  });

  test("calls inside the body return references: reading one is a clear error", async () => {
    const bad = dynamic({ name: "d.bad", inputs: { a: t.int }, outputs: t.int }, ({ a }) => {
      const r = add({ a }) as unknown as number;
      return r + 1;
    });
    await assert.rejects(bad({ a: 1 }), (e: unknown) => {
      assert.ok(e instanceof TaskExecutionError);
      assert.match(e.message, /is a reference, not a value/);
      return true;
    });
    const len = dynamic({ name: "d.len", inputs: { a: t.int }, outputs: t.int }, ({ a }) => {
      const s = t1({ a }) as unknown as string;
      return s.length;
    });
    await assert.rejects(len({ a: 1 }), /cannot read \.length of output o0 of node dn0/);
  });

  test("nested dynamic tasks work", async () => {
    const inner = dynamic({ name: "d.inner", inputs: { n: t.int }, outputs: t.list(t.int) }, ({ n }) =>
      Array.from({ length: n }, (_, i) => add({ a: i, b: 100 })),
    );
    const outer = dynamic({ name: "d.outer", inputs: { n: t.int }, outputs: t.list(t.list(t.int)) }, ({ n }) =>
      Array.from({ length: n }, (_, i) => inner({ n: i + 1 })),
    );
    assert.deepEqual(await outer({ n: 3 }), [[100], [100, 101], [100, 101, 102]]);
  });

  test("dynamic tasks inside workflows work, and their outputs feed other nodes", async () => {
    const squares = dynamic({ name: "d.squares", inputs: { n: t.int }, outputs: t.list(t.int) }, ({ n }) =>
      Array.from({ length: n }, (_, i) => add({ a: i * i, b: 0 })),
    );
    const sum = task({ name: "d.sum", inputs: { xs: t.list(t.int) }, outputs: t.int }, ({ xs }) =>
      xs.reduce((s, x) => s + x, 0),
    );
    const wf = workflow({ name: "d.wf", inputs: { n: t.int }, outputs: t.int }, ({ n }) => sum({ xs: squares({ n }) }));
    assert.equal(await wf({ n: 4 }), 0 + 1 + 4 + 9);
  });

  test("maps, named outputs and async bodies", async () => {
    const byName = dynamic(
      { name: "d.byname", inputs: { names: t.list(t.str) }, outputs: { lens: t.map(t.str), count: t.int } },
      async ({ names }) => {
        await new Promise((r) => setTimeout(r, 1));
        const lens: Record<string, Promise<string>> = {};
        for (const [i, n] of names.entries()) lens[n] = t1({ a: i });
        return { lens, count: names.length };
      },
    );
    assert.deepEqual(await byName({ names: ["x", "y"] }), { lens: { x: "fast-0", y: "fast-1" }, count: 2 });
  });

  test("a dynamic task without outputs runs its nodes", async () => {
    const seen: number[] = [];
    const sink = task({ name: "d.sink", inputs: { x: t.int } }, ({ x }) => {
      seen.push(x);
    });
    const d = dynamic({ name: "d.void", inputs: { n: t.int } }, ({ n }) => {
      for (let i = 0; i < n; i++) sink({ x: i });
    });
    assert.equal(await d({ n: 3 }), undefined);
    assert.deepEqual(seen.sort(), [0, 1, 2]);
  });

  test("a failing node fails the dynamic task with the node's error as cause", async () => {
    const boom = task({ name: "d.boom", inputs: { x: t.int }, outputs: t.int }, () => {
      throw new Error("kaput");
    });
    const d = dynamic({ name: "d.fails", inputs: {}, outputs: t.int }, () => boom({ x: 1 }));
    await assert.rejects(d(), (e: unknown) => {
      assert.ok(e instanceof TaskExecutionError);
      assert.match(e.message, /kaput/);
      assert.ok(e.cause instanceof Error);
      return true;
    });
  });
});
