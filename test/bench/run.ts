/**
 * `npm run bench`: speed of the local runtime and the type engine, each figure beside a physical reference measured
 * in the same run (the machine is noisy, so ratios are what to compare).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

// `--cluster`: the cluster section alone (eager on the local Flyte beside flytekit's); the in-process figures would be
// disturbed by the cluster's load, so they are not measured in the same run.
if (process.argv.includes("--cluster")) {
  const { eagerClusterBench, printEagerCluster } = await import("./eager-cluster.js");
  printEagerCluster(await eagerClusterBench());
  process.exit(0);
}

process.env.FLYTE_LOCAL_CACHE_DIR = mkdtempSync(join(tmpdir(), "bench-cache-"));
const { t, task, workflow } = await import("flytekit-ts");
const { NO_DATA } = await import("../../src/types/type.js");

interface Row {
  name: string;
  value: number;
  unit: string;
  target?: number;
  reference: string;
  referenceValue: number;
}
const rows: Row[] = [];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timeIt(fn: () => unknown | Promise<unknown>, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

// 1. Per-task overhead: 1,000 sequential int -> int tasks, full literal round trip at every boundary.
const inc = task({ name: "bench.inc", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);
const N = 1000;
const chain = workflow({ name: "bench.chain", inputs: { x: t.int }, outputs: t.int }, ({ x }) => {
  let cur = inc({ x });
  for (let i = 1; i < N; i++) cur = inc({ x: cur });
  return cur;
});
chain.compile();
if ((await chain({ x: 0 })) !== N) throw new Error("chain result is wrong");
const chainMs = await timeIt(() => chain({ x: 0 }), 7);
const bare = (x: number) => x + 1;
const bareMs = await timeIt(() => {
  let x = 0;
  for (let i = 0; i < N; i++) x = bare(x);
  return x;
}, 7);
rows.push({
  name: "per-task overhead (1,000 sequential tasks)",
  value: (chainMs * 1000) / N,
  unit: "µs/task",
  target: 100,
  reference: "bare function call",
  referenceValue: (bareMs * 1000) / N,
});

// 1b. The same chain observed as `tsflyte run` observes it: every node event goes to the progress renderer (lines
// mode, into a discarded writer) and to the run store's recorder (previews of inputs and outputs, run.json rewritten
// at most every 200 ms), beside the unobserved chain.
{
  const { observeRun } = await import("flytekit-ts");
  const { LocalProgress } = await import("../../src/cli/local-progress.js");
  const { RunStore } = await import("../../src/ui/store.js");
  const { graphOf } = await import("../../src/ui/graph.js");
  const store = new RunStore(mkdtempSync(join(tmpdir(), "bench-runs-")), 20);
  const graph = graphOf(chain);
  const observedMs = await timeIt(async () => {
    const progress = new LocalProgress("workflow bench.chain", { mode: "lines", write: () => {} });
    const rec = store.begin({ entity: { name: chain.name, kind: "workflow" }, inputs: { x: 0 }, graph })!;
    const out = await observeRun(
      {
        node: (e) => {
          progress.node(e);
          rec.node(e);
        },
        log: (e) => rec.log(e),
      },
      () => chain({ x: 0 }),
    );
    progress.stop();
    rec.finish({ outputs: out });
  }, 7);
  rows.push({
    name: "per-task overhead, observed (progress + run store)",
    value: (observedMs * 1000) / N,
    unit: "µs/task",
    reference: "the same chain unobserved",
    referenceValue: (chainMs * 1000) / N,
  });
}

// 2. A 10^6-int list, each way end to end between the native array and the serialized literal (what a task output
// costs until outputs.pb, and an input from inputs.pb): lists of primitives go straight to and from wire bytes
// (src/types/wire-encode.ts, readPrimitiveList in src/types/wire.ts). Beside them, JSON of the same array and the
// generic path (the protobuf-es literal tree and toBinary / fromBinary), which is slow enough to run once.
const { toBinary, fromBinary } = await import("@bufbuild/protobuf");
const { LiteralSchema } = await import("../../src/idl/gen/flyteidl/core/literals_pb.js");
const { lazyLiteral } = await import("../../src/idl/lazy.js");
const { encodeLiteral } = await import("../../src/idl/literal-wire.js");
const { integerLiteral, collectionLiteral } = await import("../../src/idl/literals.js");
const bigList = Array.from({ length: 1_000_000 }, (_, i) => i);
const listType = t.list(t.int);
let listBytes = encodeLiteral(listType.toLiteral(bigList, NO_DATA));
const toMs = await timeIt(() => {
  listBytes = encodeLiteral(listType.toLiteral(bigList, NO_DATA));
}, 7);
const readBack = (bytes: Uint8Array) => listType.fromLiteral(lazyLiteral(bytes), NO_DATA);
if (readBack(listBytes).length !== bigList.length || readBack(listBytes)[999_999] !== 999_999) {
  throw new Error("list read back is wrong");
}
const fromMs = await timeIt(() => readBack(listBytes), 7);
let json = "";
const stringifyMs = await timeIt(() => {
  json = JSON.stringify(bigList);
}, 7);
const parseMs = await timeIt(() => JSON.parse(json), 7);
let genericBytes = new Uint8Array();
const genericToMs = await timeIt(() => {
  const out = new Array(bigList.length);
  for (let i = 0; i < bigList.length; i++) out[i] = integerLiteral(BigInt(bigList[i]!));
  genericBytes = toBinary(LiteralSchema, collectionLiteral(out));
}, 1);
if (Buffer.compare(Buffer.from(genericBytes), Buffer.from(listBytes)) !== 0) {
  throw new Error("the wire writer and protobuf-es wrote different bytes");
}
const genericFromMs = await timeIt(() => listType.fromLiteral(fromBinary(LiteralSchema, genericBytes), NO_DATA), 1);
for (const [ref, refMs] of [
  ["JSON.stringify", stringifyMs],
  ["generic path: literal tree + toBinary (1 run)", genericToMs],
] as const) {
  rows.push({
    name: "10^6-int list to literal bytes",
    value: toMs,
    unit: "ms",
    target: 150,
    reference: ref,
    referenceValue: refMs,
  });
}
for (const [ref, refMs] of [
  ["JSON.parse", parseMs],
  ["generic path: fromBinary + literal tree (1 run)", genericFromMs],
] as const) {
  rows.push({
    name: "10^6-int list from literal bytes",
    value: fromMs,
    unit: "ms",
    target: 60,
    reference: ref,
    referenceValue: refMs,
  });
}

// 3. 10^4 ten-field structs to msgpack literals.
const Rec = t.struct({
  id: t.int,
  name: t.str,
  score: t.float,
  ok: t.bool,
  tags: t.list(t.str),
  a: t.int,
  b: t.float,
  c: t.str,
  d: t.optional(t.int),
  e: t.list(t.int),
});
const recs = Array.from({ length: 10_000 }, (_, i) => ({
  id: i,
  name: `rec-${i}`,
  score: i / 3,
  ok: i % 2 === 0,
  tags: ["x", "y"],
  a: i * 2,
  b: 0.5,
  c: "c",
  d: i % 3 ? i : null,
  e: [1, 2, 3],
}));
const recType = t.list(Rec);
const structMs = await timeIt(() => recType.toLiteral(recs, NO_DATA), 7);
const structJsonMs = await timeIt(() => JSON.stringify(recs), 7);
rows.push({
  name: "10^4 ten-field structs to msgpack literals",
  value: structMs,
  unit: "ms",
  target: 50,
  reference: "JSON.stringify",
  referenceValue: structJsonMs,
});

// 3b. The same 10^4 structs back from the serialized list literal (as inputs.pb holds it): each struct is read straight
// from its msgpack bytes (StructType.msgpackReader), against the ordinary path (decodeMsgpack, then fromMsgpack) on the
// same bytes and JSON.parse of the same records.
const recBytes = encodeLiteral(recType.toLiteral(recs, NO_DATA));
const structsFromMs = await timeIt(() => recType.fromLiteral(lazyLiteral(recBytes), NO_DATA), 9);
const { decodeMsgpack } = await import("../../src/types/msgpack.js");
const msgpacks = recs.map((r) => encodeMsgpackOf(r));
function encodeMsgpackOf(r: unknown): Uint8Array {
  const l = Rec.toLiteral(r, NO_DATA);
  const s = l.value.case === "scalar" ? l.value.value : undefined;
  if (s?.value.case !== "binary") throw new Error("a struct literal is not binary");
  return s.value.value.value;
}
const structsOrdinaryMs = await timeIt(
  () => msgpacks.map((b) => Rec.fromMsgpack(decodeMsgpack(b, { floatWrapper: true }), NO_DATA, [])),
  9,
);
const recJson = JSON.stringify(recs);
const structsParseMs = await timeIt(() => JSON.parse(recJson), 9);
for (const [ref, refMs] of [
  ["JSON.parse", structsParseMs],
  ["ordinary path: decodeMsgpack + fromMsgpack", structsOrdinaryMs],
] as const) {
  rows.push({
    name: "10^4 ten-field structs from literal bytes",
    value: structsFromMs,
    unit: "ms",
    reference: ref,
    referenceValue: refMs,
  });
}

// 4. Cache hit lookup: a cached task called with the same inputs.
const cached = task(
  { name: "bench.cached", inputs: { x: t.int }, outputs: t.int, cache: { version: "1" } },
  ({ x }) => x * 2,
);
await cached({ x: 21 });
const hitMs = await timeIt(() => cached({ x: 21 }), 50);
const small = join(tmpdir(), "bench-small.bin");
writeFileSync(small, new Uint8Array(64));
const readMs = await timeIt(() => readFileSync(small), 50);
rows.push({
  name: "cache hit (call of a cached task)",
  value: hitMs,
  unit: "ms",
  target: 5,
  reference: "readFileSync of a 64 B file",
  referenceValue: readMs,
});

// 5. Map tasks: a local map over 10^4 and 10^5 elements (an int -> int task), against a Promise.all of the same
// number of calls of an async function doing the same work (the cost of any per-element async dispatch).
const { map } = await import("../../src/core/map-task.js");
const scaleBy = task({ name: "bench.scale", inputs: { x: t.int, k: t.int }, outputs: t.int }, ({ x, k }) => x * k);
const scaleAll = map(scaleBy, { boundInputs: ["k"] });
const asyncScale = async (x: number, k: number) => x * k;
for (const n of [10_000, 100_000]) {
  const xs = Array.from({ length: n }, (_, i) => i);
  const first = await scaleAll({ x: xs, k: 3 });
  if (first.length !== n || first[n - 1] !== (n - 1) * 3) throw new Error("map result is wrong");
  const mapMs = await timeIt(() => scaleAll({ x: xs, k: 3 }), n > 10_000 ? 3 : 7);
  const refMs = await timeIt(() => Promise.all(xs.map((x) => asyncScale(x, 3))), n > 10_000 ? 3 : 7);
  rows.push({
    name: `local map over ${n.toLocaleString("en-US")} elements`,
    value: mapMs,
    unit: "ms",
    target: n / 50,
    reference: `Promise.all of ${n.toLocaleString("en-US")} async calls`,
    referenceValue: refMs,
  });
}

// 6. Eager fan-out: one eager task awaiting 1,000 children through Promise.all (each a full local task run, bounded by
// FLYTE_EAGER_CONCURRENCY), against a Promise.all of 1,000 async functions.
const { eager } = await import("../../src/core/eager/eager-task.js");
const child = task({ name: "bench.child", inputs: { x: t.int }, outputs: t.int }, async ({ x }) => x + 1);
const FAN = 1000;
const fan = eager({ name: "bench.fanout", inputs: { n: t.int }, outputs: t.int }, async ({ n }) => {
  const ys = await Promise.all(Array.from({ length: n }, (_, i) => child({ x: i })));
  return ys.reduce((s, y) => s + y, 0);
});
if ((await fan({ n: FAN })) !== (FAN * (FAN + 1)) / 2) throw new Error("eager fan-out result is wrong");
const fanMs = await timeIt(() => fan({ n: FAN }), 7);
const asyncChild = async (x: number) => x + 1;
const fanRefMs = await timeIt(() => Promise.all(Array.from({ length: FAN }, (_, i) => asyncChild(i))), 7);
rows.push({
  name: "eager fan-out of 1,000 children",
  value: fanMs,
  unit: "ms",
  target: 500,
  reference: "Promise.all of 1,000 async functions",
  referenceValue: fanRefMs,
});

// Decks: one task run with decks on (all five standard decks, written to a local deck.html) against the same task
// without decks; and the per-column profile of a 10^6-row, three-column table against one pass summing its columns.
{
  process.env.FLYTE_LOCAL_DECK_DIR = mkdtempSync(join(tmpdir(), "bench-decks-"));
  const body = ({ xs }: { xs: number[] }) => xs.reduce((s, x) => s + x, 0);
  const plainTask = task({ name: "bench.nodeck", inputs: { xs: t.list(t.float) }, outputs: t.float }, body);
  const deckTask = task(
    { name: "bench.deck", inputs: { xs: t.list(t.float) }, outputs: t.float, enableDeck: true },
    body,
  );
  const xs = Array.from({ length: 100 }, (_, i) => i / 3);
  await deckTask({ xs });
  const deckMs = await timeIt(() => deckTask({ xs }), 15);
  const plainMs = await timeIt(() => plainTask({ xs }), 15);
  rows.push({
    name: "a task run with all five standard decks",
    value: deckMs,
    unit: "ms",
    target: 50,
    reference: "the same task without decks",
    referenceValue: plainMs,
  });
  const { FrameProfilingRenderer } = await import("flytekit-ts");
  const PROFILE_ROWS = 1_000_000;
  const records = Array.from({ length: PROFILE_ROWS }, (_, i) => ({ a: i % 977, b: (i * 7) / 13, c: `k${i % 100}` }));
  const profileMs = await timeIt(() => new FrameProfilingRenderer().toHtml(records), 3);
  const passMs = await timeIt(() => {
    let a = 0;
    let b = 0;
    let c = 0;
    for (const r of records) {
      a += r.a;
      b += r.b;
      c += r.c.length;
    }
    return a + b + c;
  }, 3);
  rows.push({
    name: "frame profile of 10^6 rows x 3 columns",
    value: profileMs,
    unit: "ms",
    target: 5000,
    reference: "one pass summing the three columns",
    referenceValue: passMs,
  });
}

// 7. A 10^6-key map input (t.map(t.int)) read from inputs.pb as the container entrypoint reads it, each measurement in
// a fresh process (test/bench/map-input.ts), against JSON.parse of the same map from a file. Memory: the value held
// (target: within 5x of the encoded size) and the peak growth of the resident set.
{
  const { spawnSync } = await import("node:child_process");
  const dir = mkdtempSync(join(tmpdir(), "bench-map-input-"));
  const script = join(import.meta.dirname, "map-input.ts");
  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, ["--expose-gc", "--conditions=source", "--import", "tsx", script, ...args], {
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`map-input ${args.join(" ")} failed: ${r.stderr}`);
    return args[0] === "write" ? undefined : (JSON.parse(r.stdout) as Record<string, number>);
  };
  run("write", dir, "1000000");
  const ours = run("ts", dir, "1000000")!;
  const ref = run("json", dir, "1000000")!;
  rows.push({
    name: "10^6-key map input from inputs.pb",
    value: ours.ms!,
    unit: "ms",
    target: 3000,
    reference: "JSON.parse of the same map",
    referenceValue: ref.ms!,
  });
  rows.push({
    name: `10^6-key map input: memory held (encoded ${ours.encodedMB!.toFixed(1)} MB)`,
    value: ours.retainedMB!,
    unit: "MB",
    target: 5 * ours.encodedMB!,
    reference: "JSON.parse of the same map",
    referenceValue: ref.retainedMB!,
  });
  rows.push({
    name: "10^6-key map input: peak resident growth",
    value: ours.peakMB!,
    unit: "MB",
    reference: "JSON.parse of the same map",
    referenceValue: ref.peakMB!,
  });
}

// Dataframes: a ROWS x 5 table written as Parquet and read back, beside flytekit's pandas on the same data, each in
// its own process (peak memory is per process). FLYTEKIT_TS_BENCH_DATAFRAME_ROWS sets ROWS (default 10^6; the issue's
// figure is 10^7, about a minute per side).
{
  const { spawnSync } = await import("node:child_process");
  const { existsSync } = await import("node:fs");
  const dfRows = Number(process.env.FLYTEKIT_TS_BENCH_DATAFRAME_ROWS ?? 1_000_000);
  const runJson = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    if (r.status !== 0) throw new Error(`${args[args.length - 2]} failed (${r.status})`);
    return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as {
      writeMs: number;
      readMs: number;
      peakMB: number;
      checksum: number;
    };
  };
  const ours = runJson(process.execPath, [
    "--conditions=source",
    "--import",
    "tsx",
    join(import.meta.dirname, "dataframes.ts"),
    String(dfRows),
  ]);
  const python = join(import.meta.dirname, "..", "..", ".venv", "bin", "python");
  const theirs = existsSync(python)
    ? runJson(python, [join(import.meta.dirname, "py", "dataframes_bench.py"), String(dfRows)])
    : undefined;
  if (theirs && theirs.checksum !== ours.checksum) throw new Error("the dataframe benchmarks read different data");
  const label = `${dfRows.toExponential(0).replace("e+", "e")} rows x 5`;
  const ref = "flytekit + pandas, same data";
  for (const [what, key] of [
    ["write (Parquet)", "writeMs"],
    ["read back", "readMs"],
  ] as const) {
    rows.push({
      name: `dataframe ${what}, ${label}`,
      value: ours[key],
      unit: "ms",
      reference: ref,
      referenceValue: theirs?.[key] ?? Number.NaN,
    });
  }
  rows.push({
    name: `dataframe write + read peak RSS, ${label}`,
    value: ours.peakMB,
    unit: "MB",
    reference: ref,
    referenceValue: theirs?.peakMB ?? Number.NaN,
  });
}

// Object stores: a FLYTEKIT_TS_BENCH_OBJECT_MB MiB file (default 128) uploaded in parts to each emulator on loopback and
// downloaded back (test/bench/object-stores.ts, its own process), beside a local copy of the same file.
{
  const { spawnSync } = await import("node:child_process");
  const sizeMB = Number(process.env.FLYTEKIT_TS_BENCH_OBJECT_MB ?? 128);
  const r = spawnSync(
    process.execPath,
    ["--conditions=source", "--import", "tsx", join(import.meta.dirname, "object-stores.ts"), String(sizeMB)],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  if (r.status !== 0) throw new Error(`object-stores.ts failed (${r.status})`);
  const os = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as {
    copyMs: number;
    results: { store: string; uploadMs: number; downloadMs: number; peakMB: number }[];
  };
  for (const x of os.results) {
    for (const [what, ms] of [
      ["upload", x.uploadMs],
      ["download", x.downloadMs],
    ] as const) {
      rows.push({
        name: `${x.store}: ${what} of ${sizeMB} MiB`,
        value: ms,
        unit: "ms",
        reference: "local copy of the file",
        referenceValue: os.copyMs,
      });
    }
    rows.push({
      name: `${x.store}: peak RSS after the ${sizeMB} MiB round trip`,
      value: x.peakMB,
      unit: "MB",
      reference: "object size",
      referenceValue: sizeMB,
    });
  }
}

// Scaling curves: per-node time and peak memory of local workflows of 10, 1,000 and 100,000 nodes (a chain and a wide
// fan-out) and of a local map task over 10^4 to 10^6 elements, each point in a fresh process (test/bench/scaling.ts),
// beside flytekit running the same workflows locally up to FLYTEKIT_TS_BENCH_FLYTEKIT_MAX nodes (default 1,000: its
// local runner takes milliseconds per node). FLYTEKIT_TS_BENCH_SCALING_MAX caps the sizes (default: all).
interface ScalingPoint {
  shape: string;
  n: number;
  ours: { compileMs: number; runMs: number; peakMB: number };
  theirs: { compileMs: number; runMs: number; peakMB: number } | undefined;
}
const scaling: ScalingPoint[] = [];
{
  const { spawnSync } = await import("node:child_process");
  const { existsSync } = await import("node:fs");
  const maxN = Number(process.env.FLYTEKIT_TS_BENCH_SCALING_MAX ?? Number.POSITIVE_INFINITY);
  const flytekitMax = Number(process.env.FLYTEKIT_TS_BENCH_FLYTEKIT_MAX ?? 1000);
  const python = join(import.meta.dirname, "..", "..", ".venv", "bin", "python");
  const point = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`${args.slice(-3).join(" ")} failed (${r.status}):\n${r.stderr.slice(-2000)}`);
    return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as ScalingPoint["ours"];
  };
  const plan: [string, number[]][] = [
    ["chain", [10, 1000, 100_000]],
    ["fanout", [10, 1000, 100_000]],
    ["map", [10, 10_000, 100_000, 1_000_000]],
  ];
  for (const [shape, sizes] of plan) {
    for (const n of sizes.filter((k) => k <= maxN)) {
      process.stderr.write(`bench: scaling ${shape} ${n}\n`);
      const ours = point(process.execPath, [
        "--conditions=source",
        "--import",
        "tsx",
        join(import.meta.dirname, "scaling.ts"),
        shape,
        String(n),
      ]);
      const theirs =
        n <= flytekitMax && existsSync(python)
          ? point(python, [join(import.meta.dirname, "py", "scaling_bench.py"), shape, String(n)])
          : undefined;
      scaling.push({ shape, n, ours, theirs });
    }
  }
}

const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toFixed(4));
console.log("figure | value | target | reference | reference value | ratio");
console.log("--- | --- | --- | --- | --- | ---");
let failed = 0;
for (const r of rows) {
  const ok = r.target === undefined || r.value <= r.target;
  if (!ok) failed++;
  console.log(
    `${r.name} | ${fmt(r.value)} ${r.unit} | ${r.target === undefined ? "-" : `< ${r.target} ${r.unit}`}${ok ? "" : " MISSED"} | ${r.reference} | ${fmt(r.referenceValue)} ${r.unit} | ${fmt(r.value / r.referenceValue)}x`,
  );
}

// Memory is flat when the peak grows by a bounded amount per node from one size to the next ("growth per added
// node"): the whole peak divided by n falls with n whenever a fixed part (buffers, the heap's slack) dominates.
console.log(
  "\nscaling: shape | nodes | flytekit-ts ms (compile + run) | µs/node | peak RSS growth | bytes/node | bytes per added node (from the previous size) | flytekit µs/node | flytekit bytes/node | ratio (flytekit / flytekit-ts µs/node)",
);
console.log("--- | --- | --- | --- | --- | --- | --- | --- | --- | ---");
for (const [i, p] of scaling.entries()) {
  const total = (x: ScalingPoint["ours"]) => x.compileMs + x.runMs;
  const us = (total(p.ours) * 1000) / p.n;
  const theirUs = p.theirs ? (total(p.theirs) * 1000) / p.n : undefined;
  const prev = scaling[i - 1]?.shape === p.shape ? scaling[i - 1] : undefined;
  console.log(
    [
      p.shape,
      p.n.toLocaleString("en-US"),
      `${fmt(total(p.ours))} ms`,
      `${fmt(us)} µs`,
      `${fmt(p.ours.peakMB)} MB`,
      `${fmt((p.ours.peakMB * 1e6) / p.n)} B`,
      prev ? `${fmt(((p.ours.peakMB - prev.ours.peakMB) * 1e6) / (p.n - prev.n))} B` : "-",
      theirUs === undefined ? "-" : `${fmt(theirUs)} µs`,
      p.theirs ? `${fmt((p.theirs.peakMB * 1e6) / p.n)} B` : "-",
      theirUs === undefined ? "-" : `${fmt(theirUs / us)}x`,
    ].join(" | "),
  );
}
if (process.argv.includes("--strict") && failed > 0) process.exit(1);

/** `--compare flytekit` (or `--compare=flytekit`): the same workloads in Python flytekit, side by side. */
function compareTarget(argv: readonly string[]): string | undefined {
  for (const [i, a] of argv.entries()) {
    if (a === "--compare") return argv[i + 1] ?? "";
    if (a.startsWith("--compare=")) return a.slice("--compare=".length);
  }
  return undefined;
}

const target = compareTarget(process.argv.slice(2));
if (target !== undefined) {
  if (target !== "flytekit") throw new Error(`--compare takes "flytekit", got ${JSON.stringify(target)}`);
  const { compareWithFlytekit } = await import("./compare.js");
  const cmp = compareWithFlytekit({
    perTaskUs: (chainMs * 1000) / N,
    listToMs: toMs,
    listFromMs: fromMs,
    structsToMs: structMs,
    structsFromMs,
  });
  console.log(
    `\nflytekit ${cmp.flytekit} (Python ${cmp.python}) against flytekit-ts (Node ${process.versions.node})\n`,
  );
  console.log("figure | flytekit | flytekit-ts | ratio (flytekit / flytekit-ts) | target");
  console.log("--- | --- | --- | --- | ---");
  for (const c of cmp.rows) {
    const f = c.flytekit === undefined ? "-" : `${fmt(c.flytekit)} ${c.unit}`;
    const o = c.ours === undefined ? (c.note ?? "-") : `${fmt(c.ours)} ${c.unit}`;
    const ratio = c.flytekit !== undefined && c.ours !== undefined ? `${fmt(c.flytekit / c.ours)}x` : "-";
    const missed = c.targetMet !== undefined && c.ours !== undefined && c.flytekit !== undefined && !c.targetMet(c);
    console.log(`${c.name} | ${f} | ${o} | ${ratio} | ${c.target ?? "-"}${missed ? " MISSED" : ""}`);
  }
  console.log(
    `\nentrypoint cold start against \`node -e 0\` (${fmt(cmp.nodeMs)} ms wall, ${fmt(cmp.nodeCpuMs)} ms CPU in the same ` +
      `rounds; pyflyte-execute ${fmt(cmp.pyCpuMs)} ms CPU; target: within 2x of node, 5x faster than pyflyte)\n`,
  );
  console.log(
    "tsflyte-execute, trivial task | wall ms | wall ratio to node -e 0 | CPU ms | CPU ratio to node -e 0 | pyflyte CPU / ours",
  );
  console.log("--- | --- | --- | --- | --- | ---");
  for (const c of cmp.floor) {
    console.log(
      `${c.name} | ${fmt(c.ms)} | ${fmt(c.ratio)}x | ${fmt(c.cpuMs)} | ${fmt(c.cpuRatio)}x | ${fmt(c.pyCpuRatio)}x`,
    );
  }
}
