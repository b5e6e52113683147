/**
 * Eager workflows against a real Flyte (the local Flyte: FlyteAdmin, FlytePropeller, the kubelet stand-in running
 * every pod as a process). Each call an eager body awaits is an execution of its own, launched by the parent's pod
 * through admin; what the tests count about children they count through admin (the executions whose `eager-exec`
 * or `eager-root-exec` label names the parent, listed page by page), not through the parent's bookkeeping.
 *
 * A fan-out with a caught failing child returns what the local run returns, its children at the parent's version;
 * a parent that throws with children running leaves none running; terminating a parent terminates its children; a
 * parent killed mid-run and retried launches no child twice; a killed parent without retries has its children
 * terminated by the failure node of the workflow its eager task registers; eager within eager works; an eager task
 * calls a Python task pyflyte registered. The "Eager Executions" deck is where the node's closure says.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import type { t } from "flytekit-ts";
import type { EagerHandle } from "../../src/core/eager/eager-task.js";
import type { Execution } from "../../src/idl/gen/flyteidl/admin/execution_pb.js";
import { NodeExecution_Phase, WorkflowExecution_Phase } from "../../src/idl/gen/flyteidl/core/execution_pb.js";
import { EAGER_EXEC_LABEL, EAGER_ROOT_LABEL } from "../../src/remote/eager.js";
import { type FlyteExecution, isTerminal } from "../../src/remote/execution.js";
import type { FlyteRemote } from "../../src/remote/remote.js";
import { storageFor } from "../../src/storage/registry.js";
import { clusterRemote, entity, labelledChildren, repo } from "../helpers/cluster-remote.js";
import { ensureLocalFlyte, type LocalFlyte } from "../helpers/local-flyte.js";
import { PY_VERSION } from "./fixtures/mixed.js";

const FIXTURES = "test/cluster/fixtures/eager.ts";
const run = promisify(execFile);
/** Children of the throwing parent. */
const N = 20;
/** Children of the terminated and of the killed parents. */
const M = 6;
/** How long those children would sleep: far longer than the test waits. */
const LONG = 600;

/** The eager tasks of the fixtures, whose `getAsWorkflow()` is the workflow registered for them. */
type Eager = EagerHandle<{ n: typeof t.int; seconds: typeof t.int }, typeof t.int>;

const phaseOf = (e: Execution) =>
  Object.entries(WorkflowExecution_Phase).find(([, v]) => v === (e.closure?.phase ?? 0))?.[0] ?? "?";
const running = (es: Execution[]) => es.filter((e) => !isTerminal(e.closure?.phase ?? 0));
const show = (es: Execution[]) => es.map((e) => `${e.id?.name} ${phaseOf(e)}`).join(", ");

describe("eager workflows on a real Flyte", { concurrency: 4 }, () => {
  let flyte: LocalFlyte;
  let remote: FlyteRemote;
  let version: string;
  const timings: [string, number][] = [];

  /** The executions whose `label` (the parent's by default, else the root's) names `parent`, as admin lists them. */
  const children = (parent: FlyteExecution, label = EAGER_EXEC_LABEL): Promise<Execution[]> =>
    labelledChildren(remote, parent.id.name, { label, createdAt: parent.execution.closure?.createdAt });

  /** Polls admin until `parent` has no child that is not final; fails after `ms`. */
  async function noneRunningWithin(parent: FlyteExecution, ms: number): Promise<Execution[]> {
    const deadline = Date.now() + ms;
    for (;;) {
      const listed = await children(parent);
      const left = running(listed);
      if (left.length === 0) return listed;
      assert.ok(
        Date.now() < deadline,
        `${left.length} children of ${parent.name} still not final after ${ms / 1000} s: ${show(left)}`,
      );
      await sleep(1000);
    }
  }

  /** Waits until admin lists `n` children of `parent`; fails after `ms` or when the parent ends first. */
  async function launched(parent: FlyteExecution, n: number, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while ((await children(parent)).length < n) {
      await parent.sync();
      assert.ok(!parent.isDone, `${parent.name} ended (${parent.phaseName}) before launching ${n} children`);
      assert.ok(Date.now() < deadline, `${parent.name} did not launch its ${n} children within ${ms / 1000} s`);
      await sleep(1000);
    }
  }

  /**
   * Kills (SIGKILL, as a lost node does) the process groups of the pods running node `node` of `parent` (the kubelet
   * stand-in records them). Propeller retries such a pod as a system failure (up to 3 times by default): a pod that
   * dies without writing its error document is never the task's own failure.
   */
  function killPod(parent: FlyteExecution, node: string): number {
    const pods = join(flyte.stateDir, "kubelet", "pods");
    const dirs = readdirSync(pods).filter((d) => d.includes(`_${parent.id.name}-${node}-`));
    let killed = 0;
    for (const d of dirs) {
      for (const f of readdirSync(join(pods, d)).filter((f) => f.endsWith(".pid"))) {
        const pid = Number(readFileSync(join(pods, d, f), "utf8").trim());
        try {
          process.kill(-pid, "SIGKILL");
          killed += 1;
        } catch {
          // The process ended on its own meanwhile.
        }
      }
    }
    return killed;
  }

  /** The "Eager Executions" deck the parent's node wrote, read from where its closure points. */
  async function eagerDeck(parent: FlyteExecution): Promise<{ uri: string; html: string }> {
    const nodes = await parent.nodeExecutions();
    const uri = nodes.map((n) => n.closure?.deckUri ?? "").find((u) => u !== "");
    assert.ok(uri, `no node of ${parent.name} has a deck URI: ${nodes.map((n) => n.id?.nodeId).join(", ")}`);
    const html = new TextDecoder().decode(await (await storageFor(uri)).get(uri));
    assert.match(html, /Eager Executions/);
    return { uri, html };
  }

  before(async () => {
    assert.ok(existsSync(join(repo, "dist", "cli", "main.js")), "dist/ is missing: run `npm run build` first");
    flyte = await ensureLocalFlyte();
    // The decks are read from the instance's S3.
    Object.assign(process.env, flyte.podEnv);
    remote = clusterRemote(flyte);
    const t0 = Date.now();
    // The Python task an eager body calls, registered by pyflyte unless it is already (remote.test.ts registers the
    // same version), alongside the TypeScript registration.
    const py = remote.fetchTask("py_stats.summarize", { version: PY_VERSION }).then(
      () => undefined,
      () =>
        run(
          join(repo, ".venv", "bin", "pyflyte"),
          [
            "--config",
            flyte.configPath,
            "register",
            "--project",
            "flytesnacks",
            "--domain",
            "development",
            "--version",
            PY_VERSION,
            "--image",
            "ghcr.io/flyteorg/flytekit:py3.12-1.16.0",
            "py_stats.py",
          ],
          { cwd: join(import.meta.dirname, "fixtures"), encoding: "utf8", timeout: 180_000 },
        ).then(
          () => undefined,
          (e: { stdout?: string; stderr?: string }) => {
            throw new Error(`pyflyte register: ${e.stdout}\n${e.stderr}`);
          },
        ),
    );
    py.catch(() => {});
    // An eager body's calls are known only when it runs: every entity it calls is registered with it.
    const roots = [
      await entity("examples/eager.ts", "pipeline"),
      await entity("examples/eager.ts", "parseInteger"),
      await entity("examples/eager.ts", "double"),
    ];
    for (const name of [
      "nap",
      "launchThenThrow",
      "napAll",
      "napAllRetried",
      "innerEager",
      "outerEager",
      "eagerCallsPython",
    ])
      roots.push(await entity(FIXTURES, name));
    const reg = await remote.register(roots, { root: repo });
    version = reg.version;
    await py;
    timings.push(["registration (TypeScript and pyflyte)", Date.now() - t0]);
  });

  after(async () => {
    remote?.clients.close();
    await flyte?.stop();
    if (timings.length) {
      const width = Math.max(...timings.map(([k]) => k.length));
      console.log(
        `eager run times:\n${timings.map(([k, ms]) => `  ${k.padEnd(width)}  ${(ms / 1000).toFixed(1)} s`).join("\n")}`,
      );
    }
  });

  test("a Promise.all fan-out with a caught failing child returns the local run's value; children at the parent's version with eager labels; the deck lists them", async () => {
    const pipeline = await entity("examples/eager.ts", "pipeline");
    const given = { values: ["1", "2", "x", "4"] };
    const t0 = Date.now();
    const ex = await remote.execute(pipeline, given as never);
    await ex.wait({ timeout: 300_000 });
    timings.push(["fan-out with a caught failure", Date.now() - t0]);
    assert.equal(
      ex.phaseName,
      "SUCCEEDED",
      `${ex.name}: ${ex.execution.closure?.outputResult.case === "error" ? ex.execution.closure.outputResult.value.message : ""}`,
    );
    const expected = { total: 14, rejected: ["x"] };
    assert.deepEqual(await pipeline(given), expected);
    assert.deepEqual(await ex.outputs(), expected);
    // Four parses (one failing) and three doubles, each an execution of its own.
    const kids = await children(ex);
    assert.deepEqual(kids.map((e) => `${e.spec?.launchPlan?.name} ${phaseOf(e)}`).sort(), [
      ...Array(3).fill("examples.eager.double SUCCEEDED"),
      "examples.eager.parseInteger FAILED",
      ...Array(3).fill("examples.eager.parseInteger SUCCEEDED"),
    ]);
    for (const k of kids) {
      assert.equal(k.spec?.launchPlan?.version, version, `${k.id?.name} runs at the parent's version`);
      assert.equal(k.spec?.labels?.values[EAGER_ROOT_LABEL], ex.id.name);
    }
    const { html } = await eagerDeck(ex);
    for (const k of kids) assert.ok(html.includes(k.id!.name), `the deck lists ${k.id?.name}`);
  });

  test(`a parent that throws with ${N} children running leaves none running within 60 s; its deck is written too`, async () => {
    const ex = await remote.execute(await entity(FIXTURES, "launchThenThrow"), { n: N, seconds: LONG });
    const t0 = Date.now();
    await ex.wait({ timeout: 300_000 });
    assert.equal(ex.phaseName, "FAILED");
    await assert.rejects(() => ex.outputs(), new RegExp(`giving up on purpose with ${N} naps running`));
    const failedAt = Date.now();
    const listed = await noneRunningWithin(ex, 60_000);
    timings.push([`throwing parent, then its ${N} children final`, Date.now() - t0]);
    timings.push([`  children final after the parent failed`, Date.now() - failedAt]);
    assert.equal(listed.length, N + 1, show(listed));
    assert.equal(listed.filter((e) => phaseOf(e) === "ABORTED").length, N, show(listed));
    const { html } = await eagerDeck(ex);
    for (const k of listed) assert.ok(html.includes(k.id!.name), `the deck lists ${k.id?.name}`);
  });

  test(`terminating a parent terminates its ${M} children`, async () => {
    const ex = await remote.execute(await entity(FIXTURES, "napAll"), { n: M, seconds: LONG });
    const t0 = Date.now();
    await launched(ex, M, 180_000);
    await ex.terminate("the test is done with it");
    const terminatedAt = Date.now();
    await ex.wait({ timeout: 120_000 });
    assert.equal(ex.phaseName, "ABORTED");
    const listed = await noneRunningWithin(ex, 60_000);
    timings.push([`terminated parent, then its ${M} children final`, Date.now() - t0]);
    timings.push([`  children final after terminate`, Date.now() - terminatedAt]);
    assert.deepEqual(listed.map(phaseOf), Array(M).fill("ABORTED"), show(listed));
  });

  test(`a parent whose pod is killed mid-run is retried and attaches to its ${M} children: none launched twice`, async () => {
    const retried = (await entity(FIXTURES, "napAllRetried")) as unknown as Eager;
    const ex = await remote.execute(retried.getAsWorkflow(), { n: M, seconds: 20 });
    const t0 = Date.now();
    await launched(ex, M, 180_000);
    assert.ok(killPod(ex, "n0") > 0, `the pod of ${ex.name} n0 was found and killed`);
    await ex.wait({ timeout: 300_000 });
    timings.push([`killed and retried parent with ${M} children`, Date.now() - t0]);
    assert.equal(ex.phaseName, "SUCCEEDED", show([ex.execution]));
    assert.equal(await ex.outputs(), (M * (M - 1)) / 2);
    const listed = await children(ex);
    assert.equal(listed.length, M, show(listed));
    assert.equal(new Set(listed.map((e) => e.id?.name)).size, M);
    const n0 = (await ex.nodeExecutions()).find((n) => n.id?.nodeId === "n0");
    assert.ok(n0, "node n0 ran");
    const attempts = await ex.taskExecutions(n0);
    assert.ok(attempts.length >= 2, `n0 ran ${attempts.length} attempt(s); the killed one must be retried`);
  });

  test(`a parent killed until propeller gives up: the failure node of its workflow terminates its ${M} children`, async () => {
    const napAll = (await entity(FIXTURES, "napAll")) as unknown as Eager;
    const ex = await remote.execute(napAll.getAsWorkflow(), { n: M, seconds: LONG });
    const t0 = Date.now();
    await launched(ex, M, 180_000);
    // Every attempt is killed until propeller gives up on the node; the workflow then runs its failure node.
    let kills = 0;
    const killedAt = Date.now();
    while ((await ex.sync()).phaseName === "RUNNING") {
      const efnStarted = (await ex.nodeExecutions()).some((n) => n.id?.nodeId === "efn");
      if (efnStarted) break;
      kills += killPod(ex, "n0");
      assert.ok(Date.now() - killedAt < 600_000, `${ex.name} n0 still retried after ${kills} kills`);
      await sleep(1000);
    }
    assert.ok(kills > 0, `the pods of ${ex.name} n0 were found and killed`);
    await ex.wait({ timeout: 300_000 });
    assert.equal(ex.phaseName, "FAILED");
    const listed = await noneRunningWithin(ex, 60_000);
    timings.push([`killed parent, efn terminated its ${M} children`, Date.now() - t0]);
    timings.push([`  children final after the kill`, Date.now() - killedAt]);
    assert.deepEqual(listed.map(phaseOf), Array(M).fill("ABORTED"), show(listed));
    const efn = (await ex.nodeExecutions()).find((n) => n.id?.nodeId === "efn");
    assert.ok(efn, `the failure node efn of ${ex.name} ran`);
    assert.equal(efn.closure?.phase, NodeExecution_Phase.SUCCEEDED, `efn succeeded (phase ${efn.closure?.phase})`);
  });

  test("eager within eager: two inner eager tasks and a task, every level an execution of its own", async () => {
    const ex = await remote.execute(await entity(FIXTURES, "outerEager"), { n: 2 });
    const t0 = Date.now();
    await ex.wait({ timeout: 300_000 });
    timings.push(["nested eager", Date.now() - t0]);
    assert.equal(ex.phaseName, "SUCCEEDED", show([ex.execution]));
    assert.equal(await ex.outputs(), 101 + 1003 + 7);
    const direct = await children(ex);
    assert.deepEqual(direct.map((e) => e.spec?.launchPlan?.name).sort(), [
      "test.cluster.fixtures.eager.innerEager",
      "test.cluster.fixtures.eager.innerEager",
      "test.cluster.fixtures.eager.nap",
    ]);
    // The inner tasks' own children (2 and 3 naps) carry the root's name.
    const tree = await children(ex, EAGER_ROOT_LABEL);
    assert.equal(tree.length, 3 + 2 + 3, show(tree));
    assert.deepEqual(running(tree), []);
  });

  test("an eager task calls a Python task registered with pyflyte", async () => {
    const ex = await remote.execute(await entity(FIXTURES, "eagerCallsPython"), { xs: [1, 2, 3], k: 2 });
    const t0 = Date.now();
    await ex.wait({ timeout: 300_000 });
    timings.push(["eager calling a Python task", Date.now() - t0]);
    assert.equal(ex.phaseName, "SUCCEEDED", show([ex.execution]));
    assert.equal(await ex.outputs(), "FROM EAGER: n=3 mean=4.00");
    const kids = await children(ex);
    assert.deepEqual(
      kids.map((e) => [e.spec?.launchPlan?.name, e.spec?.launchPlan?.version, phaseOf(e)]),
      [["py_stats.summarize", PY_VERSION, "SUCCEEDED"]],
    );
  });
});
