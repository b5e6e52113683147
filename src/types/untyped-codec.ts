/**
 * The storage format of untyped values (`t.any()`): flytekit-ts's counterpart of flytekit's pickle. A value is
 * written as a blob of LiteralType `blob{format: "JavaScriptValue", dimensionality: SINGLE}` whose bytes are:
 *
 * ```text
 * 66 6b 74 73   magic, ASCII "fkts"
 * 01            format version (this document describes version 1)
 * <value>       exactly one MessagePack value, up to the end of the blob
 * ```
 *
 * ## Values
 *
 * | JavaScript | MessagePack |
 * |---|---|
 * | `null` | nil |
 * | `true` / `false` | true / false |
 * | `number`, a safe integer (abs. value ≤ 2^53−1), not `-0` | int, smallest encoding |
 * | any other `number` (fractions, `-0`, `NaN`, `±Infinity`, integral values beyond 2^53−1) | float64 |
 * | `string` that is well-formed UTF-16 | str (UTF-8) |
 * | `string` with a lone surrogate | ext 19 |
 * | `Uint8Array` (and Node's `Buffer`, read back as a `Uint8Array`) | bin |
 * | `Array` (holes are written as `undefined`) | array |
 * | plain object (prototype `Object.prototype` or `null`; read back with `Object.prototype`) | map with str keys (ext 19 for a key with a lone surrogate), `Object.keys` order |
 * | `undefined`, `bigint`, `Date`, `Map`, `Set`, `RegExp`, `Error`, `ArrayBuffer`, `DataView`, other typed arrays, a repeated object | ext, below |
 *
 * Readers also accept float32 (as a number) and ints beyond ±(2^53−1) (as a `bigint`), which this writer never
 * emits. A native map whose key is not a string (or ext 19) is an error.
 *
 * ## Ext types
 *
 * Payloads that hold values ("values" below) hold complete MessagePack items of this same format, so they may
 * nest. Writers use the smallest ext header for the payload length (fixext 1/2/4/8/16, else ext 8/16/32);
 * readers accept any. A payload must be consumed exactly.
 *
 * | Code | Value | Payload |
 * |---|---|---|
 * | 0 | `undefined` | empty |
 * | 1 | `bigint` | two's-complement big-endian, the fewest bytes that keep the sign (`0n` is empty, `-1n` is `ff`, `128n` is `00 80`) |
 * | 2 | `Date` | 8 bytes: float64 big-endian, milliseconds since the Unix epoch (`NaN` for an invalid date) |
 * | 3 | `Map` | array header of 2·n, then key₀, value₀, key₁, value₁, … in insertion order |
 * | 4 | `Set` | array header of n, then the elements in insertion order |
 * | 5 | `RegExp` | array of 2 strings: `source`, `flags` (`lastIndex` is not kept) |
 * | 6 | `Error` | array of 5: `name` (string), `message` (string), `stack` (string or nil), a map of the own non-enumerable `cause` / `errors` properties when present (str key → value), a map of the own enumerable string-keyed properties (str key → value) |
 * | 7 | `ArrayBuffer` | the bytes |
 * | 8 | `DataView` | the bytes it views |
 * | 9 | `Int8Array` | the elements, raw |
 * | 10 | `Uint8ClampedArray` | the elements, raw |
 * | 11 | `Int16Array` | the elements, little-endian |
 * | 12 | `Uint16Array` | the elements, little-endian |
 * | 13 | `Int32Array` | the elements, little-endian |
 * | 14 | `Uint32Array` | the elements, little-endian |
 * | 15 | `Float32Array` | the elements, IEEE 754 little-endian |
 * | 16 | `Float64Array` | the elements, IEEE 754 little-endian |
 * | 17 | `BigInt64Array` | the elements, little-endian |
 * | 18 | `BigUint64Array` | the elements, little-endian |
 * | 19 | a string with lone surrogates | its UTF-16 code units, little-endian |
 * | 20 | back-reference | 4 bytes: uint32 big-endian object number |
 *
 * ## Object identity
 *
 * Every object value (arrays, plain objects, `Uint8Array`, and ext codes 2–18) gets a number, 0, 1, 2, … in the
 * order in which its encoding *starts* (depth-first, pre-order). When the writer meets an object it has already
 * numbered, it writes ext 20 with that number instead. A reader numbers objects in the same order, as soon as it
 * has read the object's header (for an `Error`: after its `name`, `message` and `stack`), before reading its
 * contents. Shared references and cycles therefore survive a round trip. Strings, `undefined` and `bigint` are
 * values, not objects, and get no number; nor do the arrays and maps that structure ext payloads.
 *
 * ## Errors
 *
 * Reading restores `Error`, `TypeError`, `RangeError`, `SyntaxError`, `ReferenceError`, `EvalError`, `URIError`
 * and `AggregateError` by their `name`; any other name gives an `Error` whose `name` is set, so subclasses come
 * back as `Error` with their name, message, stack, cause and own enumerable properties.
 *
 * ## Not encodable
 *
 * Functions, symbols, symbol-keyed enumerable properties, class instances (any prototype not listed above,
 * including subclasses of `Array`, `Map`, …, boxed primitives, `WeakMap`, `Promise`), and own enumerable
 * properties on `Map`, `Set`, `Date`, `RegExp`, `ArrayBuffer` and `DataView` throw a `TypeError` whose message
 * starts with the path of the value (`value.a[3].b`) and names its constructor. Nothing is dropped silently,
 * with two documented exceptions: non-index properties of arrays and typed arrays are not looked at (checking
 * them would cost as much as encoding), and typed arrays that share an `ArrayBuffer` are written as separate
 * copies.
 *
 * @example
 * const bytes = encodeUntyped({ when: new Date(0), ids: new Set([1n]) });
 * decodeUntyped(bytes); // { when: 1970-01-01T00:00:00.000Z, ids: Set(1) { 1n } }
 */
import {
  DEFAULT_MAX_DEPTH,
  describeConstructor,
  describeKey,
  isWellFormedString,
  MsgpackError,
  MsgpackKind,
  MsgpackReader,
  MsgpackWriter,
} from "./msgpack.js";

/** The blob format of untyped values in their LiteralType: `blob{format: "JavaScriptValue"}`. */
export const UNTYPED_BLOB_FORMAT = "JavaScriptValue";

/** The first four bytes of every untyped blob: ASCII `fkts`. */
export const UNTYPED_MAGIC: readonly number[] = Object.freeze([0x66, 0x6b, 0x74, 0x73]);

/** The format version written after the magic, and the only one this reader accepts. */
export const UNTYPED_VERSION = 1;

/** The MessagePack ext type codes of the untyped format (see the module documentation for their payloads). */
export const UntypedExt = {
  /** `undefined`; empty payload. */
  Undefined: 0,
  /** `bigint`; minimal two's-complement big-endian. */
  BigInt: 1,
  /** `Date`; float64 big-endian milliseconds. */
  Date: 2,
  /** `Map`; array of 2·n keys and values. */
  Map: 3,
  /** `Set`; array of n elements. */
  Set: 4,
  /** `RegExp`; array [source, flags]. */
  RegExp: 5,
  /** `Error`; array [name, message, stack, non-enumerable cause/errors, enumerable properties]. */
  Error: 6,
  /** `ArrayBuffer`; the bytes. */
  ArrayBuffer: 7,
  /** `DataView`; the bytes. */
  DataView: 8,
  /** `Int8Array`. */
  Int8Array: 9,
  /** `Uint8ClampedArray`. */
  Uint8ClampedArray: 10,
  /** `Int16Array`, little-endian. */
  Int16Array: 11,
  /** `Uint16Array`, little-endian. */
  Uint16Array: 12,
  /** `Int32Array`, little-endian. */
  Int32Array: 13,
  /** `Uint32Array`, little-endian. */
  Uint32Array: 14,
  /** `Float32Array`, little-endian. */
  Float32Array: 15,
  /** `Float64Array`, little-endian. */
  Float64Array: 16,
  /** `BigInt64Array`, little-endian. */
  BigInt64Array: 17,
  /** `BigUint64Array`, little-endian. */
  BigUint64Array: 18,
  /** A string with lone surrogates; UTF-16LE code units. */
  Utf16String: 19,
  /** A back-reference to an earlier object; uint32 big-endian object number. */
  Ref: 20,
} as const;

/** Options of {@link encodeUntyped} and {@link decodeUntyped}. */
export interface UntypedOptions {
  /** Maximum nesting of containers; deeper values raise an error. Default 1024. */
  maxDepth?: number;
}

type TypedArrayCtor = {
  new (buffer: ArrayBuffer): ArrayBufferView & { readonly length: number };
  readonly BYTES_PER_ELEMENT: number;
};

const TYPED_ARRAYS: readonly [TypedArrayCtor, number][] = [
  [Int8Array, UntypedExt.Int8Array],
  [Uint8ClampedArray, UntypedExt.Uint8ClampedArray],
  [Int16Array, UntypedExt.Int16Array],
  [Uint16Array, UntypedExt.Uint16Array],
  [Int32Array, UntypedExt.Int32Array],
  [Uint32Array, UntypedExt.Uint32Array],
  [Float32Array, UntypedExt.Float32Array],
  [Float64Array, UntypedExt.Float64Array],
  [BigInt64Array, UntypedExt.BigInt64Array],
  [BigUint64Array, UntypedExt.BigUint64Array],
];
const typedExtByProto = new Map<object, number>(TYPED_ARRAYS.map(([c, code]) => [c.prototype, code]));
const typedCtorByExt = new Map<number, TypedArrayCtor>(TYPED_ARRAYS.map(([c, code]) => [code, c]));

const NodeBuffer = (globalThis as { Buffer?: { prototype: object } }).Buffer;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const ERROR_CTORS: Record<string, ErrorConstructor | AggregateErrorConstructor> = Object.assign(Object.create(null), {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
  AggregateError,
});

const EMPTY = new Uint8Array(0);

/** Reverses the bytes of each `size`-byte element in place (for big-endian hosts). */
function swapBytes(b: Uint8Array, size: number): void {
  for (let i = 0; i < b.length; i += size) {
    for (let lo = i, hi = i + size - 1; lo < hi; lo++, hi--) {
      const t = b[lo];
      b[lo] = b[hi];
      b[hi] = t;
    }
  }
}

/** The bytes of a bigint: two's complement, big-endian, as few bytes as keep the sign. */
export function bigintToBytes(v: bigint): Uint8Array {
  if (v === 0n) return EMPTY;
  const magnitude = v < 0n ? -v - 1n : v;
  let hex = magnitude.toString(16);
  const bits = magnitude === 0n ? 0 : (hex.length - 1) * 4 + (32 - Math.clz32(Number.parseInt(hex[0], 16)));
  const n = (bits >> 3) + 1;
  hex = (v < 0n ? (1n << BigInt(n * 8)) + v : v).toString(16).padStart(n * 2, "0");
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Number.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
  return out;
}

/** The inverse of {@link bigintToBytes}; accepts non-minimal encodings too. */
export function bytesToBigint(b: Uint8Array): bigint {
  if (b.length === 0) return 0n;
  let hex = "";
  for (let i = 0; i < b.length; i++) hex += (b[i] < 16 ? "0" : "") + b[i].toString(16);
  let v = BigInt(`0x${hex}`);
  if (b[0] & 0x80) v -= 1n << BigInt(b.length * 8);
  return v;
}

/** A value that cannot be encoded; collects the path on its way up. */
class Unencodable {
  readonly reason: string;
  readonly depth: boolean;
  readonly segments: string[] = [];
  constructor(reason: string, depth = false) {
    this.reason = reason;
    this.depth = depth;
  }
}

function at(e: unknown, segment: string): unknown {
  if (e instanceof Unencodable) e.segments.push(segment);
  return e;
}

function keySegment(k: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
}

function describeNonObject(v: unknown): string {
  if (typeof v === "function") return `a function${v.name ? ` (${v.name})` : ""}`;
  if (typeof v === "symbol") return `a symbol (${v.toString()})`;
  return `a ${typeof v}`;
}

class UntypedEncoder {
  readonly w = new MsgpackWriter(1024);
  readonly refs = new Map<object, number>();
  readonly maxDepth: number;

  constructor(maxDepth: number) {
    this.maxDepth = maxDepth;
  }

  encode(v: unknown, depth: number): void {
    const w = this.w;
    switch (typeof v) {
      case "number":
        w.writeNumber(v);
        return;
      case "string":
        this.encodeString(v);
        return;
      case "boolean":
        w.writeBool(v);
        return;
      case "undefined":
        w.writeExtHeader(UntypedExt.Undefined, 0);
        return;
      case "bigint":
        w.writeExt(UntypedExt.BigInt, bigintToBytes(v));
        return;
      case "object":
        if (v === null) w.writeNil();
        else this.encodeObject(v, depth);
        return;
      default:
        throw new Unencodable(`cannot encode ${describeNonObject(v)}`);
    }
  }

  encodeString(s: string): void {
    if (isWellFormedString(s)) {
      this.w.writeStr(s);
      return;
    }
    const b = new Uint8Array(s.length * 2);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      b[2 * i] = c & 0xff;
      b[2 * i + 1] = c >>> 8;
    }
    this.w.writeExt(UntypedExt.Utf16String, b);
  }

  private encodeObject(o: object, depth: number): void {
    const w = this.w;
    const ref = this.refs.get(o);
    if (ref !== undefined) {
      w.writeExtHeader(UntypedExt.Ref, 4);
      w.view.setUint32(w.pos, ref);
      w.pos += 4;
      return;
    }
    if (depth >= this.maxDepth) throw new Unencodable("", true);
    const proto = Object.getPrototypeOf(o);
    if (proto === Array.prototype) {
      this.refs.set(o, this.refs.size);
      this.encodeArray(o as unknown[], depth);
    } else if (proto === Object.prototype || proto === null) {
      this.refs.set(o, this.refs.size);
      this.encodePlain(o as Record<string, unknown>, depth);
    } else if (proto === Uint8Array.prototype || (NodeBuffer !== undefined && proto === NodeBuffer.prototype)) {
      this.refs.set(o, this.refs.size);
      w.writeBin(o as Uint8Array);
    } else if (proto === Map.prototype) {
      this.checkNoProps(o);
      this.refs.set(o, this.refs.size);
      const m = o as Map<unknown, unknown>;
      const mark = w.beginExt();
      w.writeArrayHeader(m.size * 2);
      let i = 0;
      for (const [key, value] of m) {
        try {
          this.encode(key, depth + 1);
        } catch (e) {
          throw at(e, `.keys()[${i}]`);
        }
        try {
          this.encode(value, depth + 1);
        } catch (e) {
          throw at(e, `.get(${describeKey(key, i)})`);
        }
        i++;
      }
      w.endExt(mark, UntypedExt.Map);
    } else if (proto === Set.prototype) {
      this.checkNoProps(o);
      this.refs.set(o, this.refs.size);
      const s = o as Set<unknown>;
      const mark = w.beginExt();
      w.writeArrayHeader(s.size);
      let i = 0;
      for (const value of s) {
        try {
          this.encode(value, depth + 1);
        } catch (e) {
          throw at(e, `.values()[${i}]`);
        }
        i++;
      }
      w.endExt(mark, UntypedExt.Set);
    } else if (proto === Date.prototype) {
      this.checkNoProps(o);
      this.refs.set(o, this.refs.size);
      w.writeExtHeader(UntypedExt.Date, 8);
      w.view.setFloat64(w.pos, (o as Date).getTime());
      w.pos += 8;
    } else if (proto === RegExp.prototype) {
      this.checkNoProps(o);
      this.refs.set(o, this.refs.size);
      const mark = w.beginExt();
      w.writeArrayHeader(2);
      this.encodeString((o as RegExp).source);
      this.encodeString((o as RegExp).flags);
      w.endExt(mark, UntypedExt.RegExp);
    } else if (proto === ArrayBuffer.prototype) {
      this.checkNoProps(o);
      this.refs.set(o, this.refs.size);
      w.writeExt(UntypedExt.ArrayBuffer, new Uint8Array(o as ArrayBuffer));
    } else if (proto === DataView.prototype) {
      this.checkNoProps(o);
      this.refs.set(o, this.refs.size);
      const dv = o as DataView;
      w.writeExt(UntypedExt.DataView, new Uint8Array(dv.buffer, dv.byteOffset, dv.byteLength));
    } else if (typedExtByProto.has(proto)) {
      this.refs.set(o, this.refs.size);
      const ta = o as ArrayBufferView;
      let bytes = new Uint8Array(ta.buffer, ta.byteOffset, ta.byteLength);
      const size = (o as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
      if (!LITTLE_ENDIAN_HOST && size > 1) {
        bytes = bytes.slice();
        swapBytes(bytes, size);
      }
      w.writeExt(typedExtByProto.get(proto)!, bytes);
    } else if (o instanceof Error) {
      this.refs.set(o, this.refs.size);
      this.encodeError(o, depth);
    } else {
      throw new Unencodable(`cannot encode ${describeConstructor(o)}`);
    }
  }

  private encodeArray(a: unknown[], depth: number): void {
    const n = a.length;
    this.w.writeArrayHeader(n);
    for (let i = 0; i < n; i++) {
      try {
        // Holes read as `undefined`, and are written as such.
        this.encode(a[i], depth + 1);
      } catch (e) {
        throw at(e, `[${i}]`);
      }
    }
  }

  private encodePlain(o: Record<string, unknown>, depth: number): void {
    this.checkNoSymbols(o);
    const keys = Object.keys(o);
    const n = keys.length;
    this.w.writeMapHeader(n);
    for (let i = 0; i < n; i++) {
      const k = keys[i];
      this.encodeString(k);
      try {
        this.encode(o[k], depth + 1);
      } catch (e) {
        throw at(e, keySegment(k));
      }
    }
  }

  private encodeError(e: Error, depth: number): void {
    const w = this.w;
    const { name, message, stack } = e;
    if (typeof name !== "string")
      throw at(new Unencodable(`an Error name must be a string, got a ${typeof name}`), ".name");
    if (typeof message !== "string") {
      throw at(new Unencodable(`an Error message must be a string, got a ${typeof message}`), ".message");
    }
    this.checkNoSymbols(e);
    const mark = w.beginExt();
    w.writeArrayHeader(5);
    this.encodeString(name);
    this.encodeString(message);
    if (typeof stack === "string") this.encodeString(stack);
    else w.writeNil();
    const special: string[] = [];
    for (const k of ["cause", "errors"]) {
      const d = Object.getOwnPropertyDescriptor(e, k);
      if (d !== undefined && !d.enumerable) special.push(k);
    }
    w.writeMapHeader(special.length);
    for (const k of special) {
      w.writeStr(k);
      try {
        this.encode((e as unknown as Record<string, unknown>)[k], depth + 1);
      } catch (err) {
        throw at(err, `.${k}`);
      }
    }
    this.encodePlainBody(e as unknown as Record<string, unknown>, depth);
    w.endExt(mark, UntypedExt.Error);
  }

  private encodePlainBody(o: Record<string, unknown>, depth: number): void {
    const keys = Object.keys(o);
    this.w.writeMapHeader(keys.length);
    for (const k of keys) {
      this.encodeString(k);
      try {
        this.encode(o[k], depth + 1);
      } catch (e) {
        throw at(e, keySegment(k));
      }
    }
  }

  private checkNoSymbols(o: object): void {
    for (const s of Object.getOwnPropertySymbols(o)) {
      if (Object.prototype.propertyIsEnumerable.call(o, s)) {
        throw new Unencodable(`cannot encode the symbol-keyed property ${s.toString()} of ${describeConstructor(o)}`);
      }
    }
  }

  private checkNoProps(o: object): void {
    const keys = Object.keys(o);
    if (keys.length > 0) {
      throw new Unencodable(
        `cannot encode the own properties (${keys.slice(0, 3).join(", ")}${keys.length > 3 ? ", …" : ""}) of a ${describeConstructor(o)}`,
      );
    }
    this.checkNoSymbols(o);
  }
}

/**
 * Encodes any supported JavaScript value into the untyped blob format (see the module documentation). Throws a
 * `TypeError` whose message starts with the path of the first value that cannot be encoded, e.g.
 * `value.a[3].b: cannot encode WeakMap`, or a `RangeError` if the value nests deeper than `maxDepth`.
 */
export function encodeUntyped(value: unknown, options?: UntypedOptions): Uint8Array {
  const maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH;
  const enc = new UntypedEncoder(maxDepth);
  enc.w.writeRaw(Uint8Array.from(UNTYPED_MAGIC));
  enc.w.writeRaw(Uint8Array.of(UNTYPED_VERSION));
  try {
    enc.encode(value, 0);
  } catch (e) {
    if (e instanceof Unencodable) {
      const path = `value${e.segments.reverse().join("")}`;
      if (e.depth) throw new RangeError(`${path}: nesting deeper than ${maxDepth} levels`);
      throw new TypeError(`${path}: ${e.reason}`);
    }
    throw e;
  }
  return enc.w.finish();
}

/** Whether `bytes` starts with the untyped format's magic (any version). */
export function isUntypedBlob(bytes: Uint8Array): boolean {
  return bytes.length >= 5 && UNTYPED_MAGIC.every((b, i) => bytes[i] === b);
}

function defineData(o: object, key: string, value: unknown, enumerable: boolean): void {
  Object.defineProperty(o, key, { value, writable: true, enumerable, configurable: true });
}

class UntypedDecoder {
  readonly r: MsgpackReader;
  readonly refs: unknown[] = [];
  readonly maxDepth: number;

  constructor(r: MsgpackReader, maxDepth: number) {
    this.r = r;
    this.maxDepth = maxDepth;
  }

  decode(depth: number): unknown {
    const r: MsgpackReader = this.r;
    const start = r.pos;
    switch (r.readHead()) {
      case MsgpackKind.Bin: {
        this.refs.push(r.value);
        return r.value;
      }
      case MsgpackKind.Array: {
        if (depth >= this.maxDepth) r.fail(`nesting deeper than ${this.maxDepth} levels`, start);
        const n = r.length;
        r.needItems(n, 1);
        const arr = new Array(n);
        this.refs.push(arr);
        for (let i = 0; i < n; i++) arr[i] = this.decode(depth + 1);
        return arr;
      }
      case MsgpackKind.Map: {
        if (depth >= this.maxDepth) r.fail(`nesting deeper than ${this.maxDepth} levels`, start);
        const n = r.length;
        r.needItems(n, 2);
        const obj: Record<string, unknown> = {};
        this.refs.push(obj);
        this.readProps(obj, n, depth, false);
        return obj;
      }
      case MsgpackKind.Ext:
        if (depth >= this.maxDepth) r.fail(`nesting deeper than ${this.maxDepth} levels`, start);
        return this.decodeExt(start, depth);
      default:
        return r.value;
    }
  }

  /**
   * Reads `n` str-keyed entries into `obj` as own enumerable data properties. Plain assignment is used where it is
   * safe (a fresh plain object, any key but `__proto__`); `define` forces `Object.defineProperty`, for objects that
   * may already have non-enumerable own properties of the same name.
   */
  private readProps(obj: object, n: number, depth: number, define: boolean): void {
    for (let i = 0; i < n; i++) {
      const k = this.r.readKey() ?? this.decodeString(depth, "a map key");
      const v = this.decode(depth + 1);
      if (define || k === "__proto__") defineData(obj, k, v, true);
      else (obj as Record<string, unknown>)[k] = v;
    }
  }

  private decodeString(depth: number, what: string): string {
    const start = this.r.pos;
    const v = this.decode(depth + 1);
    if (typeof v !== "string") this.r.fail(`${what} must be a string`, start);
    return v;
  }

  private expectArray(length: number, what: string): void {
    const r: MsgpackReader = this.r;
    const start = r.pos;
    if (r.readHead() !== MsgpackKind.Array || r.length !== length) {
      r.fail(`the payload of ${what} must be an array of ${length}`, start);
    }
  }

  private decodeExt(start: number, depth: number): unknown {
    const r: MsgpackReader = this.r;
    const type = r.extType;
    const len = r.length;
    r.need(len);
    const payloadStart = r.pos;
    const payloadEnd = payloadStart + len;
    const outerEnd = r.end;
    r.end = payloadEnd;
    let result: unknown;
    switch (type) {
      case UntypedExt.Undefined:
        result = undefined;
        break;
      case UntypedExt.BigInt:
        result = bytesToBigint(r.readBytes(len));
        break;
      case UntypedExt.Date: {
        if (len !== 8) r.fail(`a Date payload must have 8 bytes, not ${len}`, start);
        result = new Date(r.view.getFloat64(payloadStart));
        r.pos = payloadEnd;
        this.refs.push(result);
        break;
      }
      case UntypedExt.Map: {
        const m = new Map<unknown, unknown>();
        this.refs.push(m);
        const headAt = r.pos;
        if (r.readHead() !== MsgpackKind.Array || r.length % 2 !== 0) {
          r.fail("the payload of a Map must be an array of even length", headAt);
        }
        const n = r.length / 2;
        r.needItems(n, 2);
        for (let i = 0; i < n; i++) {
          const k = this.decode(depth + 1);
          m.set(k, this.decode(depth + 1));
        }
        result = m;
        break;
      }
      case UntypedExt.Set: {
        const s = new Set<unknown>();
        this.refs.push(s);
        const headAt = r.pos;
        if (r.readHead() !== MsgpackKind.Array) r.fail("the payload of a Set must be an array", headAt);
        const n = r.length;
        r.needItems(n, 1);
        for (let i = 0; i < n; i++) s.add(this.decode(depth + 1));
        result = s;
        break;
      }
      case UntypedExt.RegExp: {
        this.expectArray(2, "a RegExp");
        const source = this.decodeString(depth, "a RegExp source");
        const flags = this.decodeString(depth, "RegExp flags");
        try {
          result = new RegExp(source, flags);
        } catch (e) {
          r.fail(`invalid RegExp /${source}/${flags} (${(e as Error).message})`, start);
        }
        this.refs.push(result);
        break;
      }
      case UntypedExt.Error:
        result = this.decodeError(depth);
        break;
      case UntypedExt.ArrayBuffer: {
        result = r.readBytes(len).buffer;
        this.refs.push(result);
        break;
      }
      case UntypedExt.DataView: {
        result = new DataView(r.readBytes(len).buffer);
        this.refs.push(result);
        break;
      }
      case UntypedExt.Utf16String: {
        if (len % 2 !== 0) r.fail("a UTF-16 string payload must have an even length", start);
        const codes = new Uint16Array(len / 2);
        for (let i = 0; i < codes.length; i++) codes[i] = r.view.getUint16(payloadStart + 2 * i, true);
        let s = "";
        for (let i = 0; i < codes.length; i += 4096) {
          s += String.fromCharCode.apply(null, codes.subarray(i, i + 4096) as unknown as number[]);
        }
        result = s;
        r.pos = payloadEnd;
        break;
      }
      case UntypedExt.Ref: {
        if (len !== 4) r.fail(`a back-reference payload must have 4 bytes, not ${len}`, start);
        const index = r.view.getUint32(payloadStart);
        if (index >= this.refs.length) {
          r.fail(`back-reference to object #${index}, but only ${this.refs.length} were read`, start);
        }
        result = this.refs[index];
        r.pos = payloadEnd;
        break;
      }
      default: {
        const ctor = typedCtorByExt.get(type);
        if (ctor === undefined) r.fail(`unknown untyped ext type ${type}`, start);
        const size = ctor.BYTES_PER_ELEMENT;
        if (len % size !== 0) r.fail(`${ctor.name} payload of ${len} bytes is not a multiple of ${size}`, start);
        const bytes = r.readBytes(len);
        if (!LITTLE_ENDIAN_HOST && size > 1) swapBytes(bytes, size);
        result = new ctor(bytes.buffer as ArrayBuffer);
        this.refs.push(result);
      }
    }
    if (r.pos !== payloadEnd) {
      r.fail(`ext ${type} payload of ${len} bytes has ${payloadEnd - r.pos} unread byte(s)`, start);
    }
    r.end = outerEnd;
    return result;
  }

  private decodeError(depth: number): Error {
    const r: MsgpackReader = this.r;
    this.expectArray(5, "an Error");
    const name = this.decodeString(depth, "an Error name");
    const message = this.decodeString(depth, "an Error message");
    const stackAt = r.pos;
    const stack = this.decode(depth + 1);
    if (stack !== null && typeof stack !== "string") r.fail("an Error stack must be a string or nil", stackAt);
    const Ctor = ERROR_CTORS[name] ?? Error;
    const err: Error =
      Ctor === AggregateError ? new AggregateError([], message) : new (Ctor as ErrorConstructor)(message);
    if (Ctor === AggregateError) delete (err as { errors?: unknown }).errors;
    if (err.name !== name) defineData(err, "name", name, false);
    if (typeof stack === "string") defineData(err, "stack", stack, false);
    else delete err.stack;
    this.refs.push(err);
    let headAt = r.pos;
    if (r.readHead() !== MsgpackKind.Map) r.fail("the special properties of an Error must be a map", headAt);
    const nSpecial = r.length;
    for (let i = 0; i < nSpecial; i++) {
      const keyAt = r.pos;
      const k = this.decodeString(depth, "an Error property name");
      if (k !== "cause" && k !== "errors") r.fail(`unknown special Error property ${JSON.stringify(k)}`, keyAt);
      defineData(err, k, this.decode(depth + 1), false);
    }
    headAt = r.pos;
    if (r.readHead() !== MsgpackKind.Map) r.fail("the properties of an Error must be a map", headAt);
    this.readProps(err, r.length, depth, true);
    return err;
  }
}

/**
 * Decodes a blob written by {@link encodeUntyped}. Throws a {@link MsgpackError} naming the offset if the magic or
 * version is wrong, or the bytes are truncated, malformed or followed by trailing bytes.
 */
export function decodeUntyped(bytes: Uint8Array, options?: UntypedOptions): unknown {
  if (!isUntypedBlob(bytes)) {
    throw new MsgpackError(
      'not an untyped value blob: it does not start with the magic "fkts" followed by a version byte',
      0,
      bytes[0],
    );
  }
  if (bytes[4] !== UNTYPED_VERSION) {
    throw new MsgpackError(
      `unsupported untyped format version ${bytes[4]} at offset 4 (this reader knows version ${UNTYPED_VERSION})`,
      4,
      bytes[4],
    );
  }
  const r = new MsgpackReader(bytes, 5);
  const dec = new UntypedDecoder(r, options?.maxDepth ?? DEFAULT_MAX_DEPTH);
  const v = dec.decode(0);
  r.expectEnd();
  return v;
}
