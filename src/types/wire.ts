/**
 * Reading native values straight from serialized literals (see `idl/lazy.ts`): lists and maps of primitives are read
 * from their wire bytes with no Literal objects in between. Anything unexpected (another literal kind, a hash or
 * metadata, a value of another primitive kind) returns {@link SLOW}, and the caller takes the ordinary path, which
 * accepts what it accepts and words the errors.
 */
import { Buffer } from "node:buffer";
import { WireReader } from "../idl/lazy.js";

/** "Not on the fast path": read the literal the ordinary way. */
export const SLOW: unique symbol = Symbol("slow");

/** The primitive kinds, by their field number in `Primitive`. */
export const INTEGER = 1;
export const FLOAT = 2;
export const STRING = 3;
export const BOOLEAN = 4;

const LEN = 2;
const WIRE_TYPE = [0, 1, LEN, 0] as const;
const reader = new WireReader(new Uint8Array(), 0, 0);

// Text is decoded from a Buffer view of the whole literal: no view object per key or string.
const views = new WeakMap<Uint8Array, Buffer>();
function text(buf: Uint8Array, start: number, end: number): string {
  let view = views.get(buf);
  if (view === undefined) {
    view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    views.set(buf, view);
  }
  return view.toString("utf8", start, end);
}

/**
 * Moves `r` into the content of the only length-delimited field `field` of the message it covers (the last one, when
 * repeated) and returns true, or returns false when the message holds anything else or nothing.
 */
function enterOnly(r: WireReader, field: number): boolean {
  let start = -1;
  let end = 0;
  while (r.pos < r.end) {
    if (r.varint() !== ((field << 3) | LEN)) return false;
    start = r.len();
    end = r.lenEnd;
  }
  if (start < 0) return false;
  r.pos = start;
  r.end = end;
  return true;
}

/**
 * The primitive of kind `kind` held by the serialized Literal `buf[start, end)` (a scalar primitive and nothing else),
 * or {@link SLOW}. Integers outside the safe range are {@link SLOW} too.
 */
export function readPrimitive(
  buf: Uint8Array,
  start: number,
  end: number,
  kind: number,
): number | string | boolean | typeof SLOW {
  const r = reader.reset(buf, start, end);
  if (!enterOnly(r, 1) || !enterOnly(r, 1)) return SLOW; // Literal.scalar, then Scalar.primitive
  const want = (kind << 3) | WIRE_TYPE[kind - 1]!;
  let value: number | string | boolean | typeof SLOW = SLOW;
  while (r.pos < r.end) {
    if (r.varint() !== want) return SLOW;
    if (kind === INTEGER) value = r.int64() ?? SLOW;
    else if (kind === FLOAT) value = r.double();
    else if (kind === BOOLEAN) value = r.varint() !== 0;
    else {
      const s = r.len();
      value = text(buf, s, r.lenEnd);
    }
  }
  return value;
}

/**
 * Calls `f(start, end)` for each element literal of the serialized list literal `buf[start, end)` and returns true,
 * or returns false when it is not a collection and nothing else.
 */
export function forEachListElement(
  buf: Uint8Array,
  start: number,
  end: number,
  f: (start: number, end: number) => void,
): boolean {
  const r = new WireReader(buf, start, end);
  if (!enterOnly(r, 2)) return false;
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag !== ((1 << 3) | LEN)) {
      r.skip(tag & 7);
      continue;
    }
    const s = r.len();
    f(s, r.lenEnd);
  }
  return true;
}

/**
 * Calls `f(key, start, end)` for each entry of the serialized map literal `buf[start, end)` and returns true, or
 * returns false when it is not a map and nothing else.
 */
export function forEachMapElement(
  buf: Uint8Array,
  start: number,
  end: number,
  f: (key: string, start: number, end: number) => void,
): boolean {
  const r = new WireReader(buf, start, end);
  if (!enterOnly(r, 3)) return false;
  const e = new WireReader(buf, 0, 0);
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag !== ((1 << 3) | LEN)) {
      r.skip(tag & 7);
      continue;
    }
    e.reset(buf, r.len(), r.lenEnd);
    let key = "";
    let vs = 0;
    let ve = 0;
    while (e.pos < e.end) {
      const t = e.varint();
      if (t === ((1 << 3) | LEN)) {
        const ks = e.len();
        key = text(buf, ks, e.lenEnd);
      } else if (t === ((2 << 3) | LEN)) {
        vs = e.len();
        ve = e.lenEnd;
      } else e.skip(t & 7);
    }
    f(key, vs, ve);
  }
  return true;
}

/**
 * An array with room for every element a list literal's content `[start, end)` can hold (an element takes at least 8
 * bytes), to be cut to length once filled: growing it by `push` copies a million-element array many times over.
 */
function sized<V>(start: number, end: number): V[] {
  return new Array<V>(Math.ceil((end - start) / 8));
}

/** Where {@link lengthAt} stopped. */
let cursor = 0;

/** The varint length prefix at `buf[pos]` (at most 32 bits), leaving {@link cursor} after it; -1 when malformed. */
function lengthAt(buf: Uint8Array, pos: number, end: number): number {
  let n = 0;
  for (let shift = 0; shift < 32; shift += 7) {
    if (pos >= end) return -1;
    const b = buf[pos++]!;
    n += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) {
      cursor = pos;
      return n;
    }
  }
  return -1;
}

/**
 * The elements of the serialized list literal `buf[start, end)` when every one is a plain primitive of kind `kind`
 * (Literal{scalar{primitive}} and nothing else), read in one loop with no call per element; {@link SLOW} when the
 * literal or any element is anything else (the caller then reads element by element, which words the errors).
 *
 * @example
 * readPrimitiveList(bytes, 0, bytes.length, INTEGER); // [1, 2, 3], or SLOW
 */
export function readPrimitiveList(
  buf: Uint8Array,
  start: number,
  end: number,
  kind: number,
): (number | string | boolean)[] | typeof SLOW {
  const r = new WireReader(buf, start, end);
  if (!enterOnly(r, 2)) return SLOW;
  if (kind === INTEGER) return readIntList(buf, r.pos, r.end);
  const want = (kind << 3) | WIRE_TYPE[kind - 1]!;
  const out = sized<number | string | boolean>(r.pos, r.end);
  let n = 0;
  let pos = r.pos;
  const listEnd = r.end;
  while (pos < listEnd) {
    // LiteralCollection.literals[i] = Literal{scalar = Scalar{primitive = Primitive{value}}}, each field the only one
    // of its message, so each length ends where the enclosing one does.
    if (buf[pos] !== 0x0a) return SLOW;
    const litLen = lengthAt(buf, pos + 1, listEnd);
    const litEnd = cursor + litLen;
    if (litLen < 0 || litEnd > listEnd || buf[cursor] !== 0x0a) return SLOW;
    const scalarLen = lengthAt(buf, cursor + 1, litEnd);
    if (scalarLen < 0 || cursor + scalarLen !== litEnd || buf[cursor] !== 0x0a) return SLOW;
    const primLen = lengthAt(buf, cursor + 1, litEnd);
    if (primLen < 0 || cursor + primLen !== litEnd || buf[cursor] !== want) return SLOW;
    r.pos = cursor + 1;
    r.end = litEnd;
    let v: number | string | boolean | undefined;
    if (kind === INTEGER) {
      const b = buf[r.pos]!;
      if (b < 0x80) {
        v = b;
        r.pos++;
      } else v = r.int64();
    } else if (kind === FLOAT) v = r.double();
    else if (kind === BOOLEAN) v = r.varint() !== 0;
    else {
      const s = r.len();
      v = text(buf, s, r.lenEnd);
    }
    // One value per primitive: a repeated or trailing field is not the plain case.
    if (v === undefined || r.pos !== litEnd) return SLOW;
    out[n++] = v;
    pos = litEnd;
  }
  out.length = n;
  return out;
}

/**
 * {@link readPrimitiveList} for integers, the common large case: each element is `0a L+4 0a L+2 0a L 08 <varint>`
 * (L = 1 + the varint's size, so every length is one byte); values under 2^28 are read inline, others (larger,
 * negative) with {@link WireReader.int64}, and anything else is {@link SLOW}.
 */
function readIntList(buf: Uint8Array, start: number, end: number): number[] | typeof SLOW {
  const out = sized<number>(start, end);
  let n = 0;
  const r = new WireReader(buf, 0, 0);
  let pos = start;
  while (pos < end) {
    const l = buf[pos + 1]! - 4;
    if (
      buf[pos] !== 0x0a ||
      l < 2 ||
      l > 11 ||
      buf[pos + 2] !== 0x0a ||
      buf[pos + 3] !== l + 2 ||
      buf[pos + 4] !== 0x0a ||
      buf[pos + 5] !== l ||
      buf[pos + 6] !== 0x08
    ) {
      return SLOW;
    }
    const next = pos + l + 6;
    if (next > end) return SLOW;
    pos += 7;
    let v: number | undefined;
    const b0 = buf[pos]!;
    if (l === 2 && b0 < 0x80) v = b0;
    else if (l === 3 && buf[pos + 1]! < 0x80) v = (b0 & 0x7f) | (buf[pos + 1]! << 7);
    else if (l === 4 && buf[pos + 2]! < 0x80) v = (b0 & 0x7f) | ((buf[pos + 1]! & 0x7f) << 7) | (buf[pos + 2]! << 14);
    else {
      r.reset(buf, pos, next);
      v = r.int64();
      if (v === undefined || r.pos !== next) return SLOW;
    }
    out[n++] = v;
    pos = next;
  }
  out.length = n;
  return out;
}

/**
 * The `Binary` held by the serialized Literal `buf[start, end)` when it is a scalar binary and nothing else: where its
 * value lies in `buf` and its tag; or {@link SLOW}.
 *
 * @example
 * readBinary(bytes, 0, bytes.length); // { start: 6, end: 78, tag: "msgpack" }, or SLOW
 */
export function readBinary(
  buf: Uint8Array,
  start: number,
  end: number,
): { start: number; end: number; tag: string } | typeof SLOW {
  const r = reader.reset(buf, start, end);
  if (!enterOnly(r, 1) || !enterOnly(r, 3)) return SLOW; // Literal.scalar, then Scalar.binary
  const out = { start: 0, end: 0, tag: "" };
  while (r.pos < r.end) {
    const t = r.varint();
    if (t === ((1 << 3) | LEN)) {
      out.start = r.len();
      out.end = r.lenEnd;
    } else if (t === ((2 << 3) | LEN)) {
      const s = r.len();
      out.tag = text(buf, s, r.lenEnd);
    } else return SLOW;
  }
  return out;
}
