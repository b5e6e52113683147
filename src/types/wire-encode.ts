/**
 * Writing lists and maps of primitives (int, float, str, bool) straight into the wire bytes of their `Literal`, with no
 * Literal objects in between; the literal handed on is a lazy one over those bytes (`idl/lazy.ts`), so `outputs.pb`
 * embeds them as they are and the next task reads them back from the wire (`wire.ts`).
 *
 * Why hand-written rather than protobuf-es: building the object tree (Literal, Scalar, Primitive and the oneof
 * wrappers per element) and then serializing it with `toBinary` is where a large collection's time goes. Measured on
 * a 10^6-int list: tree plus `toBinary` costs tens of times what these two passes over the array cost (see
 * `npm run bench`, "10^6-int list to literal bytes"). The bytes are exactly the ones `toBinary(LiteralSchema, tree)`
 * writes for the same value; test/unit/types/wire-encode.test.ts checks that with generated values.
 *
 * Anything these writers do not take (an element of the wrong type, a key that is not a string, a `Map`) makes them
 * return `undefined`, and the caller takes the ordinary path, which words the error.
 */
import { Buffer } from "node:buffer";
import { BoolType, FloatType, IntType, StrType } from "./primitives.js";
import { BOOLEAN, FLOAT, INTEGER, STRING } from "./wire.js";

/**
 * The primitive kind (`wire.ts`'s INTEGER, FLOAT, STRING, BOOLEAN) of `t.int`, `t.float`, `t.str` and `t.bool` (and
 * their copies with defaults or descriptions), whose values these writers and `readPrimitiveList` handle; `undefined`
 * for every other type, subclasses included, since they may convert differently.
 */
export function primitiveKind(type: object): number | undefined {
  const c = type.constructor;
  return c === IntType
    ? INTEGER
    : c === FloatType
      ? FLOAT
      : c === StrType
        ? STRING
        : c === BoolType
          ? BOOLEAN
          : undefined;
}

/** Tags of the length-delimited fields on the path Literal -> Scalar -> Primitive, and of the repeated fields. */
const LITERAL_SCALAR = 0x0a; // Literal.scalar = 1
const LITERAL_COLLECTION = 0x12; // Literal.collection = 2
const LITERAL_MAP = 0x1a; // Literal.map = 3
const SCALAR_PRIMITIVE = 0x0a; // Scalar.primitive = 1
const REPEATED_LITERALS = 0x0a; // LiteralCollection.literals = 1, LiteralMap.literals = 1
const ENTRY_KEY = 0x0a; // map entry key = 1
const ENTRY_VALUE = 0x12; // map entry value = 2
/** Primitive.integer = 1 (varint), float_value = 2 (64-bit), string_value = 3 (length-delimited), boolean = 4. */
const PRIMITIVE_TAG = [0, 0x08, 0x11, 0x1a, 0x20] as const;

const TWO_32 = 0x1_0000_0000;

/** The number of bytes of `n` (an unsigned 32-bit length) as a varint. */
export function lengthSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x20_0000 ? 3 : n < 0x1000_0000 ? 4 : 5;
}

/** The number of bytes of the safe integer `v` as an int64 varint (negative values take ten). */
function int64Size(v: number): number {
  if (v < 0) return 10;
  if (v < 0x1000_0000) return lengthSize(v);
  let n = 1;
  for (let x = v; x >= 128; x = Math.floor(x / 128)) n++;
  return n;
}

/** Whether `v` is a value of primitive kind `kind` as the type engine writes it. */
function fits(kind: number, v: unknown): boolean {
  switch (kind) {
    case INTEGER:
      return typeof v === "number" && Number.isSafeInteger(v);
    case FLOAT:
      return typeof v === "number";
    case STRING:
      return typeof v === "string";
    default:
      return typeof v === "boolean";
  }
}

/**
 * Two passes: `measure` sizes every element (and keeps the UTF-8 length of strings), `write` fills a buffer of
 * exactly that size.
 */
export class PrimitiveWriter {
  readonly kind: number;
  /** UTF-8 byte lengths of string values, by element, from `measure`. */
  private strLengths: Int32Array = new Int32Array(0);
  buf: Buffer = Buffer.alloc(0);
  view: DataView = new DataView(new ArrayBuffer(0));
  pos = 0;
  constructor(kind: number) {
    this.kind = kind;
  }

  prepare(n: number): void {
    if (this.kind === STRING) this.strLengths = new Int32Array(n);
  }

  /** The size of the Primitive message's content holding `v` (element `i`). */
  primitiveSize(v: unknown, i: number): number {
    switch (this.kind) {
      case INTEGER:
        return 1 + int64Size(v as number);
      case FLOAT:
        return 9;
      case STRING: {
        const n = Buffer.byteLength(v as string, "utf8");
        this.strLengths[i] = n;
        return 1 + lengthSize(n) + n;
      }
      default:
        return 2;
    }
  }

  /** The size of the whole Literal message's content for a primitive of content size `p`. */
  static literalSize(p: number): number {
    const scalar = 1 + lengthSize(p) + p;
    return 1 + lengthSize(scalar) + scalar;
  }

  alloc(size: number): void {
    this.buf = Buffer.allocUnsafe(size);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.pos = 0;
  }

  byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  length(n: number): void {
    while (n > 0x7f) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.pos++] = n;
  }

  /** The safe integer `v` as an int64 varint (two's complement in ten bytes when negative). */
  int64(v: number): void {
    if (v >= 0 && v < 0x8000_0000) {
      this.length(v);
      return;
    }
    let lo: number;
    let hi: number;
    if (v >= 0) {
      lo = v % TWO_32;
      hi = Math.floor(v / TWO_32);
    } else {
      const a = -v;
      const alo = a % TWO_32;
      const ahi = Math.floor(a / TWO_32);
      lo = (~alo + 1) >>> 0;
      hi = (~ahi + (alo === 0 ? 1 : 0)) >>> 0;
    }
    const buf = this.buf;
    let pos = this.pos;
    // The low 28 bits, then four bits of each half, then the rest of the high half.
    for (let i = 0; i < 4; i++) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo >>>= 7;
    }
    const b = lo | ((hi & 0x07) << 4);
    hi >>>= 3;
    if (hi === 0) {
      buf[pos++] = b;
    } else {
      buf[pos++] = b | 0x80;
      while (hi > 0x7f) {
        buf[pos++] = (hi & 0x7f) | 0x80;
        hi >>>= 7;
      }
      buf[pos++] = hi;
    }
    this.pos = pos;
  }

  /** Literal{scalar{primitive{value}}} of element `i`, whose Primitive content is `p` bytes. */
  literal(v: unknown, i: number, p: number): void {
    const scalar = 1 + lengthSize(p) + p;
    this.byte(LITERAL_SCALAR);
    this.length(scalar);
    this.byte(SCALAR_PRIMITIVE);
    this.length(p);
    this.byte(PRIMITIVE_TAG[this.kind]!);
    switch (this.kind) {
      case INTEGER:
        this.int64(v as number);
        break;
      case FLOAT:
        this.view.setFloat64(this.pos, v as number, true);
        this.pos += 8;
        break;
      case STRING: {
        const n = this.strLengths[i]!;
        this.length(n);
        this.pos += this.buf.write(v as string, this.pos, n, "utf8");
        break;
      }
      default:
        this.byte(v ? 1 : 0);
    }
  }

  /** The buffer as a plain `Uint8Array` over the same memory. */
  bytes(): Uint8Array {
    if (this.pos !== this.buf.length) throw new Error(`literal writer wrote ${this.pos} of ${this.buf.length} bytes`);
    return new Uint8Array(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }
}

/**
 * The serialized `Literal` of a collection of primitives of kind `kind` (`wire.ts`'s INTEGER, FLOAT, STRING or
 * BOOLEAN), byte for byte what `toBinary(LiteralSchema, ...)` writes for the literal tree the type engine builds, or
 * `undefined` when an element is not such a value.
 *
 * @example
 * encodePrimitiveList(INTEGER, [1, 2, 3]); // the bytes of Literal{collection{[int 1, int 2, int 3]}}
 */
export function encodePrimitiveList(kind: number, values: readonly unknown[]): Uint8Array | undefined {
  if (kind === INTEGER) return encodeIntList(values);
  const n = values.length;
  const w = new PrimitiveWriter(kind);
  w.prepare(n);
  const sizes = new Int32Array(n);
  let content = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!fits(kind, v)) return undefined;
    const p = w.primitiveSize(v, i);
    sizes[i] = p;
    const lit = PrimitiveWriter.literalSize(p);
    content += 1 + lengthSize(lit) + lit;
  }
  const total = 1 + lengthSize(content) + content;
  w.alloc(total);
  w.byte(LITERAL_COLLECTION);
  w.length(content);
  for (let i = 0; i < n; i++) {
    const p = sizes[i]!;
    w.byte(REPEATED_LITERALS);
    w.length(PrimitiveWriter.literalSize(p));
    w.literal(values[i], i, p);
  }
  return w.bytes();
}

/**
 * The serialized `Literal` of a map (a plain object with string keys) of primitives of kind `kind`, entries in the
 * object's key order as `toBinary` writes them, or `undefined` when a value is not such a primitive or the map is
 * not a plain object.
 *
 * @example
 * encodePrimitiveMap(FLOAT, { a: 0.5 }); // the bytes of Literal{map{a: float 0.5}}
 */
export function encodePrimitiveMap(kind: number, value: unknown): Uint8Array | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return undefined;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  const n = keys.length;
  const w = new PrimitiveWriter(kind);
  w.prepare(n);
  const sizes = new Int32Array(n);
  const keySizes = new Int32Array(n);
  let content = 0;
  for (let i = 0; i < n; i++) {
    const v = obj[keys[i]!];
    if (!fits(kind, v)) return undefined;
    const p = w.primitiveSize(v, i);
    sizes[i] = p;
    const k = Buffer.byteLength(keys[i]!, "utf8");
    keySizes[i] = k;
    const lit = PrimitiveWriter.literalSize(p);
    const entry = 1 + lengthSize(k) + k + 1 + lengthSize(lit) + lit;
    content += 1 + lengthSize(entry) + entry;
  }
  const total = 1 + lengthSize(content) + content;
  w.alloc(total);
  w.byte(LITERAL_MAP);
  w.length(content);
  for (let i = 0; i < n; i++) {
    const p = sizes[i]!;
    const k = keySizes[i]!;
    const lit = PrimitiveWriter.literalSize(p);
    w.byte(REPEATED_LITERALS);
    w.length(1 + lengthSize(k) + k + 1 + lengthSize(lit) + lit);
    w.byte(ENTRY_KEY);
    w.length(k);
    w.pos += w.buf.write(keys[i]!, w.pos, k, "utf8");
    w.byte(ENTRY_VALUE);
    w.length(lit);
    w.literal(obj[keys[i]!], i, p);
  }
  return w.bytes();
}

/**
 * {@link encodePrimitiveList} for integers, the common large case, in two tight loops: every element's Literal is
 * `0a L+4 0a L+2 0a L 08 <varint>` with L = 1 + the varint's size (at most 11, so every length is one byte).
 */
function encodeIntList(values: readonly unknown[]): Uint8Array | undefined {
  const n = values.length;
  let content = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v !== "number") return undefined;
    if (v >= 0 && v < 0x80) content += 8;
    else if (v >= 0 && v < 0x4000) content += 9;
    else if (v >= 0 && v < 0x20_0000) content += 10;
    else if (v >= 0 && v < 0x1000_0000) content += 11;
    else if (Number.isSafeInteger(v)) content += 7 + int64Size(v);
    else return undefined;
    if (v !== Math.floor(v)) return undefined;
  }
  const w = new PrimitiveWriter(INTEGER);
  w.alloc(1 + lengthSize(content) + content);
  w.byte(LITERAL_COLLECTION);
  w.length(content);
  const buf = w.buf;
  let pos = w.pos;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (v >= 0 && v < 0x1000_0000) {
      const size = v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x20_0000 ? 3 : 4;
      buf[pos] = REPEATED_LITERALS;
      buf[pos + 1] = size + 5;
      buf[pos + 2] = LITERAL_SCALAR;
      buf[pos + 3] = size + 3;
      buf[pos + 4] = SCALAR_PRIMITIVE;
      buf[pos + 5] = size + 1;
      buf[pos + 6] = 0x08;
      pos += 7;
      let x = v;
      while (x > 0x7f) {
        buf[pos++] = (x & 0x7f) | 0x80;
        x >>>= 7;
      }
      buf[pos++] = x;
    } else {
      const size = int64Size(v);
      buf[pos] = REPEATED_LITERALS;
      buf[pos + 1] = size + 5;
      buf[pos + 2] = LITERAL_SCALAR;
      buf[pos + 3] = size + 3;
      buf[pos + 4] = SCALAR_PRIMITIVE;
      buf[pos + 5] = size + 1;
      buf[pos + 6] = 0x08;
      w.pos = pos + 7;
      w.int64(v);
      pos = w.pos;
    }
  }
  w.pos = pos;
  return w.bytes();
}
