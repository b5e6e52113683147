/**
 * `t.schema(x)`: any Standard Schema that exports a JSON Schema (zod 4, valibot, arktype) as a Flyte struct.
 */
import type { JsonObject } from "@bufbuild/protobuf";
import { FlyteTypeError } from "../errors.js";
import type { Literal } from "../idl/gen/flyteidl/core/literals_pb.js";
import { type LiteralType, SimpleType } from "../idl/gen/flyteidl/core/types_pb.js";
import { binaryLiteral, scalarOf } from "../idl/literals.js";
import { simpleType, typeAnnotation } from "../idl/types.js";
import { decodeMsgpack, encodeMsgpack } from "./msgpack.js";
import type { StandardJSONSchemaV1, StandardSchemaV1 } from "./standard-schema.js";
import { MSGPACK_ANNOTATION, unwrapFloats } from "./struct.js";
import { type DataContext, FlyteType, formatPath, literalMismatch, type Path } from "./type.js";

/** A struct whose shape and validation come from a Standard Schema. */
export class SchemaType<S extends StandardJSONSchemaV1> extends FlyteType<
  StandardSchemaV1.InferOutput<S>,
  StandardSchemaV1.InferInput<S>
> {
  readonly name: string;
  readonly tag = "Pydantic Transformer";
  /** The wrapped schema. */
  readonly schema: S;
  protected override readonly readsBinary = true;

  constructor(schema: S, opts: { name?: string } = {}) {
    super();
    const std = (schema as Partial<StandardJSONSchemaV1>)?.["~standard"];
    if (std?.version !== 1 || typeof std.validate !== "function") {
      throw new FlyteTypeError("t.schema() needs a Standard Schema (an object with a '~standard' property, version 1)");
    }
    if (typeof std.jsonSchema?.output !== "function") {
      throw new FlyteTypeError(
        `t.schema(): the ${std.vendor} schema does not export a JSON Schema ('~standard.jsonSchema'); Flyte needs one to type the struct`,
      );
    }
    this.schema = schema;
    this.name = `schema${opts.name ? ` ${opts.name}` : ` (${std.vendor})`}`;
  }

  protected buildLiteralType(): LiteralType {
    return simpleType(SimpleType.STRUCT, {
      metadata: this.jsonSchema() as JsonObject,
      annotation: typeAnnotation(MSGPACK_ANNOTATION),
    });
  }

  jsonSchema(): Record<string, unknown> {
    return this.schema["~standard"].jsonSchema.output({ target: "draft-2020-12" });
  }

  parse(value: unknown, path: Path = []): StandardSchemaV1.InferOutput<S> {
    const r = this.schema["~standard"].validate(value);
    if (r instanceof Promise) {
      throw new FlyteTypeError(
        `${formatPath(path)}: ${this.name} validates asynchronously, which Flyte types cannot do`,
        { path, expected: this.name },
      );
    }
    if (r.issues) {
      const issues = r.issues
        .map(
          (i) =>
            `${i.path?.length ? `${i.path.map((p) => (typeof p === "object" ? String(p.key) : String(p))).join(".")}: ` : ""}${i.message}`,
        )
        .join("; ");
      throw new FlyteTypeError(`${formatPath(path)}: value does not match ${this.name}: ${issues}`, {
        path,
        expected: this.name,
      });
    }
    return r.value as StandardSchemaV1.InferOutput<S>;
  }

  toMsgpack(value: unknown, _ctx: DataContext, path: Path): unknown {
    return this.parse(value, path);
  }

  fromMsgpack(value: unknown, _ctx: DataContext, path: Path): StandardSchemaV1.InferOutput<S> {
    return this.parse(unwrapFloats(value instanceof Map ? Object.fromEntries(value) : value), path);
  }

  toLiteral(value: unknown, _ctx: DataContext, path: Path = []): Literal {
    return binaryLiteral(encodeMsgpack(this.parse(value, path)), "msgpack");
  }

  protected readLiteral(lit: Literal, ctx: DataContext, path: Path): StandardSchemaV1.InferOutput<S> {
    const s = scalarOf(lit);
    if (s?.value.case === "binary" && s.value.value.tag === "msgpack")
      return this.fromMsgpack(decodeMsgpack(s.value.value.value), ctx, path);
    if (s?.value.case === "generic") return this.fromMsgpack(s.value.value, ctx, path);
    return literalMismatch(this, lit, path);
  }
}
