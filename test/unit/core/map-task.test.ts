import assert from "node:assert/strict";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { toBinary } from "@bufbuild/protobuf";
import { currentContext, FlyteRecoverableError, FlyteValidationError, t, task, workflow } from "flytekit-ts";
import type { InputSpec, OutputSpec } from "../../../src/core/interface.js";
import { type Literal, LiteralSchema } from "../../../src/idl/gen/flyteidl/core/literals_pb.js";
import { encodeLiteral } from "../../../src/idl/literal-wire.js";
import { collectionLiteral, integerLiteral, literalMap } from "../../../src/idl/literals.js";
import { type AnyType, NO_DATA } from "../../../src/types/type.js";
import { dynamic } from "../../../src/core/dynamic.js";
import { eager } from "../../../src/core/eager/eager-task.js";
import { map, MapTask, MapTaskError, type MapTaskHandle } from "../../../src/core/map-task.js";

process.env.FLYTE_LOCAL_CACHE_DIR = mkdtempSync(join(tmpdir(), "map-test-cache-"));

const t1 = task({ name: "m.t1", inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => a + b);
const flaky = task({ name: "m.flaky", inputs: { x: t.int }, outputs: t.int }, ({ x }) => {
  if (x < 0) throw new Error(`negative: ${x}`);
  return x * 10;
});

describe("map task definition", () => {
  test("each unbound input becomes a list, bound inputs keep their type, the output becomes a list", () => {
    const m = map(t1, { boundInputs: ["b"] });
    const iface = m.interface.toIdl();
    assert.equal(iface.inputs!.variables.a!.type!.type.case, "collectionType");
    assert.equal(iface.inputs!.variables.b!.type!.type.case, "simple");
    const o0 = iface.outputs!.variables.o0!.type!.type;
    assert.equal(o0.case, "collectionType");
    assert.equal(o0.case === "collectionType" && o0.value.type.case, "simple");
    assert.equal(m.interface.inputTypes.a!.name, "list<int>");
    assert.equal(map(t1).interface.inputTypes.b!.name, "list<int>");
  });

  test("outputs are lists of optionals when elements may fail", () => {
    assert.equal(map(flaky, { minSuccessRatio: 0.5 }).interface.outputTypes.o0!.name, "list<optional<int>>");
    assert.equal(map(flaky, { minSuccesses: 2 }).interface.outputTypes.o0!.name, "list<optional<int>>");
    assert.equal(map(flaky, { minSuccessRatio: 1 }).interface.outputTypes.o0!.name, "list<int>");
    const named = task({ name: "m.named", inputs: { x: t.int }, outputs: { y: t.str } }, ({ x }) => ({ y: `${x}` }));
    assert.deepEqual(Object.keys(map(named).interface.outputTypes), ["y"]);
  });

  test("names are flytekit's: <module>.map_<name>_<md5 of options>-arraynode, deterministic", () => {
    // The hashes are what flytekit computes for the same options (checked against flytekit's map_task).
    assert.equal(map(t1).name, "m.map_t1_6b3bd0353da5de6e84d7982921ead2b3-arraynode");
    assert.equal(map(t1, { concurrency: 2 }).name, "m.map_t1_43e2299725b86f6735550fdcb2663de8-arraynode");
    assert.equal(map(t1, { minSuccesses: 3 }).name, "m.map_t1_34e40dcf32ab1425446d91cf20760b08-arraynode");
    assert.equal(map(t1, { minSuccessRatio: 0.5 }).name, "m.map_t1_1f2210850ffce76071ffac74a263152a-arraynode");
    assert.equal(map(t1, { minSuccessRatio: 0.00001 }).name, "m.map_t1_c8f29934e211381dddf20556ed9d842f-arraynode");
    assert.equal(map(t1, { boundInputs: ["b"] }).name, "m.map_t1_9679844dcbddbad1626c3f80e4e8bb28-arraynode");
    assert.equal(map(t1, { concurrency: 2 }).name, map(t1, { concurrency: 2 }).name);
    const names = new Set(
      [map(t1), map(t1, { concurrency: 3 }), map(t1, { minSuccesses: 1 }), map(t1, { minSuccessRatio: 0.9 })].map(
        (m) => m.name,
      ),
    );
    assert.equal(names.size, 4);
  });

  test("task type, version and metadata come from the inner task", () => {
    const inner = task(
      { name: "m.meta", inputs: { x: t.int }, outputs: t.int, retries: 3, interruptible: true },
      ({ x }) => x,
    );
    const m = map(inner, { concurrency: 4, minSuccessRatio: 0.75 });
    assert.ok(m instanceof MapTask);
    assert.equal(m.taskType, "python-task");
    assert.equal(m.taskTypeVersion, 1);
    assert.equal(m.metadata.retries, 3);
    assert.equal(m.metadata.interruptible, true);
    assert.equal(m.concurrency, 4);
    assert.equal(m.minSuccessRatio, 0.75);
    assert.equal(m.minSuccesses, undefined);
    assert.deepEqual(m.boundInputs, []);
    assert.equal(m.arrayExecutionMode, "minimal-state");
  });

  test("targets and options are checked", () => {
    const wf = workflow({ name: "m.wf", inputs: { x: t.int }, outputs: t.int }, ({ x }) => flaky({ x }));
    assert.throws(() => map(wf as never), /map\(\) takes a task, not a workflow/);
    const dyn = dynamic({ name: "m.dyn", inputs: { x: t.int }, outputs: t.int }, ({ x }) => flaky({ x }));
    assert.throws(() => map(dyn), /only plain tasks can be mapped, not dynamic tasks/);
    assert.throws(() => map(map(flaky) as never), /cannot be mapped again/);
    const two = task({ name: "m.two", inputs: { x: t.int }, outputs: [t.int, t.int] }, ({ x }) => [x, x]);
    assert.throws(() => map(two), /at most one output/);
    assert.throws(() => map(t1, { boundInputs: ["c" as "a"] }), /boundInputs names "c"/);
    assert.throws(() => map(t1, { minSuccessRatio: 1.5 }), FlyteValidationError);
    assert.throws(() => map(t1, { concurrency: -1 }), /non-negative integer/);
    assert.throws(() => map(t1, { parallelism: 2 } as never), /unknown map option "parallelism"/);
  });
});

describe("a map with every input bound", () => {
  test("is allowed, as flytekit allows it: no list to map over, so no elements and an empty output", async () => {
    let calls = 0;
    const counted = task({ name: "m.counted", inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => {
      calls++;
      return a + b;
    });
    const m = map(counted, { boundInputs: ["a", "b"] });
    assert.deepEqual(m.boundInputs, ["a", "b"]);
    assert.deepEqual(Object.keys(m.interface.inputTypes), ["a", "b"]);
    assert.equal(m.interface.inputTypes.a!.name, "int");
    assert.deepEqual(await m({ a: 1, b: 2 }), []);
    const wf = workflow({ name: "m.allbound", inputs: {}, outputs: t.list(t.int) }, () =>
      map(counted, { boundInputs: ["a", "b"] })({ a: 1, b: 2 }),
    );
    assert.deepEqual(await wf(), []);
    assert.equal(calls, 0);
  });
});

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const typeIs = <T extends true>(): T | undefined => undefined;

describe("map task typing", () => {
  test("lists in, lists out; optionals when elements may fail; bound inputs keep their type", async () => {
    const plain = await map(t1)({ a: [1], b: [2] });
    typeIs<Equal<typeof plain, number[]>>();
    const partial = await map(t1, { minSuccessRatio: 0.5, boundInputs: ["b"] })({ a: [1], b: 2 });
    typeIs<Equal<typeof partial, (number | null)[]>>();
    assert.deepEqual([plain, partial], [[3], [3]]);
    // @ts-expect-error a bound input takes one value, not a list
    await assert.rejects(map(t1, { boundInputs: ["b"] })({ a: [1], b: [2] }));
    // @ts-expect-error only inputs of the task can be bound
    assert.throws(() => map(t1, { boundInputs: ["c"] }));
  });
});

describe("map task local execution", () => {
  test("runs at top level, element by element, with bound inputs", async () => {
    assert.deepEqual(await map(t1)({ a: [1, 2, 3], b: [10, 20, 30] }), [11, 22, 33]);
    assert.deepEqual(await map(t1, { boundInputs: ["b"] })({ a: [1, 2, 3], b: 100 }), [101, 102, 103]);
    assert.deepEqual(await map(t1)({ a: [], b: [] }), []);
  });

  test("mapped inputs of different lengths are an error", async () => {
    await assert.rejects(map(t1)({ a: [1, 2], b: [1] }), /different lengths \(a: 2, b: 1\)/);
  });

  test("in a workflow, a dynamic body and eager code", async () => {
    const wf = workflow({ name: "m.inwf", inputs: { xs: t.list(t.int) }, outputs: t.list(t.int) }, ({ xs }) =>
      map(t1, { boundInputs: ["b"] })({ a: xs, b: 1 }),
    );
    assert.deepEqual(await wf({ xs: [1, 2] }), [2, 3]);
    const node = wf.compile().nodes[0]!;
    assert.ok(node.entity instanceof MapTask);
    assert.equal(node.metadata.name, "map_t1_9679844dcbddbad1626c3f80e4e8bb28-arraynode");

    const dyn = dynamic({ name: "m.indyn", inputs: { n: t.int }, outputs: t.list(t.int) }, ({ n }) =>
      map(flaky)({ x: Array.from({ length: n }, (_, i) => i) }),
    );
    assert.deepEqual(await dyn({ n: 3 }), [0, 10, 20]);

    const e = eager({ name: "m.ineager", inputs: { n: t.int }, outputs: t.int }, async ({ n }) => {
      const ys = await map(flaky)({ x: Array.from({ length: n }, (_, i) => i) });
      return ys.reduce((s, y) => s + y, 0);
    });
    assert.equal(await e({ n: 4 }), 60);
  });

  test("min successes: failed elements become null while enough succeed", async () => {
    const m = map(flaky, { minSuccessRatio: 0.5 });
    assert.deepEqual(await m({ x: [1, -2, 3, 4] }), [10, null, 30, 40]);
    const m2 = map(flaky, { minSuccesses: 2 });
    assert.deepEqual(await m2({ x: [-1, 2, -3, 4] }), [null, 20, null, 40]);
  });

  test("too many failures fail the map, naming the failed indices, with the first error as cause", async () => {
    const m = map(flaky, { minSuccessRatio: 0.5, concurrency: 1 });
    await assert.rejects(m({ x: [-1, 2, -3, -4] }), (e: unknown) => {
      assert.ok(e instanceof MapTaskError);
      assert.deepEqual(e.failedIndices, [0, 2, 3]);
      assert.match(e.message, /3 of 4 elements failed \(indices 0, 2, 3\) but 2 had to succeed/);
      assert.match(String((e.cause as Error).message), /negative: -1/);
      return true;
    });
    // The default (ratio 1) fails on the first failure.
    await assert.rejects(map(flaky)({ x: [1, 2, -3] }), (e: unknown) => {
      assert.ok(e instanceof MapTaskError);
      assert.deepEqual(e.failedIndices, [2]);
      return true;
    });
  });

  test("after a fatal failure no new elements start", async () => {
    let started = 0;
    const counted = task({ name: "m.counted", inputs: { x: t.int }, outputs: t.int }, ({ x }) => {
      started++;
      if (x === 0) throw new Error("boom");
      return x;
    });
    await assert.rejects(map(counted, { concurrency: 1 })({ x: [0, 1, 2, 3, 4] }), MapTaskError);
    assert.equal(started, 1);
  });

  test("concurrency bounds the elements in flight", async () => {
    let inFlight = 0;
    let max = 0;
    const slow = task({ name: "m.slow", inputs: { x: t.int }, outputs: t.int }, async ({ x }) => {
      inFlight++;
      max = Math.max(max, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return x;
    });
    const xs = Array.from({ length: 20 }, (_, i) => i);
    assert.deepEqual(await map(slow, { concurrency: 3 })({ x: xs }), xs);
    assert.equal(max, 3);
    max = 0;
    await map(slow)({ x: xs });
    assert.ok(max > 3, `unbounded map ran at most ${max} at once`);
  });

  test("each element has its own working directory, created only when used", async () => {
    const writer = task({ name: "m.writer", inputs: { x: t.int }, outputs: t.str }, async ({ x }) => {
      const dir = currentContext().workingDirectory;
      writeFileSync(join(dir, "out.txt"), String(x));
      await new Promise((r) => setTimeout(r, 2));
      return dir;
    });
    const dirs = await map(writer)({ x: [1, 2, 3, 4] });
    assert.equal(new Set(dirs).size, 4);
    for (const d of dirs) assert.ok(existsSync(join(d, "out.txt")));
  });

  test("a cached inner task is cached per element", async () => {
    let runs = 0;
    const sq = task({ name: "m.cachedsq", inputs: { x: t.int }, outputs: t.int, cache: { version: "1" } }, ({ x }) => {
      runs++;
      return x * x;
    });
    assert.deepEqual(await map(sq)({ x: [1, 2, 3] }), [1, 4, 9]);
    assert.equal(runs, 3);
    assert.deepEqual(await map(sq)({ x: [2, 3, 4] }), [4, 9, 16]);
    assert.equal(runs, 4);
  });

  test("a task without outputs maps to nothing", async () => {
    const seen: number[] = [];
    const sink = task({ name: "m.sink", inputs: { x: t.int } }, ({ x }) => {
      seen.push(x);
    });
    assert.equal(await map(sink)({ x: [1, 2] }), undefined);
    assert.deepEqual(seen.sort(), [1, 2]);
  });

  test("10,000 elements keep their order", async () => {
    // Speed is measured by `npm run bench` (local map over 10^4 and 10^5 elements), not here.
    const xs = Array.from({ length: 10_000 }, (_, i) => i);
    const out = await map(t1, { boundInputs: ["b"] })({ a: xs, b: 1 });
    assert.equal(out.length, 10_000);
    assert.ok(out.every((v, i) => v === i + 1));
  });
});

// Outputs of primitive types (and optionals of them) are packed as each element finishes (src/types/packed-list.ts);
// the map's output literal must be byte for byte the list the elements' literals make, whatever order they finish in.
describe("map task outputs packed as elements finish", () => {
  /** Element literals as the map always wrote them: successes of the element type, failures as its none. */
  const expectedBytes = (m: { interface: { outputTypes: Record<string, AnyType> } }, values: unknown[]) => {
    const element = (m.interface.outputTypes.o0 as unknown as { element: AnyType }).element;
    return Buffer.from(toBinary(LiteralSchema, collectionLiteral(values.map((v) => element.toLiteral(v, NO_DATA)))));
  };
  /** Runs a map on literals, as a workflow node does, and returns its output literal's bytes and values. */
  const runLiterals = async (m: MapTaskHandle<InputSpec, OutputSpec>, inputs: Record<string, Literal>) => {
    const out = await m.executeLiterals(literalMap(inputs));
    const lit = out.literals.o0!;
    return { bytes: Buffer.from(encodeLiteral(lit)), values: m.interface.outputTypes.o0!.fromLiteral(lit, NO_DATA) };
  };
  /** A delay that shuffles the order in which elements finish. */
  const jitter = (x: number) => new Promise((r) => setTimeout(r, (x * 7919) % 5));

  const cases = [
    { name: "int", type: t.int, f: (x: number) => x * 3 - 50 },
    { name: "float", type: t.float, f: (x: number) => (x % 3 === 0 ? Number.NaN : x / 7) },
    { name: "str", type: t.str, f: (x: number) => `élément ${x} ${"🙂".repeat(x % 3)}` },
    { name: "bool", type: t.bool, f: (x: number) => x % 2 === 0 },
  ] as const;
  for (const c of cases) {
    test(`${c.name} outputs with failed elements: the same values and bytes, in order`, async () => {
      const inner = task(
        { name: `m.packed_${c.name}`, inputs: { x: t.int }, outputs: c.type as AnyType },
        async ({ x }: { x: number }) => {
          await jitter(x);
          if (x % 5 === 4) throw new Error(`element ${x} refused`);
          return c.f(x);
        },
      );
      const xs = Array.from({ length: 40 }, (_, i) => i);
      const want = xs.map((x) => (x % 5 === 4 ? null : c.f(x)));
      const m = map(inner, { minSuccessRatio: 0.8, concurrency: 7 });
      const got = await runLiterals(m as never, { x: t.list(t.int).toLiteral(xs, NO_DATA) });
      assert.deepEqual(got.values, want);
      assert.equal(got.bytes.toString("hex"), expectedBytes(m as never, want).toString("hex"));
      assert.deepEqual(await m({ x: xs }), want);
      // Too many failures still fail the map with every failed index.
      await assert.rejects(map(inner, { minSuccesses: 33 })({ x: xs }), (e: unknown) => {
        assert.ok(e instanceof MapTaskError);
        assert.deepEqual(e.failedIndices, [4, 9, 14, 19, 24, 29, 34, 39]);
        return true;
      });
    });
  }

  test("optional outputs: returned nones, values and failed elements, with and without allowed failures", async () => {
    const maybe = task({ name: "m.packed_maybe", inputs: { x: t.int }, outputs: t.optional(t.str) }, async ({ x }) => {
      await jitter(x);
      if (x % 7 === 6) throw new Error(`element ${x} refused`);
      return x % 3 === 0 ? null : `v${x}`;
    });
    const xs = Array.from({ length: 30 }, (_, i) => i);
    const want = xs.map((x) => (x % 7 === 6 || x % 3 === 0 ? null : `v${x}`));
    const m = map(maybe, { minSuccessRatio: 0.5 });
    assert.equal(m.interface.outputTypes.o0!.name, "list<optional<str>>");
    const got = await runLiterals(m as never, { x: t.list(t.int).toLiteral(xs, NO_DATA) });
    assert.deepEqual(got.values, want);
    assert.equal(got.bytes.toString("hex"), expectedBytes(m as never, want).toString("hex"));
    const ok = xs.filter((x) => x % 7 !== 6);
    assert.deepEqual(
      await map(maybe)({ x: ok }),
      ok.map((x) => (x % 3 === 0 ? null : `v${x}`)),
    );
  });

  test("non-primitive outputs keep their literals: structs, lists and datetimes, with failed elements", async () => {
    const Point = t.struct({ x: t.int, label: t.str }, { name: "Point" });
    const outputs = [
      { type: Point, f: (x: number) => ({ x, label: `p${x}` }) },
      { type: t.list(t.int), f: (x: number) => [x, x + 1] },
      { type: t.datetime, f: (x: number) => new Date(Date.UTC(2024, 0, 1 + x)) },
    ] as const;
    for (const [i, o] of outputs.entries()) {
      const inner = task(
        { name: `m.general_${i}`, inputs: { x: t.int }, outputs: o.type as AnyType },
        async ({ x }: { x: number }) => {
          await jitter(x);
          if (x === 2) throw new Error("two");
          return o.f(x);
        },
      );
      const xs = [0, 1, 2, 3, 4];
      const want = xs.map((x) => (x === 2 ? null : o.f(x)));
      const m = map(inner, { minSuccesses: 4 });
      const got = await runLiterals(m as never, { x: t.list(t.int).toLiteral(xs, NO_DATA) });
      assert.deepEqual(got.values, want);
      assert.equal(got.bytes.toString("hex"), expectedBytes(m as never, want).toString("hex"));
    }
  });

  test("inputs given as literal objects, not bytes, are read the same way", async () => {
    const xs = [5, 6, 7];
    const tree = collectionLiteral(xs.map((x) => integerLiteral(BigInt(x))));
    const got = await runLiterals(map(flaky) as never, { x: tree });
    assert.deepEqual(got.values, [50, 60, 70]);
    assert.equal(got.bytes.toString("hex"), expectedBytes(map(flaky) as never, [50, 60, 70]).toString("hex"));
  });

  test("a recoverable failure retries the map node with the inner task's retries, and the result is whole", async () => {
    let attempts = 0;
    const once = task({ name: "m.retry_once", inputs: { x: t.int }, outputs: t.float, retries: 1 }, ({ x }) => {
      if (x === 3 && attempts++ === 0) throw new FlyteRecoverableError("transient");
      return x / 2;
    });
    const wf = workflow({ name: "m.retry_wf", inputs: { xs: t.list(t.int) }, outputs: t.list(t.float) }, ({ xs }) =>
      map(once)({ x: xs }),
    );
    assert.deepEqual(await wf({ xs: [1, 2, 3, 4] }), [0.5, 1, 1.5, 2]);
    assert.equal(attempts, 2);
  });

  test("cached elements come back from the cache with the same values and bytes, optional outputs included", async () => {
    let runs = 0;
    const half = task(
      { name: "m.cached_half", inputs: { x: t.int }, outputs: t.optional(t.float), cache: { version: "1" } },
      async ({ x }) => {
        runs++;
        await jitter(x);
        if (x === 5) throw new Error("five");
        return x % 4 === 0 ? null : x / 2;
      },
    );
    const xs = Array.from({ length: 12 }, (_, i) => i);
    const want = xs.map((x) => (x === 5 || x % 4 === 0 ? null : x / 2));
    const m = map(half, { minSuccessRatio: 0.9 });
    const first = await runLiterals(m as never, { x: t.list(t.int).toLiteral(xs, NO_DATA) });
    assert.equal(runs, 12);
    const second = await runLiterals(m as never, { x: t.list(t.int).toLiteral(xs, NO_DATA) });
    // Only the failed element runs again.
    assert.equal(runs, 13);
    assert.deepEqual(first.values, want);
    assert.deepEqual(second.values, want);
    assert.equal(second.bytes.toString("hex"), first.bytes.toString("hex"));
    assert.equal(first.bytes.toString("hex"), expectedBytes(m as never, want).toString("hex"));
  });
});
