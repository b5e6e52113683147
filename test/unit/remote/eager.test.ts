/**
 * The cluster eager backend against a gRPC admin on loopback that keeps executions as FlyteAdmin does (ALREADY_EXISTS
 * for a taken name, FAILED_PRECONDITION for terminating a finished one, labels as execution tags): fan-out and a
 * caught child failure, a retried parent attaching to its children, cancellation on a throwing body and on SIGTERM's
 * abort, polling through an admin restart, and the failure handler's cleanup loop. Naming, the token bucket and the
 * poll backoff on their own. The real admin is exercised by the cluster suite.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { t, task } from "flytekit-ts";
import { makeParams, runInContext } from "../../../src/core/context.js";
import { EagerCallError, setClusterEagerBackend } from "../../../src/core/eager/controller.js";
import { eager } from "../../../src/core/eager/eager-task.js";
import { EagerFailureHandlerTask } from "../../../src/core/eager/failure-handler.js";
import { localData } from "../../../src/core/local-data.js";
import { literalMap } from "../../../src/idl/literals.js";
import { createAdminClients } from "../../../src/remote/clients.js";
import {
  cleanupEagerChildren,
  EAGER_EXEC_LABEL,
  eagerChildName,
  eagerLaunchRate,
  PollBackoff,
  remoteEagerBackend,
  TokenBucket,
} from "../../../src/remote/eager.js";
import { FlyteRemote } from "../../../src/remote/remote.js";
import { FakeEagerAdmin } from "../../helpers/eager-admin.js";

const double = task({ name: "eg.double", inputs: { x: t.int }, outputs: t.int }, ({ x }) => 2 * x);
const boom = task({ name: "eg.boom", inputs: { x: t.int }, outputs: t.int }, () => 0);
const slow = task({ name: "eg.slow", inputs: { x: t.int }, outputs: t.int }, () => 0);

describe("cluster eager backend against a loopback admin", () => {
  const admin = new FakeEagerAdmin();
  let remote: FlyteRemote;
  const root = mkdtempSync(join(tmpdir(), "eager-remote-"));

  before(async () => {
    await admin.start();
    remote = new FlyteRemote({
      clients: createAdminClients(
        { endpoint: `127.0.0.1:${admin.port}`, insecure: true },
        { retry: { maxAttempts: 1 } },
      ),
      project: "p",
      domain: "development",
      consoleEndpoint: "http://console.test",
    });
    setClusterEagerBackend(
      remoteEagerBackend({ remote, poll: { min: 10, max: 40, maxOnError: 200 }, cleanupDelaySeconds: 0.05, env: {} }),
    );
  });

  after(async () => {
    setClusterEagerBackend(undefined);
    remote.clients.close();
    await admin.stop();
  });

  /** Runs an eager task as tsflyte-execute does (mode `task`), in execution `name` of p/development at version v7. */
  function runAsPod<T>(name: string, fn: () => Promise<T>, signal?: AbortSignal) {
    const params = makeParams({
      localRoot: root,
      workingDirectory: join(root, name),
      local: false,
      executionId: { project: "p", domain: "development", name },
      taskId: { project: "p", domain: "development", name: "eg.parent", version: "v7" },
      enableDeck: true,
      ...(signal ? { signal } : {}),
    });
    return { params, result: runInContext({ mode: "task", localRoot: root, params }, fn) };
  }

  const fanOut = eager({ name: "eg.fan_out", inputs: { n: t.int }, outputs: t.int }, async ({ n }) => {
    const xs = await Promise.all(Array.from({ length: n }, (_, i) => double({ x: i })));
    let caught = "";
    try {
      await boom({ x: 7 });
    } catch (e) {
      assert.ok(e instanceof EagerCallError);
      caught = e.message;
    }
    assert.match(caught, /eg\.boom \(call 0\).*USER error USER:ValueError: no <good> 7/);
    return xs.reduce((s, x) => s + x, 0);
  });

  test("Promise.all fan-out and a caught child failure: children at the parent's version, labelled, named once", async () => {
    const { params, result } = runAsPod("fanout1", () => fanOut.execute({ n: 5 }) as Promise<number>);
    assert.equal(await result, 2 * (0 + 1 + 2 + 3 + 4));
    const children = [...admin.executions.values()].filter((k) => k.labels[EAGER_EXEC_LABEL] === "fanout1");
    assert.equal(children.length, 6);
    for (const k of children) {
      assert.equal(k.execution.spec!.launchPlan!.version, "v7");
      assert.deepEqual(k.labels, { "eager-exec": "fanout1", "eager-root-exec": "fanout1" });
      assert.deepEqual(k.envs, { _F_EE_ROOT: "fanout1" });
      assert.match(k.execution.id!.name, /^e-fan-out-fanou-(double|boom)-[0-9a-f]{16}$/);
    }
    const deck = params.decks.find((d) => d.name === "Eager Executions")!;
    assert.match(deck.html, /<td>eg\.boom<\/td><td class="num">0<\/td><td>x=7<\/td><td>failed<\/td>/);
    assert.match(deck.html, /no &lt;good&gt; 7/);
    assert.match(
      deck.html,
      /<a href="http:\/\/console\.test\/console\/projects\/p\/domains\/development\/executions\/e-/,
    );

    // A retried parent (same execution name) attaches to every child instead of launching again.
    const before = admin.created.length;
    const again = runAsPod("fanout1", () => fanOut.execute({ n: 5 }) as Promise<number>);
    assert.equal(await again.result, 20);
    assert.equal(admin.created.length, before);
  });

  test("a body that throws after launching children terminates every one still running", async () => {
    const thrower = eager({ name: "eg.thrower", inputs: { n: t.int } }, async ({ n }) => {
      for (let i = 0; i < n; i++) void slow({ x: i }).catch(() => {});
      await double({ x: 1 });
      throw new Error("body gave up");
    });
    const { result } = runAsPod("thrower1", () => thrower.execute({ n: 20 }) as Promise<unknown>);
    await assert.rejects(result, /body gave up/);
    const phases = admin.phases("thrower1");
    assert.equal(phases.length, 21);
    assert.deepEqual(
      phases.filter((p) => p !== "SUCCEEDED"),
      Array(20).fill("ABORTED"),
    );
  });

  test("the abort signal (SIGTERM in a pod) terminates running children and fails their calls", async () => {
    const waiter = eager({ name: "eg.waiter", inputs: {}, outputs: t.int }, async () => {
      const xs = await Promise.all([slow({ x: 1 }), slow({ x: 2 })]);
      return xs[0]!;
    });
    const abort = new AbortController();
    const { result } = runAsPod("sigterm1", () => waiter.execute({}) as Promise<number>, abort.signal);
    while (admin.phases("sigterm1").length < 2) await new Promise((r) => setTimeout(r, 10));
    abort.abort(new Error("the task was asked to stop (SIGTERM)"));
    await assert.rejects(result, (e: unknown) => e instanceof EagerCallError && /SIGTERM/.test(e.message));
    assert.deepEqual(admin.phases("sigterm1"), ["ABORTED", "ABORTED"]);
  });

  test("a child name admin holds without an execution is replaced by the next name of a fixed series", async () => {
    const backend = remoteEagerBackend({ remote, poll: { min: 10, max: 40 }, attachTimeoutMs: 200, env: {} });
    const once = eager({ name: "eg.once", inputs: {}, outputs: t.int }, async () => double({ x: 5 }));
    const abandoned = eagerChildName({
      parentTask: "eg.once",
      parentExecution: "zombie1",
      entityKind: "task",
      entityName: "eg.double",
      index: 0,
      inputs: literalMap({ x: t.int.toLiteral(5, localData(), []) }),
    });
    admin.inFlight.set(abandoned, 1_000_000);
    setClusterEagerBackend(backend);
    try {
      const { result } = runAsPod("zombie1", () => once.execute({}) as Promise<number>);
      assert.equal(await result, 10);
      assert.deepEqual(
        admin.created.filter((n) => n.startsWith(abandoned)),
        [abandoned, `${abandoned}-1`],
      );
    } finally {
      admin.inFlight.delete(abandoned);
      setClusterEagerBackend(
        remoteEagerBackend({ remote, poll: { min: 10, max: 40, maxOnError: 200 }, cleanupDelaySeconds: 0.05, env: {} }),
      );
    }
  });

  test("polling rides out an admin restart", async () => {
    const waiter = eager({ name: "eg.restart", inputs: {}, outputs: t.int }, async () => double({ x: 21 }));
    const { result } = runAsPod("restart1", () => waiter.execute({}) as Promise<number>);
    while (admin.phases("restart1").length < 1) await new Promise((r) => setTimeout(r, 5));
    await admin.stop();
    await new Promise((r) => setTimeout(r, 400));
    await admin.start(admin.port);
    assert.equal(await result, 42);
  });

  test("a launch admin refuses as ALREADY_EXISTS with no such execution (its generated-workflow race) is made again", async () => {
    admin.raceOnce.add("raced1");
    const ex = await remote.execute(slow, { x: 5 }, { version: "v7", name: "raced1" });
    assert.equal(ex.id.name, "raced1");
    assert.equal(ex.attached, false);
    assert.equal(admin.created.filter((n) => n === "raced1").length, 1);
    // A name that does exist is attached to, not launched again.
    const again = await remote.execute(slow, { x: 5 }, { version: "v7", name: "raced1" });
    assert.equal(again.attached, true);
    assert.equal(admin.created.filter((n) => n === "raced1").length, 1);
  });

  test("the failure handler lists the failed parent's running children by tag and by label and terminates them until none is left", async () => {
    for (let i = 0; i < 3; i++) {
      await remote.execute(slow, { x: i }, { version: "v7", name: `orphan${i}`, labels: { "eager-exec": "dead1" } });
    }
    const handler = new EagerFailureHandlerTask({ name: "eg.cleanup", inputs: {} });
    const { result } = runAsPod("dead1", () => handler.execute() as Promise<unknown>);
    await result;
    assert.deepEqual(admin.phases("dead1"), ["ABORTED", "ABORTED", "ABORTED"]);
    assert.ok(
      admin.filters.includes(
        "value_in(phase,UNDEFINED;QUEUED;RUNNING)+value_in(execution_tag.key,eager-exec)+value_in(execution_tag.value,dead1)",
      ),
    );
    // Single-task executions carry no tags in admin: these children were found by their label.
    assert.ok(admin.filters.includes("value_in(phase,UNDEFINED;QUEUED;RUNNING)"), admin.filters.join("\n"));
    assert.equal(await cleanupEagerChildren(remote, { project: "p", domain: "development", name: "dead1" }), 0);
    await assert.rejects(
      cleanupEagerChildren(remote, { project: "p", domain: "development", name: "a,b" }),
      /"a,b" is not an execution name/,
    );
  });
});

describe("eager child names, launch rate and poll backoff", () => {
  const inputs = literalMap({ x: t.int.toLiteral(1, localData(), []) });
  const base = {
    parentTask: "app.agents.Agent_Main",
    parentExecution: "abc123xyz",
    entityKind: "task",
    entityName: "app.tasks.Add",
    index: 0,
    inputs,
  };

  test("names are deterministic, DNS-safe and change with the parent, entity, index and inputs", () => {
    const n = eagerChildName(base);
    assert.equal(n, eagerChildName({ ...base, inputs: literalMap({ x: t.int.toLiteral(1, localData(), []) }) }));
    assert.match(n, /^e-agent-ma-abc12-add-[0-9a-f]{16}$/);
    assert.ok(n.length <= 63);
    const others = [
      { ...base, parentExecution: "abc123xyz2" },
      { ...base, entityName: "app.tasks.Add2" },
      { ...base, entityKind: "workflow" },
      { ...base, index: 1 },
      { ...base, inputs: literalMap({ x: t.int.toLiteral(2, localData(), []) }) },
    ].map(eagerChildName);
    assert.equal(new Set([n, ...others]).size, 6);
    assert.match(
      eagerChildName({ ...base, parentTask: "Ünïcode__$(rm -rf)", entityName: "--" }),
      /^e-[a-z0-9-]*[0-9a-f]{16}$/,
    );
  });

  test("the token bucket spends its burst, then refills at its rate; bad settings are refused", async () => {
    let now = 0;
    const bucket = new TokenBucket(100, 2, () => now);
    await bucket.take();
    await bucket.take();
    assert.equal(bucket.wait(), 10);
    now += 5;
    assert.equal(bucket.wait(), 5);
    now += 5;
    assert.equal(bucket.wait(), 0);
    assert.throws(() => new TokenBucket(0), /rate must be a positive number, got 0/);
    assert.throws(() => new TokenBucket(5, 0.5), /burst must be at least 1, got 0.5/);
    const real = new TokenBucket(50, 1);
    const started = performance.now();
    for (let i = 0; i < 4; i++) await real.take();
    assert.ok(performance.now() - started >= 55, "3 tokens past the burst take at least 60 ms at 50/s");
    const aborted = new AbortController();
    aborted.abort(new Error("stop"));
    await assert.rejects(real.take(aborted.signal), /stop/);
  });

  test("the launch rate comes from FLYTE_EAGER_LAUNCH_RATE, default far above 60 a minute", () => {
    assert.equal(eagerLaunchRate({}), 500);
    assert.equal(eagerLaunchRate({ FLYTE_EAGER_LAUNCH_RATE: "2.5" }), 2.5);
    assert.throws(() => eagerLaunchRate({ FLYTE_EAGER_LAUNCH_RATE: "fast" }), /FLYTE_EAGER_LAUNCH_RATE .* "fast"/);
  });

  test("the poll delay grows while nothing changes, resets on a change, and backs off further on failures", () => {
    const b = new PollBackoff(100, 400, 1000);
    assert.deepEqual([b.ok(false), b.ok(false), b.ok(false), b.ok(false), b.ok(true)], [150, 225, 337.5, 400, 100]);
    assert.deepEqual([b.failed(5), b.failed(6), b.failed(7), b.failed(8)], [200, 400, 800, 1000]);
    assert.equal(b.failingSince, 5);
    b.ok(false);
    assert.equal(b.failingSince, undefined);
  });
});
