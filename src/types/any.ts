/**
 * Untyped values (`t.any()`, the twin of flytekit's pickled values): any JavaScript value the untyped codec can
 * round-trip, stored as a blob in raw-data storage.
 */
import { createHash } from "node:crypto";
import { describeValue, FlyteTypeError } from "../errors.js";
import type { Literal } from "../idl/gen/flyteidl/core/literals_pb.js";
import { BlobType_BlobDimensionality, type LiteralType } from "../idl/gen/flyteidl/core/types_pb.js";
import { blobLiteral, scalarOf } from "../idl/literals.js";
import { blobType, literalType } from "../idl/types.js";
import { type DataContext, FlyteType, formatPath, literalMismatch, mismatch, type Path } from "./type.js";
import { decodeUntyped, encodeUntyped, UNTYPED_BLOB_FORMAT } from "./untyped-codec.js";

/** Any value the untyped codec supports, stored as a blob of format `UNTYPED_BLOB_FORMAT`. */
export class AnyValueType extends FlyteType<unknown> {
  readonly name = "any";
  readonly tag = "FlytePickle";
  protected buildLiteralType(): LiteralType {
    return literalType({ case: "blob", value: blobType(UNTYPED_BLOB_FORMAT, BlobType_BlobDimensionality.SINGLE) });
  }
  parse(value: unknown, path: Path = []): unknown {
    if (value === null || value === undefined) {
      return mismatch(this, value, path, "cannot store a missing value untyped; declare t.optional(t.any())");
    }
    return value;
  }
  private encode(value: unknown, path: Path): Uint8Array {
    this.parse(value, path);
    try {
      return encodeUntyped(value);
    } catch (e) {
      const why = (e as Error).message;
      throw new FlyteTypeError(`${formatPath(path)}: expected ${this.name}, got ${describeValue(value)}: ${why}`, {
        path,
        expected: this.name,
        cause: e,
      });
    }
  }
  toLiteral(value: unknown, ctx: DataContext, path: Path = []): Literal {
    const bytes = this.encode(value, path);
    const name = createHash("md5").update(bytes).digest("hex");
    return blobLiteral(ctx.putBlob({ bytes }, name), this.literalType.type.value as ReturnType<typeof blobType>);
  }
  protected readLiteral(lit: Literal, ctx: DataContext, path: Path): unknown {
    const s = scalarOf(lit);
    if (s?.value.case !== "blob") return literalMismatch(this, lit, path);
    const format = s.value.value.metadata?.type?.format ?? "";
    if (format !== UNTYPED_BLOB_FORMAT) {
      return literalMismatch(
        this,
        lit,
        path,
        `blob format ${JSON.stringify(format)} is not ${UNTYPED_BLOB_FORMAT}${format === "PythonPickle" ? " (a Python pickle cannot be read by JavaScript)" : ""}`,
      );
    }
    const bytes = ctx.getBlob(s.value.value.uri);
    try {
      return decodeUntyped(bytes);
    } catch (e) {
      return literalMismatch(this, lit, path, `not a valid ${UNTYPED_BLOB_FORMAT} file (${(e as Error).message})`);
    }
  }
  toMsgpack(value: unknown, _ctx: DataContext, path: Path): unknown {
    return mismatch(this, value, path, "untyped values cannot sit inside a struct; declare the field's type");
  }
  fromMsgpack(value: unknown, _ctx: DataContext, path: Path): unknown {
    return mismatch(this, value, path, "untyped values cannot sit inside a struct");
  }
  override readsBlobs(): boolean {
    return true;
  }
  override collectBlobUris(lit: Literal, out: string[]): void {
    const s = scalarOf(lit);
    if (s?.value.case === "blob") out.push(s.value.value.uri);
  }
  jsonSchema(): Record<string, unknown> {
    return {};
  }
}
