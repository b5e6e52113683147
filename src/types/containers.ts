/**
 * Container types: `list(T)` (a Flyte collection) and `map(T)` (a Flyte map with string keys).
 */
import type { Literal } from "../idl/gen/flyteidl/core/literals_pb.js";
import type { LiteralType } from "../idl/gen/flyteidl/core/types_pb.js";
import { lazyLiteral } from "../idl/lazy.js";
import { collectionLiteral, mapLiteral } from "../idl/literals.js";
import { literalType } from "../idl/types.js";
import { setKey } from "./keys.js";
import { MsgpackKind, type MsgpackReader } from "./msgpack.js";
import { forEachListElement, forEachMapElement, readPrimitiveList, SLOW } from "./wire.js";
import { encodePrimitiveList, encodePrimitiveMap, primitiveKind } from "./wire-encode.js";
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
    // A list of primitives goes straight to its wire bytes (wire-encode.ts); a value it does not take falls through.
    const kind = primitiveKind(this.element);
    if (kind !== undefined) {
      const bytes = encodePrimitiveList(kind, value);
      if (bytes !== undefined) return lazyLiteral(bytes);
    }
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
  override readWire(
    buf: Uint8Array,
    start: number,
    end: number,
    ctx: DataContext,
    path: Path,
  ): Infer<T>[] | typeof SLOW {
    const kind = primitiveKind(this.element);
    if (kind !== undefined) {
      const values = readPrimitiveList(buf, start, end, kind);
      if (values !== SLOW) return values as Infer<T>[];
    }
    const out: Infer<T>[] = [];
    const el = this.element as FlyteType<Infer<T>, unknown>;
    const isList = forEachListElement(buf, start, end, (s, e) => {
      const i = out.length;
      try {
        out.push(FlyteType.readElement(el, buf, s, e, ctx, ROOT));
      } catch (err) {
        retryWithPath(err, path, i, (p) => FlyteType.readElement(el, buf, s, e, ctx, p));
      }
    });
    return isList ? out : SLOW;
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
  override msgpackReader(): MsgpackRead | undefined {
    const read = this.element.msgpackReader();
    if (read === undefined) return undefined;
    return (r: MsgpackReader) => {
      if (r.readHead() !== MsgpackKind.Array) return SLOW;
      const n = r.length;
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) {
        const v = read(r);
        if (v === SLOW) return SLOW;
        out[i] = v;
      }
      return out;
    };
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
  override readsBlobs(): boolean {
    return this.element.readsBlobs();
  }
  override collectBlobUris(lit: Literal, out: string[]): void {
    if (!this.readsBlobs()) return;
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
  /** Calls `f` for each entry of a map value (an object or a `Map` with string keys); anything else is a mismatch. */
  private forEachEntry(value: unknown, path: Path, f: (k: string, v: unknown) => void): void {
    if (value instanceof Map) {
      for (const k of value.keys())
        if (typeof k !== "string") mismatch(this, value, path, `key ${String(k)} is not a string`);
      for (const [k, v] of value) f(k, v);
      return;
    }
    if (
      value === null ||
      typeof value !== "object" ||
      Array.isArray(value) ||
      (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null)
    ) {
      mismatch(this, value, path);
    }
    const obj = value as Record<string, unknown>;
    for (const k of Object.keys(obj)) f(k, obj[k]);
  }
  /**
   * Converts every entry with `convert` into a new object. Hot loop: entries are converted with the empty path, and
   * only a failing entry is converted again with its real path, for the error message.
   */
  private convertEntries<R>(value: unknown, path: Path, convert: (v: unknown, p: Path) => R): Record<string, R> {
    const out: Record<string, R> = {};
    this.forEachEntry(value, path, (k, v) => {
      let r: R;
      try {
        r = convert(v, ROOT);
      } catch (e) {
        retryWithPath(e, path, k, (p) => convert(v, p));
      }
      setKey(out, k, r);
    });
    return out;
  }
  override mayAccept(value: unknown): boolean {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }
  parse(value: unknown, path: Path = []): Record<string, Infer<T>> {
    return this.convertEntries(value, path, (v, p) => this.value.parse(v, p) as Infer<T>);
  }
  toLiteral(value: unknown, ctx: DataContext, path: Path = []): Literal {
    // A map of primitives goes straight to its wire bytes (wire-encode.ts); a value it does not take falls through.
    const kind = primitiveKind(this.value);
    if (kind !== undefined) {
      const bytes = encodePrimitiveMap(kind, value);
      if (bytes !== undefined) return lazyLiteral(bytes);
    }
    return mapLiteral(this.convertEntries(value, path, (v, p) => this.value.toLiteral(v, ctx, p)));
  }
  protected readLiteral(lit: Literal, ctx: DataContext, path: Path): Record<string, Infer<T>> {
    if (lit.value.case !== "map") return literalMismatch(this, lit, path);
    const lits = lit.value.value.literals;
    const out: Record<string, Infer<T>> = {};
    for (const k of Object.keys(lits)) {
      let r: Infer<T>;
      try {
        r = this.value.fromLiteral(lits[k]!, ctx, ROOT) as Infer<T>;
      } catch (e) {
        retryWithPath(e, path, k, (p) => this.value.fromLiteral(lits[k]!, ctx, p));
      }
      setKey(out, k, r);
    }
    return out;
  }
  override readWire(
    buf: Uint8Array,
    start: number,
    end: number,
    ctx: DataContext,
    path: Path,
  ): Record<string, Infer<T>> | typeof SLOW {
    const out: Record<string, Infer<T>> = {};
    const el = this.value as FlyteType<Infer<T>, unknown>;
    const isMap = forEachMapElement(buf, start, end, (k, s, e) => {
      let r: Infer<T>;
      try {
        r = FlyteType.readElement(el, buf, s, e, ctx, ROOT);
      } catch (err) {
        retryWithPath(err, path, k, (p) => FlyteType.readElement(el, buf, s, e, ctx, p));
      }
      setKey(out, k, r);
    });
    return isMap ? out : SLOW;
  }
  toMsgpack(value: unknown, ctx: DataContext, path: Path): unknown {
    return this.convertEntries(value, path, (v, p) => this.value.toMsgpack(v, ctx, p));
  }
  fromMsgpack(value: unknown, ctx: DataContext, path: Path): Record<string, Infer<T>> {
    return this.convertEntries(value, path, (v, p) => this.value.fromMsgpack(v, ctx, p) as Infer<T>);
  }
  override readsBlobs(): boolean {
    return this.value.readsBlobs();
  }
  override collectBlobUris(lit: Literal, out: string[]): void {
    if (!this.readsBlobs()) return;
    if (lit.value.case === "map")
      for (const l of Object.values(lit.value.value.literals)) this.value.collectBlobUris(l, out);
  }
  jsonSchema(): Record<string, unknown> {
    // mashumaro's schema of `Dict[str, T]` names the key type too.
    return { type: "object", propertyNames: { type: "string" }, additionalProperties: this.value.jsonSchema() };
  }
}
