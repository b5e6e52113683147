/**
 * Structs: objects with typed fields, written as msgpack `Binary` exactly as flytekit writes dataclasses, and untyped
 * JSON-like dicts (flytekit's plain `dict`).
 */
import type { JsonObject } from "@bufbuild/protobuf";
import { FlyteTypeError } from "../errors.js";
import type { Literal } from "../idl/gen/flyteidl/core/literals_pb.js";
import { type LiteralType, SimpleType } from "../idl/gen/flyteidl/core/types_pb.js";
import { binaryLiteral, scalarOf } from "../idl/literals.js";
import { simpleType, typeAnnotation, typeStructure } from "../idl/types.js";
import { setKey } from "./keys.js";
import { decodeMsgpack, encodeMsgpack, MsgpackFloat, MsgpackKind, MsgpackReader } from "./msgpack.js";
import {
  type AnyType,
  type DataContext,
  FlyteType,
  type Infer,
  type InferIn,
  literalMismatch,
  type MsgpackRead,
  mismatch,
  type Path,
  ROOT,
  retryWithPath,
  NO_DATA,
} from "./type.js";
import { readBinary, SLOW } from "./wire.js";

/** The msgpack nil byte. */
const NIL = 0xc0;

/** The last reader made, reused while the input is the same buffer (the elements of one list literal). */
let lastReader: MsgpackReader | undefined;

/** A msgpack reader over `bytes[start, end)`. */
function readerOver(bytes: Uint8Array, start: number, end: number): MsgpackReader {
  if (lastReader?.bytes !== bytes) lastReader = new MsgpackReader(bytes);
  lastReader.pos = start;
  lastReader.end = end;
  return lastReader;
}

/** The annotation flytekit puts on msgpack STRUCT types, so msgpack and JSON struct caches never collide. */
export const MSGPACK_ANNOTATION: JsonObject = { "cache-key-metadata": { "serialization-format": "msgpack" } };

/** Field types of a struct. */
export type Fields = Record<string, AnyType>;

type OptionalKeys<F extends Fields> = { [K in keyof F]: F[K]["acceptsNone"] extends true ? K : never }[keyof F];
type RequiredKeys<F extends Fields> = Exclude<keyof F, OptionalKeys<F>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The value type of a struct with fields `F`. */
export type StructOut<F extends Fields> = Simplify<{ [K in keyof F]: Infer<F[K]> }>;
/** What callers may pass for a struct with fields `F`: optional fields may be left out. */
export type StructIn<F extends Fields> = Simplify<
  { [K in RequiredKeys<F>]: InferIn<F[K]> } & { [K in OptionalKeys<F>]?: InferIn<F[K]> }
>;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Replaces the `MsgpackFloat` wrappers that struct literals are decoded with by plain numbers, recursively, for
 * fields whose values are untyped (`t.dict()`, `t.schema()`).
 */
export function unwrapFloats(v: unknown): unknown {
  if (v instanceof MsgpackFloat) return v.value;
  if (Array.isArray(v)) return v.map(unwrapFloats);
  if (v instanceof Map) {
    const m = new Map<unknown, unknown>();
    for (const [k, x] of v) m.set(k, unwrapFloats(x));
    return m;
  }
  if (isPlainObject(v)) {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v)) setKey(o, k, unwrapFloats(v[k]));
    return o;
  }
  return v;
}

/** A struct with typed fields (flytekit's dataclass). */
export class StructType<F extends Fields> extends FlyteType<StructOut<F>, StructIn<F>> {
  readonly name: string;
  readonly tag: string = "Object-Dataclass-Transformer";
  /** The struct's fields, in declaration order (the msgpack key order). */
  readonly fields: F;
  /** The struct's title in its JSON Schema. */
  readonly title: string;
  protected override readonly readsBinary = true;
  private readonly keys: string[];

  constructor(fields: F, opts: { name?: string } = {}) {
    super();
    for (const k of Object.keys(fields)) {
      if (!(fields[k] instanceof FlyteType))
        throw new FlyteTypeError(`struct field ${k} is not a Flyte type (use t.*)`);
    }
    this.fields = fields;
    this.keys = Object.keys(fields);
    this.title = opts.name ?? "Struct";
    this.name = opts.name ? `struct ${opts.name}` : `struct{${this.keys.join(", ")}}`;
  }

  protected buildLiteralType(): LiteralType {
    const dataclassType: Record<string, LiteralType> = {};
    for (const k of this.keys) dataclassType[k] = this.fields[k]!.literalType;
    return {
      ...simpleType(SimpleType.STRUCT, {
        metadata: this.jsonSchemaDocument() as JsonObject,
        annotation: typeAnnotation(MSGPACK_ANNOTATION),
      }),
      structure: typeStructure("", dataclassType),
    };
  }

  /** The JSON Schema document stored in the type's metadata. */
  jsonSchemaDocument(): Record<string, unknown> {
    // flytekit stores mashumaro's schema as is, without a $schema key; propeller compares the two when wiring tasks.
    return this.jsonSchema();
  }

  jsonSchema(): Record<string, unknown> {
    const properties: Record<string, unknown> = {};
    const required: string[] = [];
    for (const k of this.keys) {
      const f = this.fields[k]!;
      // A field that may be left out is a dataclass field with a default: `None` for optionals, as mashumaro writes.
      // A list, map or struct default can only be a `default_factory` in Python, which mashumaro does not write.
      const schema = f.jsonSchema();
      if (f.hasDefault) {
        const value = f.toMsgpack(f.defaultValue, NO_DATA, [k]);
        if (value === null || typeof value !== "object" || value instanceof MsgpackFloat)
          schema.default = jsonValue(value);
      } else if (f.acceptsNone) schema.default = null;
      properties[k] = schema;
      if (!f.acceptsNone && !f.hasDefault) required.push(k);
    }
    // mashumaro leaves out an empty `properties` (a struct with no fields) and an empty `required`.
    return {
      type: "object",
      title: this.title,
      ...(this.keys.length > 0 ? { properties } : {}),
      additionalProperties: false,
      ...(required.length > 0 ? { required } : {}),
    };
  }

  private checkKeys(value: unknown, path: Path): Record<string, unknown> {
    if (!isPlainObject(value)) return mismatch(this, value, path);
    for (const k of Object.keys(value)) {
      if (!Object.hasOwn(this.fields, k)) mismatch(this, value, path, `unknown field ${JSON.stringify(k)}`);
    }
    return value;
  }

  private fieldValue(obj: Record<string, unknown>, k: string, path: Path): unknown {
    const f = this.fields[k]!;
    const v = obj[k];
    if (v === undefined && f.hasDefault) return f.defaultValue;
    if (v === undefined && !f.acceptsNone) mismatch(this, obj, path, `missing field ${JSON.stringify(k)} (${f.name})`);
    return v;
  }

  override mayAccept(value: unknown): boolean {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }
  parse(value: unknown, path: Path = []): StructOut<F> {
    const obj = this.checkKeys(value, path);
    const out: Record<string, unknown> = {};
    for (const k of this.keys) setKey(out, k, this.fields[k]!.parse(this.fieldValue(obj, k, path), [...path, k]));
    return out as StructOut<F>;
  }

  toMsgpack(value: unknown, ctx: DataContext, path: Path): unknown {
    const obj = this.checkKeys(value, path);
    const out: Record<string, unknown> = {};
    for (const k of this.keys)
      setKey(out, k, this.fields[k]!.toMsgpack(this.fieldValue(obj, k, path), ctx, [...path, k]));
    return out;
  }

  fromMsgpack(value: unknown, ctx: DataContext, path: Path): StructOut<F> {
    if (value instanceof Map) value = Object.fromEntries(value);
    const obj = this.checkKeys(value, path);
    const out: Record<string, unknown> = {};
    for (const k of this.keys) {
      const f = this.fields[k]!;
      const v = obj[k];
      if (v === undefined || v === null) {
        if (f.hasDefault && v === undefined) {
          setKey(out, k, f.parse(f.defaultValue, [...path, k]));
          continue;
        }
        if (f.acceptsNone) {
          setKey(out, k, null);
          continue;
        }
        mismatch(this, value, path, `missing field ${JSON.stringify(k)} (${f.name})`);
      }
      try {
        setKey(out, k, f.fromMsgpack(v, ctx, ROOT));
      } catch (e) {
        retryWithPath(e, path, k, (p) => f.fromMsgpack(v, ctx, p));
      }
    }
    return out as StructOut<F>;
  }

  /**
   * Reads the struct straight from msgpack when every field type has a reader: one pass over the bytes into the
   * result, no decoded map and no float wrappers in between. It takes the plain case flytekit and this type write (a
   * map of every field, in declaration order, keys as fixstr or str8); anything else returns `SLOW`.
   */
  override msgpackReader(): MsgpackRead | undefined {
    if (this.compiledReader !== undefined) return this.compiledReader ?? undefined;
    const keys = this.keys;
    const fields = keys.map((k) => this.fields[k]!);
    const readers = fields.map((f) => f.msgpackReader());
    if (readers.some((r) => r === undefined)) {
      this.compiledReader = null;
      return undefined;
    }
    const keyBytes = keys.map((k) => new TextEncoder().encode(k));
    const nullable = fields.map((f) => f.acceptsNone);
    const protoKey = keys.includes("__proto__");
    const n = keys.length;
    const read = (r: MsgpackReader): unknown => {
      if (r.readHead() !== MsgpackKind.Map || r.length !== n) return SLOW;
      const bytes = r.bytes;
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        // The key, compared as bytes with the field's name.
        let pos = r.pos;
        const h = bytes[pos]!;
        let len: number;
        if (h >= 0xa0 && h <= 0xbf) {
          len = h & 0x1f;
          pos++;
        } else if (h === 0xd9) {
          len = bytes[pos + 1]!;
          pos += 2;
        } else return SLOW;
        const want = keyBytes[i]!;
        if (len !== want.length || pos + len > r.end) return SLOW;
        for (let j = 0; j < len; j++) if (bytes[pos + j] !== want[j]) return SLOW;
        r.pos = pos + len;
        let v: unknown;
        if (r.pos < r.end && bytes[r.pos] === NIL) {
          if (!nullable[i]) return SLOW;
          r.pos++;
          v = null;
        } else {
          v = readers[i]!(r);
          if (v === SLOW) return SLOW;
        }
        if (protoKey) setKey(out, keys[i]!, v);
        else out[keys[i]!] = v;
      }
      return out;
    };
    this.compiledReader = read;
    return read;
  }
  /** The compiled {@link msgpackReader}: `null` when a field type has none. */
  private compiledReader: MsgpackRead | null | undefined = undefined;

  /** The struct read by {@link msgpackReader} from the msgpack bytes `bytes[start, end)`, or `SLOW`. */
  private readMsgpackBytes(bytes: Uint8Array, start: number, end: number): StructOut<F> | typeof SLOW {
    const read = this.msgpackReader();
    if (read === undefined) return SLOW;
    try {
      const r = readerOver(bytes, start, end);
      const v = read(r);
      return v === SLOW || r.pos !== end ? SLOW : (v as StructOut<F>);
    } catch {
      return SLOW; // malformed or unexpected: the ordinary path reads it again and words the error
    }
  }

  toLiteral(value: unknown, ctx: DataContext, path: Path = []): Literal {
    return binaryLiteral(encodeMsgpack(this.toMsgpack(value, ctx, path)), "msgpack");
  }

  override readWire(buf: Uint8Array, start: number, end: number): StructOut<F> | typeof SLOW {
    const b = readBinary(buf, start, end);
    return b === SLOW || b.tag !== "msgpack" ? SLOW : this.readMsgpackBytes(buf, b.start, b.end);
  }

  protected readLiteral(lit: Literal, ctx: DataContext, path: Path): StructOut<F> {
    const s = scalarOf(lit);
    if (s?.value.case === "binary") {
      if (s.value.value.tag !== "msgpack")
        return literalMismatch(this, lit, path, "binary literals must be tagged msgpack");
      const bin = s.value.value.value;
      const fast = this.readMsgpackBytes(bin, 0, bin.length);
      if (fast !== SLOW) return fast;
      let decoded: unknown;
      try {
        decoded = decodeMsgpack(s.value.value.value, { floatWrapper: true });
      } catch (e) {
        return literalMismatch(this, lit, path, `malformed msgpack (${(e as Error).message})`);
      }
      return this.fromMsgpack(decoded, ctx, path);
    }
    // The legacy form: a protobuf Struct holding the JSON of the object.
    if (s?.value.case === "generic") return this.fromMsgpack(s.value.value, ctx, path);
    return literalMismatch(this, lit, path);
  }
}

/** A msgpack-ready value as JSON (floats unwrapped, bytes as arrays), for schema defaults. */
function jsonValue(v: unknown): unknown {
  if (v instanceof MsgpackFloat) return v.value;
  if (typeof v === "bigint") return Number(v);
  if (v instanceof Uint8Array) return [...v];
  if (Array.isArray(v)) return v.map(jsonValue);
  if (v !== null && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonValue(x)]));
  return v;
}

/** A JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/** An untyped dict of JSON-like values (flytekit's plain `dict`): a msgpack STRUCT with no schema. */
export class DictType extends FlyteType<Record<string, unknown>> {
  readonly name = "dict";
  readonly tag = "Typed Dict";
  protected override readonly readsBinary = true;
  protected buildLiteralType(): LiteralType {
    return simpleType(SimpleType.STRUCT, { annotation: typeAnnotation(MSGPACK_ANNOTATION) });
  }
  override mayAccept(value: unknown): boolean {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }
  parse(value: unknown, path: Path = []): Record<string, unknown> {
    if (!isPlainObject(value)) return mismatch(this, value, path);
    this.check(value, path);
    return value;
  }
  private check(v: unknown, path: Path): void {
    if (v === null || typeof v === "string" || typeof v === "boolean" || typeof v === "bigint") return;
    if (typeof v === "number") return;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) this.check(v[i], [...path, i]);
      return;
    }
    if (isPlainObject(v)) {
      for (const [k, x] of Object.entries(v)) this.check(x, [...path, k]);
      return;
    }
    if (v instanceof Uint8Array) return;
    mismatch(
      this,
      v,
      path,
      "only JSON-like values (null, booleans, numbers, strings, arrays, plain objects) fit a dict",
    );
  }
  toMsgpack(value: unknown, _ctx: DataContext, path: Path): unknown {
    return this.parse(value, path);
  }
  fromMsgpack(value: unknown, _ctx: DataContext, path: Path): Record<string, unknown> {
    if (value instanceof Map) value = Object.fromEntries(value);
    return this.parse(unwrapFloats(value), path);
  }
  toLiteral(value: unknown, _ctx: DataContext, path: Path = []): Literal {
    return binaryLiteral(encodeMsgpack(this.parse(value, path)), "msgpack");
  }
  protected readLiteral(lit: Literal, ctx: DataContext, path: Path): Record<string, unknown> {
    const s = scalarOf(lit);
    if (s?.value.case === "binary" && s.value.value.tag === "msgpack") {
      return this.fromMsgpack(decodeMsgpack(s.value.value.value), ctx, path);
    }
    if (s?.value.case === "generic") return this.fromMsgpack(s.value.value, ctx, path);
    return literalMismatch(this, lit, path);
  }
  jsonSchema(): Record<string, unknown> {
    return { type: "object" };
  }
}
