/**
 * A list literal built element by element, in any order, and kept packed until it is written. Elements of primitive
 * types are a value in a typed array (a string array for strings) and a state byte, instead of a Literal tree per
 * element; elements of any other type are their serialized bytes, appended to large shared buffers. Local map tasks
 * collect their elements' outputs here as each element finishes, so a map over 10^6 ints holds about ten bytes per
 * element where it held the Literal, Scalar, Primitive and oneof objects of every output (about 650 bytes each). The
 * list is written straight to its wire bytes (`wire-encode.ts`'s writer) and handed on as a lazy literal, byte for
 * byte what `toBinary` writes for the literal tree of the same elements (test/unit/types/packed-list.test.ts checks
 * this).
 *
 * Three element forms, by the list's element type and the element literals it is given:
 * - `bare`: the element type is `t.int`, `t.float`, `t.str` or `t.bool` and elements are their plain literals;
 * - `wrap`: the element type is `optional(T)` of such a T and elements are given as T's literals, written as the union
 *   literals of the optional (how a map whose elements may fail stores a success);
 * - `unwrap`: the element type is `optional(T)` and elements are given as the optional's own union literals.
 * In the two optional forms an element never given is none (a failed map element). Any element literal that is not
 * the plain form (a hash, metadata, another kind of value) is kept as its own serialized bytes, so nothing is lost;
 * elements of other types (structs, lists, files...) are always kept that way, given as literals of the element type
 * (`bare`) or of the `T` of an `optional(T)` element type (`wrap`).
 */
import { toBinary } from "@bufbuild/protobuf";
import type { Binary, Literal, Union } from "../idl/gen/flyteidl/core/literals_pb.js";
import { type LiteralType, LiteralTypeSchema } from "../idl/gen/flyteidl/core/types_pb.js";
import { lazyLiteral, wireLiteral } from "../idl/lazy.js";
import { encodeLiteral } from "../idl/literal-wire.js";
import { unionLiteral } from "../idl/literals.js";
import { withTag } from "../idl/types.js";
import { type AnyType, NO_DATA } from "./type.js";
import { OptionalType } from "./union.js";
import { BOOLEAN, FLOAT, INTEGER, readPrimitive, SLOW, STRING } from "./wire.js";
import { lengthSize, PrimitiveWriter, primitiveKind } from "./wire-encode.js";

// Element states; 0, the initial state, is an element never set.
const VALUE = 1;
const NONE = 2;
const OTHER = 3;

const LITERAL_SCALAR = 0x0a; // Literal.scalar = 1
const LITERAL_COLLECTION = 0x12; // Literal.collection = 2
const SCALAR_UNION = 0x4a; // Scalar.union = 9
const UNION_VALUE = 0x0a; // Union.value = 1
const UNION_TYPE = 0x12; // Union.type = 2
const REPEATED_LITERALS = 0x0a; // LiteralCollection.literals = 1
const SCALAR_BINARY = 0x1a; // Scalar.binary = 3
const BINARY_VALUE = 0x0a; // Binary.value = 1
const BINARY_TAG = 0x12; // Binary.tag = 2

/** The kind of a list whose elements are all kept as bytes. */
const GENERAL = 0;
/** The size of the buffers that hold elements' bytes (an element larger than this has a buffer of its own). */
const CHUNK = 1 << 20;

type Form = "bare" | "wrap" | "unwrap";

/** Whether a record (a literal's metadata) has no keys. */
function isEmpty(record: Record<string, string>): boolean {
  for (const _ in record) return false;
  return true;
}

/** Whether a decoded message carries fields its schema does not know (kept by protobuf-es as `$unknown`). */
function hasUnknown(message: object): boolean {
  return (message as { $unknown?: unknown[] }).$unknown !== undefined;
}

/**
 * The value of `lit` when it is exactly `Literal{scalar{primitive{<kind>}}}` and nothing else (no hash, no metadata, no
 * unknown fields; an integer in the safe range), else {@link SLOW}.
 */
function plainPrimitive(lit: Literal, kind: number): number | string | boolean | typeof SLOW {
  const w = wireLiteral(lit);
  if (w !== undefined) return readPrimitive(w.buf, w.start, w.end, kind);
  if (lit.value.case !== "scalar" || lit.hash !== "" || !isEmpty(lit.metadata) || hasUnknown(lit)) return SLOW;
  const scalar = lit.value.value;
  if (scalar.value.case !== "primitive" || hasUnknown(scalar)) return SLOW;
  const primitive = scalar.value.value;
  if (hasUnknown(primitive)) return SLOW;
  const p = primitive.value;
  switch (kind) {
    case INTEGER:
      return p.case === "integer" && p.value >= -MAX_SAFE && p.value <= MAX_SAFE ? Number(p.value) : SLOW;
    case FLOAT:
      return p.case === "floatValue" ? p.value : SLOW;
    case STRING:
      return p.case === "stringValue" ? p.value : SLOW;
    default:
      return p.case === "boolean" ? p.value : SLOW;
  }
}
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** `Literal{scalar{union{value, type}}}` with no hash, metadata or unknown fields: its union; else `undefined`. */
function plainUnion(lit: Literal): Union | undefined {
  if (wireLiteral(lit) !== undefined) return undefined;
  if (lit.value.case !== "scalar" || lit.hash !== "" || !isEmpty(lit.metadata) || hasUnknown(lit)) return undefined;
  const scalar = lit.value.value;
  if (scalar.value.case !== "union" || hasUnknown(scalar) || hasUnknown(scalar.value.value)) return undefined;
  return scalar.value.value;
}

/** Whether `lit` is exactly `Literal{scalar{none_type{}}}`. */
function isPlainNone(lit: Literal): boolean {
  if (lit.value.case !== "scalar" || lit.hash !== "" || !isEmpty(lit.metadata) || hasUnknown(lit)) return false;
  const scalar = lit.value.value;
  return scalar.value.case === "noneType" && !hasUnknown(scalar) && !hasUnknown(scalar.value.value);
}

/**
 * A list literal of `n` elements filled by index and written packed.
 *
 * @example
 * const list = PackedList.of(t.int, t.int, 3)!;
 * list.set(2, integerLiteral(3n)); list.set(0, integerLiteral(1n)); list.set(1, integerLiteral(2n));
 * list.toLiteral(); // the lazy literal of [1, 2, 3]
 */
export class PackedList {
  readonly length: number;
  private readonly kind: number;
  private readonly form: Form;
  private readonly states: Uint8Array;
  /** Numbers, and booleans as 0 or 1. */
  private readonly numbers: Float64Array | undefined;
  private readonly strings: string[] | undefined;
  /** Elements kept as their serialized element literals: buffers of their bytes, and where each element's lie. */
  private readonly chunks: Uint8Array[] = [];
  private chunkPos = 0;
  private otherChunk: Uint32Array | undefined;
  private otherStart: Uint32Array | undefined;
  private otherLength: Uint32Array | undefined;
  /** The stored type of the value variant (`wrap`, `unwrap`) as the union literals of the optional carry it. */
  private readonly valueType: LiteralType | undefined;
  private readonly valueTypeBytes: Uint8Array;
  /** The stored type of the none variant in the optional's own union literals (`unwrap`). */
  private readonly noneType: LiteralType | undefined;
  /** The serialized literal of none as the element type writes it, made when first needed. */
  private noneBytes: Uint8Array | undefined;
  private readonly element: AnyType;

  /**
   * The packed list of `n` elements of type `element`, given as literals of `given`: the element type itself, or the
   * `T` of an `optional(T)` element type; `undefined` when `given` is neither.
   */
  static of(given: AnyType, element: AnyType, n: number): PackedList | undefined {
    const variant = element instanceof OptionalType ? (element.variants[0] as AnyType) : undefined;
    const kind = primitiveKind(variant ?? element);
    if (given === element) {
      if (variant === undefined || kind === undefined)
        return new PackedList(kind ?? GENERAL, "bare", element, given, n);
      return new PackedList(kind, "unwrap", element, variant, n);
    }
    if (given === variant) return new PackedList(kind ?? GENERAL, "wrap", element, variant, n);
    return undefined;
  }

  private constructor(kind: number, form: Form, element: AnyType, variant: AnyType, n: number) {
    this.length = n;
    this.kind = kind;
    this.form = form;
    this.element = element;
    this.states = new Uint8Array(n);
    if (kind === STRING) this.strings = new Array<string>(n);
    else if (kind !== GENERAL) this.numbers = new Float64Array(n);
    if (form === "bare") {
      this.valueTypeBytes = new Uint8Array(0);
    } else {
      const optional = element as OptionalType<AnyType>;
      // `wrap` stores T's type tagged as flytekit tags union variants, as the map always wrapped its successes;
      // `unwrap` recognises the optional's own stored types, so its literals are the same objects.
      this.valueType = form === "wrap" ? withTag(variant.literalType, variant.tag) : optional.taggedTypes[0];
      this.noneType = optional.taggedTypes[1];
      this.valueTypeBytes = toBinary(LiteralTypeSchema, this.valueType!);
    }
  }

  /** Element `i` is `lit`, a literal of the type the list was made for. */
  set(i: number, lit: Literal): void {
    if (!(i >= 0 && i < this.length && Number.isInteger(i))) {
      throw new RangeError(`element index ${i} is outside a list of ${this.length}`);
    }
    if (this.form !== "unwrap") {
      const v = this.kind === GENERAL ? SLOW : plainPrimitive(lit, this.kind);
      if (v !== SLOW) this.store(i, v);
      else this.keep(i, this.form === "wrap" ? unionLiteral(lit, this.valueType!) : lit);
      return;
    }
    const u = plainUnion(lit);
    const v = u?.type === this.valueType && u?.value !== undefined ? plainPrimitive(u.value, this.kind) : SLOW;
    if (v !== SLOW) this.store(i, v);
    else if (u?.type === this.noneType && u?.value !== undefined && isPlainNone(u.value)) this.states[i] = NONE;
    else this.keep(i, lit);
  }

  private store(i: number, v: number | string | boolean): void {
    this.states[i] = VALUE;
    if (this.strings !== undefined) this.strings[i] = v as string;
    else this.numbers![i] = v === true ? 1 : v === false ? 0 : (v as number);
  }

  /**
   * Keeps element `i` as the bytes of `lit`, copied into the list's buffers (a lazy literal's file can go). A plain
   * binary literal (a struct's msgpack) is written here directly: `toBinary` of its tree costs several times more.
   */
  private keep(i: number, lit: Literal): void {
    const binary = plainBinary(lit);
    const bytes = binary === undefined ? encodeLiteral(lit) : undefined;
    let tag: Uint8Array | undefined;
    let size: number;
    if (binary === undefined) size = bytes!.length;
    else {
      tag = binary.tag === this.lastTag ? this.lastTagBytes : utf8.encode(binary.tag);
      this.lastTag = binary.tag;
      this.lastTagBytes = tag;
      size = binaryLiteralSize(binary.value.length, tag.length);
    }
    const n = this.length;
    this.otherChunk ??= new Uint32Array(n);
    this.otherStart ??= new Uint32Array(n);
    this.otherLength ??= new Uint32Array(n);
    let chunk = this.chunks.at(-1);
    if (chunk === undefined || this.chunkPos + size > chunk.length) {
      chunk = new Uint8Array(Math.max(CHUNK, size));
      this.chunks.push(chunk);
      this.chunkPos = 0;
    }
    if (bytes !== undefined) chunk.set(bytes, this.chunkPos);
    else writeBinaryLiteral(chunk, this.chunkPos, binary!.value, tag!);
    this.otherChunk[i] = this.chunks.length - 1;
    this.otherStart[i] = this.chunkPos;
    this.otherLength[i] = size;
    this.chunkPos += size;
    this.states[i] = OTHER;
  }
  private lastTag = "";
  private lastTagBytes: Uint8Array = new Uint8Array(0);

  /** The bytes kept for element `i`. */
  private other(i: number): Uint8Array {
    const start = this.otherStart![i]!;
    return this.chunks[this.otherChunk![i]!]!.subarray(start, start + this.otherLength![i]!);
  }

  /** The value of element `i` as the writer takes it. */
  private value(i: number): number | string | boolean {
    if (this.strings !== undefined) return this.strings[i]!;
    const x = this.numbers![i]!;
    return this.kind === BOOLEAN ? x !== 0 : x;
  }

  /**
   * The list as a lazy literal over its serialized bytes. An element never set is none when the element type accepts
   * none, and the element type's error for a missing value otherwise.
   */
  toLiteral(): Literal {
    const n = this.length;
    const w = new PrimitiveWriter(this.kind);
    w.prepare(n);
    const sizes = new Int32Array(n);
    const typeLen = this.valueTypeBytes.length;
    let content = 0;
    for (let i = 0; i < n; i++) {
      let size: number;
      const state = this.states[i];
      if (state === VALUE) {
        const p = w.primitiveSize(this.value(i), i);
        sizes[i] = p;
        size = PrimitiveWriter.literalSize(p);
        if (this.form !== "bare") size = wrappedSize(size, typeLen);
      } else if (state === OTHER) size = this.otherLength![i]!;
      else {
        // An element type that does not take none says why, as writing the missing element's null would.
        this.noneBytes ??= encodeLiteral(this.element.toLiteral(null, NO_DATA, [i]));
        size = this.noneBytes.length;
      }
      content += 1 + lengthSize(size) + size;
    }
    w.alloc(1 + lengthSize(content) + content);
    w.byte(LITERAL_COLLECTION);
    w.length(content);
    for (let i = 0; i < n; i++) {
      const state = this.states[i];
      w.byte(REPEATED_LITERALS);
      if (state === VALUE) {
        const p = sizes[i]!;
        const lit = PrimitiveWriter.literalSize(p);
        if (this.form === "bare") {
          w.length(lit);
        } else {
          const union = 1 + lengthSize(lit) + lit + 1 + lengthSize(typeLen) + typeLen;
          const scalar = 1 + lengthSize(union) + union;
          w.length(1 + lengthSize(scalar) + scalar);
          w.byte(LITERAL_SCALAR);
          w.length(scalar);
          w.byte(SCALAR_UNION);
          w.length(union);
          w.byte(UNION_VALUE);
          w.length(lit);
        }
        w.literal(this.value(i), i, p);
        if (this.form !== "bare") {
          w.byte(UNION_TYPE);
          w.length(typeLen);
          w.buf.set(this.valueTypeBytes, w.pos);
          w.pos += typeLen;
        }
      } else {
        const bytes = state === OTHER ? this.other(i) : this.noneBytes!;
        w.length(bytes.length);
        w.buf.set(bytes, w.pos);
        w.pos += bytes.length;
      }
    }
    return lazyLiteral(w.bytes());
  }
}

/** `Literal{scalar{binary}}` with no hash, metadata or unknown fields (a literal object): its binary; else `undefined`. */
function plainBinary(lit: Literal): Binary | undefined {
  if (wireLiteral(lit) !== undefined) return undefined;
  if (lit.value.case !== "scalar" || lit.hash !== "" || !isEmpty(lit.metadata) || hasUnknown(lit)) return undefined;
  const scalar = lit.value.value;
  if (scalar.value.case !== "binary" || hasUnknown(scalar) || hasUnknown(scalar.value.value)) return undefined;
  return scalar.value.value;
}

/** The size of the serialized `Literal{scalar{binary{value, tag}}}` (empty fields are not written). */
function binaryLiteralSize(value: number, tag: number): number {
  const binary = (value ? 1 + lengthSize(value) + value : 0) + (tag ? 1 + lengthSize(tag) + tag : 0);
  const scalar = 1 + lengthSize(binary) + binary;
  return 1 + lengthSize(scalar) + scalar;
}

/** Writes `Literal{scalar{binary{value, tag}}}` at `buf[pos]`, as `toBinary` writes it. */
function writeBinaryLiteral(buf: Uint8Array, pos: number, value: Uint8Array, tag: Uint8Array): void {
  const binary =
    (value.length ? 1 + lengthSize(value.length) + value.length : 0) +
    (tag.length ? 1 + lengthSize(tag.length) + tag.length : 0);
  const varint = (n: number) => {
    while (n > 0x7f) {
      buf[pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    buf[pos++] = n;
  };
  buf[pos++] = LITERAL_SCALAR;
  varint(1 + lengthSize(binary) + binary);
  buf[pos++] = SCALAR_BINARY;
  varint(binary);
  if (value.length) {
    buf[pos++] = BINARY_VALUE;
    varint(value.length);
    buf.set(value, pos);
    pos += value.length;
  }
  if (tag.length) {
    buf[pos++] = BINARY_TAG;
    varint(tag.length);
    buf.set(tag, pos);
  }
}

const utf8 = new TextEncoder();

/** The size of `Literal{scalar{union{value, type}}}`'s content for a value literal of `lit` bytes and a type of `type`. */
function wrappedSize(lit: number, type: number): number {
  const union = 1 + lengthSize(lit) + lit + 1 + lengthSize(type) + type;
  const scalar = 1 + lengthSize(union) + union;
  return 1 + lengthSize(scalar) + scalar;
}
