/**
 * One measurement of `npm run bench`, in a process of its own so that its peak memory is its own: a 10^6-key
 * `t.map(t.int)` input read from `inputs.pb` as the container entrypoint reads it (`ts`), or the same map parsed from
 * a JSON file (`json`, the reference). `write` makes both files first. Prints `{ ms, peakMB, retainedMB, encodedMB }`:
 * peakMB is the growth of the resident set's high-water mark over what the process held before reading, retainedMB
 * the heap the value holds once garbage is collected.
 *
 *   node --conditions=source --import tsx test/bench/map-input.ts write <dir> [keys]
 *   node --expose-gc --conditions=source --import tsx test/bench/map-input.ts ts|json <dir> [keys]
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

const [mode, dir = ".", keysArg = "1000000"] = process.argv.slice(2);
const { t } = await import("flytekit-ts");
const { NO_DATA } = await import("../../src/types/type.js");
const { decodeLiteralMap } = await import("../../src/entrypoint/literals-io.js");
const mapType = t.map(t.int);

if (mode === "write") {
  const { toBinary } = await import("@bufbuild/protobuf");
  const { LiteralMapSchema } = await import("../../src/idl/gen/flyteidl/core/literals_pb.js");
  const { literalMap } = await import("../../src/idl/literals.js");
  const m: Record<string, number> = {};
  for (let i = 0; i < Number(keysArg); i++) m[`key${i}`] = i;
  writeFileSync(join(dir, "inputs.pb"), toBinary(LiteralMapSchema, literalMap({ m: mapType.toLiteral(m, NO_DATA) })));
  writeFileSync(join(dir, "inputs.json"), JSON.stringify({ m }));
} else {
  const gc = (globalThis as { gc?: () => void }).gc;
  const encoded = readFileSync(join(dir, "inputs.pb"));
  const json = mode === "json" ? readFileSync(join(dir, "inputs.json"), "utf8") : "";
  gc?.();
  const before = process.memoryUsage().rss;
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const value =
    mode === "json"
      ? (JSON.parse(json) as { m: Record<string, number> }).m
      : mapType.fromLiteral(decodeLiteralMap(encoded, "inputs.pb").literals.m!, NO_DATA, ["m"]);
  const ms = performance.now() - t0;
  const peak = process.resourceUsage().maxRSS * 1024;
  gc?.();
  const retained = process.memoryUsage().heapUsed - heapBefore;
  const n = Object.keys(value).length;
  if (n !== Number(keysArg) || value[`key${n - 1}`] !== n - 1) throw new Error("wrong value");
  console.log(
    JSON.stringify({
      ms,
      peakMB: Math.max(0, peak - before) / 1e6,
      retainedMB: retained / 1e6,
      encodedMB: encoded.length / 1e6,
    }),
  );
}
