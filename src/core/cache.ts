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
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
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
 * An entry file: a magic line, a header (JSON: the key it was written for, the task, the cache version and when it was
 * written), a SHA-256 over header and payload, then the payload (the serialized output `LiteralMap`). Reading checks
 * all of it, so a truncated, bit-flipped, empty or misplaced file (another key's entry) is never taken for a hit.
 */
const MAGIC = Buffer.from("flytekit-ts local cache entry v2\n");
const DIGEST_BYTES = 32;
/** Entry files are named `<sha256 of the key>.pb`; nothing else in the directory is ever listed or removed. */
const ENTRY_FILE = /^[0-9a-f]{64}\.pb$/;
/** Temporary files of puts in progress (`.<random>.tmp`). */
const TEMP_FILE = /^\.[0-9a-f]{16}\.tmp$/;
/** A temporary file older than this was left by a writer that died; `clear` may remove it. */
const STALE_TEMP_MS = 3_600_000;

/** What an entry records besides its outputs. */
export interface CacheEntryMeta {
  /** The task whose outputs these are. */
  readonly task: string;
  /** The task's cache version. */
  readonly version: string;
}

interface EntryHeader extends Partial<CacheEntryMeta> {
  readonly key: string;
  /** When the entry was written, in milliseconds since the epoch. */
  readonly created: number;
}

function entryDigest(header: Buffer, payload: Uint8Array): Buffer {
  const lengths = Buffer.alloc(8);
  lengths.writeUInt32BE(header.length, 0);
  lengths.writeUInt32BE(payload.length >>> 0, 4);
  return createHash("sha256").update(lengths).update(header).update(payload).digest();
}

function encodeEntry(header: EntryHeader, payload: Uint8Array): Buffer {
  const h = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(h.length);
  return Buffer.concat([MAGIC, len, h, entryDigest(h, payload), payload]);
}

/** The header of an entry file (from its first bytes), or why it is not one. The payload is not checked. */
function decodeHeader(bytes: Buffer): { header: EntryHeader; raw: Buffer; end: number } | string {
  if (bytes.length < MAGIC.length + 4 || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return "not a cache entry";
  const length = bytes.readUInt32BE(MAGIC.length);
  const start = MAGIC.length + 4;
  if (start + length + DIGEST_BYTES > bytes.length) return "truncated";
  const raw = bytes.subarray(start, start + length);
  let header: unknown;
  try {
    header = JSON.parse(raw.toString("utf8"));
  } catch {
    return "damaged header";
  }
  const h = header as Partial<EntryHeader> | null;
  if (typeof h !== "object" || h === null || typeof h.key !== "string" || typeof h.created !== "number")
    return "damaged header";
  return { header: h as EntryHeader, raw, end: start + length };
}

/** The payload of an entry file written for `key`, or why it is not one. */
function decodeEntry(bytes: Buffer, key: string): Uint8Array | string {
  const decoded = decodeHeader(bytes);
  if (typeof decoded === "string") return decoded;
  const digest = bytes.subarray(decoded.end, decoded.end + DIGEST_BYTES);
  const payload = bytes.subarray(decoded.end + DIGEST_BYTES);
  if (!entryDigest(decoded.raw, payload).equals(digest)) return "checksum mismatch (truncated or corrupted)";
  if (decoded.header.key !== key) return `written for another key (${decoded.header.key.slice(0, 200)})`;
  return payload;
}

/** One file of the cache, as {@link LocalCache.list} describes it. */
export interface CacheEntryInfo {
  /** The entry file's path. */
  readonly path: string;
  /** The cache key (`<task>-<version>-<inputs hash>`); absent for a damaged file. */
  readonly key?: string;
  /** The task; absent for a damaged file. */
  readonly task?: string;
  /** The task's cache version; absent for a damaged file. */
  readonly version?: string;
  /** The file's size in bytes. */
  readonly size: number;
  /** When the entry was written. */
  readonly created: Date;
  /** When the entry was last read as a hit (or written). */
  readonly lastUsed: Date;
  /** Why the file is not a readable entry, when it is not (a later lookup would remove it). */
  readonly damaged?: string;
}

/** Reads the first bytes of a file: enough for an entry's header in all but odd cases, which read more. */
function readHead(path: string): Buffer {
  const fd = openSync(path, "r");
  try {
    let buf = Buffer.alloc(4096);
    let n = readSync(fd, buf, 0, buf.length, 0);
    if (n >= MAGIC.length + 4) {
      const want = MAGIC.length + 4 + buf.readUInt32BE(MAGIC.length) + DIGEST_BYTES;
      if (want > n && want <= 1 << 20) {
        buf = Buffer.alloc(want);
        n = readSync(fd, buf, 0, want, 0);
      }
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/**
 * A file-per-entry store of output literal maps. Each entry carries its key and a checksum, and is written durably
 * (temporary file, fsync, rename, fsync of the directory), so concurrent writers of one key leave one whole entry and
 * a crash leaves the old entry or the new one, never a torn one. A hit updates the entry's modification time, which
 * is its "last used" time.
 */
export class LocalCache {
  readonly dir: string;
  constructor(dir = cacheDir()) {
    this.dir = resolve(dir);
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
        const outputs = fromBinary(LiteralMapSchema, payload);
        touch(path);
        return outputs;
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
  /**
   * Stores outputs under `key`, durably and atomically, recording the task and cache version when given (what
   * {@link LocalCache.list} shows). Throws when the directory cannot be written.
   */
  put(key: string, outputs: LiteralMap, meta?: CacheEntryMeta): void {
    mkdirSync(this.dir, { recursive: true });
    const tmp = join(this.dir, `.${randomBytes(8).toString("hex")}.tmp`);
    const header: EntryHeader = { key, ...(meta && { task: meta.task, version: meta.version }), created: Date.now() };
    try {
      const fd = openSync(tmp, "wx", 0o644);
      try {
        writeFileSync(fd, encodeEntry(header, toBinary(LiteralMapSchema, outputs)));
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
  /**
   * The entries on disk, oldest use first: key, task, version, size, created and last used. Only files named as
   * entries are listed; one that is not a readable entry is listed with `damaged` set. A missing directory is empty.
   *
   * @example
   * for (const e of new LocalCache().list()) console.log(e.task, e.version, e.size, e.lastUsed);
   */
  list(): CacheEntryInfo[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
    const out: CacheEntryInfo[] = [];
    for (const name of names) {
      if (!ENTRY_FILE.test(name)) continue;
      const path = join(this.dir, name);
      let st: ReturnType<typeof lstatSync>;
      let head: Buffer;
      try {
        st = lstatSync(path);
        if (!st.isFile()) continue;
        head = readHead(path);
      } catch {
        continue; // removed since the directory was read
      }
      const decoded = decodeHeader(head);
      if (typeof decoded === "string") {
        out.push({ path, size: st.size, created: st.mtime, lastUsed: st.mtime, damaged: decoded });
        continue;
      }
      const h = decoded.header;
      const damaged = name === `${createHash("sha256").update(h.key).digest("hex")}.pb` ? undefined : "misplaced";
      out.push({
        path,
        key: h.key,
        ...(typeof h.task === "string" && { task: h.task }),
        ...(typeof h.version === "string" && { version: h.version }),
        size: st.size,
        created: new Date(h.created),
        lastUsed: st.mtime,
        ...(damaged && { damaged }),
      });
    }
    return out.sort((a, b) => a.lastUsed.getTime() - b.lastUsed.getTime() || a.path.localeCompare(b.path));
  }
  /**
   * Removes the given entries (from {@link LocalCache.list}) and returns how many files were removed. Only entry files
   * of this cache's directory are removed; anything else is refused with an error naming it.
   */
  remove(entries: readonly Pick<CacheEntryInfo, "path">[]): number {
    let removed = 0;
    for (const { path } of entries) {
      if (dirname(path) !== this.dir || !ENTRY_FILE.test(basename(path)))
        throw new Error(`${JSON.stringify(path)} is not an entry file of the local cache in ${this.dir}`);
      try {
        rmSync(path);
        removed++;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      }
    }
    if (removed > 0) syncDir(this.dir);
    return removed;
  }
  /**
   * Removes every entry, and temporary files left by writers that died; other files in the directory (and the
   * directory itself) stay. Returns how many entries were removed.
   */
  clear(): number {
    const removed = this.remove(this.list());
    let names: string[] = [];
    try {
      names = readdirSync(this.dir);
    } catch {
      // nothing there
    }
    for (const name of names) {
      if (!TEMP_FILE.test(name)) continue;
      const path = join(this.dir, name);
      try {
        if (Date.now() - lstatSync(path).mtimeMs > STALE_TEMP_MS) rmSync(path);
      } catch {
        // a writer finished (or removed it) meanwhile
      }
    }
    return removed;
  }
}

/** Marks an entry as used now (its modification time). A read-only cache keeps the old time. */
function touch(path: string): void {
  try {
    const now = new Date();
    utimesSync(path, now, now);
  } catch {
    // best effort
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
