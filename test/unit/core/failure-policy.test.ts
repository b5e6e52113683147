/**
 * The workflow failure policy in local runs, as propeller applies it: `after-executable-nodes-complete` keeps running
 * what does not depend on a failed node, the launched workflow's policy holds for every graph inside it (subworkflows,
 * dynamic workflows), and a launch plan node or an eager call starts an execution with its own.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after as afterAll, before, beforeEach, describe, test } from "node:test";
import { dynamic, eager, launchPlan, type NodeEvent, observeRun, t, task, workflow } from "flytekit-ts";

const scratch = mkdtempSync(join(tmpdir(), "failure-policy-"));
before(() => {
  process.env.FLYTE_LOCAL_CACHE_ENABLED = "false";
});
afterAll(() => {
  delete process.env.FLYTE_LOCAL_CACHE_ENABLED;
  rmSync(scratch, { recursive: true, force: true });
});

/** What ran, in order; `failed` settles once the failing task has thrown, so the others can wait for it. */
let ran: string[] = [];
let markFailed: () => void = () => undefined;
let failed: Promise<void> = Promise.resolve();
function reset(): void {
  ran = [];
  failed = new Promise((r) => {
    markFailed = r;
  });
}
beforeEach(reset);

const fail = task({ name: "fp.fail", inputs: { tag: t.str }, outputs: t.str }, ({ tag }) => {
  ran.push(`fail:${tag}`);
  setImmediate(markFailed);
  throw new Error(`failure ${tag}`);
});
/** Succeeds only after the failing task has failed: it is still running when the failure happens. */
const late = task({ name: "fp.late", inputs: { tag: t.str }, outputs: t.str }, async ({ tag }) => {
  await failed;
  ran.push(`late:${tag}`);
  return tag;
});
const echo = task({ name: "fp.echo", inputs: { s: t.str }, outputs: t.str }, ({ s }) => {
  ran.push(`echo:${s}`);
  return s;
});

function collect(): { events: NodeEvent[]; node(e: NodeEvent): void; log(): void } {
  const events: NodeEvent[] = [];
  return { events, node: (e) => events.push(e), log: () => undefined };
}
const last = (events: readonly NodeEvent[], path: string) => events.filter((e) => e.path === path).at(-1)?.phase;

/** n0 fails; n1 runs past the failure, n2 reads n1; n3 reads n0. */
function graph(name: string, policy?: "immediate" | "after-executable-nodes-complete") {
  return workflow({ name, outputs: { a: t.str, b: t.str }, ...(policy ? { failurePolicy: policy } : {}) }, () => {
    const bad = fail({ tag: "n0" });
    const slow = late({ tag: "n1" });
    return { a: echo({ s: bad }), b: echo({ s: slow }) };
  });
}

describe("failure policy of local runs", () => {
  test("after-executable-nodes-complete runs the nodes that do not depend on the failed one, then fails with its error", async () => {
    const wf = graph("fp.keep-going", "after-executable-nodes-complete");
    const seen = collect();
    await assert.rejects(
      observeRun(seen, () => wf()),
      (e: Error & { nodeId?: string }) => {
        assert.match(e.message, /failure n0/);
        assert.equal(e.nodeId, "n0");
        return true;
      },
    );
    assert.deepEqual(ran, ["fail:n0", "late:n1", "echo:n1"]);
    assert.equal(last(seen.events, "n0"), "failed");
    assert.equal(last(seen.events, "n1"), "succeeded");
    assert.equal(last(seen.events, "n2"), "skipped");
    assert.equal(last(seen.events, "n3"), "succeeded");
  });

  test("immediate (the default) starts nothing after the first failure", async () => {
    for (const wf of [graph("fp.default"), graph("fp.immediate", "immediate")]) {
      reset();
      const seen = collect();
      await assert.rejects(
        observeRun(seen, () => wf()),
        /failure n0/,
      );
      await failed;
      await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(ran, ["fail:n0", "late:n1"], "n1 finishes on its own, n3 never starts");
      assert.equal(last(seen.events, "n3"), "skipped");
    }
  });

  test("with several failures the first one is reported, and every branch still runs to its end", async () => {
    const second = task({ name: "fp.second", inputs: { s: t.str }, outputs: t.str }, async ({ s }) => {
      await failed;
      ran.push(`second:${s}`);
      throw new Error(`second failure ${s}`);
    });
    const wf = workflow({ name: "fp.two", failurePolicy: "after-executable-nodes-complete" }, () => {
      fail({ tag: "a" });
      const s = second({ s: late({ tag: "b" }) });
      echo({ s });
      echo({ s: late({ tag: "c" }) });
    });
    await assert.rejects(wf(), /failure a/);
    assert.deepEqual(ran.sort(), ["echo:c", "fail:a", "late:b", "late:c", "second:b"]);
  });

  test("the failure handler runs once every executable node is done and receives the first failure", async () => {
    let handled: unknown;
    const handler = task({ name: "fp.handler", inputs: { err: t.optional(t.str) } }, ({ err }) => {
      handled = { err, ran: [...ran] };
    });
    const wf = workflow(
      { name: "fp.handled", failurePolicy: "after-executable-nodes-complete", onFailure: handler },
      () => {
        fail({ tag: "h" });
        echo({ s: late({ tag: "h" }) });
      },
    );
    await assert.rejects(wf(), /failure h/);
    assert.deepEqual(handled, {
      err: "Error encountered while executing 'fp.fail': failure h",
      ran: ["fail:h", "late:h", "echo:h"],
    });
  });

  test("the launched workflow's policy holds inside its subworkflows, whatever theirs is", async () => {
    const inner = graph("fp.inner"); // immediate by its own metadata
    const outer = workflow({ name: "fp.outer", failurePolicy: "after-executable-nodes-complete" }, () => {
      inner();
      echo({ s: "beside" });
    });
    const seen = collect();
    await assert.rejects(
      observeRun(seen, () => outer()),
      /failure n0/,
    );
    assert.deepEqual(ran.sort(), ["echo:beside", "echo:n1", "fail:n0", "late:n1"]);
    assert.equal(last(seen.events, "n0/n2"), "skipped");
    assert.equal(last(seen.events, "n0/n3"), "succeeded");
    assert.equal(last(seen.events, "n0"), "failed");

    // And the other way round: a subworkflow asking to keep going inside an immediate execution stops at once.
    reset();
    const keepGoing = graph("fp.inner-keep", "after-executable-nodes-complete");
    const strict = workflow({ name: "fp.strict" }, () => {
      keepGoing();
    });
    await assert.rejects(strict(), /failure n0/);
    await failed;
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(ran, ["fail:n0", "late:n1"]);
  });

  test("a dynamic workflow inside a keep-going execution keeps going; run on its own it stops at once", async () => {
    const fan = dynamic({ name: "fp.fan", inputs: { n: t.int } }, ({ n }) => {
      fail({ tag: "d" });
      for (let i = 0; i < n; i++) echo({ s: late({ tag: `d${i}` }) });
    });
    const wf = workflow({ name: "fp.dyn", failurePolicy: "after-executable-nodes-complete" }, () => {
      fan({ n: 2 });
    });
    await assert.rejects(wf(), /failure d/);
    assert.deepEqual(ran.sort(), ["echo:d0", "echo:d1", "fail:d", "late:d0", "late:d1"]);

    reset();
    await assert.rejects(fan({ n: 2 }), /failure d/);
    await failed;
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(
      ran.filter((r) => r.startsWith("echo")),
      [],
    );
  });

  test("a launch plan node is an execution of its own: its workflow's policy holds inside it", async () => {
    const lpKeep = launchPlan(graph("fp.lp-wf", "after-executable-nodes-complete"), { name: "fp.lp-keep" });
    const strict = workflow({ name: "fp.lp-parent" }, () => {
      lpKeep();
    });
    await assert.rejects(strict(), /failure n0/);
    assert.deepEqual(ran, ["fail:n0", "late:n1", "echo:n1"]);

    reset();
    const lpStrict = launchPlan(graph("fp.lp-wf-strict"), { name: "fp.lp-strict" });
    const keep = workflow({ name: "fp.lp-keep-parent", failurePolicy: "after-executable-nodes-complete" }, () => {
      lpStrict();
    });
    await assert.rejects(keep(), /failure n0/);
    await failed;
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(ran, ["fail:n0", "late:n1"]);
  });

  test("a workflow an eager body awaits is an execution of its own", async () => {
    const strictWf = graph("fp.eager-strict");
    const body = eager({ name: "fp.eager", outputs: t.str }, async () => {
      try {
        await strictWf();
      } catch {
        return "caught";
      }
      return "no failure";
    });
    const keep = workflow(
      { name: "fp.eager-parent", failurePolicy: "after-executable-nodes-complete", outputs: t.str },
      () => body(),
    );
    assert.equal(await keep(), "caught");
    await failed;
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(ran, ["fail:n0", "late:n1"]);
  });
});
