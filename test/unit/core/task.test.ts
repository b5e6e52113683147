import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  currentContext,
  FlyteRecoverableError,
  FlyteTypeError,
  FlyteValidationError,
  t,
  TaskExecutionError,
  task,
} from "flytekit-ts";

process.env.FLYTE_LOCAL_CACHE_DIR = mkdtempSync(join(tmpdir(), "task-test-cache-"));

describe("task definition", () => {
  test("exports are named <module>.<export>; explicit names win", async () => {
    const mod = await import("./fixtures/named.js");
    await mod.plain({ x: 1 });
    assert.equal(mod.plain.name, "test.unit.core.fixtures.named.plain");
    assert.equal(mod.explicit.name, "my.explicit.name");
    assert.equal(mod.plain.shortName, "plain");
    assert.equal(typeof mod.plain, "function");
  });

  test("cache without a version is rejected, as flytekit does", () => {
    assert.throws(() => task({ inputs: {}, cache: true }, () => undefined), /cache: true needs a version/);
    assert.throws(() => task({ cache: { version: "" } }, () => undefined), /cache.version must be a non-empty string/);
    assert.throws(
      () => task({ inputs: { a: t.int }, cache: { version: "1", ignoredInputs: ["b"] } }, () => undefined),
      /ignoredInputs names "b", which is not an input/,
    );
  });

  test("unknown options are rejected with the list of known ones", () => {
    assert.throws(
      () => task({ retriez: 3 } as never, () => undefined),
      (e: unknown) =>
        e instanceof FlyteValidationError &&
        /unrecognized option\(s\) "retriez"/.test(e.message) &&
        /retries/.test(e.message),
    );
  });

  test("metadata follows flytekit's defaults and mapping", () => {
    const a = task({ inputs: { x: t.int } }, () => undefined);
    assert.deepEqual(
      { ...a.metadata },
      {
        cache: false,
        cacheSerialize: false,
        cacheVersion: "",
        cacheIgnoreInputVars: [],
        interruptible: undefined,
        deprecated: "",
        retries: 0,
        timeoutMs: undefined,
        podTemplateName: undefined,
        generatesDeck: false,
        isEager: false,
        labels: {},
        annotations: {},
      },
    );
    const b = task(
      {
        inputs: { x: t.int },
        cache: { version: "1.0", serialize: true, ignoredInputs: ["x"] },
        retries: 3,
        timeout: "1h30m",
        interruptible: true,
      },
      () => undefined,
    );
    assert.equal(b.metadata.cache, true);
    assert.equal(b.metadata.cacheSerialize, true);
    assert.equal(b.metadata.cacheVersion, "1.0");
    assert.deepEqual(b.metadata.cacheIgnoreInputVars, ["x"]);
    assert.equal(b.metadata.retries, 3);
    assert.equal(b.metadata.timeoutMs, 5_400_000);
    assert.equal(b.metadata.interruptible, true);
    assert.throws(() => task({ retries: -1 }, () => undefined), /retries must be a non-negative integer/);
    assert.throws(() => task({ timeout: "soon" as never }, () => undefined), /timeout: not a duration/);
  });

  test("resources: a single value sets the request, a pair sets both; resources excludes requests/limits", () => {
    const a = task({ resources: { cpu: ["1", "2"], mem: ["1Gi", "2Gi"], gpu: 1 } }, () => undefined);
    assert.deepEqual(a.resources, { requests: { cpu: "1", mem: "1Gi", gpu: "1" }, limits: { cpu: "2", mem: "2Gi" } });
    const b = task({ resources: { cpu: "500m" } }, () => undefined);
    assert.deepEqual(b.resources, { requests: { cpu: "500m" }, limits: {} });
    assert.throws(
      () => task({ resources: { cpu: "1" }, limits: { cpu: "2" } }, () => undefined),
      /resources cannot be combined/,
    );
    assert.throws(() => task({ requests: { cpu: "lots" } }, () => undefined), /"lots" is not a Kubernetes quantity/);
    assert.throws(() => task({ requests: { disk: "1" } as never }, () => undefined), /unknown resource "disk"/);
  });

  test("ignoreInputVars removes inputs from the Flyte interface only", () => {
    const a = task({ inputs: { x: t.int, session: t.str }, ignoreInputVars: ["session"] }, () => undefined);
    assert.deepEqual(Object.keys(a.flyteInterface.inputTypes), ["x"]);
    assert.deepEqual(Object.keys(a.interface.inputTypes), ["x", "session"]);
    assert.throws(
      () => task({ inputs: { x: t.int }, ignoreInputVars: ["y"] }, () => undefined),
      /ignoreInputVars names "y"/,
    );
  });

  test("getInputTypes / getTypeForInputVar / getTypeForOutputVar", () => {
    const a = task({ inputs: { x: t.int }, outputs: { y: t.str } }, ({ x }) => ({ y: String(x) }));
    assert.equal(a.getInputTypes().x, t.int);
    assert.equal(a.getTypeForInputVar("x"), t.int);
    assert.equal(a.getTypeForOutputVar("y"), t.str);
    assert.throws(() => a.getTypeForInputVar("nope"), /has no input "nope"/);
  });

  test("output names: one type is o0, a tuple is o0, o1; a one-element tuple is rejected", () => {
    assert.deepEqual(
      task({ outputs: t.int }, () => 1).interface.outputs.map(([k]) => k),
      ["o0"],
    );
    assert.deepEqual(
      task({ outputs: [t.int, t.str] }, () => [1, "a"]).interface.outputs.map(([k]) => k),
      ["o0", "o1"],
    );
    assert.deepEqual(
      task({ outputs: { mean: t.float } }, () => ({ mean: 1 })).interface.outputs.map(([k]) => k),
      ["mean"],
    );
    assert.throws(() => task({ outputs: [t.int] as never }, (() => [1]) as never), /one-element output tuple/);
  });

  test("unknown deck fields and malformed secrets are rejected", () => {
    assert.throws(
      () => task({ enableDeck: true, deckFields: ["Nope" as never] }, () => undefined),
      /unknown deck field "Nope"/,
    );
    assert.throws(
      () => task({ secrets: [{ group: "" }] }, () => undefined),
      /each secret must be an object with a group/,
    );
  });
});

describe("task execution", () => {
  test("sync and async functions both resolve to their outputs", async () => {
    const sync = task({ inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => a + b);
    const asyncT = task({ inputs: { a: t.int }, outputs: t.int }, async ({ a }) => {
      await new Promise((r) => setTimeout(r, 1));
      return a * 2;
    });
    assert.equal(await sync({ a: 1, b: 2 }), 3);
    assert.equal(await asyncT({ a: 4 }), 8);
    assert.equal(asyncT.isAsync, true);
    assert.equal(sync.isAsync, false);
  });

  test("defaults apply and tuple/named outputs come back shaped", async () => {
    const a = task({ inputs: { a: t.int, b: t.int.default(10) }, outputs: [t.int, t.str] }, ({ a, b }) => [
      a + b,
      `${a}`,
    ]);
    assert.deepEqual(await a({ a: 1 }), [11, "1"]);
    const n = task({ inputs: { x: t.optional(t.int) }, outputs: { isNull: t.bool } }, ({ x }) => ({
      isNull: x === null,
    }));
    assert.deepEqual(await n({}), { isNull: true });
    assert.deepEqual(await n({ x: 3 }), { isNull: false });
  });

  test("a bad input names the task, the variable, the expected type and the value", async () => {
    const add = task({ name: "math.add", inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => a + b);
    await assert.rejects(
      () => add({ a: 1.5, b: 2 }),
      (e: unknown) =>
        e instanceof FlyteTypeError && /math\.add: input a: expected int, got 1\.5 \(number\)/.test(e.message),
    );
    await assert.rejects(() => add({ a: 1 } as never), /math\.add: input b \(int\) was not given/);
    await assert.rejects(() => add({ a: 1, b: 2, c: 3 } as never), /unexpected input "c"; the inputs are a, b/);
  });

  test("a bad output names the task and the output", async () => {
    const bad = task({ name: "bad.out", outputs: { n: t.int } }, () => ({ n: "three" }) as never);
    await assert.rejects(() => bad(), /bad\.out: output n: expected int, got "three" \(string\)/);
    const extra = task({ name: "bad.extra", outputs: { n: t.int } }, () => ({ n: 1, m: 2 }) as never);
    await assert.rejects(() => extra(), /returned unknown output "m"/);
  });

  test("a failing body raises TaskExecutionError keeping the cause", async () => {
    const boom = task({ name: "boom" }, () => {
      throw new FlyteRecoverableError("flaky");
    });
    await assert.rejects(
      () => boom(),
      (e: unknown) =>
        e instanceof TaskExecutionError &&
        e.taskName === "boom" &&
        e.cause instanceof FlyteRecoverableError &&
        /Error encountered while executing 'boom': flaky/.test(e.message),
    );
  });

  test("preExecute and postExecute wrap the body", async () => {
    const seen: string[] = [];
    const a = task(
      {
        inputs: { x: t.int },
        outputs: t.int,
        preExecute: (p) => {
          seen.push(`pre:${p.executionId.name}`);
          return p;
        },
        postExecute: (_p, out) => (out as number) + 100,
      },
      ({ x }) => {
        seen.push("body");
        return x;
      },
    );
    assert.equal(await a({ x: 1 }), 101);
    assert.deepEqual(seen, ["pre:local", "body"]);
  });

  test("each run gets its own working directory and a checkpoint", async () => {
    const dirs = new Set<string>();
    const a = task({ inputs: { i: t.int }, outputs: t.str }, async ({ i }) => {
      const ctx = currentContext();
      dirs.add(ctx.workingDirectory);
      await ctx.checkpoint.write(new TextEncoder().encode(`cp${i}`));
      return ctx.executionId.name;
    });
    assert.equal(await a({ i: 1 }), "local");
    await a({ i: 2 });
    assert.equal(dirs.size, 2);
  });

  test("the local cache serves a second call and honours the env switches", async () => {
    let calls = 0;
    const c = task({ name: "cached.count", inputs: { x: t.int }, outputs: t.int, cache: { version: "1" } }, ({ x }) => {
      calls++;
      return x + calls * 0;
    });
    await c({ x: 1 });
    await c({ x: 1 });
    assert.equal(calls, 1);
    await c({ x: 2 });
    assert.equal(calls, 2);
    process.env.FLYTE_LOCAL_CACHE_ENABLED = "false";
    await c({ x: 1 });
    assert.equal(calls, 3);
    delete process.env.FLYTE_LOCAL_CACHE_ENABLED;
    process.env.FLYTE_LOCAL_CACHE_OVERWRITE = "true";
    await c({ x: 1 });
    assert.equal(calls, 4);
    delete process.env.FLYTE_LOCAL_CACHE_OVERWRITE;
    await c({ x: 1 });
    assert.equal(calls, 4);
  });

  test("two tasks with the same body and version do not share cache entries", async () => {
    let calls = 0;
    const body = ({ x }: { x: number }) => {
      calls++;
      return x;
    };
    const a = task({ name: "cache.a", inputs: { x: t.int }, outputs: t.int, cache: { version: "1" } }, body);
    const b = task({ name: "cache.b", inputs: { x: t.int }, outputs: t.int, cache: { version: "1" } }, body);
    await a({ x: 7 });
    await b({ x: 7 });
    assert.equal(calls, 2);
  });
});

describe("identity", () => {
  test("lhs, instantiatedIn and location come from the module and the export", async () => {
    const mod = await import("./fixtures/named.js");
    await mod.plain({ x: 1 });
    assert.equal(mod.plain.instantiatedIn, "test.unit.core.fixtures.named");
    assert.equal(mod.plain.lhs, "plain");
    assert.equal(mod.plain.location, "test.unit.core.fixtures.named.plain");
    const hidden = task({ inputs: {} }, () => undefined);
    assert.throws(() => hidden.lhs, /is not known under any export/);
  });
});
