import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { after, conditional, FlyteValidationError, gt, isRef, t, task, workflow } from "flytekit-ts";

const add = task({ name: "wf.add", inputs: { a: t.int, b: t.int.default(5) }, outputs: t.int }, ({ a, b }) => a + b);
const opt = task(
  { name: "wf.opt", inputs: { x: t.int, y: t.optional(t.int) }, outputs: t.str },
  ({ x, y }) => `${x}/${y}`,
);
const Point = t.struct({ x: t.int, y: t.int }, { name: "Point" });
const mkPoint = task({ name: "wf.mk", inputs: { x: t.int }, outputs: Point }, ({ x }) => ({ x, y: x * 10 }));
const noOut = task({ name: "wf.noout", inputs: {} }, () => undefined);

describe("workflow compilation", () => {
  test("node ids n0.., sorted bindings, workflow inputs bound to node ''", () => {
    const wf = workflow({ name: "wf.ids", inputs: { a: t.int }, outputs: t.int }, ({ a }) => {
      const s = add({ b: a, a });
      return add({ a: s, b: a });
    });
    const c = wf.compile();
    assert.deepEqual(
      c.nodes.map((n) => n.id),
      ["n0", "n1"],
    );
    const n0 = c.nodes[0]!;
    assert.deepEqual(
      n0.bindings.map((b) => b.var),
      ["a", "b"],
    );
    const promise = n0.bindings[0]!.binding!.value;
    assert.equal(promise.case, "promise");
    assert.equal(promise.case === "promise" && promise.value.nodeId, "");
    assert.equal(promise.case === "promise" && promise.value.var, "a");
    assert.deepEqual(c.nodes[1]!.upstream, ["n0"]);
    assert.equal(c.outputs[0]!.var, "o0");
    const out = c.outputs[0]!.binding!.value;
    assert.equal(out.case === "promise" && out.value.nodeId, "n1");
    assert.equal(out.case === "promise" && out.value.var, "o0");
  });

  test("task defaults are materialised as scalar bindings; optional None is a union none tagged 'none'", () => {
    const wf = workflow({ name: "wf.defaults", inputs: { a: t.int }, outputs: { s: t.int, o: t.str } }, ({ a }) => ({
      s: add({ a }),
      o: opt({ x: a }),
    }));
    const [n0, n1] = wf.compile().nodes;
    const b = n0!.bindings.find((x) => x.var === "b")!.binding!.value;
    assert.equal(b.case, "scalar");
    const prim = b.case === "scalar" && b.value.value.case === "primitive" ? b.value.value.value.value : undefined;
    assert.deepEqual(prim, { case: "integer", value: 5n });
    const y = n1!.bindings.find((x) => x.var === "y")!.binding!.value;
    assert.equal(y.case === "scalar" && y.value.value.case, "union");
    const u = y.case === "scalar" && y.value.value.case === "union" ? y.value.value.value : undefined;
    assert.equal(u?.value?.value.case === "scalar" && u.value.value.value.value.case, "noneType");
    assert.equal(u?.type?.structure?.tag, "none");
  });

  test("lists of references become binding collections", () => {
    const sum = task({ name: "wf.sum", inputs: { xs: t.list(t.int) }, outputs: t.int }, ({ xs }) =>
      xs.reduce((a, b) => a + b, 0),
    );
    const wf = workflow({ name: "wf.coll", inputs: { a: t.int }, outputs: t.int }, ({ a }) =>
      sum({ xs: [a, add({ a }), 3] }),
    );
    const last = wf.compile().nodes.at(-1)!;
    const xs = last.bindings[0]!.binding!.value;
    assert.equal(xs.case, "collection");
    assert.deepEqual(xs.case === "collection" ? xs.value.bindings.map((b) => b.value.case) : [], [
      "promise",
      "promise",
      "scalar",
    ]);
    assert.deepEqual(last.upstream, ["n0"]);
  });

  test("attribute access on struct outputs carries an attribute path and runs locally", async () => {
    const wf = workflow({ name: "wf.attr", inputs: { x: t.int }, outputs: t.int }, ({ x }) =>
      add({ a: mkPoint({ x }).y, b: 1 }),
    );
    const n1 = wf.compile().nodes[1]!;
    const a = n1.bindings.find((b) => b.var === "a")!.binding!.value;
    assert.equal(a.case, "promise");
    assert.deepEqual(a.case === "promise" ? a.value.attrPath.map((p) => p.value.value) : [], ["y"]);
    assert.equal(await wf({ x: 4 }), 41);
  });

  test("references are not thenable and refuse to be read as values", () => {
    workflow({ name: "wf.refs", inputs: { a: t.int }, outputs: t.int }, ({ a }) => {
      const r = add({ a });
      assert.ok(isRef(r));
      assert.equal((r as unknown as { then?: unknown }).then, undefined);
      assert.throws(() => (r as unknown as { foo: unknown }).foo, /cannot read \.foo of output o0 of node n0 \(int\)/);
      assert.throws(() => JSON.stringify(r), /is a reference, not a value/);
      assert.throws(() => (mkPoint({ x: a }) as unknown as { z: unknown }).z, /has no field "z"/);
      return r;
    }).compile();
  });

  test("async bodies and bodies returning promises are rejected with a clear message", () => {
    assert.throws(
      () =>
        workflow(
          { name: "wf.async", inputs: { a: t.int }, outputs: t.int },
          (async ({ a }: { a: unknown }) => a) as never,
        ),
      (e: unknown) => e instanceof FlyteValidationError && /workflow bodies are synchronous/.test(e.message),
    );
    const p = workflow({ name: "wf.promise", outputs: t.int }, (() => Promise.resolve(1)) as never);
    assert.throws(() => p.compile(), /returned a Promise/);
  });

  test("output arity is checked", () => {
    assert.throws(
      () => workflow({ name: "wf.noret", outputs: t.int }, (() => undefined) as never).compile(),
      /returned nothing/,
    );
    assert.throws(() => workflow({ name: "wf.extra" }, (() => 5) as never).compile(), /declares no outputs/);
    assert.throws(
      () => workflow({ name: "wf.opts", bogus: 1 } as never, () => undefined),
      /unrecognized workflow option/,
    );
  });

  test("after() adds ordering without data", () => {
    const wf = workflow({ name: "wf.order", inputs: {}, outputs: undefined }, () => {
      const first = noOut();
      const second = noOut();
      after(second, first);
    });
    const [, n1] = wf.compile().nodes;
    assert.deepEqual(n1!.upstream, ["n0"]);
  });

  test("a missing required input fails at compile time", () => {
    const wf = workflow(
      { name: "wf.missing", inputs: {}, outputs: t.int },
      () => (add as never as (i: object) => unknown)({}) as never,
    );
    assert.throws(() => wf.compile(), /wf\.add: input a \(int\) was not specified/);
  });

  test("subworkflows and conditionals compile into nested nodes", async () => {
    const inner = workflow({ name: "wf.inner", inputs: { a: t.int }, outputs: t.int }, ({ a }) => add({ a, b: 1 }));
    const outer = workflow({ name: "wf.outer", inputs: { a: t.int }, outputs: t.int }, ({ a }) => {
      const x = inner({ a });
      return conditional("big")
        .if(gt(x, 10))
        .run(() => add({ a: x, b: 100 }))
        .else()
        .run(() => add({ a: x, b: 0 }));
    });
    const c = outer.compile();
    assert.deepEqual(
      c.nodes.map((n) => n.id),
      ["n0", "n1"],
    );
    assert.equal(c.nodes[1]!.branch?.cases.length, 2);
    assert.equal(c.nodes[1]!.branch!.cases[0]!.node?.id, "n0");
    assert.equal(c.nodes[1]!.branch!.cases[1]!.node?.id, "n1");
    assert.deepEqual(c.nodes[1]!.upstream, ["n0"]);
    assert.equal(await outer({ a: 20 }), 121);
    assert.equal(await outer({ a: 2 }), 3);
  });
});

describe("local workflow execution", () => {
  test("independent nodes run concurrently", async () => {
    // Each sleeper waits until all three have started: run one by one, they would never finish.
    let started = 0;
    let release!: () => void;
    const allStarted = new Promise<void>((r) => {
      release = r;
    });
    const sleepy = task({ name: "wf.sleepy", inputs: { ms: t.int }, outputs: t.int }, async ({ ms }) => {
      if (++started === 3) release();
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`only ${started} of 3 nodes started: nodes ran one by one`)), 10_000).unref(),
      );
      await Promise.race([allStarted, timeout]);
      return ms;
    });
    const sum = task({ name: "wf.sum2", inputs: { xs: t.list(t.int) }, outputs: t.int }, ({ xs }) =>
      xs.reduce((a, b) => a + b, 0),
    );
    const wf = workflow({ name: "wf.par", outputs: t.int }, () =>
      sum({ xs: [sleepy({ ms: 150 }), sleepy({ ms: 150 }), sleepy({ ms: 150 })] }),
    );
    assert.equal(await wf(), 450);
    assert.equal(started, 3);
  });

  test("a failing node fails the workflow and runs the failure handler with the inputs and error", async () => {
    const seen: unknown[] = [];
    const fails = task({ name: "wf.fails", inputs: { a: t.int }, outputs: t.int }, ({ a }) => {
      throw new Error(`no ${a}`);
    });
    const handler = task({ name: "wf.handler", inputs: { a: t.int, err: t.optional(t.str) } }, ({ a, err }) => {
      seen.push([a, err]);
    });
    const wf = workflow({ name: "wf.failing", inputs: { a: t.int }, outputs: t.int, onFailure: handler }, ({ a }) =>
      fails({ a }),
    );
    assert.equal(wf.compile().failureNode?.id, "fn0");
    await assert.rejects(() => wf({ a: 7 }), /Error encountered while executing 'wf.fails': no 7/);
    assert.equal(seen.length, 1);
    assert.equal((seen[0] as unknown[])[0], 7);
    assert.match(String((seen[0] as unknown[])[1]), /no 7/);
  });

  test("a failure handler must accept the workflow's inputs", () => {
    const h = task({ name: "wf.h2", inputs: { other: t.int } }, () => undefined);
    const wf = workflow({ name: "wf.badhandler", inputs: { a: t.int }, onFailure: h }, ({ a }) => {
      add({ a });
    });
    assert.throws(() => wf.compile(), /lacks the workflow input a/);
  });

  test("workflow defaults apply for missing inputs", async () => {
    const wf = workflow(
      { name: "wf.def", inputs: { a: t.int.default(1), b: t.optional(t.int) }, outputs: t.str },
      ({ a, b }) => opt({ x: a, y: b }),
    );
    assert.equal(await wf(), "1/null");
    assert.equal(await wf({ a: 2, b: 3 }), "2/3");
  });
});
