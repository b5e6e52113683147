/**
 * The dataframe workload of `npm run bench`, in its own process so that its peak memory is its own:
 *
 *   node --conditions=source --import tsx test/bench/dataframes.ts ROWS
 *
 * Builds a ROWS x 5 Arrow table (int64, two float64, int32, float32), writes it as a task output would be written
 * (Parquet in flytekit's layout) and reads it back whole. Prints one JSON line: write and read milliseconds, the peak
 * resident set size in MB and a checksum of the read table. py/dataframes_bench.py is the pandas twin.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Float32, Float64, Int32, Int64, makeData, makeVector, Table } from "apache-arrow";
import { t } from "flytekit-ts";
import { localDataAt } from "../../src/core/local-data.js";
import { loadDataframeCodecs } from "../../src/types/dataframe-codecs.js";

const rows = Number(process.argv[2] ?? 1_000_000);
await loadDataframeCodecs();
const col = <T>(type: T, data: ArrayLike<number | bigint> & object) =>
  makeVector(makeData({ type: type as never, length: rows, data: data as never }));
const table = new Table({
  id: col(
    new Int64(),
    BigInt64Array.from({ length: rows }, (_, i) => BigInt(i)),
  ),
  x: col(
    new Float64(),
    Float64Array.from({ length: rows }, (_, i) => i * 0.5),
  ),
  y: col(
    new Float64(),
    Float64Array.from({ length: rows }, (_, i) => (i % 1000) / 7),
  ),
  k: col(
    new Int32(),
    Int32Array.from({ length: rows }, (_, i) => i % 97),
  ),
  z: col(
    new Float32(),
    Float32Array.from({ length: rows }, (_, i) => i % 13),
  ),
});
const data = localDataAt(mkdtempSync(join(tmpdir(), "bench-df-")));
const type = t.dataframe();
const t0 = performance.now();
const lit = type.toLiteral(table, data);
const writeMs = performance.now() - t0;
const t1 = performance.now();
const back = await type.fromLiteral(lit, data).table();
const readMs = performance.now() - t1;
let checksum = 0;
for (const v of back.getChild("k")!) checksum += v as number;
if (back.numRows !== rows) throw new Error(`read ${back.numRows} rows, wrote ${rows}`);
console.log(JSON.stringify({ writeMs, readMs, peakMB: process.resourceUsage().maxRSS / 1024, checksum }));
