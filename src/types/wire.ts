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
