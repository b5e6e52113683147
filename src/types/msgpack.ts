/**
 * A MessagePack encoder and decoder with no runtime dependencies.
 *
 * The encoder writes the bytes that Python's `msgpack.packb(obj, use_bin_type=True)` writes for the same logical
 * data, which is what flytekit (through mashumaro) stores in `Binary{tag:"msgpack"}` struct literals:
 *
 * - integers take the smallest encoding that holds them: positive fixint, then uint8/16/32/64 for non-negative
 *   values; negative fixint, then int8/16/32/64 for negative ones;
 * - floats are always float64 (`0xcb`);
 * - strings are UTF-8 `fixstr`/`str8`/`str16`/`str32`; byte arrays are `bin8`/`bin16`/`bin32`;
 * - arrays and maps take the smallest of `fix*`/`*16`/`*32`; ext values take `fixext1/2/4/8/16` when their length
 *   is exactly 1, 2, 4, 8 or 16, else `ext8/16/32`.
 *
 * JavaScript numbers cannot tell `1` from `1.0`, so the encoder maps values as follows:
 *
 * | JavaScript value | MessagePack |
 * |---|---|
 * | `number`, a safe integer (`Number.isSafeInteger`), not `-0` | int |
 * | any other `number` (fractions, `-0`, `NaN`, `±Infinity`, integers beyond ±(2^53−1)) | float64 |
 * | {@link MsgpackFloat} | float64, even when its value is integral |
 * | `bigint` in [−2^63, 2^64) | int (smallest encoding, as Python writes the same integer) |
 * | `string` | str (a string with a lone surrogate cannot be UTF-8 and is rejected, as Python rejects it) |
 * | `boolean` | true / false |
 * | `null`, `undefined` | nil |
 * | `Uint8Array` (and Node's `Buffer`) | bin |
 * | `Array` | array |
 * | `Map` | map, keys may be any encodable value, in insertion order |
 * | plain object (prototype `Object.prototype` or `null`) | map of its own enumerable string keys (`Object.keys` order) |
 * | {@link MsgpackExt} | ext |
 * | anything else | passed to {@link EncodeOptions.extension}; a `TypeError` naming the path if it declines |
 *
 * The decoder returns numbers for integers within ±(2^53−1) and `bigint` beyond, numbers for float32 and float64
 * (or {@link MsgpackFloat} with {@link DecodeOptions.floatWrapper}), strings, `Uint8Array` copies for bin, arrays,
 * plain objects for maps whose keys are all strings and `Map` otherwise (or always, with
 * {@link DecodeOptions.alwaysMap}), `null` for nil, and {@link MsgpackExt} for ext values unless
 * {@link DecodeOptions.extension} maps them. Duplicate map keys keep the last value, as Python's dict does; a
 * `__proto__` key becomes an own property, never the prototype. Truncated input, trailing bytes, invalid UTF-8
 * and the never-used type byte `0xc1` raise a {@link MsgpackError} that carries the offset.
 *
 * @example
 * encodeMsgpack({ a: 1, b: [1.5, "x"] }); // 82 a1 61 01 a1 62 92 cb 3f f8 00 00 00 00 00 00 a1 78
 * decodeMsgpack(encodeMsgpack({ a: 1 })); // { a: 1 }
 */

/** Forces a number to be written as a MessagePack float64, even when it is integral (Python's `1.0`). */
export class MsgpackFloat {
  /** The number to write as float64. */
  readonly value: number;

  /** Wraps `value`. */
  constructor(value: number) {
    this.value = value;
  }

  /** The wrapped number, so that arithmetic and comparisons see the number. */
  valueOf(): number {
    return this.value;
  }
}

/** A MessagePack extension value: a type code (−128…127; negative codes are reserved by the spec) and raw bytes. */
export class MsgpackExt {
  /** The extension type code, an integer in −128…127. */
  readonly type: number;
  /** The payload. */
  readonly data: Uint8Array;

  /** Creates an ext value; throws a `RangeError` if `type` is not an integer in −128…127. */
  constructor(type: number, data: Uint8Array) {
    if (!Number.isInteger(type) || type < -128 || type > 127) {
      throw new RangeError(`msgpack ext type must be an integer in -128..127, got ${type}`);
    }
    this.type = type;
    this.data = data;
  }
}

/** Malformed MessagePack input: truncated, trailing bytes, an unknown type byte, invalid UTF-8, too deep. */
export class MsgpackError extends Error {
  /** Byte offset in the input where the problem was found. */
  readonly offset: number;
  /** The byte at `offset`, when there is one. */
  readonly byte: number | undefined;

  /** Creates the error; the message should already name the offset. */
  constructor(message: string, offset: number, byte?: number) {
    super(message);
    this.name = "MsgpackError";
    this.offset = offset;
    this.byte = byte;
  }
}

/** Options of {@link encodeMsgpack}. */
export interface EncodeOptions {
  /**
   * Called for an object the encoder has no built-in encoding for (a `Date`, a `Set`, a class instance …).
   * Returns the ext value to write, or `undefined` to decline (the encoder then throws a `TypeError`).
   */
  extension?: (value: object) => MsgpackExt | undefined;
  /** Maximum nesting of arrays and maps; deeper values (and cycles) raise a `RangeError`. Default 1024. */
  maxDepth?: number;
}

/** Options of {@link decodeMsgpack}. */
export interface DecodeOptions {
  /** Return every map as a `Map`, even when all its keys are strings. Default `false`. */
  alwaysMap?: boolean;
  /** Return float32/float64 values as {@link MsgpackFloat}, so that `1.0` can be told from `1`. Default `false`. */
  floatWrapper?: boolean;
  /**
   * Maps an ext value to a JavaScript value. `data` is a copy the hook may keep; `offset` is where the ext value
   * starts. Without a hook, ext values decode as {@link MsgpackExt}.
   */
  extension?: (type: number, data: Uint8Array, offset: number) => unknown;
  /** Maximum nesting of arrays and maps; deeper input raises a {@link MsgpackError}. Default 1024. */
  maxDepth?: number;
}

/** The default nesting limit of arrays and maps, for both directions. */
export const DEFAULT_MAX_DEPTH = 1024;

const TWO_32 = 4294967296;
const MAX_U64 = (1n << 64n) - 1n;
const MIN_I64 = -(1n << 63n);
const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE_BIG = -MAX_SAFE_BIG;
/** Strings up to this many UTF-16 units are encoded by hand; longer ones go through `TextEncoder.encodeInto`. */
const SHORT_STRING = 64;
/** Strings up to this many bytes are decoded by hand when ASCII; longer ones go through `TextDecoder`. */
const SHORT_DECODE = 48;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

const isWellFormedNative = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether `s` is well-formed UTF-16, i.e. has no lone surrogate and so has a UTF-8 encoding. */
export function isWellFormedString(s: string): boolean {
  return isWellFormedNative !== undefined ? isWellFormedNative.call(s) : !LONE_SURROGATE.test(s);
}

/**
 * A value the writer cannot write. {@link encodeMsgpack} turns it into an error that names the path; direct users
 * of {@link MsgpackWriter} see it as a plain `TypeError`.
 */
class EncodeFailure extends TypeError {
  readonly value: unknown;
  readonly reason: string;
  readonly depth: boolean;
  constructor(value: unknown, reason: string, depth = false) {
    super(depth ? "nesting too deep (is the value cyclic?)" : reason);
    this.value = value;
    this.reason = reason;
    this.depth = depth;
  }
}

/** Names the constructor of an object for error messages. */
export function describeConstructor(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  const proto = Object.getPrototypeOf(value) as { constructor?: unknown } | null;
  if (proto === null) return "Object (null prototype)";
  const ctor = proto.constructor;
  if (typeof ctor === "function" && ctor.prototype === proto) return ctor.name || "an instance of an anonymous class";
  return "an object with a custom prototype";
}

function hex(b: number): string {
  return `0x${b.toString(16).padStart(2, "0")}`;
}

/**
 * A growable MessagePack output buffer. {@link encodeMsgpack} is built on it; other encoders (such as the untyped
 * value codec) drive it directly with the `write*` methods.
 */
export class MsgpackWriter {
  /** The buffer; bytes `[0, pos)` are written. It is replaced when it grows. */
  buf: Uint8Array;
  /** A view of {@link buf}. */
  view: DataView;
  /** Number of bytes written. */
  pos = 0;
  /** The hook for values without a built-in encoding, used by {@link writeValue}. */
  extension: ((value: object) => MsgpackExt | undefined) | undefined = undefined;
  /** Maximum nesting, used by {@link writeValue}. */
  maxDepth = DEFAULT_MAX_DEPTH;

  /** Creates a writer with room for `initialCapacity` bytes. */
  constructor(initialCapacity = 1024) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
    this.view = new DataView(this.buf.buffer);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(this.pos + n);
  }

  private grow(min: number): void {
    let size = this.buf.length * 2;
    while (size < min) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** A copy of the bytes written so far. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  /** Forgets what was written, keeping the buffer. */
  reset(): void {
    this.pos = 0;
  }

  /** Writes nil. */
  writeNil(): void {
    this.ensure(1);
    this.buf[this.pos++] = 0xc0;
  }

  /** Writes true or false. */
  writeBool(b: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = b ? 0xc3 : 0xc2;
  }

  /** Writes a safe integer in its smallest encoding. The caller guarantees `Number.isSafeInteger(n)`. */
  writeInt(n: number): void {
    this.ensure(9);
    const buf = this.buf;
    let p = this.pos;
    if (n >= 0) {
      if (n < 0x80) {
        buf[p++] = n;
      } else if (n < 0x100) {
        buf[p++] = 0xcc;
        buf[p++] = n;
      } else if (n < 0x10000) {
        buf[p++] = 0xcd;
        buf[p++] = n >>> 8;
        buf[p++] = n & 0xff;
      } else if (n < TWO_32) {
        buf[p++] = 0xce;
        this.view.setUint32(p, n);
        p += 4;
      } else {
        buf[p++] = 0xcf;
        this.view.setUint32(p, Math.floor(n / TWO_32));
        this.view.setUint32(p + 4, n >>> 0);
        p += 8;
      }
    } else if (n >= -0x20) {
      buf[p++] = n & 0xff;
    } else if (n >= -0x80) {
      buf[p++] = 0xd0;
      buf[p++] = n & 0xff;
    } else if (n >= -0x8000) {
      buf[p++] = 0xd1;
      buf[p++] = (n >> 8) & 0xff;
      buf[p++] = n & 0xff;
    } else if (n >= -0x80000000) {
      buf[p++] = 0xd2;
      this.view.setInt32(p, n);
      p += 4;
    } else {
      buf[p++] = 0xd3;
      const hi = Math.floor(n / TWO_32);
      this.view.setInt32(p, hi);
      this.view.setUint32(p + 4, n - hi * TWO_32);
      p += 8;
    }
    this.pos = p;
  }

  /** Writes a bigint in its smallest integer encoding; throws a `RangeError` outside [−2^63, 2^64). */
  writeBigInt(n: bigint): void {
    if (n >= MIN_SAFE_BIG && n <= MAX_SAFE_BIG) {
      this.writeInt(Number(n));
      return;
    }
    this.ensure(9);
    if (n > 0n) {
      if (n > MAX_U64) throw new RangeError(`bigint ${n} does not fit in a msgpack uint64`);
      this.buf[this.pos] = 0xcf;
      this.view.setBigUint64(this.pos + 1, n);
    } else {
      if (n < MIN_I64) throw new RangeError(`bigint ${n} does not fit in a msgpack int64`);
      this.buf[this.pos] = 0xd3;
      this.view.setBigInt64(this.pos + 1, n);
    }
    this.pos += 9;
  }

  /** Writes a float64. */
  writeFloat64(n: number): void {
    this.ensure(9);
    this.buf[this.pos] = 0xcb;
    this.view.setFloat64(this.pos + 1, n);
    this.pos += 9;
  }

  /** Writes a number: safe integers (except `-0`) as int, everything else as float64. */
  writeNumber(n: number): void {
    if ((n | 0) === n) {
      if (n === 0 && 1 / n < 0) this.writeFloat64(n);
      else this.writeInt(n);
    } else if (Number.isSafeInteger(n)) {
      this.writeInt(n);
    } else {
      this.writeFloat64(n);
    }
  }

  private writeStrHeader(p: number, len: number): number {
    const buf = this.buf;
    if (len < 32) {
      buf[p++] = 0xa0 | len;
    } else if (len < 0x100) {
      buf[p++] = 0xd9;
      buf[p++] = len;
    } else if (len < 0x10000) {
      buf[p++] = 0xda;
      buf[p++] = len >>> 8;
      buf[p++] = len & 0xff;
    } else {
      buf[p++] = 0xdb;
      this.view.setUint32(p, len);
      p += 4;
    }
    return p;
  }

  /**
   * Writes a string as UTF-8. Throws a `TypeError` if it has a lone surrogate (it has no UTF-8 form; Python's
   * encoder refuses such strings too).
   */
  writeStr(s: string): void {
    const len = s.length;
    if (len <= SHORT_STRING) {
      // Room for the worst case: str16 header (3) + 3 bytes per UTF-16 unit.
      this.ensure(3 + len * 3);
      const buf = this.buf;
      const start = this.pos;
      // Optimistic ASCII pass: the byte length is the string length.
      let p = start + (len < 32 ? 1 : 2);
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[p++] = c;
      }
      if (i === len) {
        this.pos = this.writeStrHeader(start, len) + len;
        return;
      }
      // Non-ASCII: count the UTF-8 bytes, then encode by hand.
      const bytes = utf8Length(s);
      if (bytes < 0) throw new EncodeFailure(s, "string has a lone surrogate and no UTF-8 encoding");
      p = this.writeStrHeader(start, bytes);
      for (let j = 0; j < len; j++) {
        let c = s.charCodeAt(j);
        if (c < 0x80) {
          buf[p++] = c;
        } else if (c < 0x800) {
          buf[p++] = 0xc0 | (c >> 6);
          buf[p++] = 0x80 | (c & 0x3f);
        } else if (c < 0xd800 || c > 0xdbff) {
          buf[p++] = 0xe0 | (c >> 12);
          buf[p++] = 0x80 | ((c >> 6) & 0x3f);
          buf[p++] = 0x80 | (c & 0x3f);
        } else {
          c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++j) - 0xdc00);
          buf[p++] = 0xf0 | (c >> 18);
          buf[p++] = 0x80 | ((c >> 12) & 0x3f);
          buf[p++] = 0x80 | ((c >> 6) & 0x3f);
          buf[p++] = 0x80 | (c & 0x3f);
        }
      }
      this.pos = p;
      return;
    }
    if (!isWellFormedString(s)) throw new EncodeFailure(s, "string has a lone surrogate and no UTF-8 encoding");
    this.ensure(5 + len * 3);
    const start = this.pos;
    const { written } = textEncoder.encodeInto(s, this.buf.subarray(start + 5));
    const header = written < 32 ? 1 : written < 0x100 ? 2 : written < 0x10000 ? 3 : 5;
    if (header !== 5) this.buf.copyWithin(start + header, start + 5, start + 5 + written);
    this.writeStrHeader(start, written);
    this.pos = start + header + written;
  }

  /** Writes bytes as bin8/16/32. */
  writeBin(data: Uint8Array): void {
    const len = data.length;
    this.ensure(5 + len);
    const buf = this.buf;
    let p = this.pos;
    if (len < 0x100) {
      buf[p++] = 0xc4;
      buf[p++] = len;
    } else if (len < 0x10000) {
      buf[p++] = 0xc5;
      buf[p++] = len >>> 8;
      buf[p++] = len & 0xff;
    } else {
      buf[p++] = 0xc6;
      this.view.setUint32(p, len);
      p += 4;
    }
    buf.set(data, p);
    this.pos = p + len;
  }

  /** Writes an array header for `n` items. */
  writeArrayHeader(n: number): void {
    this.ensure(5);
    const buf = this.buf;
    if (n < 16) {
      buf[this.pos++] = 0x90 | n;
    } else if (n < 0x10000) {
      buf[this.pos] = 0xdc;
      buf[this.pos + 1] = n >>> 8;
      buf[this.pos + 2] = n & 0xff;
      this.pos += 3;
    } else {
      buf[this.pos] = 0xdd;
      this.view.setUint32(this.pos + 1, n);
      this.pos += 5;
    }
  }

  /** Writes a map header for `n` key/value pairs. */
  writeMapHeader(n: number): void {
    this.ensure(5);
    const buf = this.buf;
    if (n < 16) {
      buf[this.pos++] = 0x80 | n;
    } else if (n < 0x10000) {
      buf[this.pos] = 0xde;
      buf[this.pos + 1] = n >>> 8;
      buf[this.pos + 2] = n & 0xff;
      this.pos += 3;
    } else {
      buf[this.pos] = 0xdf;
      this.view.setUint32(this.pos + 1, n);
      this.pos += 5;
    }
  }

  /** Writes the header of an ext value of `length` payload bytes; the caller writes the payload next. */
  writeExtHeader(type: number, length: number): void {
    this.ensure(6);
    this.pos = this.putExtHeader(this.pos, type, length);
  }

  private putExtHeader(p: number, type: number, length: number): number {
    const buf = this.buf;
    switch (length) {
      case 1:
        buf[p++] = 0xd4;
        break;
      case 2:
        buf[p++] = 0xd5;
        break;
      case 4:
        buf[p++] = 0xd6;
        break;
      case 8:
        buf[p++] = 0xd7;
        break;
      case 16:
        buf[p++] = 0xd8;
        break;
      default:
        if (length < 0x100) {
          buf[p++] = 0xc7;
          buf[p++] = length;
        } else if (length < 0x10000) {
          buf[p++] = 0xc8;
          buf[p++] = length >>> 8;
          buf[p++] = length & 0xff;
        } else {
          buf[p++] = 0xc9;
          this.view.setUint32(p, length);
          p += 4;
        }
    }
    buf[p++] = type & 0xff;
    return p;
  }

  /** Writes an ext value. */
  writeExt(type: number, data: Uint8Array): void {
    this.writeExtHeader(type, data.length);
    this.writeRaw(data);
  }

  /**
   * Starts an ext value whose payload is written next with the other `write*` methods and whose length is not
   * known yet. Returns a mark for {@link endExt}.
   */
  beginExt(): number {
    this.ensure(6);
    const mark = this.pos;
    this.pos += 6;
    return mark;
  }

  /** Ends an ext value begun with {@link beginExt}, writing its smallest header in front of the payload. */
  endExt(mark: number, type: number): void {
    const payloadStart = mark + 6;
    const length = this.pos - payloadStart;
    const header = extHeaderSize(length);
    if (header !== 6) this.buf.copyWithin(mark + header, payloadStart, this.pos);
    this.putExtHeader(mark, type, length);
    this.pos = mark + header + length;
  }

  /** Appends raw bytes. */
  writeRaw(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  /**
   * Writes any supported value (see the module documentation). Unsupported values throw; use
   * {@link encodeMsgpack} for errors that name the path of the offending value.
   */
  writeValue(v: unknown, depth = 0): void {
    switch (typeof v) {
      case "number":
        this.writeNumber(v);
        return;
      case "string":
        this.writeStr(v);
        return;
      case "boolean":
        this.writeBool(v);
        return;
      case "undefined":
        this.writeNil();
        return;
      case "bigint":
        if (v > MAX_U64 || v < MIN_I64) {
          throw new EncodeFailure(v, `bigint ${v} does not fit in 64 bits`);
        }
        this.writeBigInt(v);
        return;
      case "object":
        if (v === null) {
          this.writeNil();
          return;
        }
        this.writeObject(v, depth);
        return;
      default:
        throw new EncodeFailure(v, `cannot encode a ${typeof v}`);
    }
  }

  private writeObject(v: object, depth: number): void {
    if (Array.isArray(v)) {
      if (depth >= this.maxDepth) throw new EncodeFailure(v, "", true);
      const n = v.length;
      this.writeArrayHeader(n);
      for (let i = 0; i < n; i++) this.writeValue(v[i], depth + 1);
      return;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) {
      if (depth >= this.maxDepth) throw new EncodeFailure(v, "", true);
      const keys = Object.keys(v);
      const n = keys.length;
      this.writeMapHeader(n);
      for (let i = 0; i < n; i++) {
        const k = keys[i];
        this.writeStr(k);
        this.writeValue((v as Record<string, unknown>)[k], depth + 1);
      }
      return;
    }
    if (v instanceof Uint8Array) {
      this.writeBin(v);
    } else if (v instanceof MsgpackFloat) {
      this.writeFloat64(v.value);
    } else if (v instanceof Map) {
      if (depth >= this.maxDepth) throw new EncodeFailure(v, "", true);
      this.writeMapHeader(v.size);
      for (const [key, value] of v) {
        this.writeValue(key, depth + 1);
        this.writeValue(value, depth + 1);
      }
    } else if (v instanceof MsgpackExt) {
      this.writeExt(v.type, v.data);
    } else {
      const ext = this.extension?.(v);
      if (ext === undefined) throw new EncodeFailure(v, `cannot encode ${describeConstructor(v)}`);
      if (!(ext instanceof MsgpackExt)) throw new TypeError("the msgpack extension hook must return a MsgpackExt");
      this.writeExt(ext.type, ext.data);
    }
  }
}

function extHeaderSize(length: number): number {
  if (length === 1 || length === 2 || length === 4 || length === 8 || length === 16) return 2;
  return length < 0x100 ? 3 : length < 0x10000 ? 4 : 6;
}

/** UTF-8 byte length of `s`, or −1 if it has a lone surrogate. */
function utf8Length(s: string): number {
  let n = 0;
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c < 0xd800 || c > 0xdfff) n += 3;
    else if (c <= 0xdbff && i + 1 < len) {
      const d = s.charCodeAt(i + 1);
      if (d < 0xdc00 || d > 0xdfff) return -1;
      i++;
      n += 4;
    } else return -1;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------------------------
// Error paths. The encoder keeps no path while it runs; when it fails, the value tree is searched again, in the
// encoder's order, for the first place where the same failure occurs.

function keySegment(k: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
}

function findFailurePath(root: unknown, f: EncodeFailure, maxDepth: number): string | undefined {
  // The search visits values in the encoder's order and stops where the encoder stopped, so it costs no more than
  // the failed encoding did (it needs no cycle check: a cycle ends at the depth limit, as it did for the encoder).
  const visit = (v: unknown, path: string, depth: number): string | undefined => {
    if (!f.depth && v === f.value) return path;
    if (typeof v !== "object" || v === null) return undefined;
    if (!(Array.isArray(v) || v instanceof Map || isPlainObject(v))) return undefined;
    if (depth >= maxDepth) return f.depth ? path : undefined;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const r = visit(v[i], `${path}[${i}]`, depth + 1);
        if (r !== undefined) return r;
      }
    } else if (v instanceof Map) {
      let i = 0;
      for (const [key, value] of v) {
        const r =
          visit(key, `${path}.keys()[${i}]`, depth + 1) ??
          visit(value, `${path}.get(${describeKey(key, i)})`, depth + 1);
        if (r !== undefined) return r;
        i++;
      }
    } else {
      for (const k of Object.keys(v)) {
        if (!f.depth && k === f.value) return `${path}${keySegment(k)} (the key)`;
        const r = visit((v as Record<string, unknown>)[k], path + keySegment(k), depth + 1);
        if (r !== undefined) return r;
      }
    }
    return undefined;
  };
  return visit(root, "value", 0);
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Renders a map key inside a path: primitives literally, objects by their entry number. */
export function describeKey(key: unknown, index: number): string {
  switch (typeof key) {
    case "string":
      return JSON.stringify(key);
    case "number":
    case "boolean":
    case "undefined":
      return String(key);
    case "bigint":
      return `${key}n`;
    default:
      return key === null ? "null" : `<key #${index}>`;
  }
}

function failureError(root: unknown, f: EncodeFailure, maxDepth: number): Error {
  const path = findFailurePath(root, f, maxDepth) ?? "value";
  if (f.depth) {
    return new RangeError(`${path}: nesting deeper than ${maxDepth} levels (is the value cyclic?)`);
  }
  return new TypeError(`${path}: ${f.reason}`);
}

let sharedWriter: MsgpackWriter | undefined;
const SHARED_WRITER_LIMIT = 1 << 20;

/**
 * Encodes `value` as MessagePack, byte for byte as Python's `msgpack.packb(value, use_bin_type=True)` encodes the
 * same logical data. Throws a `TypeError` (unsupported value, lone surrogate) or `RangeError` (too deep, bigint
 * out of range) whose message starts with the path of the offending value, e.g. `value.a[3].b: cannot encode Date`.
 */
export function encodeMsgpack(value: unknown, options?: EncodeOptions): Uint8Array {
  let w = sharedWriter;
  // The extension hook may call encodeMsgpack again: nested calls get their own writer.
  sharedWriter = undefined;
  if (w === undefined) w = new MsgpackWriter();
  w.reset();
  w.extension = options?.extension;
  const maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH;
  w.maxDepth = maxDepth;
  try {
    w.writeValue(value, 0);
    return w.finish();
  } catch (e) {
    if (e instanceof EncodeFailure) throw failureError(value, e, maxDepth);
    throw e;
  } finally {
    w.extension = undefined;
    if (w.buf.length <= SHARED_WRITER_LIMIT) sharedWriter = w;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Decoding.

const charCodes: number[] = [];

/** Decodes `len` UTF-8 bytes of `bytes` from `start`; throws a {@link MsgpackError} if they are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array, start: number, len: number): string {
  if (len <= 12) {
    // Short strings: V8 keeps these flat, so concatenation is the fastest way.
    let s = "";
    const end = start + len;
    for (let i = start; i < end; i++) {
      const b = bytes[i];
      if (b >= 0x80) return decodeUtf8Slow(bytes, start, len);
      s += String.fromCharCode(b);
    }
    return s;
  }
  if (len <= SHORT_DECODE) {
    const codes = charCodes;
    codes.length = len;
    for (let i = 0; i < len; i++) {
      const b = bytes[start + i];
      if (b >= 0x80) return decodeUtf8Slow(bytes, start, len);
      codes[i] = b;
    }
    return String.fromCharCode.apply(null, codes);
  }
  return decodeUtf8Slow(bytes, start, len);
}

const KEY_CACHE_SLOTS = 4096;
const KEY_CACHE_MAX = 16;
const keyCacheStrings: (string | undefined)[] = new Array(KEY_CACHE_SLOTS).fill(undefined);
const keyCacheLengths = new Uint8Array(KEY_CACHE_SLOTS);
const keyCacheBytes = new Uint8Array(KEY_CACHE_SLOTS * KEY_CACHE_MAX);

/**
 * Decodes a map key, reusing the string decoded last time for the same bytes: keys repeat across records, and
 * handing V8 the same string instance makes property stores faster.
 */
function decodeKey(bytes: Uint8Array, start: number, len: number): string {
  if (len > KEY_CACHE_MAX || len === 0) return decodeUtf8(bytes, start, len);
  let h = len;
  for (let i = 0; i < len; i++) h = Math.imul(h ^ bytes[start + i], 0x01000193);
  const slot = (h ^ (h >>> 15)) & (KEY_CACHE_SLOTS - 1);
  const base = slot * KEY_CACHE_MAX;
  if (keyCacheLengths[slot] === len) {
    let i = 0;
    while (i < len && keyCacheBytes[base + i] === bytes[start + i]) i++;
    if (i === len) return keyCacheStrings[slot]!;
  }
  const s = decodeUtf8(bytes, start, len);
  keyCacheLengths[slot] = len;
  keyCacheBytes.set(bytes.subarray(start, start + len), base);
  keyCacheStrings[slot] = s;
  return s;
}

function decodeUtf8Slow(bytes: Uint8Array, start: number, len: number): string {
  try {
    return textDecoder.decode(bytes.subarray(start, start + len));
  } catch {
    throw new MsgpackError(`invalid UTF-8 in the string at offset ${start}`, start, bytes[start]);
  }
}

/** The kinds of item {@link MsgpackReader.readHead} reports. */
export const MsgpackKind = {
  /** nil; `value` is `null`. */
  Nil: 0,
  /** true/false; `value` is the boolean. */
  Bool: 1,
  /** An integer; `value` is a number, or a bigint outside ±(2^53−1). */
  Int: 2,
  /** float32 or float64; `value` is the number. */
  Float: 3,
  /** A string; `value` is the string. */
  Str: 4,
  /** bin; `value` is a copy of the bytes. */
  Bin: 5,
  /** An array header; `length` items follow. */
  Array: 6,
  /** A map header; `length` key/value pairs follow. */
  Map: 7,
  /** An ext header; `extType` is the type and `length` payload bytes follow at `pos`. */
  Ext: 8,
} as const;

/** One of the {@link MsgpackKind} values. */
export type MsgpackKindValue = (typeof MsgpackKind)[keyof typeof MsgpackKind];

/**
 * A MessagePack input cursor. {@link decodeMsgpack} is built on it ({@link readValue}); other decoders (such as the
 * untyped value codec) walk the input item by item with {@link readHead}.
 */
export class MsgpackReader {
  /** The input. */
  readonly bytes: Uint8Array;
  /** A view of the input. */
  readonly view: DataView;
  /** The next byte to read. */
  pos: number;
  /** The end of the readable region; reads beyond it are truncation errors. */
  end: number;
  /** After {@link readHead}: the scalar value (nil, bool, int, float, str, bin). */
  value: unknown = null;
  /** After {@link readHead}: the item count (array, map) or payload length (ext). */
  length = 0;
  /** After {@link readHead}: the ext type code. */
  extType = 0;
  /** {@link DecodeOptions.alwaysMap} for {@link readValue}. */
  alwaysMap = false;
  /** {@link DecodeOptions.floatWrapper} for {@link readValue}. */
  floatWrapper = false;
  /** {@link DecodeOptions.extension} for {@link readValue}. */
  extension: ((type: number, data: Uint8Array, offset: number) => unknown) | undefined = undefined;
  /** {@link DecodeOptions.maxDepth} for {@link readValue}. */
  maxDepth = DEFAULT_MAX_DEPTH;

  /** Reads `bytes` from `start` up to `end`. */
  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    this.end = end;
  }

  /** Throws a truncation error unless `n` more bytes are available. */
  need(n: number): void {
    if (this.pos + n > this.end) this.truncated(n);
  }

  private truncated(n: number): never {
    throw new MsgpackError(
      `unexpected end of input at offset ${this.pos}: ${n} more byte(s) needed, ${this.end - this.pos} left`,
      this.pos,
    );
  }

  /** Throws a {@link MsgpackError} for the item starting at `offset`. */
  fail(message: string, offset: number): never {
    throw new MsgpackError(`${message} at offset ${offset}`, offset, this.bytes[offset]);
  }

  private unknownByte(offset: number): never {
    const b = this.bytes[offset];
    throw new MsgpackError(`unknown msgpack type byte ${hex(b)} at offset ${offset}`, offset, b);
  }

  /** Throws unless the whole input was consumed. */
  expectEnd(): void {
    if (this.pos !== this.end) {
      throw new MsgpackError(
        `trailing bytes: the value ends at offset ${this.pos} but the input has ${this.end} bytes (next byte ${hex(this.bytes[this.pos])})`,
        this.pos,
        this.bytes[this.pos],
      );
    }
  }

  /** Reads `len` bytes as a UTF-8 string. */
  readStrBody(len: number): string {
    this.need(len);
    const s = decodeUtf8(this.bytes, this.pos, len);
    this.pos += len;
    return s;
  }

  /** Reads `len` bytes as a copy. */
  readBytes(len: number): Uint8Array {
    this.need(len);
    const b = this.bytes.slice(this.pos, this.pos + len);
    this.pos += len;
    return b;
  }

  private readU8(): number {
    this.need(1);
    return this.bytes[this.pos++];
  }

  private readU16(): number {
    this.need(2);
    const v = (this.bytes[this.pos] << 8) | this.bytes[this.pos + 1];
    this.pos += 2;
    return v;
  }

  private readU32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  private readU64(): number | bigint {
    this.need(8);
    const hi = this.view.getUint32(this.pos);
    const lo = this.view.getUint32(this.pos + 4);
    let v: number | bigint;
    if (hi < 0x200000) v = hi * TWO_32 + lo;
    else v = this.view.getBigUint64(this.pos);
    this.pos += 8;
    return v;
  }

  private readI64(): number | bigint {
    this.need(8);
    const hi = this.view.getInt32(this.pos);
    const lo = this.view.getUint32(this.pos + 4);
    let v: number | bigint;
    // Safe when −2^53 < value < 2^53, i.e. hi in [−2^21, 2^21) with value ≠ −2^53.
    if (hi >= -0x200000 && hi < 0x200000 && !(hi === -0x200000 && lo === 0)) v = hi * TWO_32 + lo;
    else v = this.view.getBigInt64(this.pos);
    this.pos += 8;
    return v;
  }

  /**
   * Reads the next item's header (and, for scalars, its value) and returns its {@link MsgpackKind}. For arrays and
   * maps, the items follow; for ext values, the payload of {@link length} bytes starts at {@link pos}.
   */
  readHead(): MsgpackKindValue {
    const start = this.pos;
    const b = this.readU8();
    if (b < 0x80) {
      this.value = b;
      return MsgpackKind.Int;
    }
    if (b < 0x90) {
      this.length = b & 0x0f;
      return MsgpackKind.Map;
    }
    if (b < 0xa0) {
      this.length = b & 0x0f;
      return MsgpackKind.Array;
    }
    if (b < 0xc0) {
      this.value = this.readStrBody(b & 0x1f);
      return MsgpackKind.Str;
    }
    if (b >= 0xe0) {
      this.value = b - 0x100;
      return MsgpackKind.Int;
    }
    switch (b) {
      case 0xc0:
        this.value = null;
        return MsgpackKind.Nil;
      case 0xc2:
        this.value = false;
        return MsgpackKind.Bool;
      case 0xc3:
        this.value = true;
        return MsgpackKind.Bool;
      case 0xc4:
        this.value = this.readBytes(this.readU8());
        return MsgpackKind.Bin;
      case 0xc5:
        this.value = this.readBytes(this.readU16());
        return MsgpackKind.Bin;
      case 0xc6:
        this.value = this.readBytes(this.readU32());
        return MsgpackKind.Bin;
      case 0xc7:
        this.length = this.readU8();
        this.extType = this.readExtType();
        return MsgpackKind.Ext;
      case 0xc8:
        this.length = this.readU16();
        this.extType = this.readExtType();
        return MsgpackKind.Ext;
      case 0xc9:
        this.length = this.readU32();
        this.extType = this.readExtType();
        return MsgpackKind.Ext;
      case 0xca:
        this.need(4);
        this.value = this.view.getFloat32(this.pos);
        this.pos += 4;
        return MsgpackKind.Float;
      case 0xcb:
        this.need(8);
        this.value = this.view.getFloat64(this.pos);
        this.pos += 8;
        return MsgpackKind.Float;
      case 0xcc:
        this.value = this.readU8();
        return MsgpackKind.Int;
      case 0xcd:
        this.value = this.readU16();
        return MsgpackKind.Int;
      case 0xce:
        this.value = this.readU32();
        return MsgpackKind.Int;
      case 0xcf:
        this.value = this.readU64();
        return MsgpackKind.Int;
      case 0xd0:
        this.value = (this.readU8() << 24) >> 24;
        return MsgpackKind.Int;
      case 0xd1:
        this.value = (this.readU16() << 16) >> 16;
        return MsgpackKind.Int;
      case 0xd2:
        this.value = this.readU32() | 0;
        return MsgpackKind.Int;
      case 0xd3:
        this.value = this.readI64();
        return MsgpackKind.Int;
      case 0xd4:
      case 0xd5:
      case 0xd6:
      case 0xd7:
      case 0xd8:
        this.length = 1 << (b - 0xd4);
        this.extType = this.readExtType();
        return MsgpackKind.Ext;
      case 0xd9:
        this.value = this.readStrBody(this.readU8());
        return MsgpackKind.Str;
      case 0xda:
        this.value = this.readStrBody(this.readU16());
        return MsgpackKind.Str;
      case 0xdb:
        this.value = this.readStrBody(this.readU32());
        return MsgpackKind.Str;
      case 0xdc:
        this.length = this.readU16();
        return MsgpackKind.Array;
      case 0xdd:
        this.length = this.readU32();
        return MsgpackKind.Array;
      case 0xde:
        this.length = this.readU16();
        return MsgpackKind.Map;
      case 0xdf:
        this.length = this.readU32();
        return MsgpackKind.Map;
      default:
        return this.unknownByte(start);
    }
  }

  private readExtType(): number {
    return (this.readU8() << 24) >> 24;
  }

  /** Throws a truncation error unless `n` items (of at least `minBytes` each) can still follow. */
  needItems(n: number, minBytes: number): void {
    if (n * minBytes > this.end - this.pos) {
      throw new MsgpackError(
        `unexpected end of input at offset ${this.pos}: a container of ${n} item(s) needs at least ${n * minBytes} more byte(s), ${this.end - this.pos} left`,
        this.pos,
      );
    }
  }

  /** Reads one complete value with the options set on this reader. */
  readValue(depth = 0): unknown {
    const start = this.pos;
    if (start >= this.end) this.truncated(1);
    const bytes = this.bytes;
    const b = bytes[start];
    // The common single-byte and short forms first.
    if (b < 0x80) {
      this.pos = start + 1;
      return b;
    }
    if (b >= 0xa0 && b < 0xc0) {
      const len = b & 0x1f;
      this.pos = start + 1;
      if (start + 1 + len > this.end) this.truncated(len);
      this.pos = start + 1 + len;
      return decodeUtf8(bytes, start + 1, len);
    }
    if (b >= 0xe0) {
      this.pos = start + 1;
      return b - 0x100;
    }
    if (b < 0xa0) {
      // fixmap (0x80–0x8f) and fixarray (0x90–0x9f).
      if (depth >= this.maxDepth) this.tooDeep(start);
      this.pos = start + 1;
      const n = b & 0x0f;
      if (b >= 0x90) {
        this.needItems(n, 1);
        const arr = new Array(n);
        for (let i = 0; i < n; i++) arr[i] = this.readValue(depth + 1);
        return arr;
      }
      this.needItems(n, 2);
      return this.alwaysMap ? this.readMapBody(n, depth) : this.readObjectBody(n, depth);
    }
    if (b === 0xcb) {
      this.pos = start + 1;
      this.need(8);
      const f = this.view.getFloat64(start + 1);
      this.pos = start + 9;
      return this.floatWrapper ? new MsgpackFloat(f) : f;
    }
    const kind = this.readHead();
    switch (kind) {
      case MsgpackKind.Array: {
        if (depth >= this.maxDepth) this.tooDeep(start);
        const n = this.length;
        this.needItems(n, 1);
        const arr = new Array(n);
        for (let i = 0; i < n; i++) arr[i] = this.readValue(depth + 1);
        return arr;
      }
      case MsgpackKind.Map: {
        if (depth >= this.maxDepth) this.tooDeep(start);
        const n = this.length;
        this.needItems(n, 2);
        return this.alwaysMap ? this.readMapBody(n, depth) : this.readObjectBody(n, depth);
      }
      case MsgpackKind.Float:
        return this.floatWrapper ? new MsgpackFloat(this.value as number) : this.value;
      case MsgpackKind.Ext: {
        const type = this.extType;
        const data = this.readBytes(this.length);
        return this.extension ? this.extension(type, data, start) : new MsgpackExt(type, data);
      }
      default:
        return this.value;
    }
  }

  private tooDeep(offset: number): never {
    throw new MsgpackError(
      `nesting deeper than ${this.maxDepth} levels at offset ${offset}`,
      offset,
      this.bytes[offset],
    );
  }

  private readMapBody(n: number, depth: number): Map<unknown, unknown> {
    const m = new Map<unknown, unknown>();
    for (let i = 0; i < n; i++) {
      const k = this.readValue(depth + 1);
      m.set(k, this.readValue(depth + 1));
    }
    return m;
  }

  /**
   * Reads the next item if it is a string, through a cache that hands out the same string instance for the same
   * short byte sequence (map keys repeat across records, and V8 stores properties faster under one instance).
   * Returns `undefined`, consuming nothing, if the next item is not a string.
   */
  readKey(): string | undefined {
    const p = this.pos;
    if (p >= this.end) this.truncated(1);
    const b = this.bytes[p];
    if (b >= 0xa0 && b < 0xc0) {
      const len = b & 0x1f;
      if (p + 1 + len > this.end) {
        this.pos = p + 1;
        this.truncated(len);
      }
      this.pos = p + 1 + len;
      return decodeKey(this.bytes, p + 1, len);
    }
    if (b === 0xd9 || b === 0xda || b === 0xdb) {
      this.readHead();
      return this.value as string;
    }
    return undefined;
  }

  private readObjectBody(n: number, depth: number): Record<string, unknown> | Map<unknown, unknown> {
    const bodyStart = this.pos;
    const obj: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const k = this.readKey();
      if (k === undefined) {
        // A key that is not a string: decode the whole map again as a Map, keeping the key order.
        this.pos = bodyStart;
        return this.readMapBody(n, depth);
      }
      const v = this.readValue(depth + 1);
      if (k === "__proto__") {
        Object.defineProperty(obj, k, { value: v, writable: true, enumerable: true, configurable: true });
      } else {
        obj[k] = v;
      }
    }
    return obj;
  }
}

/**
 * Decodes one MessagePack value that must span all of `bytes` (see the module documentation for the mapping).
 * Throws a {@link MsgpackError} naming the offset for truncated input, trailing bytes, unknown type bytes and
 * invalid UTF-8.
 */
export function decodeMsgpack(bytes: Uint8Array, options?: DecodeOptions): unknown {
  const r = new MsgpackReader(bytes);
  if (options !== undefined) {
    r.alwaysMap = options.alwaysMap ?? false;
    r.floatWrapper = options.floatWrapper ?? false;
    r.extension = options.extension;
    r.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  }
  const v = r.readValue(0);
  r.expectEnd();
  return v;
}
