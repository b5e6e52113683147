import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { dynamic, eager, FlyteTypeError, FlyteValidationError, map, t, task, workflow } from "flytekit-ts";
import {
  assertCalled,
  assertCalledWith,
  assertNotCalled,
  assertNthCalledWith,
  mockTask,
  snapshotWorkflow,
  withMocks,
} from "flytekit-ts/testing";

process.env.FLYTE_LOCAL_CACHE_DIR = mkdtempSync(join(tmpdir(), "testing-test-cache-"));

const realCalls: number[] = [];
export const double = task({ name: "tt.double", inputs: { x: t.int }, outputs: t.int }, ({ x }) => {
  realCalls.push(x);
  return x * 2;
});
export const greet = task(
  { name: "tt.greet", inputs: { name: t.str, when: t.datetime }, outputs: t.str },
  ({ name }) => `hi ${name}`,
);
export const plusOne = task({ name: "tt.plusOne", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);
export const wf = workflow({ name: "tt.wf", inputs: { x: t.int }, outputs: t.int }, ({ x }) =>
  plusOne({ x: double({ x }) }),
);
export const cached = task(
  { name: "tt.cached", inputs: { x: t.int }, outputs: t.int, cache: { version: "1" } },
  ({ x }) => x + 100,
);

describe("mockTask and withMocks", () => {
  test("a mocked task runs the mock with native inputs, inside a workflow; the scope restores it", async () => {
    const seen = await withMocks(async () => {
      const m = mockTask(double, ({ x }) => x * 10);
      assert.equal(await wf({ x: 3 }), 31);
      assert.equal(await double({ x: 4 }), 40);
      assertCalled(m, 2);
      assertCalledWith(m, { x: 3 });
      assertNthCalledWith(m, 1, { x: 4 });
      assert.deepEqual(m.calls[0], { inputs: { x: 3 }, outputs: 30 });
      return m;
    });
    assert.equal(seen.restored, true);
    const before = realCalls.length;
    assert.equal(await wf({ x: 3 }), 7);
    assert.equal(realCalls.length, before + 1);
    assert.equal(seen.callCount, 2);
  });

  test("restore() puts the real task back within the scope", async () => {
    await withMocks(async () => {
      const m = mockTask(double, () => 0);
      assert.equal(await double({ x: 5 }), 0);
      m.restore();
      m.restore();
      assert.equal(await double({ x: 5 }), 10);
      assertCalled(m, 1);
      assert.equal(m.restored, true);
      // Once restored, the task can be mocked again in the same scope.
      const again = mockTask(double, () => 1);
      assert.equal(await double({ x: 5 }), 1);
      assertCalled(again, 1);
    });
  });

  test("pairs given to withMocks are mocked before the body and their handles passed in order", async () => {
    await withMocks(
      [
        [double, ({ x }: { x: number }) => x],
        [plusOne, ({ x }: { x: number }) => x - 1],
      ],
      async ([d, p]) => {
        assert.equal(await wf({ x: 9 }), 8);
        assertCalledWith(d!, { x: 9 });
        assertCalledWith(p!, { x: 9 });
      },
    );
  });

  test("a mock returning the wrong type fails with FlyteTypeError, as the real task would", async () => {
    await withMocks(async () => {
      mockTask(double, () => "not a number" as unknown as number);
      await assert.rejects(double({ x: 1 }), (e: unknown) => {
        let c: unknown = e;
        while (c && !(c instanceof FlyteTypeError)) c = (c as { cause?: unknown }).cause;
        assert.ok(c instanceof FlyteTypeError, `expected a FlyteTypeError, got ${e}`);
        assert.match((c as Error).message, /not a number|int/);
        return true;
      });
      await assert.rejects(wf({ x: 1 }));
    });
  });

  test("a mock that throws fails the task like the real body would, and the call records the error", async () => {
    await withMocks(async () => {
      const m = mockTask(double, () => {
        throw new Error("boom");
      });
      await assert.rejects(double({ x: 2 }), /boom/);
      assert.equal((m.calls[0]!.error as Error).message, "boom");
      assert.equal("outputs" in m.calls[0]!, false);
    });
  });

  test("mocks apply to map task elements, dynamic bodies and eager bodies", async () => {
    await withMocks(async () => {
      const m = mockTask(double, async ({ x }) => -x);
      const mapped = map(double);
      assert.deepEqual(await mapped({ x: [1, 2, 3] }), [-1, -2, -3]);
      const dyn = dynamic({ name: "tt.dyn", inputs: { n: t.int }, outputs: t.list(t.int) }, ({ n }) =>
        Array.from({ length: n }, (_, i) => double({ x: i })),
      );
      assert.deepEqual(await dyn({ n: 2 }), [0, -1]);
      const e = eager({ name: "tt.eager", inputs: { n: t.int }, outputs: t.int }, async ({ n }) => {
        const a = await double({ x: n });
        return plusOne({ x: a });
      });
      assert.equal(await e({ n: 5 }), -4);
      assertCalled(m, 3 + 2 + 1);
    });
  });

  test("dynamic and eager tasks themselves can be mocked", async () => {
    const dyn = dynamic({ name: "tt.dyn2", inputs: { n: t.int }, outputs: t.int }, ({ n }) => double({ x: n }));
    const e = eager({ name: "tt.eager2", inputs: { n: t.int }, outputs: t.int }, async ({ n }) => double({ x: n }));
    const w = workflow({ name: "tt.wf2", inputs: { n: t.int }, outputs: t.int }, ({ n }) => e({ n: dyn({ n }) }));
    await withMocks(async () => {
      const md = mockTask(dyn, ({ n }) => n + 1000);
      const me = mockTask(e, ({ n }) => n + 1);
      assert.equal(await w({ n: 1 }), 1002);
      assertCalledWith(md, { n: 1 });
      assertCalledWith(me, { n: 1001 });
    });
  });

  test("mocks never leak between concurrent scopes", async () => {
    const run = (k: number) =>
      withMocks(async () => {
        const m = mockTask(double, async ({ x }) => {
          await new Promise((r) => setTimeout(r, 5 * (3 - k)));
          return x * 1000 + k;
        });
        const out = await Promise.all([wf({ x: 1 }), wf({ x: 2 })]);
        assertCalled(m, 2);
        return out;
      });
    const [a, b, c] = await Promise.all([run(0), run(1), run(2), wf({ x: 1 })]).then((r) => [r[0], r[1], r[3]]);
    assert.deepEqual(a, [1001, 2001]);
    assert.deepEqual(b, [1002, 2002]);
    assert.equal(c, 3);
  });

  test("inner scopes shadow outer mocks and see the others", async () => {
    await withMocks(async () => {
      const outer = mockTask(double, () => 1);
      mockTask(plusOne, ({ x }) => x + 10);
      await withMocks(async () => {
        const inner = mockTask(double, () => 2);
        assert.equal(await wf({ x: 0 }), 12);
        assertCalled(inner, 1);
      });
      assert.equal(await wf({ x: 0 }), 11);
      assertCalled(outer, 1);
    });
  });

  test("mocked tasks neither read nor write the local cache", async () => {
    assert.equal(await cached({ x: 1 }), 101);
    await withMocks(async () => {
      const m = mockTask(cached, ({ x }) => x);
      assert.equal(await cached({ x: 1 }), 1);
      assert.equal(await cached({ x: 2 }), 2);
      assertCalled(m, 2);
    });
    assert.equal(await cached({ x: 2 }), 102);
  });

  test("bad use gets clear errors", async () => {
    assert.throws(
      () => mockTask(double, () => 1),
      /mockTask\(tt\.double\) needs a mock scope: call it inside withMocks/,
    );
    await withMocks(async () => {
      assert.throws(
        () => mockTask(wf as never, () => 1),
        (e: unknown) => {
          assert.ok(e instanceof FlyteValidationError);
          assert.match(e.message, /mockTask: expected a task/);
          return true;
        },
      );
      assert.throws(() => mockTask(double, 42 as never), /must be a function, got number/);
      mockTask(double, () => 1);
      assert.throws(() => mockTask(double, () => 2), /already mocked in this scope/);
    });
    await assert.rejects(
      withMocks([[double]] as never, async () => 1),
      /mock 0 must be a \[task, implementation\] pair/,
    );
    await assert.rejects(
      withMocks(42 as never, async () => 1),
      /expected a list of \[task, implementation\] pairs/,
    );
    await assert.rejects(withMocks([] as never), /expected a function to run, got undefined/);
    let leaked: ReturnType<typeof mockTask<{ x: typeof t.int }, typeof t.int>> | undefined;
    await withMocks(async () => {
      leaked = mockTask(double, () => 1);
    });
    assert.equal(leaked!.restored, true);
  });
});

describe("assertions", () => {
  test("failures name the task, the expectation and the calls received", async () => {
    await withMocks(async () => {
      const m = mockTask(greet, ({ name }) => name);
      assertNotCalled(m);
      assert.throws(() => assertCalled(m), /tt\.greet was called 0 time\(s\), expected at least 1\nno calls/);
      const when = new Date("2024-01-02T03:04:05Z");
      await greet({ name: "ada", when });
      assertCalledWith(m, { name: "ada", when: new Date("2024-01-02T03:04:05Z") });
      assert.throws(
        () => assertCalledWith(m, { name: "bob", when }),
        (e: unknown) => {
          assert.ok(e instanceof assert.AssertionError);
          assert.match(e.message, /tt\.greet was never called with/);
          assert.match(e.message, /#0: \{ name: 'ada'/);
          return true;
        },
      );
      assert.throws(() => assertNotCalled(m), /expected none/);
      assert.throws(() => assertCalled(m, 2), /called 1 time\(s\), expected 2/);
      assert.throws(() => assertNthCalledWith(m, 1, { name: "ada", when }), /call #1 did not happen/);
      assert.throws(() => assertNthCalledWith(m, 0, { name: "x", when }), /call #0 received/);
      assert.throws(() => assertCalled(m, -1), /times must be a non-negative integer, got -1/);
      assert.throws(() => assertNthCalledWith(m, 1.5, { name: "ada", when }), /n must be a non-negative integer/);
    });
  });
});

describe("snapshotWorkflow", () => {
  test("gives the serialized WorkflowSpec as stable, indented protobuf JSON", async () => {
    const a = await snapshotWorkflow(wf);
    assert.equal(a, await snapshotWorkflow(wf));
    assert.ok(a.endsWith("}\n"));
    const spec = JSON.parse(a);
    const tmpl = spec.template;
    assert.deepEqual(tmpl.id, {
      resourceType: "WORKFLOW",
      project: "snapshot",
      domain: "development",
      name: "tt.wf",
      version: "snapshot",
    });
    assert.deepEqual(
      tmpl.nodes.map((n: { id: string; taskNode?: { referenceId: { name: string } } }) => [
        n.id,
        n.taskNode?.referenceId.name,
      ]),
      [
        ["n0", "tt.double"],
        ["n1", "tt.plusOne"],
      ],
    );
    assert.match(a, /\n {2}"template": \{\n/);
    assert.doesNotMatch(a, /flytekit-ts:\d/);
  });

  test("rejects what is not a workflow", async () => {
    await assert.rejects(snapshotWorkflow(double as never), /snapshotWorkflow: expected a workflow/);
  });
});
