import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { after, t, task, workflow } from "flytekit-ts";

describe("local graph runner", () => {
  test("nodes run in dependency order, also when after() points at a node created later", async () => {
    const order: string[] = [];
    const step = task({ name: "ex.step", inputs: { s: t.str }, outputs: t.str }, async ({ s }) => {
      await new Promise((r) => setTimeout(r, s === "second" ? 0 : 30));
      order.push(s);
      return s;
    });
    const wf = workflow({ name: "ex.order", inputs: {}, outputs: t.str }, () =>
      after(step({ s: "second" }), step({ s: "first" })),
    );
    assert.deepEqual(
      wf.compile().nodes.map((n) => [n.id, n.upstream]),
      [
        ["n0", ["n1"]],
        ["n1", []],
      ],
    );
    assert.equal(await wf(), "second");
    assert.deepEqual(order, ["first", "second"]);
  });

  test("a cycle of after() dependencies is an error naming the nodes", async () => {
    const noop = task({ name: "ex.noop", inputs: { s: t.str } }, () => undefined);
    const wf = workflow({ name: "ex.cycle", inputs: {} }, () => {
      const a = noop({ s: "a" });
      const b = after(noop({ s: "b" }), a);
      after(a, b);
    });
    await assert.rejects(wf(), /node n0 depends on itself through n0, n1/);
  });

  test("outputs read by later nodes and by the workflow outputs stay available after they are released", async () => {
    const inc = task({ name: "exec.release.inc", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);
    const add = task({ name: "exec.release.add", inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => a + b);
    const wf = workflow(
      { name: "exec.release", inputs: { x: t.int }, outputs: { first: t.int, last: t.int, sum: t.int } },
      ({ x }) => {
        const first = inc({ x });
        let cur = inc({ x: first });
        for (let i = 0; i < 50; i++) cur = inc({ x: cur });
        // `first` is read again far downstream, after every other reader of it has run.
        const sum = add({ a: first, b: cur });
        return { first, last: cur, sum };
      },
    );
    assert.deepEqual(await wf({ x: 0 }), { first: 1, last: 52, sum: 53 });
    assert.deepEqual(await wf({ x: 10 }), { first: 11, last: 62, sum: 73 });
  });

  test("the first failure stops nodes that have not started yet; a wide fan-out never has them all in flight", async () => {
    let started = 0;
    let inFlight = 0;
    let most = 0;
    const slow = task({ name: "exec.bound.slow", inputs: { i: t.int }, outputs: t.int }, async ({ i }) => {
      started++;
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight--;
      if (i === 0) throw new Error("node zero fails");
      return i;
    });
    const wf = workflow({ name: "exec.bound", outputs: t.list(t.int) }, () =>
      Array.from({ length: 400 }, (_, i) => slow({ i })),
    );
    await assert.rejects(wf(), /node zero fails/);
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(started < 400, `${started} of 400 nodes started after the first failure`);
    assert.ok(most <= 16, `at most the local task slots run at once, saw ${most}`);
  });
});
