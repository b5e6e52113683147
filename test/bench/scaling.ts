/**
 * One point of `npm run bench`'s scaling curves, in a process of its own so that its peak memory is its own:
 *
 *   node --conditions=source --import tsx test/bench/scaling.ts chain|fanout|map <n>
 *
 * - `chain`: a workflow of n int -> int tasks, each fed by the one before;
 * - `fanout`: a workflow of n independent tasks on the workflow input, their outputs gathered into one list;
 * - `map`: a local map task over an n-element list (one int -> int task per element).
 *
 * The workflow is defined, compiled and run once (a warm-up run of a tiny one first, so that loading the SDK is not
 * counted). Prints `{ compileMs, runMs, peakMB }`: peakMB is the growth of the resident set's high-water mark (reset
 * after the warm-up, see peakReader) over what the process held before the workflow was defined.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

const [shape = "", nArg = ""] = process.argv.slice(2);
const n = Number(nArg);
if (!["chain", "fanout", "map"].includes(shape) || !Number.isSafeInteger(n) || n < 1) {
  throw new Error(`usage: scaling.ts chain|fanout|map <n>, got ${JSON.stringify(process.argv.slice(2))}`);
}
const { t, task, workflow, map } = await import("flytekit-ts");

const inc = task({ name: "bench.scaling.inc", inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);

function define(size: number) {
  if (shape === "chain") {
    return workflow({ name: `bench.scaling.chain${size}`, inputs: { x: t.int }, outputs: t.int }, ({ x }) => {
      let cur = inc({ x });
      for (let i = 1; i < size; i++) cur = inc({ x: cur });
      return cur;
    });
  }
  if (shape === "fanout") {
    return workflow({ name: `bench.scaling.fanout${size}`, inputs: { x: t.int }, outputs: t.list(t.int) }, ({ x }) =>
      Array.from({ length: size }, () => inc({ x })),
    );
  }
  return workflow(
    { name: `bench.scaling.map${size}`, inputs: { xs: t.list(t.int) }, outputs: t.list(t.int) },
    ({ xs }) => map(inc)({ x: xs }),
  );
}

async function runOnce(size: number): Promise<{ compileMs: number; runMs: number }> {
  const t0 = performance.now();
  const wf = define(size);
  wf.compile();
  const compileMs = performance.now() - t0;
  const xs = shape === "map" ? Array.from({ length: size }, (_, i) => i) : [];
  const t1 = performance.now();
  const call = wf as unknown as (inputs: Record<string, unknown>) => Promise<number | number[]>;
  const out = await call(shape === "map" ? { xs } : { x: 0 });
  const runMs = performance.now() - t1;
  const ok =
    shape === "chain"
      ? out === size
      : Array.isArray(out) && out.length === size && out[size - 1] === (shape === "map" ? size : 1);
  if (!ok) throw new Error(`${shape} of ${size} returned a wrong result`);
  return { compileMs, runMs };
}

/**
 * Starts the resident set's high-water mark afresh, so that the peak measured is the workload's and not start-up's
 * (loading and compiling the SDK may peak above what the process holds afterwards): on Linux, writing 5 to
 * /proc/self/clear_refs resets VmHWM. Returns a reader of the peak: VmHWM, or the process's maxRSS elsewhere.
 */
function peakReader(): () => number {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return () => Number(/VmHWM:\s*(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))![1]) * 1024;
  } catch {
    return () => process.resourceUsage().maxRSS * 1024;
  }
}

await runOnce(3);
const readPeak = peakReader();
const before = process.memoryUsage().rss;
const { compileMs, runMs } = await runOnce(n);
const peak = readPeak();
console.log(JSON.stringify({ compileMs, runMs, peakMB: Math.max(0, peak - before) / 1e6 }));
