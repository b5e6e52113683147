/**
 * The local cache: task outputs on disk, keyed by task name, cache version and a hash of the input literals (minus
 * ignored inputs, with `Literal.hash` standing in for a literal's value when set, and msgpack maps in a canonical
 * order). Writes are atomic (temp file and rename), so two runs writing the same key at once leave one whole entry.
 */
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { type Literal, type LiteralMap, LiteralMapSchema } from "../idl/gen/flyteidl/core/literals_pb.js";
import { literalMap } from "../idl/literals.js";
import { decodeMsgpack, encodeMsgpack } from "../types/msgpack.js";

/** Whether local caching is on (`FLYTE_LOCAL_CACHE_ENABLED`, default true). */
export function cacheEnabled(): boolean {
  return !/^(false|0|no|off)$/i.test(process.env.FLYTE_LOCAL_CACHE_ENABLED ?? "true");
}

/** Whether cached tasks run anyway and overwrite their entries (`FLYTE_LOCAL_CACHE_OVERWRITE`, default false). */
export function cacheOverwrite(): boolean {
  return /^(true|1|yes|on)$/i.test(process.env.FLYTE_LOCAL_CACHE_OVERWRITE ?? "false");
}

/** The cache directory: `FLYTE_LOCAL_CACHE_DIR`, default `~/.flyte/local-cache-ts`. */
export function cacheDir(): string {
  return process.env.FLYTE_LOCAL_CACHE_DIR ?? join(homedir(), ".flyte", "local-cache-ts");
}

/**
 * msgpack with every map's entries sorted (by their encoded keys), so that equal dicts written in different key
 * orders (a `t.map` or `t.dict()` inside a struct) give the same bytes, as propeller normalises msgpack for its cache.
 */
function sortedMsgpack(bytes: Uint8Array): Uint8Array {
  let value: unknown;
  try {
    value = decodeMsgpack(bytes, { alwaysMap: true, floatWrapper: true });
  } catch {
    return bytes;
  }
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (!(v instanceof Map)) return v;
    const entries = [...v].map(([k, x]) => [Buffer.from(encodeMsgpack(k)).toString("hex"), k, sort(x)] as const);
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return new Map(entries.map(([, k, x]) => [k, x]));
  };
  return encodeMsgpack(sort(value));
}

function normalizeScalar(lit: Literal): Literal {
  const s = lit.value.case === "scalar" ? lit.value.value : undefined;
  if (s?.value.case === "binary" && s.value.value.tag === "msgpack") {
    const binary = { ...s.value.value, value: sortedMsgpack(s.value.value.value) };
    return { ...lit, value: { case: "scalar", value: { ...s, value: { case: "binary", value: binary } } } };
  }
  if (s?.value.case === "union" && s.value.value.value) {
    const union = { ...s.value.value, value: normalize(s.value.value.value) };
    return { ...lit, value: { case: "scalar", value: { ...s, value: { case: "union", value: union } } } };
  }
  return lit;
}

function normalize(lit: Literal): Literal {
  if (lit.hash) return { $typeName: "flyteidl.core.Literal", value: { case: undefined }, hash: lit.hash, metadata: {} };
  if (lit.value.case === "scalar") return normalizeScalar(lit);
  if (lit.value.case === "collection") {
    return {
      ...lit,
      value: { case: "collection", value: { ...lit.value.value, literals: lit.value.value.literals.map(normalize) } },
    };
  }
  if (lit.value.case === "map")
    return { ...lit, value: { case: "map", value: sortedMap(lit.value.value.literals, normalize) } };
  return lit;
}

function sortedMap(
  literals: Record<string, Literal>,
  f: (l: Literal) => Literal,
  drop: readonly string[] = [],
): LiteralMap {
  const out: Record<string, Literal> = {};
  for (const k of Object.keys(literals).sort()) if (!drop.includes(k)) out[k] = f(literals[k]!);
  return literalMap(out);
}

/**
 * The cache key of a task run: `<name>-<version>-<hash of the inputs>`.
 *
 * @example
 * cacheKey("examples.add", "1", inputs, []); // "examples.add-1-3f2a..."
 */
export function cacheKey(taskName: string, version: string, inputs: LiteralMap, ignored: readonly string[]): string {
  const bytes = toBinary(LiteralMapSchema, sortedMap(inputs.literals, normalize, ignored));
  return `${taskName}-${version}-${createHash("sha256").update(bytes).digest("hex").slice(0, 32)}`;
}

/** A file-per-entry store of output literal maps. */
export class LocalCache {
  readonly dir: string;
  constructor(dir = cacheDir()) {
    this.dir = dir;
  }
  private path(key: string): string {
    return join(this.dir, `${createHash("sha256").update(key).digest("hex")}.pb`);
  }
  /** The cached outputs for `key`, if any. A corrupt entry counts as a miss and is removed. */
  get(key: string): LiteralMap | undefined {
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.path(key));
    } catch {
      return undefined;
    }
    try {
      return fromBinary(LiteralMapSchema, bytes);
    } catch {
      rmSync(this.path(key), { force: true });
      return undefined;
    }
  }
  /** Stores outputs under `key`, atomically. */
  put(key: string, outputs: LiteralMap): void {
    mkdirSync(this.dir, { recursive: true });
    const tmp = join(this.dir, `.${randomBytes(8).toString("hex")}.tmp`);
    writeFileSync(tmp, toBinary(LiteralMapSchema, outputs));
    renameSync(tmp, this.path(key));
  }
  /** Removes every entry. */
  clear(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
