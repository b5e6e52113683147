/**
 * Literals decoded on demand from their wire bytes. Decoding a whole `LiteralMap` with protobuf-es builds four objects
 * per element of every list and map (Literal, Scalar, Primitive and the oneof wrappers), which for a 10^6-key map is
 * most of the time and many times the encoded size in memory, only for the type engine to copy it all again. A lazy
 * literal keeps its bytes: the type engine reads them straight into native values ({@link literalBytes}), and any other
 * reader that touches `value`, `hash` or `metadata` gets the decoded fields then. Maps are decoded here, key by key, so
 * every key is kept as an own property (`__proto__` included), which protobuf-es's object maps cannot do.
 */
import { fromBinary } from "@bufbuild/protobuf";
import {
  type Literal,
  type LiteralMap,
  LiteralOffloadedMetadataSchema,
  ScalarSchema,
} from "./gen/flyteidl/core/literals_pb.js";

/** Wire types. */
const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

const utf8 = new TextDecoder();
const scratchBytes = new Uint8Array(8);
const scratch = new DataView(scratchBytes.buffer);

/** Where a lazy literal was read from (as given to {@link lazyLiteral}), if known. */
export function literalSource(lit: Literal): string | undefined {
  return lit instanceof LazyLiteral ? lit.source : undefined;
}

/** The wire bytes of a lazy literal not changed since it was made, or `undefined` for any other literal. */
export function literalBytes(lit: Literal): Uint8Array | undefined {
  return lit instanceof LazyLiteral && lit.pristine ? lit.buf.subarray(lit.start, lit.end) : undefined;
}

/**
 * The lazy literal `lit` when it is one and is still its wire bytes (`buf[start, end)`), for readers that take the
 * bytes in place; `undefined` otherwise.
 */
export function wireLiteral(lit: Literal): LazyLiteral | undefined {
  return lit instanceof LazyLiteral && lit.pristine ? lit : undefined;
}

/** A small cursor over protobuf wire bytes, with no allocation per field. */
export class WireReader {
  buf: Uint8Array;
  pos: number;
  end: number;
  constructor(buf: Uint8Array, start: number, end: number) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }
  /** Points the reader at `buf[start, end)`. */
  reset(buf: Uint8Array, start: number, end: number): this {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    return this;
  }
  /** An unsigned varint up to 2^53 (larger values and malformed bytes throw). */
  varint(): number {
    let result = 0;
    let shift = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new RangeError("premature end of a varint");
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * shift;
      if (b < 0x80) {
        if (result > Number.MAX_SAFE_INTEGER) throw new RangeError("varint out of range");
        return result;
      }
      shift *= 128;
    }
    throw new RangeError("varint longer than 10 bytes");
  }
  /**
   * An int64 varint as a number when it is a safe integer, else `undefined` (the value is skipped either way).
   * Negative values are ten bytes of two's complement.
   */
  int64(): number | undefined {
    let lo = 0;
    let hi = 0;
    let i = 0;
    for (; i < 10; i++) {
      if (this.pos >= this.end) throw new RangeError("premature end of a varint");
      const b = this.buf[this.pos++]!;
      if (i < 4) lo |= (b & 0x7f) << (i * 7);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >> 4;
      } else hi |= (b & 0x7f) << (i * 7 - 32);
      if (b < 0x80) break;
    }
    if (i === 10) throw new RangeError("varint longer than 10 bytes");
    const v =
      hi & 0x80000000 ? -((~hi >>> 0) * 0x100000000 + ((~lo >>> 0) + 1)) : (hi >>> 0) * 0x100000000 + (lo >>> 0);
    return Number.isSafeInteger(v) ? v : undefined;
  }
  /** A length-delimited field: returns where its content starts; `pos` (and `lenEnd`) is where it ends. */
  len(): number {
    const n = this.varint();
    const start = this.pos;
    if (start + n > this.end) throw new RangeError("premature end of a length-delimited field");
    this.pos += n;
    this.lenEnd = this.pos;
    return start;
  }
  /** Where the last length-delimited field read ends. */
  lenEnd = 0;
  string(): string {
    const s = this.len();
    return utf8.decode(this.buf.subarray(s, this.lenEnd));
  }
  double(): number {
    if (this.pos + 8 > this.end) throw new RangeError("premature end of a double");
    for (let i = 0; i < 8; i++) scratchBytes[i] = this.buf[this.pos + i]!;
    this.pos += 8;
    return scratch.getFloat64(0, true);
  }
  skip(wireType: number): void {
    if (wireType === VARINT) this.varint();
    else if (wireType === I64) this.pos += 8;
    else if (wireType === LEN) this.len();
    else if (wireType === I32) this.pos += 4;
    else throw new RangeError(`unsupported wire type ${wireType}`);
    if (this.pos > this.end) throw new RangeError("premature end of a field");
  }
}

/** Calls `f(key, start, end)` for each entry of a serialized `map<string, message>` field's entries in `[start, end)`. */
export function forEachMapEntry(
  buf: Uint8Array,
  entryStart: number,
  entryEnd: number,
  f: (key: string, start: number, end: number) => void,
): void {
  const e = new WireReader(buf, entryStart, entryEnd);
  let key = "";
  let vs = 0;
  let ve = 0;
  while (e.pos < e.end) {
    const tag = e.varint();
    if (tag === ((1 << 3) | LEN)) key = e.string();
    else if (tag === ((2 << 3) | LEN)) {
      vs = e.len();
      ve = e.lenEnd;
    } else e.skip(tag & 7);
  }
  f(key, vs, ve);
}

/** Sets `obj[key] = value` as an own property, `__proto__` included. */
function own<V>(obj: Record<string, V>, key: string, value: V): void {
  if (key === "__proto__")
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** A serialized `LiteralMap` (`inputs.pb`, `outputs.pb`) whose literals are lazy. */
export function decodeLiteralMapLazily(bytes: Uint8Array, source?: string): LiteralMap {
  const literals: Record<string, Literal> = {};
  const r = new WireReader(bytes, 0, bytes.length);
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag !== ((1 << 3) | LEN)) {
      r.skip(tag & 7);
      continue;
    }
    const s = r.len();
    forEachMapEntry(bytes, s, r.lenEnd, (k, vs, ve) =>
      own(literals, k, new LazyLiteral(bytes, vs, ve, source) as unknown as Literal),
    );
  }
  return { $typeName: "flyteidl.core.LiteralMap", literals };
}

const CASES: Record<number, Literal["value"]["case"]> = {
  1: "scalar",
  2: "collection",
  3: "map",
  8: "offloadedMetadata",
};

/**
 * Which value a literal holds (`lit.value.case`), read from the wire for a lazy literal so that asking does not decode
 * it. Malformed bytes throw.
 */
export function literalCase(lit: Literal): Literal["value"]["case"] {
  const w = wireLiteral(lit);
  if (w === undefined) return lit.value.case;
  let found: Literal["value"]["case"];
  const r = new WireReader(w.buf, w.start, w.end);
  while (r.pos < r.end) {
    const tag = r.varint();
    const c = (tag & 7) === LEN ? CASES[tag >>> 3] : undefined;
    r.skip(tag & 7);
    if (c) found = c;
  }
  return found;
}

/** The elements of a list literal, one at a time by index. */
export interface LiteralElements {
  readonly length: number;
  /** Element `i` (0 <= i < length); reading in ascending order costs nothing per element but the literal made. */
  at(i: number): Literal;
}

/**
 * The elements of the collection literal `lit`, or `undefined` when it holds something else. A lazy literal's
 * elements are read from its bytes as they are asked for, each a lazy literal made then, so a list of 10^6 elements
 * is never 10^6 objects at once (decoding `lit.value` would build and keep them all).
 *
 * @example
 * const els = collectionElements(lit)!;
 * for (let i = 0; i < els.length; i++) use(els.at(i));
 */
export function collectionElements(lit: Literal): LiteralElements | undefined {
  const w = wireLiteral(lit);
  if (w === undefined) {
    if (lit.value.case !== "collection") return undefined;
    const literals = lit.value.value.literals;
    return { length: literals.length, at: (i) => literals[i]! };
  }
  // The value is the last field of the oneof on the wire, as decoding reads it.
  let found: Literal["value"]["case"];
  let start = 0;
  let end = 0;
  const r = new WireReader(w.buf, w.start, w.end);
  while (r.pos < r.end) {
    const tag = r.varint();
    const c = (tag & 7) === LEN ? CASES[tag >>> 3] : undefined;
    if (c === "collection") {
      start = r.len();
      end = r.lenEnd;
    } else r.skip(tag & 7);
    if (c) found = c;
  }
  if (found !== "collection") return undefined;
  const buf = w.buf;
  const source = w.source;
  const c = new WireReader(buf, start, end);
  let length = 0;
  while (c.pos < c.end) {
    const tag = c.varint();
    if (tag === ((1 << 3) | LEN)) length++;
    c.skip(tag & 7);
  }
  // A cursor: the next element's index and where its field starts.
  let index = 0;
  c.reset(buf, start, end);
  return {
    length,
    at(i: number): Literal {
      if (!(Number.isInteger(i) && i >= 0 && i < length)) {
        throw new RangeError(`element ${i} of a list of ${length}`);
      }
      if (i < index) {
        index = 0;
        c.reset(buf, start, end);
      }
      for (;;) {
        const tag = c.varint();
        if (tag !== ((1 << 3) | LEN)) {
          c.skip(tag & 7);
          continue;
        }
        const s = c.len();
        if (index++ === i) return new LazyLiteral(buf, s, c.lenEnd, source) as unknown as Literal;
      }
    },
  };
}

type Fields = Pick<Literal, "value" | "hash" | "metadata">;

function decodeFields(buf: Uint8Array, start: number, end: number, source: string | undefined): Fields {
  try {
    return decodeFieldsOf(buf, start, end, source);
  } catch (e) {
    if (source === undefined) throw e;
    throw new Error(`malformed literal in ${source}: ${(e as Error).message}`, { cause: e });
  }
}

function decodeFieldsOf(bytes: Uint8Array, start: number, end: number, source: string | undefined): Fields {
  const out: Fields = { value: { case: undefined }, hash: "", metadata: {} };
  const r = new WireReader(bytes, start, end);
  while (r.pos < r.end) {
    const tag = r.varint();
    const field = tag >>> 3;
    if ((tag & 7) !== LEN) {
      r.skip(tag & 7);
      continue;
    }
    const s = r.len();
    const e = r.lenEnd;
    const sub = bytes.subarray(s, e);
    if (field === 1) out.value = { case: "scalar", value: fromBinary(ScalarSchema, sub) };
    else if (field === 2) {
      const literals: Literal[] = [];
      const c = new WireReader(bytes, s, e);
      while (c.pos < c.end) {
        const t = c.varint();
        if (t !== ((1 << 3) | LEN)) {
          c.skip(t & 7);
          continue;
        }
        const ls = c.len();
        literals.push(new LazyLiteral(bytes, ls, c.lenEnd, source) as unknown as Literal);
      }
      out.value = { case: "collection", value: { $typeName: "flyteidl.core.LiteralCollection", literals } };
    } else if (field === 3) {
      out.value = { case: "map", value: decodeLiteralMapLazily(sub, source) };
    } else if (field === 8) {
      out.value = { case: "offloadedMetadata", value: fromBinary(LiteralOffloadedMetadataSchema, sub) };
    } else if (field === 4) out.hash = utf8.decode(sub);
    else if (field === 5) {
      let key = "";
      let value = "";
      const m = new WireReader(bytes, s, e);
      while (m.pos < m.end) {
        const t = m.varint();
        if (t === ((1 << 3) | LEN)) key = m.string();
        else if (t === ((2 << 3) | LEN)) value = m.string();
        else m.skip(t & 7);
      }
      own(out.metadata, key, value);
    }
  }
  return out;
}

/** The Literal fields of every lazy literal, as own enumerable accessors sharing one set of functions. */
let literalFields: PropertyDescriptorMap;

/**
 * A `Literal` kept as its wire bytes `buf[start, end)` until one of its fields is used: one object per literal whose
 * `value`, `hash` and `metadata` are own enumerable accessors sharing one set of functions (a spread copies them, as
 * of any literal), where each lazy literal used to hold closures, a byte view and two weak-map entries. Setting a
 * field decodes the others first, and the literal stops being its bytes.
 */
export class LazyLiteral {
  declare readonly $typeName: "flyteidl.core.Literal";
  declare value: Literal["value"];
  declare hash: string;
  declare metadata: Record<string, string>;
  // Private, so that a spread or an equality check of the literal sees only the Literal fields.
  #buf: Uint8Array;
  #start: number;
  #end: number;
  #source: string | undefined;
  #fields: Fields | undefined = undefined;
  #pristine = true;
  constructor(buf: Uint8Array, start: number, end: number, source?: string) {
    Object.defineProperties(this, literalFields);
    this.#buf = buf;
    this.#start = start;
    this.#end = end;
    this.#source = source;
  }
  /** The buffer holding the literal's bytes. */
  get buf(): Uint8Array {
    return this.#buf;
  }
  /** Where the literal's bytes start in {@link buf}. */
  get start(): number {
    return this.#start;
  }
  /** Where the literal's bytes end in {@link buf}. */
  get end(): number {
    return this.#end;
  }
  /** Where the bytes were read from (a file or URI), for error messages. */
  get source(): string | undefined {
    return this.#source;
  }
  /** Whether the literal is still exactly its bytes (no field was set). */
  get pristine(): boolean {
    return this.#pristine;
  }
  static {
    const decoded = (lit: LazyLiteral): Fields => {
      lit.#fields ??= decodeFields(lit.#buf, lit.#start, lit.#end, lit.#source);
      return lit.#fields;
    };
    const field = <K extends keyof Fields>(k: K): PropertyDescriptor => ({
      enumerable: true,
      get(this: LazyLiteral) {
        return decoded(this)[k];
      },
      set(this: LazyLiteral, v: Fields[K]) {
        decoded(this)[k] = v;
        this.#pristine = false;
      },
    });
    literalFields = {
      $typeName: { value: "flyteidl.core.Literal", enumerable: true },
      value: field("value"),
      hash: field("hash"),
      metadata: field("metadata"),
    };
  }
}

/**
 * A `Literal` read from `bytes` on first use of its fields. Malformed bytes throw then, as `fromBinary` would have,
 * naming `source` (the file or URI the bytes came from) when given.
 *
 * @example
 * const lit = lazyLiteral(bytes); // nothing decoded yet
 * lit.value.case;                 // decoded now
 */
export function lazyLiteral(bytes: Uint8Array, source?: string): Literal {
  return new LazyLiteral(bytes, 0, bytes.length, source) as unknown as Literal;
}
