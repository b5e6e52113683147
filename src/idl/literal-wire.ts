/**
 * Serializing the common literals (primitives, none, binaries, blobs, and collections and maps of them) straight to
 * wire bytes with protobuf-es's `BinaryWriter`, without its reflection: `toBinary` needs the descriptors of the
 * literal files, and building them is a good part of a task container's start (`npm run bench`, cold start). The
 * bytes are exactly the ones `toBinary(LiteralSchema, lit)` writes; test/unit/idl/literal-wire.test.ts checks that on
 * generated literals. A literal of any other shape (a union, a struct, a dataset, an error, an offloaded reference, a
 * message carrying unknown fields) is serialized by `toBinary`, on its own, wherever it sits in the tree.
 */
import { toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { type Literal, LiteralSchema, type Scalar } from "./gen/flyteidl/core/literals_pb.js";
import { literalBytes } from "./lazy.js";

const LEN = WireType.LengthDelimited;

/** Whether a message carries fields its schema does not know (protobuf-es keeps them in `$unknown`). */
function hasUnknown(m: object): boolean {
  const unknown = (m as { $unknown?: unknown[] }).$unknown;
  return unknown !== undefined && unknown.length > 0;
}

/** A `Timestamp` or `Duration` (`seconds` = 1, `nanos` = 2, each omitted when zero). */
function writeSecondsNanos(w: BinaryWriter, field: number, v: { seconds: bigint; nanos: number }): void {
  w.tag(field, LEN).fork();
  if (v.seconds !== 0n) w.tag(1, WireType.Varint).int64(v.seconds);
  if (v.nanos !== 0) w.tag(2, WireType.Varint).int32(v.nanos);
  w.join();
}

/** Writes `Literal.scalar`; `false` when the scalar is not one of the shapes written here. */
function writeScalar(w: BinaryWriter, s: Scalar): boolean {
  if (hasUnknown(s)) return false;
  const v = s.value;
  switch (v.case) {
    case "primitive": {
      const p = v.value;
      if (hasUnknown(p)) return false;
      const pv = p.value;
      w.tag(1, LEN).fork().tag(1, LEN).fork();
      switch (pv.case) {
        case "integer":
          w.tag(1, WireType.Varint).int64(pv.value);
          break;
        case "floatValue":
          w.tag(2, WireType.Bit64).double(pv.value);
          break;
        case "stringValue":
          w.tag(3, LEN).string(pv.value);
          break;
        case "boolean":
          w.tag(4, WireType.Varint).bool(pv.value);
          break;
        case "datetime":
          if (hasUnknown(pv.value)) return false;
          writeSecondsNanos(w, 5, pv.value);
          break;
        case "duration":
          if (hasUnknown(pv.value)) return false;
          writeSecondsNanos(w, 6, pv.value);
          break;
        case undefined:
          break;
        default:
          return false;
      }
      w.join().join();
      return true;
    }
    case "noneType":
      if (hasUnknown(v.value)) return false;
      w.tag(1, LEN).fork().tag(5, LEN).fork().join().join();
      return true;
    case "binary": {
      const b = v.value;
      if (hasUnknown(b)) return false;
      w.tag(1, LEN).fork().tag(3, LEN).fork();
      if (b.value.length > 0) w.tag(1, LEN).bytes(b.value);
      if (b.tag !== "") w.tag(2, LEN).string(b.tag);
      w.join().join();
      return true;
    }
    case "blob": {
      const b = v.value;
      const type = b.metadata?.type;
      if (hasUnknown(b) || (b.metadata && hasUnknown(b.metadata)) || (type && hasUnknown(type))) return false;
      w.tag(1, LEN).fork().tag(2, LEN).fork();
      if (b.metadata) {
        w.tag(1, LEN).fork();
        if (type) {
          w.tag(1, LEN).fork();
          if (type.format !== "") w.tag(1, LEN).string(type.format);
          if (type.dimensionality !== 0) w.tag(2, WireType.Varint).int32(type.dimensionality);
          w.join();
        }
        w.join();
      }
      if (b.uri !== "") w.tag(3, LEN).string(b.uri);
      w.join().join();
      return true;
    }
    default:
      return false;
  }
}

/** Writes the fields of `lit` (not its own tag and length); `false` when some part of it is not written here. */
function writeLiteralFields(w: BinaryWriter, lit: Literal): boolean {
  if (hasUnknown(lit)) return false;
  const v = lit.value;
  switch (v.case) {
    case "scalar":
      if (!writeScalar(w, v.value)) return false;
      break;
    case "collection":
      if (hasUnknown(v.value)) return false;
      w.tag(2, LEN).fork();
      for (const el of v.value.literals) w.tag(1, LEN).bytes(encodeLiteral(el));
      w.join();
      break;
    case "map":
      if (hasUnknown(v.value)) return false;
      w.tag(3, LEN).fork();
      for (const [k, el] of Object.entries(v.value.literals)) {
        w.tag(1, LEN).fork().tag(1, LEN).string(k).tag(2, LEN).bytes(encodeLiteral(el)).join();
      }
      w.join();
      break;
    case undefined:
      break;
    default:
      return false;
  }
  if (lit.hash !== "") w.tag(4, LEN).string(lit.hash);
  const metadata = lit.metadata ?? {};
  for (const k of Object.keys(metadata)) {
    w.tag(5, LEN).fork().tag(1, LEN).string(k).tag(2, LEN).string(metadata[k]!).join();
  }
  return true;
}

/**
 * The serialized literal, the same bytes as `toBinary(LiteralSchema, lit)`: a lazy literal's own bytes as they are,
 * the common shapes written directly, anything else through `toBinary`.
 *
 * @example
 * writeFileSync(path, encodeLiteral(integerLiteral(1n)));
 */
export function encodeLiteral(lit: Literal): Uint8Array {
  const known = literalBytes(lit);
  if (known) return known;
  const w = new BinaryWriter();
  return writeLiteralFields(w, lit) ? w.finish() : toBinary(LiteralSchema, lit);
}
