import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { currentContext, launchPlan, t, task, TaskExecutionError, workflow } from "flytekit-ts";
import { currentState } from "../../../src/core/context.js";
import { dynamic } from "../../../src/core/dynamic.js";
import {
  EagerCallError,
  eagerBackendFor,
  eagerConcurrency,
  LocalEagerController,
  localEagerBackend,
} from "../../../src/core/eager/controller.js";
import { EagerTask, eager } from "../../../src/core/eager/eager-task.js";
import {
  EagerFailureHandlerTask,
  EagerFailureTaskResolver,
  eagerFailureTaskResolver,
} from "../../../src/core/eager/failure-handler.js";
import { map } from "../../../src/core/map-task.js";

process.env.FLYTE_LOCAL_CACHE_DIR = mkdtempSync(join(tmpdir(), "eager-test-cache-"));

const addOne = task({ name: "e.add_one", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);
const double = task({ name: "e.double", inputs: { x: t.int }, outputs: t.int }, async ({ x }) => {
  await new Promise((r) => setTimeout(r, 1));
  return 2 * x;
});
const fail = task({ name: "e.fail", inputs: { x: t.int }, outputs: t.int }, ({ x }) => {
  throw new Error(`cannot handle ${x}`);
});

describe("eager task definition", () => {
  test("an eager task is a function task in eager mode with isEager metadata and decks on", () => {
    const e = eager({ name: "e.def", inputs: { x: t.int }, outputs: t.int }, async ({ x }) => x);
    assert.ok(e instanceof EagerTask);
    assert.equal(e.executionMode, "eager");
    assert.equal(e.metadata.isEager, true);
    assert.equal(e.metadata.generatesDeck, true);
    assert.equal(e.taskType, "python-task");
    const plain = task({ name: "e.plain", inputs: {} }, () => undefined);
    assert.equal(plain.metadata.isEager, false);
  });

  test("getAsWorkflow(): same interface, node n0 calling the task, failure node efn running the cleanup task", () => {
    const e = eager(
      {
        name: "e.wrapped",
        inputs: { x: t.int, y: t.str.default("a") },
        outputs: { n: t.int },
        containerImage: "img:1",
      },
      async ({ x }) => ({ n: x }),
    );
    const wf = e.getAsWorkflow();
    assert.equal(wf.name, "e.wrapped");
    assert.deepEqual(
      wf.interface.inputs.map(([k]) => k),
      ["x", "y"],
    );
    assert.deepEqual(Object.keys(wf.interface.outputTypes), ["n"]);
    const c = wf.compile();
    assert.deepEqual(
      c.nodes.map((n) => n.id),
      ["n0"],
    );
    assert.equal(c.nodes[0]!.entity, e.getAsWorkflow().compile().nodes[0]!.entity);
    assert.equal(c.nodes[0]!.entity!.name, "e.wrapped");
    assert.equal(c.outputs[0]!.var, "n");
    const efn = c.failureNode!;
    assert.equal(efn.id, "efn");
    const cleanup = efn.entity as EagerFailureHandlerTask;
    assert.ok(cleanup instanceof EagerFailureHandlerTask);
    assert.equal(cleanup.name, "e.wrapped-cleanup");
    assert.equal(cleanup.taskType, "eager_failure_handler_task");
    assert.deepEqual(
      cleanup.interface.inputs.map(([k]) => k),
      ["x", "y"],
    );
    assert.equal(cleanup.interface.shape, "none");
    assert.equal(cleanup.options.containerImage, "img:1");
    assert.ok(cleanup.resolver instanceof EagerFailureTaskResolver);
    assert.equal(cleanup.resolver.location, "flytekit_ts.eager_failure_task_resolver");
    assert.deepEqual(cleanup.resolver.loaderArgs(cleanup), ["eager", "failure", "handler"]);
  });

  test("the resolver loads a no-input cleanup task", async () => {
    const loaded = await eagerFailureTaskResolver.loadTask([]);
    assert.ok(loaded instanceof EagerFailureHandlerTask);
    assert.equal(loaded.name, "no_input_default_cleanup_task");
    assert.equal(loaded.interface.inputs.length, 0);
  });

  test("the wrapper workflow runs locally, and runs the cleanup when the task fails", async () => {
    const ok = eager({ name: "e.wrapok", inputs: { x: t.int }, outputs: t.int }, async ({ x }) => addOne({ x }));
    assert.equal(await ok.getAsWorkflow()({ x: 1 }), 2);
    const bad = eager({ name: "e.wrapbad", inputs: { x: t.int }, outputs: t.int }, async ({ x }) => fail({ x }));
    await assert.rejects(bad.getAsWorkflow()({ x: 1 }), /cannot handle 1/);
  });

  test("FLYTE_EAGER_CONCURRENCY sets the default bound; a cluster backend must be installed to run in a container", () => {
    assert.equal(eagerConcurrency({}), 32);
    assert.equal(eagerConcurrency({ FLYTE_EAGER_CONCURRENCY: "4" }), 4);
    assert.throws(() => eagerConcurrency({ FLYTE_EAGER_CONCURRENCY: "0" }), /positive integer/);
    assert.equal(eagerBackendFor("local", "x"), localEagerBackend);
    assert.throws(() => eagerBackendFor("task", "e.remote"), /needs a cluster eager backend/);
  });
});

describe("eager local execution", () => {
  test("sync and async children are awaited to native values", async () => {
    let mode = "";
    const e = eager({ name: "e.basic", inputs: { x: t.int }, outputs: t.int }, async ({ x }) => {
      mode = currentState().mode;
      const a = await addOne({ x });
      const b = await double({ x: a });
      return a + b;
    });
    assert.equal(await e({ x: 1 }), 2 + 4);
    assert.equal(mode, "eager-local");
  });

  test("Promise.all fans out; control flow uses real values", async () => {
    const e = eager({ name: "e.fanout", inputs: { n: t.int }, outputs: t.list(t.int) }, async ({ n }) => {
      const xs = await Promise.all(Array.from({ length: n }, (_, i) => double({ x: i })));
      return xs.filter((x) => x % 4 === 0);
    });
    assert.deepEqual(await e({ n: 6 }), [0, 4, 8]);
  });

  test("a failing child raises an error the body can catch, with the child's error as cause", async () => {
    let caught: unknown;
    const e = eager({ name: "e.catch", inputs: { x: t.int }, outputs: t.int }, async ({ x }) => {
      try {
        await fail({ x });
      } catch (err) {
        caught = err;
        return -1;
      }
      return x;
    });
    assert.equal(await e({ x: 3 }), -1);
    assert.ok(caught instanceof EagerCallError);
    assert.equal(caught.entityName, "e.fail");
    assert.equal(caught.index, 0);
    assert.match(caught.message, /Error executing e\.fail \(call 0\) with error: .*cannot handle 3/);
    assert.ok(caught.cause instanceof TaskExecutionError);
    assert.match(String((caught.cause.cause as Error).message), /cannot handle 3/);
  });

  test("an uncaught child failure fails the eager task", async () => {
    const e = eager({ name: "e.uncaught", inputs: {}, outputs: t.int }, async () => fail({ x: 9 }));
    await assert.rejects(e(), (err: unknown) => {
      assert.ok(err instanceof TaskExecutionError);
      assert.ok(err.cause instanceof EagerCallError);
      return true;
    });
  });

  test("nested eager tasks, through Promise.all", async () => {
    const child = eager({ name: "e.child", inputs: { x: t.int }, outputs: t.int }, async ({ x }) => {
      const [a, b] = await Promise.all([addOne({ x }), double({ x })]);
      return a + b;
    });
    const parent = eager({ name: "e.parent", inputs: { n: t.int }, outputs: t.int }, async ({ n }) => {
      const ys = await Promise.all(Array.from({ length: n }, (_, i) => child({ x: i })));
      return ys.reduce((s, y) => s + y, 0);
    });
    // child(x) = 3x + 1
    assert.equal(await parent({ n: 4 }), 1 + 4 + 7 + 10);
  });

  test("workflows, launch plans, dynamic and map tasks inside eager", async () => {
    const wf = workflow({ name: "e.wf", inputs: { x: t.int }, outputs: t.int }, ({ x }) =>
      double({ x: addOne({ x }) }),
    );
    const lp = launchPlan(wf, { name: "e.lp", fixedInputs: { x: 10 } });
    const dyn = dynamic({ name: "e.dyn", inputs: { n: t.int }, outputs: t.list(t.int) }, ({ n }) =>
      Array.from({ length: n }, (_, i) => addOne({ x: i })),
    );
    const e = eager({ name: "e.mixed", inputs: { x: t.int }, outputs: t.list(t.int) }, async ({ x }) => {
      const a = await wf({ x });
      const b = await lp();
      const c = await dyn({ n: 2 });
      const d = await map(addOne)({ x: [a, b] });
      return [a, b, ...c, ...d];
    });
    assert.deepEqual(await e({ x: 1 }), [4, 22, 1, 2, 5, 23]);
  });

  test("the concurrency bound is honoured (FLYTE_EAGER_CONCURRENCY)", async () => {
    let inFlight = 0;
    let max = 0;
    const slow = task({ name: "e.slow", inputs: { x: t.int }, outputs: t.int }, async ({ x }) => {
      inFlight++;
      max = Math.max(max, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return x;
    });
    const e = eager({ name: "e.bounded", inputs: { n: t.int }, outputs: t.int }, async ({ n }) => {
      const xs = await Promise.all(Array.from({ length: n }, (_, i) => slow({ x: i })));
      return xs.length;
    });
    const saved = process.env.FLYTE_EAGER_CONCURRENCY;
    process.env.FLYTE_EAGER_CONCURRENCY = "3";
    try {
      assert.equal(await e({ n: 20 }), 20);
    } finally {
      if (saved === undefined) delete process.env.FLYTE_EAGER_CONCURRENCY;
      else process.env.FLYTE_EAGER_CONCURRENCY = saved;
    }
    assert.equal(max, 3);
    max = 0;
    await e({ n: 20 });
    assert.ok(max > 3, `with the default bound only ${max} ran at once`);
  });

  test("when the body fails, running children see their abort signal; later calls are refused", async () => {
    let aborted: boolean | undefined;
    const waits = task({ name: "e.waits", inputs: {}, outputs: t.int }, async () => {
      const signal = currentContext().signal;
      await new Promise((r) => setTimeout(r, 20));
      aborted = signal.aborted;
      return 1;
    });
    let late: Promise<unknown> | undefined;
    const e = eager({ name: "e.aborts", inputs: {}, outputs: t.int }, async () => {
      void waits().catch(() => undefined);
      setTimeout(() => {
        late = addOne({ x: 1 });
        late.catch(() => undefined);
      }, 15);
      await new Promise((r) => setTimeout(r, 10));
      throw new Error("body failed");
    });
    await assert.rejects(e(), /body failed/);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(aborted, true);
    await assert.rejects(late!, /called after its eager task finished/);
  });

  test("calls are tracked per entity, in call order, and listed in the Eager Executions deck", async () => {
    const controller = new LocalEagerController({ concurrency: 2 });
    assert.equal(await controller.submit(addOne, { x: 1 }), 2);
    assert.equal(await controller.submit(addOne, { x: 2 }), 3);
    await assert.rejects(controller.submit(fail, { x: 1 }), EagerCallError);
    assert.deepEqual(
      controller.calls().map((c) => [c.entityName, c.index, c.status]),
      [
        ["e.add_one", 0, "succeeded"],
        ["e.add_one", 1, "succeeded"],
        ["e.fail", 0, "failed"],
      ],
    );
    let deck = "";
    const e = eager(
      {
        name: "e.deck",
        inputs: {},
        outputs: t.int,
        postExecute: (params, out) => {
          deck = params.decks.find((d) => d.name === "Eager Executions")?.html ?? "";
          return out;
        },
      },
      async () => addOne({ x: 0 }),
    );
    assert.equal(await e(), 1);
    assert.match(deck, /<td>e\.add_one<\/td><td class="num">0<\/td><td>x=\d+<\/td><td>succeeded<\/td>/);
    assert.match(deck, /1 call: 1 succeeded\./);
  });
});
