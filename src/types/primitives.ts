/**
 * Scalar types: int, bigint, float, str, bool, datetime, duration and none.
 */
import type { Literal } from "../idl/gen/flyteidl/core/literals_pb.js";
import { type LiteralType, SimpleType } from "../idl/gen/flyteidl/core/types_pb.js";
import {
  booleanLiteral,
  duration,
  floatLiteral,
  integerLiteral,
  noneLiteral,
  primitiveLiteral,
  primitiveOf,
  scalarOf,
  stringLiteral,
  timestamp,
} from "../idl/literals.js";
import { simpleType } from "../idl/types.js";
import {
  type DurationInput,
  msToSeconds,
  msToSecondsNanos,
  parseDuration,
  secondsNanosToMs,
  secondsToMs,
} from "./duration.js";
import { MsgpackFloat, MsgpackKind, type MsgpackReader } from "./msgpack.js";
import { type DataContext, FlyteType, literalMismatch, type MsgpackRead, mismatch, type Path } from "./type.js";
import { BOOLEAN, FLOAT, INTEGER, readPrimitive, SLOW, STRING } from "./wire.js";

// Readers of primitives inside msgpack structs (FlyteType.msgpackReader): exactly what each fromMsgpack accepts, as is.
function readMsgpackInt(r: MsgpackReader): unknown {
  const k = r.readHead();
  const v = r.value;
  if (k === MsgpackKind.Int) return typeof v === "number" ? v : SLOW;
  return k === MsgpackKind.Float && Number.isSafeInteger(v) ? v : SLOW;
}
function readMsgpackFloat(r: MsgpackReader): unknown {
  const k = r.readHead();
  const v = r.value;
  if (k === MsgpackKind.Float) return v;
  return k === MsgpackKind.Int ? Number(v) : SLOW;
}
function readMsgpackStr(r: MsgpackReader): unknown {
  return r.readHead() === MsgpackKind.Str ? r.value : SLOW;
}
function readMsgpackBool(r: MsgpackReader): unknown {
  return r.readHead() === MsgpackKind.Bool ? r.value : SLOW;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** An ISO date and time with no zone designator: `2024-01-02T03:04:05.123` or `2024-01-02 03:04`. */
const NAIVE_DATETIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/;
const INT64_MAX = (1n << 63n) - 1n;
/** The largest protobuf Duration, ±315,576,000,000 seconds (10000 years), in milliseconds. */
const MAX_DURATION_MS = 315_576_000_000_000;
const INT64_MIN = -(1n << 63n);

/** A 64-bit integer exposed as a JavaScript `number`; values outside the safe-integer range are errors. */
export class IntType extends FlyteType<number> {
  readonly name = "int";
  readonly tag = "int";
  protected buildLiteralType(): LiteralType {
    return simpleType(SimpleType.INTEGER);
  }
  override mayAccept(value: unknown): boolean {
    return typeof value === "number";
  }
  parse(value: unknown, path: Path = []): number {
    if (typeof value === "number" && Number.isSafeInteger(value)) return value;
    if (typeof value === "number" && Number.isInteger(value)) {
      mismatch(this, value, path, "outside the safe integer range; declare t.bigint for the full int64 range");
    }
    return mismatch(this, value, path);
  }
  toLiteral(value: unknown, _ctx: DataContext, path: Path = []): Literal {
    if (typeof value === "number" && Number.isSafeInteger(value)) return integerLiteral(BigInt(value));
    return integerLiteral(BigInt(this.parse(value, path)));
  }
  override isExact(value: unknown): boolean {
    return typeof value === "number" && Number.isInteger(value);
  }
  override readWire(buf: Uint8Array, start: number, end: number): number | typeof SLOW {
    return readPrimitive(buf, start, end, INTEGER) as number | typeof SLOW;
  }
  override msgpackReader(): MsgpackRead {
    return readMsgpackInt;
  }
  protected readLiteral(lit: Literal, _ctx: DataContext, path: Path): number {
    const p = primitiveOf(lit);
    if (p?.value.case === "integer") {
      const v = p.value.value;
      if (v > MAX_SAFE || v < -MAX_SAFE) {
        literalMismatch(this, lit, path, `${v} is outside the safe integer range; declare t.bigint to read it`);
      }
      return Number(v);
    }
    if (p?.value.case === "floatValue" && Number.isSafeInteger(p.value.value)) return p.value.value;
    return literalMismatch(this, lit, path);
  }
  toMsgpack(value: unknown, _ctx: DataContext, path: Path): unknown {
    return this.parse(value, path);
  }
  fromMsgpack(value: unknown, _ctx: DataContext, path: Path): number {
    if (value instanceof MsgpackFloat) value = value.value;
    if (typeof value === "bigint") return mismatch(this, value, path, "outside the safe integer range");
    return this.parse(value, path);
  }
  jsonSchema(): Record<string, unknown> {
    return { type: "integer" };
  }
}

/** A 64-bit integer exposed as a JavaScript `bigint`, for the full int64 range. */
export class BigIntType extends FlyteType<bigint, bigint | number> {
  readonly name = "int (bigint)";
  readonly tag = "int";
  protected buildLiteralType(): LiteralType {
    return simpleType(SimpleType.INTEGER);
  }
  override mayAccept(value: unknown): boolean {
    return typeof value === "number" || typeof value === "bigint";
  }
  parse(value: unknown, path: Path = []): bigint {
    let v: bigint | undefined;
    if (typeof value === "bigint") v = value;
    else if (typeof value === "number" && Number.isSafeInteger(value)) v = BigInt(value);
    if (v === undefined) return mismatch(this, value, path);
    if (v > INT64_MAX || v < INT64_MIN) mismatch(this, value, path, "outside the int64 range");
    return v;
  }
  toLiteral(value: unknown, _ctx: DataContext, path: Path = []): Literal {
    return integerLiteral(this.parse(value, path));
  }
  protected readLiteral(lit: Literal, _ctx: DataContext, path: Path): bigint {
    const p = primitiveOf(lit);
    if (p?.value.case === "integer") return p.value.value;
    if (p?.value.case === "floatValue" && Number.isSafeInteger(p.value.value)) return BigInt(p.value.value);
    return literalMismatch(this, lit, path);
  }
  toMsgpack(value: unknown, _ctx: DataContext, path: Path): unknown {
    return this.parse(value, path);
  }
  fromMsgpack(value: unknown, _ctx: DataContext, path: Path): bigint {
    if (value instanceof MsgpackFloat) value = value.value;
    return this.parse(value, path);
  }
  jsonSchema(): Record<string, unknown> {
    return { type: "integer" };
  }
}

/** A 64-bit float. */
export class FloatType extends FlyteType<number> {
  readonly name = "float";
  readonly tag = "float";
  protected buildLiteralType(): LiteralType {
    return simpleType(SimpleType.FLOAT);
  }
  override mayAccept(value: unknown): boolean {
    return typeof value === "number";
  }
  parse(value: unknown, path: Path = []): number {
    if (typeof value === "number") return value;
    return mismatch(this, value, path);
  }
  toLiteral(value: unknown, _ctx: DataContext, path: Path = []): Literal {
    return floatLiteral(this.parse(value, path));
  }
  override isExact(value: unknown): boolean {
    return typeof value === "number" && !Number.isInteger(value);
  }
  override readWire(buf: Uint8Array, start: number, end: number): number | typeof SLOW {
    return readPrimitive(buf, start, end, FLOAT) as number | typeof SLOW;
  }
  override msgpackReader(): MsgpackRead {
    return readMsgpackFloat;
  }
  protected readLiteral(lit: Literal, _ctx: DataContext, path: Path): number {
    const p = primitiveOf(lit);
    if (p?.value.case === "floatValue") return p.value.value;
    if (p?.value.case === "integer") return Number(p.value.value);
    return literalMismatch(this, lit, path);
  }
  toMsgpack(value: unknown, _ctx: DataContext, path: Path): unknown {
    return new MsgpackFloat(this.parse(value, path));
  }
  fromMsgpack(value: unknown, _ctx: DataContext, path: Path): number {
    if (value instanceof MsgpackFloat) return value.value;
    if (typeof value === "bigint") return Number(value);
    return this.parse(value, path);
  }
  jsonSchema(): Record<string, unknown> {
    return { type: "number" };
  }
}

/** A string. */
export class StrType extends FlyteType<string> {
  readonly name = "str";
  readonly tag = "str";
  protected buildLiteralType(): LiteralType {
    return simpleType(SimpleType.STRING);
  }
  override mayAccept(value: unknown): boolean {
    return typeof value === "string";
  }
  parse(value: unknown, path: Path = []): string {
    if (typeof value === "string") return value;
    return mismatch(this, value, path);
  }
  toLiteral(value: unknown, _ctx: DataContext, path: Path = []): Literal {
    return stringLiteral(this.parse(value, path));
  }
  override readWire(buf: Uint8Array, start: number, end: number): string | typeof SLOW {
    return readPrimitive(buf, start, end, STRING) as string | typeof SLOW;
  }
  override msgpackReader(): MsgpackRead {
    return readMsgpackStr;
  }
  protected readLiteral(lit: Literal, _ctx: DataContext, path: Path): string {
    const p = primitiveOf(lit);
    if (p?.value.case === "stringValue") return p.value.value;
    return literalMismatch(this, lit, path);
  }
  toMsgpack(value: unknown, _ctx: DataContext, path: Path): unknown {
    return this.parse(value, path);
  }
  fromMsgpack(value: unknown, _ctx: DataContext, path: Path): string {
    return this.parse(value, path);
  }
  jsonSchema(): Record<string, unknown> {
    return { type: "string" };
  }
}

/** A boolean. */
export class BoolType extends FlyteType<boolean> {
  readonly name = "bool";
  readonly tag = "bool";
  protected buildLiteralType(): LiteralType {
    return simpleType(SimpleType.BOOLEAN);
  }
  override mayAccept(value: unknown): boolean {
    return typeof value === "boolean";
  }
  parse(value: unknown, path: Path = []): boolean {
    if (typeof value === "boolean") return value;
    return mismatch(this, value, path);
  }
  toLiteral(value: unknown, _ctx: DataContext, path: Path = []): Literal {
    return booleanLiteral(this.parse(value, path));
  }
  override readWire(buf: Uint8Array, start: number, end: number): boolean | typeof SLOW {
    return readPrimitive(buf, start, end, BOOLEAN) as boolean | typeof SLOW;
  }
  override msgpackReader(): MsgpackRead {
    return readMsgpackBool;
  }
  protected readLiteral(lit: Literal, _ctx: DataContext, path: Path): boolean {
    const p = primitiveOf(lit);
    if (p?.value.case === "boolean") return p.value.value;
    return literalMismatch(this, lit, path);
  }
  toMsgpack(value: unknown, _ctx: DataContext, path: Path): unknown {
    return this.parse(value, path);
  }
  fromMsgpack(value: unknown, _ctx: DataContext, path: Path): boolean {
    return this.parse(value, path);
  }
  jsonSchema(): Record<string, unknown> {
    return { type: "boolean" };
  }
}

/**
 * A point in time (UTC `Timestamp`), exposed as a `Date`. A `Date` holds milliseconds: reading a timestamp with
 * sub-millisecond digits is an error unless the type is declared with `t.datetime.truncating()`.
 */
export class DatetimeType extends FlyteType<Date, Date | string> {
  readonly name: string = "datetime";
  readonly tag = "datetime";
  /** Whether sub-millisecond digits are dropped on read instead of raising. */
  readonly truncates: boolean = false;
  protected buildLiteralType(): LiteralType {
    return simpleType(SimpleType.DATETIME);
  }
  /**
   * A datetime type that drops sub-millisecond digits on read (Python's microseconds) instead of raising.
   *
   * @example
   * const inputs = { at: t.datetime.truncating() };
   */
  truncating(): DatetimeType {
    return this.with({ truncates: true, name: "datetime (truncating to ms)" });
  }
  override mayAccept(value: unknown): boolean {
    return value instanceof Date || typeof value === "string";
  }
  parse(value: unknown, path: Path = []): Date {
    let d: Date | undefined;
    if (value instanceof Date) d = value;
    else if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}/.test(value)) {
      // A naive date-time is UTC, as flytekit treats naive datetimes (`new Date` would read it as local time).
      const naive = NAIVE_DATETIME.exec(value);
      d = new Date(naive ? `${naive[1]}T${naive[2]}Z` : value);
    }
    if (!d || Number.isNaN(d.getTime())) return mismatch(this, value, path, "not a valid date");
    const year = d.getUTCFullYear();
    if (year < 1 || year > 9999) {
      mismatch(this, value, path, "outside the years 1 to 9999 that a Timestamp (and a Python datetime) holds");
    }
    return d;
  }
  toLiteral(value: unknown, _ctx: DataContext, path: Path = []): Literal {
    const ms = this.parse(value, path).getTime();
    const seconds = Math.floor(ms / 1000);
    return primitiveLiteral({ case: "datetime", value: timestamp(BigInt(seconds), (ms - seconds * 1000) * 1e6) });
  }
  protected readLiteral(lit: Literal, _ctx: DataContext, path: Path): Date {
    const p = primitiveOf(lit);
    if (p?.value.case !== "datetime") return literalMismatch(this, lit, path);
    const { seconds, nanos } = p.value.value;
    if (nanos % 1e6 !== 0 && !this.truncates) {
      literalMismatch(
        this,
        lit,
        path,
        `${nanos} ns has sub-millisecond digits a Date cannot hold; declare t.datetime.truncating() to drop them`,
      );
    }
    return new Date(Number(seconds) * 1000 + Math.floor(nanos / 1e6));
  }
  toMsgpack(value: unknown, _ctx: DataContext, path: Path): unknown {
    // mashumaro writes `datetime.isoformat()`; an aware UTC datetime ends in +00:00 and omits a zero fraction.
    const d = this.parse(value, path);
    const iso = d.toISOString();
    const ms = d.getUTCMilliseconds();
    return `${iso.slice(0, 19)}${ms === 0 ? "" : `.${String(ms).padStart(3, "0")}000`}+00:00`;
  }
  fromMsgpack(value: unknown, _ctx: DataContext, path: Path): Date {
    if (typeof value !== "string") return mismatch(this, value, path);
    const m = /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/.exec(value);
    if (!m) return mismatch(this, value, path, "not an ISO-8601 datetime");
    const frac = m[2] ?? "";
    if (frac.length > 3 && /[1-9]/.test(frac.slice(3)) && !this.truncates) {
      mismatch(this, value, path, "sub-millisecond digits a Date cannot hold; declare t.datetime.truncating()");
    }
    const d = new Date(`${m[1]!.replace(" ", "T")}${frac ? `.${frac.slice(0, 3).padEnd(3, "0")}` : ""}${m[3] ?? "Z"}`);
    if (Number.isNaN(d.getTime())) return mismatch(this, value, path, "not a valid date");
    return d;
  }
  jsonSchema(): Record<string, unknown> {
    return { type: "string", format: "date-time" };
  }
}

/**
 * A duration, exposed as milliseconds (possibly fractional, down to nanoseconds). Callers may also pass strings such
 * as `"1h30m"`.
 */
export class DurationType extends FlyteType<number, DurationInput> {
  readonly name = "duration";
  readonly tag = "timedelta";
  protected buildLiteralType(): LiteralType {
    return simpleType(SimpleType.DURATION);
  }
  override mayAccept(value: unknown): boolean {
    return typeof value === "number" || typeof value === "string";
  }
  parse(value: unknown, path: Path = []): number {
    let ms: number;
    if (typeof value === "number" && Number.isFinite(value)) ms = value;
    else if (typeof value === "string") {
      try {
        ms = parseDuration(value);
      } catch (e) {
        return mismatch(this, value, path, (e as Error).message);
      }
    } else return mismatch(this, value, path);
    if (Math.abs(ms) > MAX_DURATION_MS)
      mismatch(this, value, path, "beyond the ±10000 years a protobuf Duration holds");
    return ms;
  }
  toLiteral(value: unknown, _ctx: DataContext, path: Path = []): Literal {
    const { seconds, nanos } = msToSecondsNanos(this.parse(value, path));
    return primitiveLiteral({ case: "duration", value: duration(seconds, nanos) });
  }
  protected readLiteral(lit: Literal, _ctx: DataContext, path: Path): number {
    const p = primitiveOf(lit);
    if (p?.value.case === "duration") return secondsNanosToMs(p.value.value.seconds, p.value.value.nanos);
    return literalMismatch(this, lit, path);
  }
  toMsgpack(value: unknown, _ctx: DataContext, path: Path): unknown {
    // mashumaro writes `timedelta.total_seconds()`, a float.
    return new MsgpackFloat(msToSeconds(this.parse(value, path)));
  }
  fromMsgpack(value: unknown, _ctx: DataContext, path: Path): number {
    const v = value instanceof MsgpackFloat ? value.value : value;
    if (typeof v === "number") return secondsToMs(v);
    return mismatch(this, value, path, "expected seconds as a number");
  }
  jsonSchema(): Record<string, unknown> {
    return { type: "number", format: "time-delta" };
  }
}

/** The none type: only `null` (or `undefined`). Reads as `null`. */
export class NoneType extends FlyteType<null, null | undefined> {
  readonly name = "none";
  readonly tag = "none";
  override readonly acceptsNone = true;
  protected buildLiteralType(): LiteralType {
    return simpleType(SimpleType.NONE);
  }
  override mayAccept(value: unknown): boolean {
    return value === null || value === undefined;
  }
  parse(value: unknown, path: Path = []): null {
    if (value === null || value === undefined) return null;
    return mismatch(this, value, path);
  }
  toLiteral(value: unknown, _ctx: DataContext, path: Path = []): Literal {
    this.parse(value, path);
    return noneLiteral();
  }
  protected readLiteral(lit: Literal, _ctx: DataContext, path: Path): null {
    if (scalarOf(lit)?.value.case === "noneType") return null;
    return literalMismatch(this, lit, path);
  }
  toMsgpack(value: unknown, _ctx: DataContext, path: Path): unknown {
    return this.parse(value, path);
  }
  fromMsgpack(value: unknown, _ctx: DataContext, path: Path): null {
    return this.parse(value, path);
  }
  jsonSchema(): Record<string, unknown> {
    return { type: "null" };
  }
}
