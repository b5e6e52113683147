/**
 * String enums, as flytekit's `Enum` with string values.
 */
import { FlyteTypeError } from "../errors.js";
import type { Literal } from "../idl/gen/flyteidl/core/literals_pb.js";
import type { LiteralType } from "../idl/gen/flyteidl/core/types_pb.js";
import { primitiveOf, stringLiteral } from "../idl/literals.js";
import { literalType } from "../idl/types.js";
import { type DataContext, FlyteType, literalMismatch, mismatch, type Path } from "./type.js";

/** One of a fixed set of strings. */
export class EnumType<V extends string> extends FlyteType<V> {
  readonly name: string;
  readonly tag = "DefaultEnumTransformer";
  /** The allowed values, in order. */
  readonly values: readonly V[];
  constructor(values: readonly V[]) {
    super();
    if (values.length === 0) throw new FlyteTypeError("an enum needs at least one value");
    for (const v of values)
      if (typeof v !== "string") throw new FlyteTypeError(`enum values must be strings, got ${String(v)}`);
    if (new Set(values).size !== values.length)
      throw new FlyteTypeError(`enum values must be unique: ${values.join(", ")}`);
    this.values = Object.freeze([...values]);
    this.name = `enum<${values.map((v) => JSON.stringify(v)).join(" | ")}>`;
  }
  protected buildLiteralType(): LiteralType {
    return literalType({ case: "enumType", value: { $typeName: "flyteidl.core.EnumType", values: [...this.values] } });
  }
  override mayAccept(value: unknown): boolean {
    return typeof value === "string";
  }
  parse(value: unknown, path: Path = []): V {
    if (typeof value === "string" && (this.values as readonly string[]).includes(value)) return value as V;
    return mismatch(this, value, path, typeof value === "string" ? "not a member of the enum" : "");
  }
  toLiteral(value: unknown, _ctx: DataContext, path: Path = []): Literal {
    return stringLiteral(this.parse(value, path));
  }
  protected readLiteral(lit: Literal, _ctx: DataContext, path: Path): V {
    const p = primitiveOf(lit);
    if (p?.value.case !== "stringValue") return literalMismatch(this, lit, path);
    if (!(this.values as readonly string[]).includes(p.value.value)) {
      return literalMismatch(this, lit, path, `${JSON.stringify(p.value.value)} is not a member of the enum`);
    }
    return p.value.value as V;
  }
  toMsgpack(value: unknown, _ctx: DataContext, path: Path): unknown {
    return this.parse(value, path);
  }
  fromMsgpack(value: unknown, _ctx: DataContext, path: Path): V {
    return this.parse(value, path);
  }
  jsonSchema(): Record<string, unknown> {
    // mashumaro writes a str Enum as `{"enum": [...]}`, with no type.
    return { enum: [...this.values] };
  }
}
