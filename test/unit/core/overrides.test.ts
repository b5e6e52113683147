import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  conditional,
  currentContext,
  FlyteRecoverableError,
  FlyteValidationError,
  gt,
  map,
  t,
  task,
  withOverrides,
  workflow,
} from "flytekit-ts";

process.env.FLYTE_LOCAL_CACHE_DIR = mkdtempSync(join(tmpdir(), "overrides-test-cache-"));

const add = task(
  { name: "ov.add", inputs: { a: t.int, b: t.int }, outputs: t.int, retries: 1, timeout: "1m", interruptible: true },
  ({ a, b }) => a + b,
);
const pair = task({ name: "ov.pair", inputs: { a: t.int }, outputs: { x: t.int, y: t.int } }, ({ a }) => ({
  x: a,
  y: -a,
}));
const sub = workflow({ name: "ov.sub", inputs: { a: t.int }, outputs: t.int }, ({ a }) => add({ a, b: a }));

describe("withOverrides: compilation", () => {
  test("node id, metadata and task node overrides land on the node; the task is unchanged", () => {
    const wf = workflow({ name: "ov.wf1", inputs: { a: t.int }, outputs: t.int }, ({ a }) => {
      const s = add({ a, b: 1 }).withOverrides({
        nodeName: "First Add",
        name: "renamed",
        retries: 3,
        timeout: "5m",
        interruptible: false,
        cache: { version: "v7", serialize: true },
        requests: { cpu: "1", mem: "1Gi" },
        limits: { cpu: "2" },
        containerImage: "ghcr.io/acme/other:v2",
        accelerator: { device: "nvidia-tesla-a100", partitionSize: "2g.10gb" },
        sharedMemory: "2Gi",
      });
      return add({ a: s, b: a }).withOverrides({ timeout: null, cache: false });
    });
    const [n0, n1] = wf.compile().nodes;
    assert.equal(n0!.id, "first-add");
    assert.deepEqual(n0!.metadata, {
      name: "renamed",
      retries: 3,
      timeoutMs: 300_000,
      interruptible: false,
      cacheable: true,
      cacheVersion: "v7",
      cacheSerializable: true,
    });
    assert.deepEqual(n0!.overrides, {
      resources: { requests: { cpu: "1", mem: "1Gi" }, limits: { cpu: "2" } },
      containerImage: "ghcr.io/acme/other:v2",
      accelerator: { device: "nvidia-tesla-a100", partitionSize: "2g.10gb" },
      sharedMemory: "2Gi",
    });
    // The next node keeps counting (n1), binds to the renamed node and depends on it.
    assert.equal(n1!.id, "n1");
    assert.deepEqual(n1!.upstream, ["first-add"]);
    const b = n1!.bindings.find((x) => x.var === "a")!.binding!.value;
    assert.equal(b.case === "promise" && b.value.nodeId, "first-add");
    assert.equal(n1!.metadata.timeoutMs, undefined, "timeout: null removes the task's timeout");
    assert.equal(n1!.metadata.cacheable, false);
    assert.equal(n1!.metadata.retries, 1, "unset overrides keep the task's values");
    const out = wf.compile().outputs[0]!.binding!.value;
    assert.equal(out.case === "promise" && out.value.nodeId, "n1");
    assert.equal(add.metadata.retries, 1);
    assert.equal(add.metadata.interruptible, true);
  });

  test("every call shape has withOverrides, and the function form works on any call result", () => {
    const wf = workflow({ name: "ov.shapes", inputs: { a: t.int }, outputs: t.int }, ({ a }) => {
      const p = pair({ a }).withOverrides({ retries: 4 });
      const s = sub({ a: p.x }).withOverrides({ nodeName: "inner", interruptible: true });
      return withOverrides(add({ a: s, b: p.y }), { name: "last" });
    });
    const [n0, n1, n2] = wf.compile().nodes;
    assert.equal(n0!.metadata.retries, 4);
    assert.equal(n1!.id, "inner");
    assert.equal(n1!.metadata.interruptible, true);
    assert.equal(n2!.metadata.name, "last");
  });

  test("invalid values fail when the workflow is compiled, naming the override and the value", () => {
    const bad = (o: Record<string, unknown>, re: RegExp) => {
      const wf = workflow({ name: `ov.bad${Math.random()}`, inputs: { a: t.int }, outputs: t.int }, ({ a }) =>
        add({ a, b: 1 }).withOverrides(o as never),
      );
      assert.throws(
        () => wf.compile(),
        (e: unknown) => e instanceof FlyteValidationError && re.test(e.message),
      );
    };
    bad({ retries: -1 }, /node n0 \(add\): override retries = -1 is not a non-negative integer/);
    bad({ retries: 1.5 }, /override retries = 1.5/);
    bad({ timeout: "soon" }, /override timeout: .*soon/);
    bad({ interruptible: "yes" }, /override interruptible = "yes" is not a boolean/);
    bad({ cache: true }, /cache = true needs a version/);
    bad({ cache: { version: "" } }, /override cache.version = "" is not a non-empty string/);
    bad({ cache: { version: "1", ignoredInputs: ["a"] } }, /unknown field\(s\) ignoredInputs/);
    bad({ requests: { cpu: "lots" } }, /resource cpu = "lots" is not a Kubernetes quantity/);
    bad({ requests: { cpus: "1" } }, /unknown resource "cpus"/);
    bad({ resources: { cpu: "1" }, limits: { cpu: "2" } }, /resources cannot be combined with requests or limits/);
    bad({ containerImage: "" }, /override containerImage = "" is not a non-empty image name/);
    bad({ accelerator: { partitionSize: "1g" } }, /override accelerator must be \{ device/);
    bad({ sharedMemory: "big" }, /override sharedMemory must be true or a Kubernetes quantity.*"big"/);
    bad({ podTemplate: { podSpec: [] } }, /override podTemplate must be/);
    bad({ nodeName: "!!!" }, /override nodeName = "!!!" is not a name with letters or digits/);
    bad({ retry: 2 }, /unrecognized override\(s\) "retry"/);
    bad({ taskConfig: { a: 1 } }, /ov.add has no task config to override/);
  });

  test("references are rejected in every override", () => {
    const wf = workflow({ name: "ov.ref", inputs: { a: t.int, img: t.str }, outputs: t.int }, ({ a, img }) =>
      add({ a, b: 1 }).withOverrides({ containerImage: img as never }),
    );
    assert.throws(() => wf.compile(), /override containerImage is a reference/);
  });

  test("task-only overrides on a subworkflow node name the override and the entity", () => {
    const wf = workflow({ name: "ov.subbad", inputs: { a: t.int }, outputs: t.int }, ({ a }) =>
      sub({ a }).withOverrides({ requests: { cpu: "1" } }),
    );
    assert.throws(() => wf.compile(), /override\(s\) requests apply to task nodes only.*the workflow ov.sub/);
  });

  test("node ids stay unique, and a node is renamed before its outputs are used", () => {
    const dup = workflow({ name: "ov.dup", inputs: { a: t.int }, outputs: t.int }, ({ a }) => {
      const s = add({ a, b: 1 });
      return add({ a: s, b: 2 }).withOverrides({ nodeName: "n0" });
    });
    assert.throws(() => dup.compile(), /nodeName "n0" is the id of another node/);
    const taken = workflow({ name: "ov.taken", inputs: { a: t.int }, outputs: t.int }, ({ a }) => {
      const s = add({ a, b: 1 }).withOverrides({ nodeName: "n1" });
      return add({ a: s, b: 2 });
    });
    assert.throws(() => taken.compile(), /node id "n1" was given to an earlier node/);
    const late = workflow({ name: "ov.late", inputs: { a: t.int }, outputs: t.int }, ({ a }) => {
      const s = add({ a, b: 1 });
      const r = add({ a: s, b: 2 });
      withOverrides(s, { nodeName: "first" });
      return r;
    });
    assert.throws(() => late.compile(), /nodeName must be set before the node's outputs are used \(node n1/);
  });

  test("a node inside a conditional branch and a map node take overrides", () => {
    const wf = workflow({ name: "ov.branch", inputs: { a: t.int, xs: t.list(t.int) }, outputs: t.int }, ({ a, xs }) => {
      map(add, { boundInputs: ["b"] })({ a: xs, b: 1 }).withOverrides({ retries: 5, requests: { mem: "1Gi" } });
      return conditional("sign")
        .if(gt(a, 0))
        .run(() => add({ a, b: 1 }).withOverrides({ retries: 2, nodeName: "pos" }))
        .else()
        .run(() => add({ a, b: -1 }));
    });
    const [m, br] = wf.compile().nodes;
    assert.equal(m!.metadata.retries, 5);
    assert.deepEqual(m!.overrides?.resources?.requests, { mem: "1Gi" });
    const first = br!.branch!.cases[0]!.node!;
    assert.equal(first.id, "pos");
    assert.equal(first.metadata.retries, 2);
  });

  test("taskConfig: the node runs a copy of the task with the new config, of the same kind", async () => {
    const cfgTask = task(
      { name: "ov.cfg", inputs: { a: t.int }, outputs: t.int, taskConfig: { mode: "fast" } },
      ({ a }) => a,
    );
    const wf = workflow({ name: "ov.cfgwf", inputs: { a: t.int }, outputs: t.int }, ({ a }) =>
      cfgTask({ a }).withOverrides({ taskConfig: { mode: "slow" } }),
    );
    const [n0] = wf.compile().nodes;
    assert.deepEqual((n0!.entity as unknown as typeof cfgTask).options.taskConfig, { mode: "slow" });
    assert.equal(n0!.entity!.name, "ov.cfg");
    assert.deepEqual(cfgTask.options.taskConfig, { mode: "fast" });
    assert.equal(await wf({ a: 3 }), 3);
    const kind = workflow({ name: "ov.cfgkind", inputs: { a: t.int }, outputs: t.int }, ({ a }) =>
      cfgTask({ a }).withOverrides({ taskConfig: "slow" }),
    );
    assert.throws(() => kind.compile(), /taskConfig = "slow" cannot change the kind of ov.cfg's task config/);
  });

  test("outside a workflow body a call runs at once: overrides are checked and change nothing", async () => {
    assert.equal(await withOverrides(add({ a: 1, b: 2 }), { retries: 2 }), 3);
    assert.throws(() => withOverrides(add({ a: 1, b: 2 }), { retries: -2 }), /override retries = -2/);
  });
});

describe("withOverrides: local runs honour retries, timeouts and cache", () => {
  test("retries: a recoverable failure is retried as often as the node allows", async () => {
    let calls = 0;
    const flaky = task({ name: "ov.flaky", inputs: { a: t.int }, outputs: t.int }, ({ a }) => {
      calls++;
      if (calls < 3) throw new FlyteRecoverableError(`attempt ${calls}`);
      return a;
    });
    const once = workflow({ name: "ov.once", inputs: { a: t.int }, outputs: t.int }, ({ a }) => flaky({ a }));
    await assert.rejects(once({ a: 1 }), /attempt 1/);
    calls = 0;
    const retried = workflow({ name: "ov.retried", inputs: { a: t.int }, outputs: t.int }, ({ a }) =>
      flaky({ a }).withOverrides({ retries: 2 }),
    );
    assert.equal(await retried({ a: 7 }), 7);
    assert.equal(calls, 3);
    // A non-recoverable failure is not retried.
    let failures = 0;
    const broken = task({ name: "ov.broken", inputs: {}, outputs: t.int }, () => {
      failures++;
      throw new Error("no");
    });
    const brokenWf = workflow({ name: "ov.brokenwf", inputs: {}, outputs: t.int }, () =>
      withOverrides(broken(), { retries: 3 }),
    );
    await assert.rejects(brokenWf(), /no/);
    assert.equal(failures, 1);
  });

  test("timeout: the attempt's signal aborts and the node fails, naming the node and the limit", async () => {
    let aborted = false;
    const slow = task({ name: "ov.slow", inputs: {}, outputs: t.int }, async () => {
      const signal = currentContext().signal;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 5_000);
        signal.addEventListener("abort", () => {
          aborted = true;
          clearTimeout(timer);
          resolve();
        });
      });
      return 1;
    });
    const wf = workflow({ name: "ov.slowwf", inputs: {}, outputs: t.int }, () =>
      withOverrides(slow(), { timeout: 50, nodeName: "sleepy" }),
    );
    await assert.rejects(wf(), /node sleepy \(slow\) timed out after 50ms/);
    assert.equal(aborted, true);
  });

  test("cache: a node override caches an uncached task under its version, and false turns a cached task's off", async () => {
    let calls = 0;
    const count = task({ name: "ov.count", inputs: { a: t.int }, outputs: t.int }, ({ a }) => {
      calls++;
      return a * 2;
    });
    const cached = workflow({ name: "ov.cachedwf", inputs: { a: t.int }, outputs: t.int }, ({ a }) =>
      count({ a }).withOverrides({ cache: { version: "1" } }),
    );
    assert.equal(await cached({ a: 21 }), 42);
    assert.equal(await cached({ a: 21 }), 42);
    assert.equal(calls, 1, "the second run is a cache hit");
    let cachedCalls = 0;
    const always = task(
      { name: "ov.always", inputs: { a: t.int }, outputs: t.int, cache: { version: "1" } },
      ({ a }) => {
        cachedCalls++;
        return a;
      },
    );
    const off = workflow({ name: "ov.offwf", inputs: { a: t.int }, outputs: t.int }, ({ a }) =>
      always({ a }).withOverrides({ cache: false }),
    );
    await off({ a: 5 });
    await off({ a: 5 });
    assert.equal(cachedCalls, 2, "cache: false runs every time");
  });
});
