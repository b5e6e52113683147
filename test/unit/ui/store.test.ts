import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { observeRun, t, task, workflow } from "flytekit-ts";
import {
  binaryLiteral,
  collectionLiteral,
  integerLiteral,
  literalMap,
  mapLiteral,
  stringLiteral,
} from "../../../src/idl/literals.js";
import { encodeMsgpack } from "../../../src/types/msgpack.js";
import { END, graphOf, layoutGraph, START } from "../../../src/ui/graph.js";
import { previewLiteralMap, previewValue } from "../../../src/ui/preview.js";
import { defaultRunsDir, isRunId, type RunRecord, RunStore, runsToKeep } from "../../../src/ui/store.js";

const scratch = mkdtempSync(join(tmpdir(), "run-store-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

const inc = task({ name: "store.inc", inputs: { x: t.int }, outputs: t.int, enableDeck: true }, ({ x }) => x + 1);
const fail = task({ name: "store.fail", inputs: { x: t.int }, outputs: t.int }, () => {
  throw new Error("no <good>");
});
const wf = workflow({ name: "store.wf", inputs: { x: t.int }, outputs: t.int }, ({ x }) => inc({ x: inc({ x }) }));
const bad = workflow({ name: "store.bad", inputs: { x: t.int }, outputs: t.int }, ({ x }) => inc({ x: fail({ x }) }));

describe("run store", () => {
  test("records a run: metadata, graph, nodes with previews, logs and decks, written whole", async () => {
    const store = new RunStore(join(scratch, "a"));
    const rec = store.begin({
      entity: { name: wf.name, kind: "workflow" },
      file: "wf.ts",
      inputs: { x: 1 },
      graph: graphOf(wf),
    })!;
    assert.ok(isRunId(rec.id));
    assert.equal(store.get(rec.id)!.status, "running", "the record exists from the start");
    const out = await observeRun(rec, () => wf({ x: 1 }));
    rec.finish({ outputs: out });
    const run = store.get(rec.id)!;
    assert.equal(run.status, "succeeded");
    assert.equal(run.outputs, 3);
    assert.deepEqual(run.inputs, { x: 1 });
    assert.equal(run.file, "wf.ts");
    assert.deepEqual(run.graph.edges, [
      [START, "n0"],
      ["n0", "n1"],
      ["n1", END],
    ]);
    assert.deepEqual(
      run.nodes.map((n) => [n.path, n.phase, n.inputs, n.outputs, n.deck]),
      [
        ["n0", "succeeded", { x: 1 }, { o0: 2 }, 0],
        ["n1", "succeeded", { x: 2 }, { o0: 3 }, 1],
      ],
    );
    assert.ok(run.durationMs !== undefined && run.nodes[0]!.durationMs !== undefined);
    const deck = store.deckPath(rec.id, 1)!;
    assert.match(readFileSync(deck, "utf8"), /<html/);
    assert.equal(store.deckPath(rec.id, 7), undefined, "a deck no node has");
    assert.ok(store.logs(rec.id).some((l) => l.node === "n0" && /decks written/.test(l.message)));
    assert.deepEqual(
      readdirSync(join(store.dir, rec.id)).filter((f) => f.endsWith(".tmp")),
      [],
      "no temporary file is left",
    );
    const [summary] = store.list();
    assert.equal(summary!.id, rec.id);
    assert.deepEqual(summary!.counts, { succeeded: 2 });
  });

  test("a failed run keeps its error, the failed node's error and the skipped node", async () => {
    const store = new RunStore(join(scratch, "b"));
    const rec = store.begin({ entity: { name: bad.name, kind: "workflow" }, graph: graphOf(bad) })!;
    const error = await observeRun(rec, () => bad({ x: 1 })).catch((e: unknown) => e);
    rec.finish({ error });
    const run = store.get(rec.id)!;
    assert.equal(run.status, "failed");
    assert.match(run.error!.message, /no <good>/);
    assert.deepEqual(
      run.nodes.map((n) => [n.path, n.phase]),
      [
        ["n0", "failed"],
        ["n1", "skipped"],
      ],
    );
    assert.match(run.nodes[0]!.error!.message, /no <good>/);
    assert.equal(store.list()[0]!.error?.includes("no <good>"), true);
  });

  test("keeps the newest runs only; ids are checked before any path is made", () => {
    const store = new RunStore(join(scratch, "c"), 3);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const rec = store.begin({ entity: { name: `r${i}`, kind: "task" }, graph: graphOf(inc) })!;
      rec.finish({ outputs: i });
      ids.push(rec.id);
    }
    assert.equal(store.ids().length, 3);
    assert.deepEqual(
      store
        .list()
        .map((r) => r.entity.name)
        .sort(),
      ["r2", "r3", "r4"],
    );
    for (const id of ["../c", "..", "20260101T000000000Z-1234567/", "x/../../etc", "20260101T000000000Z-12345678/.."])
      assert.equal(store.get(id), undefined, id);
    assert.equal(isRunId("20260101T000000000Z-1234abcd"), true);
    assert.equal(
      new RunStore(join(scratch, "none"), 0).begin({ entity: { name: "x", kind: "task" }, graph: graphOf(inc) }),
      undefined,
    );
  });

  test("a running run whose process is gone reads as interrupted; unreadable records are skipped", () => {
    const store = new RunStore(join(scratch, "d"));
    const dead = spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" });
    const pid = Number(dead.stdout.trim());
    const id = RunStore.newId();
    mkdirSync(join(store.dir, id), { recursive: true });
    const rec: RunRecord = {
      format: 1,
      id,
      where: "local",
      entity: { name: "gone", kind: "workflow" },
      status: "running",
      startedAt: Date.now(),
      pid,
      graph: { nodes: [], edges: [] },
      nodes: [],
    };
    writeFileSync(join(store.dir, id, "run.json"), JSON.stringify(rec));
    const broken = RunStore.newId(new Date(Date.now() + 1000));
    mkdirSync(join(store.dir, broken));
    writeFileSync(join(store.dir, broken, "run.json"), "{not json");
    assert.equal(store.get(id)!.status, "interrupted");
    assert.deepEqual(
      store.list().map((r) => r.id),
      [id],
    );
  });

  test("a remote run keeps its execution, endpoint and console URL, and its end after --wait", () => {
    const store = new RunStore(join(scratch, "e"));
    const id = store.recordRemote({
      entity: { name: wf.name, kind: "workflow" },
      graph: graphOf(wf),
      inputs: { x: 1 },
      remote: { project: "p", domain: "d", name: "abc", endpoint: "dns:///h:81", consoleUrl: "http://h/console/x" },
    })!;
    store.finishRemote(id, { status: "succeeded", outputs: { o0: 3 } });
    const run = store.get(id)!;
    assert.equal(run.where, "remote");
    assert.equal(run.remote!.consoleUrl, "http://h/console/x");
    assert.deepEqual(run.outputs, { o0: 3 });
    assert.equal(store.list()[0]!.consoleUrl, "http://h/console/x");
  });

  test("location and retention come from the environment; bad values are named", () => {
    assert.equal(defaultRunsDir({ FLYTEKIT_TS_HOME: "/x/home" }), "/x/home/runs");
    assert.match(defaultRunsDir({}), /\.flytekit-ts\/runs$/);
    assert.equal(runsToKeep({}), 200);
    assert.equal(runsToKeep({ FLYTEKIT_TS_RUNS_KEEP: "0" }), 0);
    assert.throws(() => runsToKeep({ FLYTEKIT_TS_RUNS_KEEP: "-1" }), /FLYTEKIT_TS_RUNS_KEEP must be .* got "-1"/);
  });
});

describe("previews", () => {
  test("big values are cut with a note; files are referenced; msgpack is decoded; __proto__ survives", () => {
    const long = "x".repeat(5000);
    const many = collectionLiteral(Array.from({ length: 250 }, (_, i) => integerLiteral(BigInt(i))));
    const proto = mapLiteral(Object.defineProperty({}, "__proto__", { value: stringLiteral("p"), enumerable: true }));
    const preview = previewLiteralMap(
      literalMap({
        s: stringLiteral(long),
        xs: many,
        big: integerLiteral(2n ** 63n - 1n),
        m: proto,
        st: binaryLiteral(encodeMsgpack({ a: [1, 2], b: "<b>" }), "msgpack"),
      }),
    );
    assert.equal((preview.s as string).length, 2000 + "… (3000 more characters not shown)".length);
    assert.equal((preview.xs as unknown[]).length, 101);
    assert.equal((preview.xs as unknown[])[100], "… 150 more items not shown");
    assert.equal(preview.big, "9223372036854775807");
    assert.equal(Object.getOwnPropertyDescriptor(preview.m, "__proto__")?.value, "p");
    assert.deepEqual(preview.st, { a: [1, 2], b: "<b>" });
    assert.deepEqual(previewValue({ d: new Date(0), m: new Map([["k", 1n]]), b: new Uint8Array(3) }), {
      d: "1970-01-01T00:00:00.000Z",
      m: { k: 1 },
      b: { $bytes: 3 },
    });
  });
});

describe("graph layout", () => {
  test("layers by longest path, rows ordered by the upstream rows", () => {
    const g = {
      nodes: [
        { id: "start", name: "start", kind: "start" as const },
        { id: "a", name: "a", kind: "task" as const },
        { id: "b", name: "b", kind: "task" as const },
        { id: "c", name: "c", kind: "task" as const },
        { id: "end", name: "end", kind: "end" as const },
      ],
      edges: [
        ["start", "a"],
        ["start", "b"],
        ["a", "c"],
        ["b", "c"],
        ["a", "end"],
        ["c", "end"],
      ] as const,
    };
    const l = layoutGraph(g);
    assert.deepEqual(Object.fromEntries(Object.entries(l.positions).map(([k, v]) => [k, [v.layer, v.row]])), {
      start: [0, 0],
      a: [1, 0],
      b: [1, 1],
      c: [2, 0],
      end: [3, 0],
    });
    assert.equal(l.layers, 4);
    assert.equal(l.rows, 2);
    const cyclic = layoutGraph({
      nodes: g.nodes.slice(1, 3),
      edges: [
        ["a", "b"],
        ["b", "a"],
      ],
    });
    assert.equal(Object.keys(cyclic.positions).length, 2, "a cycle does not hang the layout");
    assert.ok(existsSync(scratch));
  });
});
