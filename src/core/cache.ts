/**
 * The local cache: task outputs on disk, keyed by task name, cache version and a hash of the input literals (minus
 * ignored inputs, with `Literal.hash` standing in for a literal's value when set, and msgpack maps in a canonical
 * order). Entries carry their key and a checksum and are written durably and atomically (see {@link LocalCache}).
 */
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { createHash, randomBytes } from "node:crypto";
import {
  closeSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
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

/**
 * An entry file: a magic line, the key it was written for, a SHA-256 over key and payload, then the payload (the
 * serialized output `LiteralMap`). Reading checks all three, so a truncated, bit-flipped, empty or misplaced file
 * (another key's entry) is never taken for a hit.
 */
const MAGIC = Buffer.from("flytekit-ts local cache entry v1\n");
const DIGEST_BYTES = 32;

function entryDigest(key: Buffer, payload: Uint8Array): Buffer {
  const lengths = Buffer.alloc(8);
  lengths.writeUInt32BE(key.length, 0);
  lengths.writeUInt32BE(payload.length >>> 0, 4);
  return createHash("sha256").update(lengths).update(key).update(payload).digest();
}

function encodeEntry(key: string, payload: Uint8Array): Buffer {
  const k = Buffer.from(key);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(k.length);
  return Buffer.concat([MAGIC, len, k, entryDigest(k, payload), payload]);
}

/** The payload of an entry file written for `key`, or why it is not one. */
function decodeEntry(bytes: Buffer, key: string): Uint8Array | string {
  if (bytes.length < MAGIC.length + 4 || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return "not a cache entry";
  let pos = MAGIC.length;
  const keyLength = bytes.readUInt32BE(pos);
  pos += 4;
  if (pos + keyLength + DIGEST_BYTES > bytes.length) return "truncated";
  const k = bytes.subarray(pos, pos + keyLength);
  pos += keyLength;
  if (k.toString() !== key) return `written for another key (${k.toString().slice(0, 200)})`;
  const digest = bytes.subarray(pos, pos + DIGEST_BYTES);
  const payload = bytes.subarray(pos + DIGEST_BYTES);
  if (!entryDigest(k, payload).equals(digest)) return "checksum mismatch (truncated or corrupted)";
  return payload;
}

/**
 * A file-per-entry store of output literal maps. Each entry carries its key and a checksum, and is written durably
 * (temporary file, fsync, rename, fsync of the directory), so concurrent writers of one key leave one whole entry and
 * a crash leaves the old entry or the new one, never a torn one.
 */
export class LocalCache {
  readonly dir: string;
  constructor(dir = cacheDir()) {
    this.dir = dir;
  }
  private path(key: string): string {
    return join(this.dir, `${createHash("sha256").update(key).digest("hex")}.pb`);
  }
  /**
   * The cached outputs for `key`, if any. An entry that is not whole, not written for `key` or does not decode counts
   * as a miss and is removed (when the directory allows it); an unreadable cache is a miss too.
   */
  get(key: string): LiteralMap | undefined {
    const path = this.path(key);
    let bytes: Buffer;
    let ino: number;
    try {
      const fd = openSync(path, "r");
      try {
        ino = fstatSync(fd).ino;
        bytes = readFileSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch {
      return undefined;
    }
    const payload = decodeEntry(bytes, key);
    if (typeof payload !== "string") {
      try {
        return fromBinary(LiteralMapSchema, payload);
      } catch {
        // A checksum that matches a payload that does not decode: written by something else; drop it too.
      }
    }
    try {
      // Only the file that was read: a concurrent writer may have renamed a whole entry into place since.
      if (statSync(path).ino === ino) rmSync(path, { force: true });
    } catch {
      // A read-only cache keeps its bad entry; it stays a miss.
    }
    return undefined;
  }
  /** Stores outputs under `key`, durably and atomically. Throws when the directory cannot be written. */
  put(key: string, outputs: LiteralMap): void {
    mkdirSync(this.dir, { recursive: true });
    const tmp = join(this.dir, `.${randomBytes(8).toString("hex")}.tmp`);
    try {
      const fd = openSync(tmp, "wx", 0o644);
      try {
        writeFileSync(fd, encodeEntry(key, toBinary(LiteralMapSchema, outputs)));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.path(key));
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
    syncDir(this.dir);
  }
  /** Removes every entry. */
  clear(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Makes a rename in `dir` durable. Some platforms and file systems cannot fsync a directory: that is not an error. */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
