/**
 * The base of the type engine: a `FlyteType` knows its Flyte `LiteralType`, its union tag, how to turn a JavaScript
 * value into a `Literal` and back, how it sits inside a msgpack struct, and its static TypeScript type.
 */
import { describeValue, FlyteTypeError } from "../errors.js";
import type { Literal } from "../idl/gen/flyteidl/core/literals_pb.js";
import type { LiteralType } from "../idl/gen/flyteidl/core/types_pb.js";
import { LazyLiteral, literalSource, wireLiteral } from "../idl/lazy.js";
import { describeLiteral } from "../idl/literals.js";
import { decodeMsgpack, type MsgpackReader } from "./msgpack.js";
import type { StandardSchemaV1 } from "./standard-schema.js";
import { SLOW } from "./wire.js";

/** A location inside a value, for error messages: `["xs", 3, "name"]`. */
export type Path = readonly (string | number)[];

/**
 * Where conversion reads and writes the bytes that do not live inside literals (untyped values, files).
 * Local runs write plain files; the container entrypoint supplies one that uploads to the raw output prefix.
 */
export interface DataContext {
  /** Stores `bytes` (or the file at `localPath`) as raw data and returns its URI. `name` is the file name to keep. */
  putBlob(data: { bytes: Uint8Array } | { localPath: string }, name: string): string;
  /** Reads the bytes at `uri` (prefetched for remote URIs). */
  getBlob(uri: string): Uint8Array;
  /** Whether local paths given for files and directories are uploaded (in a container) or kept (locally). */
  readonly uploadsLocalPaths: boolean;
  /** Downloads a remote file or directory to local disk and returns the local path (used lazily by files). */
  readonly download?: (uri: string, isDirectory: boolean) => Promise<string>;
}

/** Formats a path like `xs[3].name`. */
export function formatPath(path: Path): string {
  let s = "";
  for (const p of path) s += typeof p === "number" ? `[${p}]` : s === "" ? p : `.${p}`;
  return s || "value";
}

/** Raises a `FlyteTypeError` naming where the value was, what was expected and what was given. */
export function mismatch(type: { readonly name: string }, value: unknown, path: Path, why = ""): never {
  throw new FlyteTypeError(
    `${formatPath(path)}: expected ${type.name}, got ${describeValue(value)}${why ? `: ${why}` : ""}`,
    { path, expected: type.name },
  );
}

/** Raises a `FlyteTypeError` for a literal that cannot be read as `type`. */
export function literalMismatch(type: { readonly name: string }, lit: Literal, path: Path, why = ""): never {
  throw new FlyteTypeError(
    `${formatPath(path)}: cannot read a literal of shape ${describeLiteral(lit)} as ${type.name}${why ? `: ${why}` : ""}`,
    { path, expected: type.name },
  );
}

/** The empty path used on the fast path of conversions; see `retryWithPath`. */
export const ROOT: Path = Object.freeze([]) as Path;

/**
 * Hot loops convert elements with the empty path (no allocation per element) and, when one fails, convert it again
 * with its real path so that the error names where it was. Never returns.
 */
export function retryWithPath(e: unknown, path: Path, key: string | number, redo: (p: Path) => unknown): never {
  if (e instanceof FlyteTypeError) redo([...path, key]);
  throw e;
}

/**
 * Reads one value of a type straight from msgpack at the reader's position (see {@link FlyteType.msgpackReader}), or
 * returns `SLOW` (or throws) when the input is not the plain case it handles.
 */
export type MsgpackRead = (r: MsgpackReader) => unknown;

/** Marker of a type that carries a default value. */
export interface HasDefault {
  readonly hasDefault: true;
}

/**
 * A Flyte type. `Out` is what task code receives, `In` what callers may pass (e.g. durations accept `"1h30m"`).
 * Every `FlyteType` is also a Standard Schema.
 */
export abstract class FlyteType<Out = unknown, In = Out> implements StandardSchemaV1<In, Out> {
  /** A readable name used in messages, e.g. `list<int>`. */
  abstract readonly name: string;
  /** The union tag flytekit gives this type (its transformer name). */
  abstract readonly tag: string;
  /** Whether `undefined`/`null` is an acceptable value (optional types and `none`). */
  readonly acceptsNone: boolean = false;
  /** Whether a default value was attached with `.default()`. */
  readonly hasDefault: boolean = false;
  /** The default value, when `hasDefault`. */
  readonly defaultValue: In | undefined = undefined;
  /** The variable description used in interfaces, when set with `.describe()`. */
  readonly description: string | undefined = undefined;
  /** Cached `literalType`. */
  protected cachedLiteralType: LiteralType | undefined = undefined;

  /** The Flyte `LiteralType` of this type. */
  get literalType(): LiteralType {
    this.cachedLiteralType ??= this.buildLiteralType();
    return this.cachedLiteralType;
  }

  protected abstract buildLiteralType(): LiteralType;

  /** Converts a JavaScript value into a `Literal`, or raises a `FlyteTypeError`. */
  abstract toLiteral(value: unknown, ctx: DataContext, path?: Path): Literal;

  /** Reads a `Literal` into a JavaScript value, or raises a `FlyteTypeError`. */
  fromLiteral(lit: Literal, ctx: DataContext, path: Path = []): Out {
    // A literal still in its wire bytes (inputs.pb): read it directly when the type can.
    const w = wireLiteral(lit);
    if (w !== undefined) {
      let v: Out | typeof SLOW;
      try {
        v = this.readWire(w.buf, w.start, w.end, ctx, path);
      } catch (e) {
        const source = literalSource(lit);
        if (e instanceof FlyteTypeError || source === undefined) throw e;
        throw new Error(`malformed literal in ${source}: ${(e as Error).message}`, { cause: e });
      }
      if (v !== SLOW) return v;
    }
    const s = lit.value.case === "scalar" ? lit.value.value : undefined;
    // Propeller hands msgpack where a primitive, list or map is expected (attribute paths into structs).
    if (s?.value.case === "binary" && s.value.value.tag === "msgpack" && !this.readsBinary) {
      let decoded: unknown;
      try {
        decoded = decodeMsgpack(s.value.value.value);
      } catch (e) {
        literalMismatch(this, lit, path, `malformed msgpack (${(e as Error).message})`);
      }
      return this.fromMsgpack(decoded, ctx, path);
    }
    if (s?.value.case === "union" && !this.readsUnion) {
      const inner = s.value.value.value;
      if (inner) return this.fromLiteral(inner, ctx, path);
    }
    return this.readLiteral(lit, ctx, path);
  }

  /**
   * Reads the serialized literal `buf[start, end)` straight into a value, or returns `SLOW` when this type has no such
   * path or the literal is not the plain case it handles (then `fromLiteral` decodes it and reads it the usual way).
   */
  readWire(_buf: Uint8Array, _start: number, _end: number, _ctx: DataContext, _path: Path): Out | typeof SLOW {
    return SLOW;
  }

  /** Reads element `buf[start, end)` of a list or map literal: from the wire when possible, else decoded. */
  protected static readElement<V>(
    el: FlyteType<V, unknown>,
    buf: Uint8Array,
    start: number,
    end: number,
    ctx: DataContext,
    path: Path,
  ): V {
    const v = el.readWire(buf, start, end, ctx, path);
    return v !== SLOW ? v : el.fromLiteral(new LazyLiteral(buf, start, end) as unknown as Literal, ctx, path);
  }

  protected readonly readsBinary: boolean = false;
  protected readonly readsUnion: boolean = false;

  /** Reads a literal whose msgpack and union wrappers were already handled. */
  protected abstract readLiteral(lit: Literal, ctx: DataContext, path: Path): Out;

  /** The value as it is written inside a msgpack struct (flytekit's mashumaro encoding). */
  abstract toMsgpack(value: unknown, ctx: DataContext, path: Path): unknown;

  /** Reads the value from its msgpack-decoded form. */
  abstract fromMsgpack(value: unknown, ctx: DataContext, path: Path): Out;

  /**
   * A reader of this type's values straight from the msgpack bytes of a struct literal, with no decoded object in
   * between, or `undefined` when the type has none (the struct is then read the ordinary way). A reader takes what
   * {@link fromMsgpack} reads to the same value and returns `SLOW` (or throws) for anything else, after which the
   * whole struct is read the ordinary way, which words the errors.
   */
  msgpackReader(): MsgpackRead | undefined {
    return undefined;
  }

  /** Checks and normalises a value without building a literal. */
  abstract parse(value: unknown, path?: Path): Out;

  /**
   * Whether `value` is an exact match of this type, used to settle unions where several variants accept a value
   * (a JavaScript number that is an integer is an exact `int` but not an exact `float`).
   */
  isExact(_value: unknown): boolean {
    return true;
  }

  /**
   * A cheap pre-check: false when the value certainly does not fit (unions skip such variants without building an
   * error). True does not promise that `parse` succeeds.
   */
  mayAccept(_value: unknown): boolean {
    return true;
  }

  /** The JSON Schema of this type, used for struct schemas. */
  abstract jsonSchema(): Record<string, unknown>;

  /** Collects the URIs of blobs a reader needs in memory (untyped values) so they can be prefetched. */
  collectBlobUris(_lit: Literal, _out: string[]): void {}

  /** Whether reading this type may need blobs in memory ({@link collectBlobUris} finds some). */
  readsBlobs(): boolean {
    return false;
  }

  /**
   * A copy of this type with a default value: the input becomes optional for callers.
   *
   * @example
   * const inputs = { b: t.int.default(3) };
   */
  default(value: In): this & HasDefault {
    return this.with({ hasDefault: true, defaultValue: value }) as this & HasDefault;
  }

  /**
   * A copy of this type with a description, used as the interface variable's description.
   *
   * @example
   * const inputs = { n: t.int.describe("how many") };
   */
  describe(text: string): this {
    return this.with({ description: text });
  }

  /** A shallow copy with some fields replaced. */
  protected with(fields: Record<string, unknown>): this {
    const copy = Object.create(Object.getPrototypeOf(this)) as this;
    Object.assign(copy, this, fields);
    return copy;
  }

  /** The Standard Schema interface. */
  get "~standard"(): StandardSchemaV1.Props<In, Out> {
    return {
      version: 1,
      vendor: "flytekit-ts",
      validate: (value: unknown): StandardSchemaV1.Result<Out> => {
        try {
          return { value: this.parse(value, []) };
        } catch (e) {
          if (e instanceof FlyteTypeError) return { issues: [{ message: e.message, path: e.path }] };
          throw e;
        }
      },
    };
  }
}

/** Any Flyte type. */
export type AnyType = FlyteType<any, any>;

/** The value type task code receives for a Flyte type. */
export type Infer<T> = T extends FlyteType<infer O, any> ? O : never;

/** The value type callers may pass for a Flyte type. */
export type InferIn<T> = T extends FlyteType<any, infer I> ? I : never;

/** A `DataContext` for pure values: it refuses blobs. Used where no storage is available (validation). */
export const NO_DATA: DataContext = {
  putBlob() {
    throw new FlyteTypeError("this value needs raw-data storage, which is not available here");
  },
  getBlob(uri) {
    throw new FlyteTypeError(`cannot read ${uri}: raw-data storage is not available here`);
  },
  uploadsLocalPaths: false,
};
