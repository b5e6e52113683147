/**
 * The `t` namespace: builders for every Flyte type. Each is also a Standard Schema.
 */
import { AnyValueType } from "./any.js";
import { BlobValueType } from "./blob.js";
import type { ColumnTypes } from "./dataframe-arrow.js";
import { DataFrameType } from "./dataframe.js";
import { ListType, MapType } from "./containers.js";
import { EnumType } from "./enum.js";
import {
  BigIntType,
  BoolType,
  DatetimeType,
  DurationType,
  FloatType,
  IntType,
  NoneType,
  StrType,
} from "./primitives.js";
import { SchemaType } from "./schema.js";
import type { StandardJSONSchemaV1 } from "./standard-schema.js";
import { DictType, type Fields, StructType } from "./struct.js";
import type { AnyType } from "./type.js";
import { OptionalType, UnionType } from "./union.js";

/**
 * Flyte type builders.
 *
 * @example
 * const inputs = { xs: t.list(t.int), when: t.datetime, label: t.optional(t.str) };
 */
export const t = {
  /** int64 as a `number`; unsafe integers are errors (use `t.bigint` for the full range). */
  int: new IntType(),
  /** int64 as a `bigint`. */
  bigint: new BigIntType(),
  /** A 64-bit float. */
  float: new FloatType(),
  /** A string. */
  str: new StrType(),
  /** A boolean. */
  bool: new BoolType(),
  /** A UTC point in time as a `Date`. */
  datetime: new DatetimeType(),
  /** A duration in milliseconds; callers may pass `"1h30m"`. */
  duration: new DurationType(),
  /** Only `null`. */
  none: new NoneType(),
  /** A list of `T`. */
  list<T extends AnyType>(element: T): ListType<T> {
    return new ListType(element);
  },
  /** A map from string keys to `T`. */
  map<T extends AnyType>(value: T): MapType<T> {
    return new MapType(value);
  },
  /** A struct with typed fields, written as msgpack like a flytekit dataclass. */
  struct<F extends Fields>(fields: F, opts: { name?: string } = {}): StructType<F> {
    return new StructType(fields, opts);
  },
  /** An untyped dict of JSON-like values (flytekit's plain `dict`). */
  dict(): DictType {
    return new DictType();
  },
  /** One of a fixed set of strings. */
  enum<const V extends string>(values: readonly V[]): EnumType<V> {
    return new EnumType(values);
  },
  /** `T | null`. */
  optional<T extends AnyType>(inner: T): OptionalType<T> {
    return new OptionalType(inner);
  },
  /** One of several types, tagged as flytekit tags union variants. */
  union<const V extends readonly AnyType[]>(...variants: V): UnionType<V> {
    return new UnionType(variants);
  },
  /** Any JavaScript value the untyped codec round-trips (Date, Map, Set, bigint, typed arrays...), stored as a blob. */
  any(): AnyValueType {
    return new AnyValueType();
  },
  /** A file, optionally of a given format (e.g. `"csv"`). */
  file(opts: { format?: string } = {}): BlobValueType {
    return new BlobValueType(false, opts.format ?? "");
  },
  /** A directory, optionally of a given format. */
  dir(opts: { format?: string } = {}): BlobValueType {
    return new BlobValueType(true, opts.format ?? "");
  },
  /**
   * A dataframe (flytekit's StructuredDataset): Arrow tables in memory, Parquet in storage, read lazily through a
   * `StructuredDataset`. Declared columns (flytekit's `kwtypes`) are what readers get and writers must provide.
   *
   * @example
   * const inputs = { sales: t.dataframe({ columns: { region: t.str, amount: t.float } }) };
   */
  dataframe<const C extends ColumnTypes | undefined = undefined>(
    opts: { columns?: C; format?: "" | "parquet" } = {},
  ): DataFrameType<C> {
    return new DataFrameType(opts);
  },
  /** A struct typed by any Standard Schema that exports a JSON Schema (zod 4 and others). */
  schema<S extends StandardJSONSchemaV1>(schema: S, opts: { name?: string } = {}): SchemaType<S> {
    return new SchemaType(schema, opts);
  },
} as const;

export { AnyValueType } from "./any.js";
export { BlobValueType, FlyteBlob } from "./blob.js";
export { ListType, MapType } from "./containers.js";
export {
  DataFrameType,
  StructuredDataset,
  type BatchOptions,
  type DataFrameInput,
  type DataFrameOptions,
  type DatasetChunk,
  type ReadOptions,
  type RowOf,
} from "./dataframe.js";
export type { ColumnTypes } from "./dataframe-arrow.js";
export { loadDataframeCodecs, prepareDataframes } from "./dataframe-codecs.js";
export { EnumType } from "./enum.js";
export * from "./primitives.js";
export { SchemaType } from "./schema.js";
export type { StandardJSONSchemaV1, StandardSchemaV1 } from "./standard-schema.js";
export { DictType, type Fields, StructType } from "./struct.js";
export * from "./type.js";
export { OptionalType, UnionType } from "./union.js";
