/**
 * Eager workflows against a real Flyte (the local Flyte: FlyteAdmin, FlytePropeller, the kubelet stand-in running
 * every pod). Each call an eager body awaits is an execution of its own, launched by the parent's pod through admin;
 * what the tests count about children they count through admin (executions tagged `eager-exec=<parent>`), not
 * through the parent's bookkeeping.
 *
 * A fan-out with a caught failing child returns what the local run returns; a parent that throws with children
 * running leaves none running; terminating a parent terminates its children.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { Execution } from "../../src/idl/gen/flyteidl/admin/execution_pb.js";
import { WorkflowExecution_Phase } from "../../src/idl/gen/flyteidl/core/execution_pb.js";
import { EAGER_EXEC_LABEL } from "../../src/remote/eager.js";
import { isTerminal } from "../../src/remote/execution.js";
import type { FlyteRemote } from "../../src/remote/remote.js";
import { clusterRemote, entity, repo } from "../helpers/cluster-remote.js";
import { ensureLocalFlyte, type LocalFlyte } from "../helpers/local-flyte.js";

const FIXTURES = "test/cluster/fixtures/eager.ts";
/** Children of the throwing and of the terminated parent. */
const N = 12;
/** How long those children would sleep: far longer than the test waits. */
const LONG = 600;

describe("eager workflows on a real Flyte", { concurrency: 3 }, () => {
  let flyte: LocalFlyte;
  let remote: FlyteRemote;
  const timings: [string, number][] = [];

  /**
   * The children of `parent` as admin lists them: the newest executions whose `eager-exec` label names it. (The
   * label is read from each execution: this admin keeps no execution tags for labels to filter on.)
   */
  const children = async (parent: string): Promise<Execution[]> =>
    (await remote.listExecutions({}, { limit: 200 })).filter(
      (e) => e.spec?.labels?.values[EAGER_EXEC_LABEL] === parent,
    );
  const phaseOf = (e: Execution) =>
    Object.entries(WorkflowExecution_Phase).find(([, v]) => v === (e.closure?.phase ?? 0))?.[0] ?? "?";
  const running = (es: Execution[]) => es.filter((e) => !isTerminal(e.closure?.phase ?? 0));

  /** Polls admin until `parent` has no child that is not final; fails after `ms`. */
  async function noneRunningWithin(parent: string, ms: number): Promise<Execution[]> {
    const deadline = Date.now() + ms;
    for (;;) {
      const listed = await children(parent);
      const left = running(listed);
      if (left.length === 0) return listed;
      assert.ok(
        Date.now() < deadline,
        `${left.length} children of ${parent} still not final after ${ms / 1000} s: ` +
          left.map((e) => `${e.id?.name} ${phaseOf(e)}`).join(", "),
      );
      await sleep(1000);
    }
  }

  before(async () => {
    assert.ok(existsSync(join(repo, "dist", "cli", "main.js")), "dist/ is missing: run `npm run build` first");
    flyte = await ensureLocalFlyte();
    remote = clusterRemote(flyte);
    const t0 = Date.now();
    await remote.register(
      [
        // An eager body's calls are known only when it runs: every entity it calls is registered with it.
        await entity("examples/eager.ts", "pipeline"),
        await entity("examples/eager.ts", "parseInteger"),
        await entity("examples/eager.ts", "double"),
        await entity(FIXTURES, "launchThenThrow"),
        await entity(FIXTURES, "napAll"),
        await entity(FIXTURES, "nap"),
      ],
      { root: repo },
    );
    timings.push(["registration", Date.now() - t0]);
  });

  after(async () => {
    remote?.clients.close();
    await flyte?.stop();
    if (timings.length) console.log(timings.map(([k, ms]) => `  ${k}: ${(ms / 1000).toFixed(1)} s`).join("\n"));
  });

  test("a Promise.all fan-out with a caught failing child returns the local run's value", async () => {
    const pipeline = await entity("examples/eager.ts", "pipeline");
    const given = { values: ["1", "2", "x", "4"] };
    const t0 = Date.now();
    const ex = await remote.execute(pipeline, given as never);
    await ex.wait({ timeout: 150_000 });
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
    const kids = await children(ex.id.name);
    assert.deepEqual(kids.map((e) => `${e.spec?.launchPlan?.name} ${phaseOf(e)}`).sort(), [
      ...Array(3).fill("examples.eager.double SUCCEEDED"),
      "examples.eager.parseInteger FAILED",
      ...Array(3).fill("examples.eager.parseInteger SUCCEEDED"),
    ]);
  });

  test(`a parent that throws with ${N} children running leaves none running within 60 s`, async () => {
    const ex = await remote.execute(await entity(FIXTURES, "launchThenThrow"), { n: N, seconds: LONG });
    const t0 = Date.now();
    await ex.wait({ timeout: 150_000 });
    assert.equal(ex.phaseName, "FAILED");
    await assert.rejects(() => ex.outputs(), /giving up on purpose with 12 naps running/);
    const failedAt = Date.now();
    const listed = await noneRunningWithin(ex.id.name, 60_000);
    timings.push([`throwing parent, then its ${N} children final`, Date.now() - t0]);
    timings.push([`  children final after the parent failed`, Date.now() - failedAt]);
    assert.equal(listed.length, N + 1, listed.map((e) => e.id?.name).join(", "));
    assert.equal(listed.filter((e) => phaseOf(e) === "ABORTED").length, N, listed.map(phaseOf).join(", "));
  });

  test(`terminating a parent terminates its ${N} children`, async () => {
    const ex = await remote.execute(await entity(FIXTURES, "napAll"), { n: N, seconds: LONG });
    const t0 = Date.now();
    const deadline = Date.now() + 120_000;
    while ((await children(ex.id.name)).length < N) {
      assert.ok(Date.now() < deadline, `${ex.name} did not launch its ${N} children`);
      await sleep(1000);
    }
    await ex.terminate("the test is done with it");
    const terminatedAt = Date.now();
    await ex.wait({ timeout: 60_000 });
    assert.equal(ex.phaseName, "ABORTED");
    const listed = await noneRunningWithin(ex.id.name, 60_000);
    timings.push([`terminated parent, then its ${N} children final`, Date.now() - t0]);
    timings.push([`  children final after terminate`, Date.now() - terminatedAt]);
    assert.equal(listed.length, N);
    assert.deepEqual(
      listed.map(phaseOf),
      Array(N).fill("ABORTED"),
      listed.map((e) => `${e.id?.name} ${phaseOf(e)}`).join(", "),
    );
  });
});
