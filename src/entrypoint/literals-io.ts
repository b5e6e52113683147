/**
 * Reading and writing the literal files of the container contract: `inputs.pb` (with offloaded literals fetched),
 * the single element a map-task subtask needs (decoded from the wire without decoding the rest of the list), and
 * `outputs.pb` with large literals offloaded or refused.
 */
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import {
  type Literal,
  type LiteralMap,
  type LiteralOffloadedMetadata,
  LiteralOffloadedMetadataSchema,
  LiteralSchema,
} from "../idl/gen/flyteidl/core/literals_pb.js";
import type { LiteralType } from "../idl/gen/flyteidl/core/types_pb.js";
import { FlyteTypeError } from "../errors.js";
import { decodeLiteralMapLazily, lazyLiteral, literalCase } from "../idl/lazy.js";
import { encodeLiteral } from "../idl/literal-wire.js";
import { literalMap } from "../idl/literals.js";
import { setKey } from "../types/keys.js";
import { storageFor } from "../storage/registry.js";
import { joinUri } from "../storage/types.js";
import { OutputTooLargeError } from "./errors.js";
import { literalHash } from "./literal-hash.js";

/** Field numbers of the messages read on the wire. */
const LITERAL_COLLECTION = 2;
const LITERAL_OFFLOADED = 8;
const REPEATED_LITERALS = 1;
const MAP_ENTRY = 1;
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;

async function fetchBytes(uri: string, signal?: AbortSignal): Promise<Uint8Array> {
  return (await storageFor(uri)).get(uri, signal ? { signal } : {});
}

function decode<T>(what: string, uri: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new Error(`${uri} is not a valid ${what}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Decodes `inputs.pb`, its literals lazily (`idl/lazy.ts`): the type engine reads large lists and maps straight from
 * the bytes. Malformed bytes are an error naming the URI, at once for the map itself, when read for a literal.
 */
export function decodeLiteralMap(bytes: Uint8Array, uri: string): LiteralMap {
  return decode("LiteralMap", uri, () => decodeLiteralMapLazily(bytes, uri));
}

/** Fetches the literal an offloaded literal points at (`offloaded_metadata.uri`), to be decoded lazily. */
async function fetchOffloaded(meta: LiteralOffloadedMetadata, signal?: AbortSignal): Promise<Literal> {
  const bytes = await fetchBytes(meta.uri, signal);
  const lit = lazyLiteral(bytes, meta.uri);
  decode("Literal", meta.uri, () => literalCase(lit));
  return lit;
}

/**
 * A failure to read input `name` of `task` (from the file `uri`) as a `FlyteTypeError` naming all three; the original
 * error is its cause, so a transient storage failure stays recognisable.
 */
export function inputReadError(task: string, name: string, uri: string, e: unknown): FlyteTypeError {
  const why = e instanceof Error ? e.message : String(e);
  return new FlyteTypeError(`${task}: input ${name} (from ${uri}) cannot be read: ${why}`, { cause: e, path: [name] });
}

/** Replaces every top-level offloaded literal of `lm` by the literal it points at (fetched concurrently). */
export async function resolveOffloaded(
  lm: LiteralMap,
  signal?: AbortSignal,
  task = "the task",
  uri = "inputs.pb",
): Promise<LiteralMap> {
  const entries = Object.entries(lm.literals);
  if (!entries.some(([, l]) => literalCase(l) === "offloadedMetadata")) return lm;
  const resolved = await Promise.all(
    entries.map(async ([k, l]) => {
      if (literalCase(l) !== "offloadedMetadata") return [k, l] as const;
      const meta = l.value.value as LiteralOffloadedMetadata;
      try {
        return [k, await fetchOffloaded(meta, signal)] as const;
      } catch (e) {
        throw inputReadError(task, k, `${uri}, offloaded to ${meta.uri}`, e);
      }
    }),
  );
  return literalMap(Object.fromEntries(resolved));
}

/** The value bytes of each entry of a serialized `LiteralMap`, by key, without decoding the values. */
function mapEntries(bytes: Uint8Array): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (no !== MAP_ENTRY || wt !== WireType.LengthDelimited) {
      r.skip(wt, no);
      continue;
    }
    const e = new BinaryReader(r.bytes());
    let key = "";
    let value: Uint8Array = new Uint8Array();
    while (e.pos < e.len) {
      const [eno, ewt] = e.tag();
      if (eno === ENTRY_KEY && ewt === WireType.LengthDelimited) key = e.string();
      else if (eno === ENTRY_VALUE && ewt === WireType.LengthDelimited) value = e.bytes();
      else e.skip(ewt, eno);
    }
    out.set(key, value);
  }
  return out;
}

/** The bytes of a literal's collection or offloaded metadata field, whichever it holds (the last one wins). */
function listField(lit: Uint8Array): { kind: "collection" | "offloaded"; bytes: Uint8Array } | undefined {
  let found: { kind: "collection" | "offloaded"; bytes: Uint8Array } | undefined;
  const r = new BinaryReader(lit);
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (wt === WireType.LengthDelimited && no === LITERAL_COLLECTION) found = { kind: "collection", bytes: r.bytes() };
    else if (wt === WireType.LengthDelimited && no === LITERAL_OFFLOADED)
      found = { kind: "offloaded", bytes: r.bytes() };
    else if (wt === WireType.LengthDelimited && no <= 3) {
      r.skip(wt, no);
      found = undefined; // a scalar or map set after the list replaces it (oneof)
    } else r.skip(wt, no);
  }
  return found;
}

/**
 * Element `index` of the list literal `lit` (serialized), decoding only that element: the other elements are
 * skipped on the wire. An offloaded list or element is fetched first.
 */
async function listElement(lit: Uint8Array, index: number, name: string, signal?: AbortSignal): Promise<Literal> {
  const field = listField(lit);
  if (!field) {
    throw new FlyteTypeError(
      `map task input ${name} is not a list (a collection literal), so it cannot be indexed; bind it instead`,
      {
        path: [name],
      },
    );
  }
  if (field.kind === "offloaded") {
    const meta = fromBinary(LiteralOffloadedMetadataSchema, field.bytes);
    return listElement(await fetchBytes(meta.uri, signal), index, name, signal);
  }
  const r = new BinaryReader(field.bytes);
  let i = 0;
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (no !== REPEATED_LITERALS || wt !== WireType.LengthDelimited) {
      r.skip(wt, no);
      continue;
    }
    if (i++ !== index) {
      r.skip(wt, no);
      continue;
    }
    const el = lazyLiteral(r.bytes(), `element ${index} of ${name}`);
    return literalCase(el) === "offloadedMetadata"
      ? fetchOffloaded(el.value.value as LiteralOffloadedMetadata, signal)
      : el;
  }
  throw new FlyteTypeError(`map task index ${index} is out of range for input ${name}, a list of ${i} elements`, {
    path: [name, index],
  });
}

/**
 * The inputs of map-task element `index`: for every input not in `bound`, element `index` of its list; bound inputs
 * whole. Only the selected elements (and the bound inputs) are decoded.
 */
export async function mapTaskInputs(
  bytes: Uint8Array,
  uri: string,
  index: number,
  bound: ReadonlySet<string>,
  signal?: AbortSignal,
  task = "the map task",
): Promise<LiteralMap> {
  const entries = decode("LiteralMap", uri, () => mapEntries(bytes));
  const out: Record<string, Literal> = {};
  await Promise.all(
    [...entries].map(async ([k, v]) => {
      try {
        if (bound.has(k)) {
          const lit = lazyLiteral(v, uri);
          setKey(
            out,
            k,
            literalCase(lit) === "offloadedMetadata"
              ? await fetchOffloaded(lit.value.value as LiteralOffloadedMetadata, signal)
              : lit,
          );
        } else {
          setKey(out, k, await listElement(v, index, k, signal));
        }
      } catch (e) {
        if (e instanceof FlyteTypeError && e.path[0] === k)
          throw new FlyteTypeError(`${task}: ${e.message} (${uri})`, { cause: e, path: e.path });
        throw inputReadError(task, bound.has(k) ? k : `${k}[${index}]`, uri, e);
      }
    }),
  );
  return literalMap(out);
}

/** A file to write under the output prefix before `outputs.pb`. */
export interface OffloadedFile {
  readonly uri: string;
  readonly bytes: Uint8Array;
}

/** How outputs are written. */
export interface OutputPolicy {
  /** Offloading bounds (`_F_L_MIN_SIZE_MB`, `_F_L_MAX_SIZE_MB`), when offloading is on. */
  readonly offload: { readonly minBytes: number; readonly maxBytes: number } | undefined;
  /** Without offloading, the largest `outputs.pb` allowed. */
  readonly maxOutputBytes: number;
}

function mib(n: number): string {
  return `${(n / (1024 * 1024)).toFixed(2)} MiB (${Math.floor(n)} bytes)`;
}

/**
 * Serializes `outputs.pb`. Each literal is serialized once (a lazy literal not at all: its bytes are used as they are); the same bytes give its size, its offloaded file and its
 * place in `outputs.pb`. With offloading on, literals of at least `minBytes` go to `<outputPrefix>/<k>_offloaded_metadata.pb`
 * and `outputs.pb` holds an offloaded reference (`inferred_type` from `types`), and a literal of at least `maxBytes`
 * is an {@link OutputTooLargeError}. Without offloading, an `outputs.pb` over `maxOutputBytes` is one, naming the
 * largest outputs. Nothing is written here, so the checks happen before any upload.
 */
export function encodeOutputs(
  lm: LiteralMap,
  types: Readonly<Record<string, LiteralType | undefined>>,
  outputPrefix: string,
  policy: OutputPolicy,
  taskName: string,
): { outputs: Uint8Array; offloaded: OffloadedFile[] } {
  // Literals the type engine wrote straight to bytes (lists and maps of primitives) are embedded as they are.
  const entries: [string, Uint8Array][] = Object.entries(lm.literals).map(([k, lit]) => [k, encodeLiteral(lit)]);
  const offloaded: OffloadedFile[] = [];
  const { offload } = policy;
  if (offload) {
    for (const entry of entries) {
      const [k, bytes] = entry;
      if (bytes.length >= offload.maxBytes) {
        throw new OutputTooLargeError(
          `${taskName}: output ${k} is ${mib(bytes.length)} serialized, at or over the offloading maximum of ${mib(offload.maxBytes)} (_F_L_MAX_SIZE_MB)`,
        );
      }
      if (bytes.length < offload.minBytes) continue;
      const uri = joinUri(outputPrefix, `${k}_offloaded_metadata.pb`);
      const lit = lm.literals[k]!;
      const ref: Literal = {
        $typeName: "flyteidl.core.Literal",
        value: {
          case: "offloadedMetadata",
          value: {
            $typeName: "flyteidl.core.LiteralOffloadedMetadata",
            uri,
            sizeBytes: BigInt(bytes.length),
            inferredType: types[k],
          },
        },
        hash: lit.hash || literalHash(lit),
        metadata: {},
      };
      offloaded.push({ uri, bytes });
      entry[1] = toBinary(LiteralSchema, ref);
    }
  }
  const outputs = encodeLiteralMap(entries);
  if (!offload && outputs.length > policy.maxOutputBytes) {
    const largest = [...entries]
      .sort((a, b) => b[1].length - a[1].length)
      .slice(0, 3)
      .map(([k, b]) => `${k} is ${mib(b.length)}`);
    throw new OutputTooLargeError(
      `${taskName}: outputs.pb would be ${mib(outputs.length)}, over the ${mib(policy.maxOutputBytes)} limit ` +
        `(FLYTEKIT_TS_MAX_OUTPUT_MB); ${largest.join(", ")}. Return large data as files (t.file(), t.dir()) instead`,
    );
  }
  return { outputs, offloaded };
}

/** A serialized `LiteralMap` from already serialized literals (the same bytes `toBinary` would write). */
export function encodeLiteralMap(entries: readonly (readonly [string, Uint8Array])[]): Uint8Array {
  const w = new BinaryWriter();
  for (const [k, bytes] of entries) {
    w.tag(MAP_ENTRY, WireType.LengthDelimited)
      .fork()
      .tag(ENTRY_KEY, WireType.LengthDelimited)
      .string(k)
      .tag(ENTRY_VALUE, WireType.LengthDelimited)
      .bytes(bytes)
      .join();
  }
  return w.finish();
}
