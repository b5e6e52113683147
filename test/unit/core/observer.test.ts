import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after as afterAll, before, describe, test } from "node:test";
import {
  currentContext,
  FlyteRecoverableError,
  type LogEvent,
  type NodeEvent,
  observeRun,
  t,
  task,
  workflow,
} from "flytekit-ts";

const scratch = mkdtempSync(join(tmpdir(), "observer-"));
before(() => {
  process.env.FLYTE_LOCAL_CACHE_DIR = join(scratch, "cache");
});
afterAll(() => {
  delete process.env.FLYTE_LOCAL_CACHE_DIR;
  rmSync(scratch, { recursive: true, force: true });
});

function collect(): { events: NodeEvent[]; logs: LogEvent[]; node(e: NodeEvent): void; log(e: LogEvent): void } {
  const events: NodeEvent[] = [];
  const logs: LogEvent[] = [];
  return { events, logs, node: (e) => events.push(e), log: (e) => logs.push(e) };
}

const phases = (events: readonly NodeEvent[], path: string) =>
  events.filter((e) => e.path === path).map((e) => e.phase);

const double = task({ name: "obs.double", inputs: { x: t.int }, outputs: t.int }, ({ x }) => {
  currentContext().logger.debug("doubling", { x });
  return x * 2;
});
const cached = task(
  { name: "obs.cached", inputs: { x: t.int }, outputs: t.int, cache: { version: "1" }, enableDeck: true },
  ({ x }) => x + 1,
);
const boom = task({ name: "obs.boom", inputs: { x: t.int }, outputs: t.int }, ({ x }) => {
  throw new Error(`boom ${x}`);
});
let flaky = 0;
const retried = task({ name: "obs.flaky", inputs: { x: t.int }, outputs: t.int, retries: 2 }, ({ x }) => {
  if (flaky++ === 0) throw new FlyteRecoverableError("try again");
  return x;
});

describe("observeRun", () => {
  test("reports queued, running and succeeded with times, inputs, outputs and the SDK logger's records", async () => {
    const wf = workflow({ name: "obs.chain", inputs: { x: t.int }, outputs: t.int }, ({ x }) =>
      double({ x: double({ x }) }),
    );
    const seen = collect();
    assert.equal(await observeRun(seen, () => wf({ x: 3 })), 12);
    assert.deepEqual(phases(seen.events, "n0"), ["queued", "running", "succeeded"]);
    assert.deepEqual(phases(seen.events, "n1"), ["queued", "running", "succeeded"]);
    const done = seen.events.find((e) => e.path === "n1" && e.phase === "succeeded")!;
    assert.equal(done.name, "obs.double");
    assert.equal(done.kind, "task");
    assert.equal(done.parent, undefined);
    assert.ok(done.durationMs !== undefined && done.durationMs >= 0);
    assert.ok(done.startedAt !== undefined && done.startedAt <= done.time);
    assert.equal(done.inputs?.literals.x?.value.case, "scalar");
    assert.equal(done.outputs?.literals.o0?.value.case, "scalar");
    // Every level is reported, even below the logger's level (warn by default), with the node that logged it.
    const debug = seen.logs.filter((l) => l.message === "doubling");
    assert.deepEqual(
      debug.map((l) => [l.path, l.level, l.printed]),
      [
        ["n0", "debug", false],
        ["n1", "debug", false],
      ],
    );
    assert.match(debug[0]!.line, /"x":3/);
  });

  test("a cache hit is reported as cached, with the deck the first run wrote", async () => {
    const wf = workflow({ name: "obs.cache", inputs: { x: t.int }, outputs: t.int }, ({ x }) => cached({ x }));
    const first = collect();
    await observeRun(first, () => wf({ x: 41 }));
    const ran = first.events.find((e) => e.phase === "succeeded")!;
    assert.equal(ran.cacheHit, false);
    assert.ok(ran.deckPath && existsSync(ran.deckPath), "the deck's path is reported");
    const second = collect();
    assert.equal(await observeRun(second, () => wf({ x: 41 })), 42);
    assert.deepEqual(phases(second.events, "n0"), ["queued", "running", "cached"]);
    assert.equal(second.events.at(-1)!.cacheHit, true);
  });

  test("retries show as running again with the attempt and the error; failures skip the nodes downstream", async () => {
    flaky = 0;
    const wf = workflow({ name: "obs.retry", inputs: { x: t.int }, outputs: t.int }, ({ x }) => retried({ x }));
    const seen = collect();
    assert.equal(await observeRun(seen, () => wf({ x: 5 })), 5);
    const again = seen.events.filter((e) => e.phase === "running");
    assert.deepEqual(
      again.map((e) => [e.attempt, e.error?.message]),
      [
        [1, undefined],
        [2, "Error encountered while executing 'obs.flaky': try again"],
      ],
    );
    assert.equal(seen.events.at(-1)!.attempt, 2);
    assert.equal(seen.events.at(-1)!.retries, 2);

    const bad = workflow({ name: "obs.bad", inputs: { x: t.int }, outputs: t.int }, ({ x }) =>
      double({ x: boom({ x }) }),
    );
    const failed = collect();
    await assert.rejects(
      observeRun(failed, () => bad({ x: 1 })),
      /boom 1/,
    );
    assert.deepEqual(phases(failed.events, "n0"), ["queued", "running", "failed"]);
    assert.deepEqual(phases(failed.events, "n1"), ["queued", "skipped"]);
    assert.match(failed.events.find((e) => e.phase === "failed")!.error!.message, /boom 1/);
  });

  test("nodes of a subworkflow are reported under their parent's path", async () => {
    const inner = workflow({ name: "obs.inner", inputs: { x: t.int }, outputs: t.int }, ({ x }) => double({ x }));
    const outer = workflow({ name: "obs.outer", inputs: { x: t.int }, outputs: t.int }, ({ x }) => inner({ x }));
    const seen = collect();
    assert.equal(await observeRun(seen, () => outer({ x: 2 })), 4);
    assert.deepEqual(phases(seen.events, "n0"), ["queued", "running", "succeeded"]);
    assert.deepEqual(phases(seen.events, "n0/n0"), ["queued", "running", "succeeded"]);
    const child = seen.events.find((e) => e.path === "n0/n0")!;
    assert.equal(child.parent, "n0");
    assert.equal(child.nodeId, "n0");
    assert.equal(seen.events.find((e) => e.path === "n0")!.kind, "workflow");
  });

  test("a task run alone is reported as one node; concurrent runs see only their own events", async () => {
    const a = collect();
    const b = collect();
    const [x, y] = await Promise.all([
      observeRun(a, () => double({ x: 1 }), { id: "n0", name: "obs.double", kind: "task", retries: 0 }),
      observeRun(b, () => double({ x: 2 }), { id: "solo", name: "obs.double", kind: "task", retries: 0 }),
    ]);
    assert.deepEqual([x, y], [2, 4]);
    assert.deepEqual(phases(a.events, "n0"), ["queued", "running", "succeeded"]);
    assert.deepEqual(
      b.events.map((e) => e.path),
      ["solo", "solo", "solo"],
    );
  });

  test("an observer that throws never fails the run; without an observer nothing is reported", async () => {
    const written: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((s: string) => written.push(String(s)) > 0) as typeof process.stderr.write;
    try {
      const wf = workflow({ name: "obs.thrower", inputs: { x: t.int }, outputs: t.int }, ({ x }) => double({ x }));
      const out = await observeRun(
        {
          node: () => {
            throw new Error("observer bug");
          },
        },
        () => wf({ x: 4 }),
      );
      assert.equal(out, 8);
    } finally {
      process.stderr.write = write;
    }
    assert.equal(written.filter((s) => s.includes("a run observer failed")).length, 1, "warned once");
    assert.equal(await double({ x: 5 }), 10);
  });
});
