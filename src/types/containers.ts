/**
 * Container types: `list(T)` (a Flyte collection) and `map(T)` (a Flyte map with string keys).
 */
import type { Literal } from "../idl/gen/flyteidl/core/literals_pb.js";
import type { LiteralType } from "../idl/gen/flyteidl/core/types_pb.js";
import { collectionLiteral, mapLiteral } from "../idl/literals.js";
import { literalType } from "../idl/types.js";
import { setKey } from "./keys.js";
import {
  type AnyType,
  type DataContext,
  FlyteType,
  type Infer,
  type InferIn,
  literalMismatch,
  mismatch,
  type Path,
  ROOT,
  retryWithPath,
} from "./type.js";

/** A list of `T`, a Flyte collection. */
export class ListType<T extends AnyType> extends FlyteType<Infer<T>[], InferIn<T>[]> {
  readonly name: string;
  readonly tag = "Typed List";
  /** The element type. */
  readonly element: T;
  constructor(element: T) {
    super();
    this.element = element;
    this.name = `list<${element.name}>`;
  }
  protected buildLiteralType(): LiteralType {
    return literalType({ case: "collectionType", value: this.element.literalType });
  }
  override mayAccept(value: unknown): boolean {
    return Array.isArray(value);
  }
  parse(value: unknown, path: Path = []): Infer<T>[] {
    if (!Array.isArray(value)) return mismatch(this, value, path);
    return value.map((v, i) => this.element.parse(v, [...path, i]));
  }
  toLiteral(value: unknown, ctx: DataContext, path: Path = []): Literal {
    if (!Array.isArray(value)) return mismatch(this, value, path);
    const el = this.element;
    const out = new Array<Literal>(value.length);
    for (let i = 0; i < value.length; i++) {
      try {
        out[i] = el.toLiteral(value[i], ctx, ROOT);
      } catch (e) {
        retryWithPath(e, path, i, (p) => el.toLiteral(value[i], ctx, p));
      }
    }
    return collectionLiteral(out);
  }
  protected readLiteral(lit: Literal, ctx: DataContext, path: Path): Infer<T>[] {
    if (lit.value.case !== "collection") return literalMismatch(this, lit, path);
    const lits = lit.value.value.literals;
    const el = this.element;
    const out = new Array<Infer<T>>(lits.length);
    for (let i = 0; i < lits.length; i++) {
      try {
        out[i] = el.fromLiteral(lits[i]!, ctx, ROOT);
      } catch (e) {
        retryWithPath(e, path, i, (p) => el.fromLiteral(lits[i]!, ctx, p));
      }
    }
    return out;
  }
  toMsgpack(value: unknown, ctx: DataContext, path: Path): unknown {
    if (!Array.isArray(value)) return mismatch(this, value, path);
    const el = this.element;
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      try {
        out[i] = el.toMsgpack(value[i], ctx, ROOT);
      } catch (e) {
        retryWithPath(e, path, i, (p) => el.toMsgpack(value[i], ctx, p));
      }
    }
    return out;
  }
  fromMsgpack(value: unknown, ctx: DataContext, path: Path): Infer<T>[] {
    if (!Array.isArray(value)) return mismatch(this, value, path);
    const el = this.element;
    const out = new Array<Infer<T>>(value.length);
    for (let i = 0; i < value.length; i++) {
      try {
        out[i] = el.fromMsgpack(value[i], ctx, ROOT);
      } catch (e) {
        retryWithPath(e, path, i, (p) => el.fromMsgpack(value[i], ctx, p));
      }
    }
    return out;
  }
  override collectBlobUris(lit: Literal, out: string[]): void {
    if (lit.value.case === "collection") for (const l of lit.value.value.literals) this.element.collectBlobUris(l, out);
  }
  jsonSchema(): Record<string, unknown> {
    return { type: "array", items: this.element.jsonSchema() };
  }
}

/** A map from string keys to `T`, a Flyte map. Accepts plain objects and `Map`s; reads as a plain object. */
export class MapType<T extends AnyType> extends FlyteType<
  Record<string, Infer<T>>,
  Record<string, InferIn<T>> | Map<string, InferIn<T>>
> {
  readonly name: string;
  readonly tag = "Typed Dict";
  /** The value type. */
  readonly value: T;
  constructor(value: T) {
    super();
    this.value = value;
    this.name = `map<str, ${value.name}>`;
  }
  protected buildLiteralType(): LiteralType {
    return literalType({ case: "mapValueType", value: this.value.literalType });
  }
  private entries(value: unknown, path: Path): [string, unknown][] {
    if (value instanceof Map) {
      for (const k of value.keys())
        if (typeof k !== "string") mismatch(this, value, path, `key ${String(k)} is not a string`);
      return [...value.entries()];
    }
    if (
      value === null ||
      typeof value !== "object" ||
      Array.isArray(value) ||
      (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null)
    ) {
      return mismatch(this, value, path);
    }
    return Object.entries(value);
  }
  override mayAccept(value: unknown): boolean {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }
  parse(value: unknown, path: Path = []): Record<string, Infer<T>> {
    const out: Record<string, Infer<T>> = {};
    for (const [k, v] of this.entries(value, path)) setKey(out, k, this.value.parse(v, [...path, k]));
    return out;
  }
  toLiteral(value: unknown, ctx: DataContext, path: Path = []): Literal {
    const out: Record<string, Literal> = {};
    for (const [k, v] of this.entries(value, path)) setKey(out, k, this.value.toLiteral(v, ctx, [...path, k]));
    return mapLiteral(out);
  }
  protected readLiteral(lit: Literal, ctx: DataContext, path: Path): Record<string, Infer<T>> {
    if (lit.value.case !== "map") return literalMismatch(this, lit, path);
    const out: Record<string, Infer<T>> = {};
    for (const [k, l] of Object.entries(lit.value.value.literals))
      setKey(out, k, this.value.fromLiteral(l, ctx, [...path, k]));
    return out;
  }
  toMsgpack(value: unknown, ctx: DataContext, path: Path): unknown {
    const out: Record<string, unknown> = {};
    for (const [k, v] of this.entries(value, path)) setKey(out, k, this.value.toMsgpack(v, ctx, [...path, k]));
    return out;
  }
  fromMsgpack(value: unknown, ctx: DataContext, path: Path): Record<string, Infer<T>> {
    const out: Record<string, Infer<T>> = {};
    for (const [k, v] of this.entries(value, path)) setKey(out, k, this.value.fromMsgpack(v, ctx, [...path, k]));
    return out;
  }
  override collectBlobUris(lit: Literal, out: string[]): void {
    if (lit.value.case === "map")
      for (const l of Object.values(lit.value.value.literals)) this.value.collectBlobUris(l, out);
  }
  jsonSchema(): Record<string, unknown> {
    // mashumaro's schema of `Dict[str, T]` names the key type too.
    return { type: "object", propertyNames: { type: "string" }, additionalProperties: this.value.jsonSchema() };
  }
}
