import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { NodeEvent } from "flytekit-ts";
import { fitWidth, formatSummary, LocalProgress } from "../../../src/cli/local-progress.js";

/** A node event at `time` ms after the start (the clock starts at 1000). */
function ev(path: string, phase: NodeEvent["phase"], time: number, extra: Partial<NodeEvent> = {}): NodeEvent {
  return {
    path,
    nodeId: path.split("/").at(-1)!,
    parent: path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : undefined,
    name: `wf.${path.replace("/", "_")}`,
    kind: "task",
    phase,
    time: 1000 + time,
    attempt: 1,
    retries: 0,
    cacheHit: phase === "cached",
    ...extra,
  };
}

/** ANSI control sequences (CSI ...), removed to read a frame's text. */
const CSI = new RegExp(`${String.fromCharCode(27)}\\[[?0-9;]*[a-zA-Z]`, "g");

function clock(start = 1000): { now: () => number; set(ms: number): void } {
  let t = start;
  return { now: () => t, set: (ms) => void (t = start + ms) };
}

describe("local progress: lines (not a terminal)", () => {
  test("one line per transition: time since the start, node, entity, what happened", () => {
    const out: string[] = [];
    const c = clock();
    const p = new LocalProgress("workflow wf", { mode: "lines", write: (s) => out.push(s), now: c.now });
    p.node(ev("n0", "queued", 0));
    p.node(ev("n0", "running", 5, { startedAt: 1005 }));
    p.node(ev("n0", "running", 40, { attempt: 2, retries: 2, error: { message: "flaky\nmore", kind: "Error" } }));
    p.node(ev("n0", "succeeded", 1250, { durationMs: 1245, attempt: 2, retries: 2 }));
    p.node(ev("n1", "cached", 1300, { durationMs: 3 }));
    p.node(ev("n2", "failed", 1400, { durationMs: 20, error: { message: "boom\nstack", kind: "Error" } }));
    p.node(ev("n3", "skipped", 1401));
    p.stop();
    assert.deepEqual(out, [
      "[  0.000s] n0 wf.n0: queued\n",
      "[  0.005s] n0 wf.n0: running\n",
      "[  0.040s] n0 wf.n0: running again (attempt 2 of 3) after: flaky\n",
      "[  1.250s] n0 wf.n0: succeeded in 1.2s\n",
      "[  1.300s] n1 wf.n1: cached in 3ms (local cache hit)\n",
      "[  1.400s] n2 wf.n2: failed in 20ms: boom\n",
      "[  1.401s] n3 wf.n3: skipped (an upstream node failed)\n",
    ]);
    assert.equal(p.nodes.get("n0")!.attempt, 2);
    assert.equal(p.nodes.get("n2")!.error, "boom");
  });

  test("quiet mode writes nothing but keeps the nodes for the summary", () => {
    const out: string[] = [];
    const p = new LocalProgress("workflow wf", { mode: "quiet", write: (s) => out.push(s) });
    p.node(ev("n0", "queued", 0));
    p.node(ev("n0", "succeeded", 10, { durationMs: 10, deckPath: "/tmp/deck.html" }));
    p.stop();
    assert.deepEqual(out, []);
    assert.equal(p.nodes.get("n0")!.deckPath, "/tmp/deck.html");
  });
});

describe("local progress: live display (a terminal)", () => {
  test("frames: counts per phase, the running nodes with their time, the elapsed time; redrawn in place", () => {
    const out: string[] = [];
    const c = clock();
    const p = new LocalProgress("workflow wf", {
      mode: "tty",
      write: (s) => out.push(s),
      now: c.now,
      columns: () => 100,
      frameMs: 60_000,
    });
    p.node(ev("n0", "queued", 0));
    p.node(ev("n1", "queued", 0));
    p.node(ev("n2", "queued", 0));
    c.set(100);
    p.node(ev("n0", "running", 100, { startedAt: 1100 }));
    p.node(ev("n1", "running", 100, { startedAt: 1100 }));
    c.set(1600);
    p.render();
    assert.equal(out.length, 1);
    const first = out[0]!;
    // Hidden cursor, each line cleared then written, the rest of the screen cleared, the cursor shown again.
    assert.ok(first.startsWith("\x1b[?25l\x1b[2K"), JSON.stringify(first));
    assert.ok(first.endsWith("\x1b[J\x1b[?25h"));
    const lines = first.replace(CSI, "").split("\n");
    assert.deepEqual(lines.slice(0, 3), [
      "workflow wf  1.6s  ▸ 2 running  · 1 queued",
      "  ▸ n0 wf.n0 1.5s",
      "  ▸ n1 wf.n1 1.5s",
    ]);
    p.render();
    assert.equal(out.length, 1, "an unchanged frame is not written again");
    p.node(ev("n0", "succeeded", 1700, { durationMs: 1600 }));
    c.set(1700);
    p.render();
    assert.equal(out.length, 2);
    // The next frame goes back up over the three lines of the previous one, in the same write.
    assert.ok(out[1]!.startsWith("\x1b[?25l\r\x1b[3A\x1b[2K"), JSON.stringify(out[1]));
    assert.match(out[1]!, /✓ 1 succeeded {2}▸ 1 running {2}· 1 queued/);
    p.stop();
    assert.equal(out.at(-1), "\r\x1b[2A\x1b[J", "stop erases the last frame (two lines)");
  });

  test("lines are cut to the terminal's width; a narrow terminal shows the first line only", () => {
    const out: string[] = [];
    let columns = 30;
    const p = new LocalProgress("workflow a.very.long.workflow.name", {
      mode: "tty",
      write: (s) => out.push(s),
      columns: () => columns,
      frameMs: 60_000,
    });
    p.node(ev("n0", "running", 0, { startedAt: 1000 }));
    p.render();
    const plain = out[0]!.replace(CSI, "").split("\n").filter(Boolean);
    assert.equal(plain.length, 1);
    assert.equal([...plain[0]!].length, 29);
    assert.ok(plain[0]!.endsWith("…"));
    columns = 120;
    assert.equal(p.frameLines(120).length, 2);
    p.stop();
  });

  test("many running nodes: the first six and a count of the others; colours only when asked", () => {
    const p = new LocalProgress("workflow wf", { mode: "tty", write: () => {}, color: true, frameMs: 60_000 });
    for (let i = 0; i < 9; i++) p.node(ev(`n${i}`, "running", 0, { startedAt: 1000 }));
    const lines = p.frameLines(80);
    assert.equal(lines.length, 8);
    assert.equal(lines.at(-1), "  … and 3 more running");
    assert.ok(lines[1]!.startsWith("\x1b[36m"));
    p.stop();
  });

  test("a printed log record makes the display step aside", () => {
    const out: string[] = [];
    const p = new LocalProgress("workflow wf", { mode: "tty", write: (s) => out.push(s), frameMs: 60_000 });
    p.node(ev("n0", "running", 0, { startedAt: 1000 }));
    p.render();
    p.log({ path: "n0", level: "debug", message: "m", line: "{}", time: 0, printed: false });
    assert.equal(out.length, 1, "a record not printed changes nothing");
    p.log({ path: "n0", level: "warn", message: "m", line: "{}", time: 0, printed: true });
    assert.equal(out[1], "\r\x1b[2A\x1b[J");
    p.stop();
  });
});

describe("summary", () => {
  test("a row per node with status, duration, cache hit and attempts; errors and decks below", () => {
    const text = formatSummary("Workflow wf failed in 1.2s", [
      { path: "n0", name: "wf.load", phase: "cached", durationMs: 2, cacheHit: true, attempt: 1, deck: "/d/0.html" },
      { path: "n1", name: "wf.fit", phase: "failed", durationMs: 1234, cacheHit: false, attempt: 3, error: "bad\nx" },
      { path: "n1/n0", name: "wf.x", phase: "skipped", cacheHit: false, attempt: 1 },
    ]);
    assert.equal(
      text,
      [
        "Workflow wf failed in 1.2s",
        "  ↺ n0     wf.load  cached    2ms, cache hit",
        "      deck: /d/0.html",
        "  ✗ n1     wf.fit   failed    1.2s, 3 attempts",
        "      error: bad",
        "  − n1/n0  wf.x     skipped",
        "",
      ].join("\n"),
    );
  });

  test("fitWidth counts code points and marks the cut", () => {
    assert.equal(fitWidth("abc", 3), "abc");
    assert.equal(fitWidth("abcd", 3), "ab…");
    assert.equal(fitWidth("✓✓✓✓", 2), "✓…");
    assert.equal(fitWidth("abc", 0), "");
  });
});
