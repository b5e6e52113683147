/**
 * Unions and optionals, with flytekit's union tags and ambiguity rules.
 */
import { FlyteTypeError } from "../errors.js";
import type { Literal } from "../idl/gen/flyteidl/core/literals_pb.js";
import type { LiteralType } from "../idl/gen/flyteidl/core/types_pb.js";
import { scalarOf, unionLiteral } from "../idl/literals.js";
import { literalType, typeStructure } from "../idl/types.js";
import type { MsgpackReader } from "./msgpack.js";
import { NoneType } from "./primitives.js";
import {
  type AnyType,
  type DataContext,
  FlyteType,
  formatPath,
  type Infer,
  type InferIn,
  literalMismatch,
  type MsgpackRead,
  mismatch,
  type Path,
} from "./type.js";

/** The msgpack nil byte. */
const NIL = 0xc0;

/** A key identifying a `LiteralType` up to its structure, metadata and annotations (what type checks compare). */
export function typeKey(t: LiteralType | undefined): string {
  if (!t) return "?";
  const v = t.type;
  switch (v.case) {
    case "simple":
      return `s${v.value}`;
    case "collectionType":
      return `[${typeKey(v.value)}]`;
    case "mapValueType":
      return `{${typeKey(v.value)}}`;
    case "blob":
      return `b${v.value.dimensionality}:${v.value.format}`;
    case "enumType":
      return `e${JSON.stringify(v.value.values)}`;
    case "unionType":
      return `u(${v.value.variants.map(typeKey).join("|")})`;
    case "structuredDatasetType":
      return `d${v.value.format}`;
    case "schema":
      return "schema";
    default:
      return "?";
  }
}

type UnionOut<V extends readonly AnyType[]> = Infer<V[number]>;
type UnionIn<V extends readonly AnyType[]> = InferIn<V[number]>;
/**
 * The static type of a union's `acceptsNone`: `true` when a variant statically accepts none (`t.none`, an optional),
 * so that inputs and struct fields of that type are optional for callers; `boolean` otherwise.
 */
type UnionAcceptsNone<V extends readonly AnyType[]> = [NoneVariants<V>] extends [never] ? boolean : true;
type NoneVariants<V extends readonly AnyType[]> = Extract<V[number], { readonly acceptsNone: true }>;

/** A union of variants, written as `scalar.union` with the chosen variant's tagged type. */
export class UnionType<V extends readonly AnyType[]> extends FlyteType<UnionOut<V>, UnionIn<V>> {
  readonly name: string;
  readonly tag = "Typed Union";
  /** The variants, in declaration order. */
  readonly variants: V;
  protected override readonly readsUnion = true;
  protected override readonly readsBinary = true;
  override readonly acceptsNone: UnionAcceptsNone<V>;
  private cachedTaggedTypes: LiteralType[] | undefined = undefined;

  constructor(variants: V, name?: string) {
    super();
    if (variants.length === 0) throw new FlyteTypeError("a union needs at least one variant");
    this.variants = variants;
    this.acceptsNone = variants.some((v) => v.acceptsNone) as UnionAcceptsNone<V>;
    this.name = name ?? `union<${variants.map((v) => v.name).join(" | ")}>`;
  }

  /**
   * The variants' types as flytekit tags them: the structure is replaced by `TypeStructure{tag}`, so a struct
   * variant keeps its schema but not its `dataclass_type` (these are also the `stored_type`s of union literals, the
   * same objects every time).
   */
  get taggedTypes(): readonly LiteralType[] {
    this.cachedTaggedTypes ??= this.variants.map((v) => ({ ...v.literalType, structure: typeStructure(v.tag) }));
    return this.cachedTaggedTypes;
  }

  protected buildLiteralType(): LiteralType {
    return literalType({
      case: "unionType",
      value: { $typeName: "flyteidl.core.UnionType", variants: [...this.taggedTypes] },
    });
  }

  /** Picks the variant index for a value, with flytekit's ambiguity rule. */
  private choose(value: unknown, path: Path, attempt: (v: AnyType) => void): number {
    const ok: number[] = [];
    const errors: string[] = [];
    for (let i = 0; i < this.variants.length; i++) {
      if (!this.variants[i]!.mayAccept(value)) {
        errors.push(`${this.variants[i]!.name}: not a match`);
        continue;
      }
      try {
        attempt(this.variants[i]!);
        ok.push(i);
      } catch (e) {
        if (!(e instanceof FlyteTypeError)) throw e;
        errors.push(`${this.variants[i]!.name}: ${e.message}`);
      }
    }
    if (ok.length === 1) return ok[0]!;
    if (ok.length === 0) return mismatch(this, value, path, `no variant accepts it (${errors.join("; ")})`);
    const exact = ok.filter((i) => this.variants[i]!.isExact(value));
    if (exact.length === 1) return exact[0]!;
    throw new FlyteTypeError(
      `${formatPath(path)}: ambiguous choice of variant for ${this.name}: ${ok.map((i) => this.variants[i]!.name).join(" and ")} all accept the value`,
      { path, expected: this.name },
    );
  }

  override mayAccept(value: unknown): boolean {
    return this.variants.some((v) => v.mayAccept(value));
  }

  parse(value: unknown, path: Path = []): UnionOut<V> {
    if ((value === null || value === undefined) && this.acceptsNone) return null as UnionOut<V>;
    const i = this.choose(value, path, (v) => {
      v.parse(value, path);
    });
    return this.variants[i]!.parse(value, path) as UnionOut<V>;
  }

  toLiteral(value: unknown, ctx: DataContext, path: Path = []): Literal {
    const i = this.choose(value, path, (v) => {
      v.parse(value, path);
    });
    return unionLiteral(this.variants[i]!.toLiteral(value, ctx, path), this.taggedTypes[i]!);
  }

  protected readLiteral(lit: Literal, ctx: DataContext, path: Path): UnionOut<V> {
    const s = scalarOf(lit);
    if (s?.value.case === "union") {
      const inner = s.value.value.value;
      const stored = s.value.value.type;
      if (!inner) return literalMismatch(this, lit, path, "the union literal has no value");
      const tag = stored?.structure?.tag ?? "";
      const key = typeKey(stored);
      let candidates = this.variants.map((_, i) => i);
      if (tag) candidates = candidates.filter((i) => this.variants[i]!.tag === tag);
      if (candidates.length > 1) {
        const sameType = candidates.filter((i) => typeKey(this.variants[i]!.literalType) === key);
        if (sameType.length > 0) candidates = sameType;
      }
      return this.readWith(candidates, inner, ctx, path, lit);
    }
    // A bare literal is accepted when exactly one variant can read it.
    return this.readWith(
      this.variants.map((_, i) => i),
      lit,
      ctx,
      path,
      lit,
    );
  }

  private readWith(candidates: number[], inner: Literal, ctx: DataContext, path: Path, whole: Literal): UnionOut<V> {
    const results: { i: number; v: unknown }[] = [];
    const errors: string[] = [];
    for (const i of candidates) {
      try {
        results.push({ i, v: this.variants[i]!.fromLiteral(inner, ctx, path) });
      } catch (e) {
        if (!(e instanceof FlyteTypeError)) throw e;
        errors.push(e.message);
      }
    }
    if (results.length === 1) return results[0]!.v as UnionOut<V>;
    if (results.length === 0)
      return literalMismatch(this, whole, path, errors.join("; ") || "no variant matches its stored type");
    throw new FlyteTypeError(
      `${formatPath(path)}: both ${this.variants[results[0]!.i]!.name} and ${this.variants[results[1]!.i]!.name} match the literal for ${this.name}`,
      { path, expected: this.name },
    );
  }

  toMsgpack(value: unknown, ctx: DataContext, path: Path): unknown {
    if ((value === null || value === undefined) && this.acceptsNone) return null;
    const i = this.choose(value, path, (v) => {
      v.parse(value, path);
    });
    return this.variants[i]!.toMsgpack(value, ctx, path);
  }

  fromMsgpack(value: unknown, ctx: DataContext, path: Path): UnionOut<V> {
    if (value === null && this.acceptsNone) return null as UnionOut<V>;
    const errors: string[] = [];
    for (const v of this.variants) {
      try {
        return v.fromMsgpack(value, ctx, path) as UnionOut<V>;
      } catch (e) {
        if (!(e instanceof FlyteTypeError)) throw e;
        errors.push(e.message);
      }
    }
    return mismatch(this, value, path, errors.join("; "));
  }

  override readsBlobs(): boolean {
    return this.variants.some((v) => v.readsBlobs());
  }
  override collectBlobUris(lit: Literal, out: string[]): void {
    if (!this.readsBlobs()) return;
    const s = scalarOf(lit);
    const inner = s?.value.case === "union" ? s.value.value.value : lit;
    if (inner) for (const v of this.variants) v.collectBlobUris(inner, out);
  }

  jsonSchema(): Record<string, unknown> {
    return { anyOf: this.variants.map((v) => v.jsonSchema()) };
  }
}

/** `T | null`: a union of `T` and none, as flytekit's `Optional[T]`. */
export class OptionalType<T extends AnyType> extends UnionType<readonly [T, NoneType]> {
  constructor(inner: T) {
    super([inner, new NoneType()] as const, `optional<${inner.name}>`);
  }
  override msgpackReader(): MsgpackRead | undefined {
    const read = this.variants[0].msgpackReader();
    if (read === undefined) return undefined;
    return (r: MsgpackReader) => {
      if (r.pos < r.end && r.bytes[r.pos] === NIL) {
        r.pos++;
        return null;
      }
      return read(r);
    };
  }
}
