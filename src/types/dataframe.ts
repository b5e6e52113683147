/**
 * Dataframes (`t.dataframe()`, the twin of flytekit's StructuredDataset): Apache Arrow tables in memory, Parquet on
 * storage in flytekit's layout (a directory of part files, format `parquet`), read lazily through a
 * `StructuredDataset` handle.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { RecordBatch, Table } from "apache-arrow";
import { describeValue, FlyteTypeError } from "../errors.js";
import type { Literal } from "../idl/gen/flyteidl/core/literals_pb.js";
import type { LiteralType, StructuredDatasetType } from "../idl/gen/flyteidl/core/types_pb.js";
import { scalarLiteral, scalarOf } from "../idl/literals.js";
import { literalType } from "../idl/types.js";
import { isRemoteUri } from "./blob.js";
import {
  checkColumns,
  type ColumnTypes,
  countRows,
  partFiles,
  readParts,
  recordsToTable,
  streamParts,
  tableToParquet,
  tableToRecords,
} from "./dataframe-arrow.js";
import { arrowModule, markDataframesInUse } from "./dataframe-codecs.js";
import { type DataContext, FlyteType, formatPath, type Infer, literalMismatch, mismatch, type Path } from "./type.js";

/** The storage format flytekit writes and reads by default. */
export const PARQUET = "parquet";

/** The name of the single part file flytekit writes inside a dataset directory. */
const PART = "00000";

/** The row type of declared columns. */
export type RowOf<C extends ColumnTypes> = { [K in keyof C]: Infer<C[K]> | null };

/** Options of the readers of a `StructuredDataset`. */
export interface ReadOptions {
  /** The columns to read (default: the declared columns, else all). */
  columns?: readonly string[];
}

/** Options of `StructuredDataset.batches`. */
export interface BatchOptions extends ReadOptions {
  /** Rows per batch (default 65,536). */
  batchSize?: number;
}

/** What `StructuredDataset.write` takes, chunk by chunk: Arrow tables, record batches or arrays of records. */
export type DatasetChunk = Table | RecordBatch | readonly Record<string, unknown>[];

type Source =
  | { kind: "uri"; uri: string; download: ((uri: string, isDir: boolean) => Promise<string>) | undefined }
  | { kind: "table"; table: Table }
  | { kind: "records"; records: readonly Record<string, unknown>[] };

function isArrowTable(v: unknown): v is Table {
  return (
    v !== null &&
    typeof v === "object" &&
    "schema" in v &&
    "batches" in v &&
    "numRows" in v &&
    typeof (v as { getChild?: unknown }).getChild === "function"
  );
}

function isArrowBatch(v: unknown): v is RecordBatch {
  return isArrowTable(v) === false && v !== null && typeof v === "object" && "schema" in v && "data" in v;
}

/**
 * A dataframe value: a dataset in storage (`uri`), or an Arrow table or records not yet written. Reading is lazy:
 * nothing is fetched until `table()`, `batches()`, `records()` or `numRows()` is awaited, and each reads only the
 * columns asked for.
 *
 * @example
 * const top = (await df.table({ columns: ["name", "score"] })).slice(0, 10);
 * for await (const batch of df.batches({ columns: ["score"] })) total += sum(batch);
 */
export class StructuredDataset {
  /** The storage format (`parquet`). */
  readonly format: string;
  /** The declared columns, read by default. */
  readonly columnTypes: ColumnTypes | undefined;
  #source: Source;
  #local: Promise<string> | undefined;

  /** @internal use the static constructors. */
  constructor(source: Source, columnTypes?: ColumnTypes, format = PARQUET) {
    this.#source = source;
    this.columnTypes = columnTypes;
    this.format = format;
  }

  /**
   * A dataset already in storage: a directory of Parquet part files (or one Parquet file), local or remote.
   *
   * @example
   * const sales = StructuredDataset.fromUri("s3://bucket/sales/");
   */
  static fromUri(uri: string): StructuredDataset {
    if (typeof uri !== "string" || uri === "")
      throw new FlyteTypeError(`StructuredDataset.fromUri: expected a path or URI, got ${describeValue(uri)}`);
    return new StructuredDataset({ kind: "uri", uri: stripFileScheme(uri), download: undefined });
  }

  /**
   * An Arrow table, written to storage when it becomes a task output.
   *
   * @example
   * return StructuredDataset.fromTable(tableFromArrays({ x: Float64Array.from([1, 2]) }));
   */
  static fromTable(table: Table): StructuredDataset {
    if (!isArrowTable(table))
      throw new FlyteTypeError(`StructuredDataset.fromTable: expected an Arrow table, got ${describeValue(table)}`);
    return new StructuredDataset({ kind: "table", table });
  }

  /**
   * Records (plain objects), written as a table when the value becomes a task output.
   *
   * @example
   * return StructuredDataset.fromRecords([{ name: "a", n: 1 }]);
   */
  static fromRecords(records: readonly Record<string, unknown>[]): StructuredDataset {
    if (!Array.isArray(records))
      throw new FlyteTypeError(
        `StructuredDataset.fromRecords: expected an array of records, got ${describeValue(records)}`,
      );
    return new StructuredDataset({ kind: "records", records });
  }

  /**
   * Writes a table chunk by chunk, one Parquet part file per chunk, into `dir` (default: a new temporary
   * directory), so a task can produce a table larger than memory. The dataset is uploaded when it becomes a task
   * output in a container.
   *
   * @example
   * const out = await StructuredDataset.write(generateChunks());   // async iterable of Arrow tables or records
   */
  static async write(
    chunks: AsyncIterable<DatasetChunk> | Iterable<DatasetChunk>,
    opts: { dir?: string; columns?: ColumnTypes } = {},
  ): Promise<StructuredDataset> {
    const { loadDataframeCodecs } = await import("./dataframe-codecs.js");
    await loadDataframeCodecs();
    const A = arrowModule();
    const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "tsflyte-sd-"));
    mkdirSync(dir, { recursive: true });
    let i = 0;
    for await (const chunk of chunks) {
      const path: Path = [`chunk ${i}`];
      const table = isArrowTable(chunk)
        ? chunk
        : isArrowBatch(chunk)
          ? new A.Table([chunk])
          : recordsToTable(chunk as readonly unknown[], opts.columns, path);
      checkColumns(table, opts.columns, formatPath(path));
      writeFileSync(join(dir, String(i).padStart(5, "0")), tableToParquet(table));
      i++;
    }
    return new StructuredDataset({ kind: "uri", uri: dir, download: undefined }, opts.columns);
  }

  /** The dataset's URI, or `undefined` while it is an in-memory table not yet written. */
  get uri(): string | undefined {
    return this.#source.kind === "uri" ? this.#source.uri : undefined;
  }

  /** The same dataset, read with other declared columns. */
  withColumns(columns: ColumnTypes | undefined): StructuredDataset {
    return new StructuredDataset(this.#source, columns, this.format);
  }

  private wanted(opts: ReadOptions | undefined): readonly string[] | undefined {
    const cols = opts?.columns ?? (this.columnTypes ? Object.keys(this.columnTypes) : undefined);
    if (cols !== undefined && (!Array.isArray(cols) || cols.some((c) => typeof c !== "string"))) {
      throw new FlyteTypeError(`columns: expected an array of column names, got ${describeValue(cols)}`);
    }
    return cols;
  }

  private async files(): Promise<string[]> {
    const src = this.#source;
    if (src.kind !== "uri") throw new Error("an in-memory dataset has no files");
    if (isRemoteUri(src.uri)) {
      if (!src.download) throw new FlyteTypeError(`cannot read ${src.uri}: no storage is configured here`);
      this.#local ??= src.download(src.uri, true);
    } else this.#local ??= Promise.resolve(src.uri);
    return partFiles(await this.#local);
  }

  private async loaded(): Promise<void> {
    const { loadDataframeCodecs } = await import("./dataframe-codecs.js");
    await loadDataframeCodecs();
  }

  private inMemory(path: Path = []): Table | undefined {
    const src = this.#source;
    if (src.kind === "table") return src.table;
    if (src.kind === "records") {
      const table = recordsToTable(src.records, this.columnTypes, path);
      this.#source = { kind: "table", table };
      return table;
    }
    return undefined;
  }

  /**
   * Reads the dataset into one Arrow table (only the columns asked for).
   *
   * @example
   * const t = await df.table({ columns: ["a"] });
   */
  async table(opts?: ReadOptions): Promise<Table> {
    await this.loaded();
    const cols = this.wanted(opts);
    const mem = this.inMemory();
    const table = mem ? (cols ? mem.select(cols as string[]) : mem) : await readParts(await this.files(), cols);
    this.checkRead(table, cols);
    return table;
  }

  private checkRead(table: Table, cols: readonly string[] | undefined): void {
    const where = this.uri ?? "dataframe";
    if (cols) {
      const have = new Set(table.schema.fields.map((f) => f.name));
      const missing = cols.filter((c) => !have.has(c));
      if (missing.length > 0) {
        throw new FlyteTypeError(
          `${where}: column${missing.length > 1 ? "s" : ""} ${missing.join(", ")} not found in the dataset`,
        );
      }
    }
    const declared = this.columnTypes;
    if (declared) {
      const subset: Record<string, (typeof declared)[string]> = {};
      for (const f of table.schema.fields) if (declared[f.name]) subset[f.name] = declared[f.name]!;
      checkColumns(table, subset, where);
    }
  }

  /**
   * Iterates record batches, reading the files a batch at a time, so tables larger than memory can be streamed.
   *
   * @example
   * for await (const batch of df.batches({ columns: ["x"], batchSize: 100_000 })) n += batch.numRows;
   */
  async *batches(opts?: BatchOptions): AsyncGenerator<RecordBatch> {
    await this.loaded();
    const cols = this.wanted(opts);
    const batchSize = opts?.batchSize ?? 65_536;
    if (!Number.isSafeInteger(batchSize) || batchSize <= 0)
      throw new FlyteTypeError(`batchSize: expected a positive integer, got ${describeValue(batchSize)}`);
    const mem = this.inMemory();
    if (mem) {
      const t = cols ? mem.select(cols as string[]) : mem;
      this.checkRead(t, cols);
      yield* t.batches;
      return;
    }
    let first = true;
    for await (const batch of streamParts(await this.files(), cols, batchSize)) {
      if (first) {
        const A = arrowModule();
        this.checkRead(new A.Table(batch.schema), cols);
        first = false;
      }
      yield batch;
    }
  }

  /**
   * Reads the dataset as records (plain objects): integers as numbers, timestamps as `Date`s. `R` names the row
   * type the caller expects (`RowOf<typeof columns>` for declared columns); it is not checked beyond the columns.
   *
   * @example
   * const rows = await df.records<{ name: string; n: number }>();   // [{ name: "a", n: 1 }, ...]
   */
  async records<R extends Record<string, unknown> = Record<string, unknown>>(opts?: ReadOptions): Promise<R[]> {
    return tableToRecords(await this.table(opts), this.columnTypes) as R[];
  }

  /** The number of rows, from the Parquet footers (no data is read). */
  async numRows(): Promise<number> {
    await this.loaded();
    const mem = this.inMemory();
    return mem ? mem.numRows : countRows(await this.files());
  }

  /** Writes an in-memory dataset through `ctx` (or keeps its URI) and returns the URI. */
  store(ctx: DataContext, path: Path): string {
    const src = this.#source;
    if (src.kind === "uri") {
      if (isRemoteUri(src.uri) || !ctx.uploadsLocalPaths) return src.uri;
      return ctx.putBlob({ localPath: src.uri }, basename(src.uri.replace(/\/+$/, "")) || "dataset");
    }
    const table = this.inMemory(path)!;
    checkColumns(table, this.columnTypes, formatPath(path));
    const file = ctx.putBlob({ bytes: tableToParquet(table) }, PART);
    const uri = file.slice(0, file.length - PART.length - 1);
    this.#source = { kind: "uri", uri, download: ctx.download };
    return uri;
  }

  toString(): string {
    return this.uri ?? "StructuredDataset(in memory)";
  }

  toJSON(): string | undefined {
    return this.uri;
  }
}

function stripFileScheme(uri: string): string {
  return uri.startsWith("file://") ? uri.slice("file://".length) : uri;
}

/** Options of `t.dataframe()`. */
export interface DataFrameOptions<C extends ColumnTypes | undefined> {
  /** Declared columns (flytekit's `kwtypes`): readers get these columns, writers must provide them. */
  columns?: C;
  /** The storage format declared in the type; `""` (any, flytekit's default) or `"parquet"`. */
  format?: string;
}

type RowFor<C> = C extends ColumnTypes ? Partial<RowOf<C>> : Record<string, unknown>;

/** What callers may pass for a dataframe: a dataset, an Arrow table, records or a URI. */
export type DataFrameInput<Row> = StructuredDataset | Table | readonly Row[] | string;

/** A dataframe type: a Flyte structured dataset. */
export class DataFrameType<C extends ColumnTypes | undefined = undefined> extends FlyteType<
  StructuredDataset,
  DataFrameInput<RowFor<C>>
> {
  readonly name: string;
  readonly tag = "StructuredDataset Transformer";
  /** The declared columns. */
  readonly columns: C;
  /** The declared format (`""` for any). */
  readonly format: string;

  constructor(opts: DataFrameOptions<C> = {}) {
    super();
    const columns = opts.columns;
    if (columns !== undefined) {
      if (columns === null || typeof columns !== "object" || Array.isArray(columns))
        throw new FlyteTypeError(`t.dataframe: columns must map names to types, got ${describeValue(columns)}`);
      for (const [k, v] of Object.entries(columns)) {
        if (!(v instanceof FlyteType))
          throw new FlyteTypeError(
            `t.dataframe: column ${k} must be a Flyte type (t.int, t.str...), got ${describeValue(v)}`,
          );
      }
    }
    const format = opts.format ?? "";
    if (format !== "" && format !== PARQUET)
      throw new FlyteTypeError(
        `t.dataframe: format ${JSON.stringify(format)} is not supported; use "parquet" or leave it out`,
      );
    this.columns = columns as C;
    this.format = format;
    const cols = columns ? Object.entries(columns).map(([k, v]) => `${k}: ${v.name}`) : [];
    this.name = `dataframe${cols.length ? `<${cols.join(", ")}>` : ""}`;
    markDataframesInUse();
  }

  private datasetType(format: string): StructuredDatasetType {
    return {
      $typeName: "flyteidl.core.StructuredDatasetType",
      columns: Object.entries((this.columns ?? {}) as ColumnTypes).map(([name, type]) => ({
        $typeName: "flyteidl.core.StructuredDatasetType.DatasetColumn",
        name,
        literalType: type.literalType,
      })),
      format,
      externalSchemaType: "",
      externalSchemaBytes: new Uint8Array(0),
    };
  }

  protected buildLiteralType(): LiteralType {
    return literalType({ case: "structuredDatasetType", value: this.datasetType(this.format) });
  }

  override mayAccept(value: unknown): boolean {
    return (
      value instanceof StructuredDataset || isArrowTable(value) || Array.isArray(value) || typeof value === "string"
    );
  }

  parse(value: unknown, path: Path = []): StructuredDataset {
    let sd: StructuredDataset;
    if (value instanceof StructuredDataset) sd = value;
    else if (isArrowTable(value)) {
      // Arrow's own `instanceof` accepts tables of any copy of the library, but only tables of the loaded copy
      // serialize correctly (dictionaries of another copy's tables are lost): check the prototype chain itself.
      if (!Function.prototype[Symbol.hasInstance].call(arrowModule().Table, value)) {
        return mismatch(
          this,
          value,
          path,
          "the Arrow table comes from another copy of apache-arrow than the one flytekit-ts loaded; build it with the application's apache-arrow, or pass records",
        );
      }
      sd = StructuredDataset.fromTable(value);
    } else if (Array.isArray(value)) sd = StructuredDataset.fromRecords(value as Record<string, unknown>[]);
    else if (typeof value === "string" && value !== "") sd = StructuredDataset.fromUri(value);
    else
      return mismatch(this, value, path, "expected a StructuredDataset, an Arrow table, an array of records or a URI");
    return sd.withColumns(this.columns ?? sd.columnTypes);
  }

  private write(value: unknown, ctx: DataContext, path: Path): { uri: string; sd: StructuredDataset } {
    const sd = this.parse(value, path);
    try {
      return { uri: sd.store(ctx, path), sd };
    } catch (e) {
      if (e instanceof FlyteTypeError) throw e;
      return mismatch(this, value, path, `could not be written as Parquet: ${(e as Error).message}`);
    }
  }

  toLiteral(value: unknown, ctx: DataContext, path: Path = []): Literal {
    const { uri } = this.write(value, ctx, path);
    return scalarLiteral({
      case: "structuredDataset",
      value: {
        $typeName: "flyteidl.core.StructuredDataset",
        uri,
        metadata: {
          $typeName: "flyteidl.core.StructuredDatasetMetadata",
          structuredDatasetType: this.datasetType(PARQUET),
        },
      },
    });
  }

  protected readLiteral(lit: Literal, ctx: DataContext, path: Path): StructuredDataset {
    const s = scalarOf(lit);
    if (s?.value.case !== "structuredDataset") return literalMismatch(this, lit, path);
    const format = s.value.value.metadata?.structuredDatasetType?.format ?? "";
    if (format !== "" && format !== PARQUET) {
      return literalMismatch(
        this,
        lit,
        path,
        `the dataset's format is ${JSON.stringify(format)}; only parquet is read`,
      );
    }
    return this.handle(s.value.value.uri, ctx);
  }

  private handle(uri: string, ctx: DataContext): StructuredDataset {
    return new StructuredDataset({ kind: "uri", uri: stripFileScheme(uri), download: ctx.download }, this.columns);
  }

  toMsgpack(value: unknown, ctx: DataContext, path: Path): unknown {
    return { uri: this.write(value, ctx, path).uri, file_format: PARQUET };
  }

  fromMsgpack(value: unknown, ctx: DataContext, path: Path): StructuredDataset {
    const uri = value instanceof Map ? value.get("uri") : (value as { uri?: unknown } | null)?.uri;
    if (typeof uri !== "string" || uri === "")
      return mismatch(this, value, path, 'expected {"uri": <uri>, "file_format": ...}');
    const fmt = value instanceof Map ? value.get("file_format") : (value as { file_format?: unknown }).file_format;
    if (typeof fmt === "string" && fmt !== "" && fmt !== PARQUET)
      return mismatch(this, value, path, `the dataset's format is ${JSON.stringify(fmt)}; only parquet is read`);
    return this.handle(uri, ctx);
  }

  jsonSchema(): Record<string, unknown> {
    // mashumaro's schema of flytekit's StructuredDataset dataclass.
    const nullableString = (dflt: unknown) => ({ anyOf: [{ type: "string" }, { type: "null" }], default: dflt });
    return {
      type: "object",
      title: "StructuredDataset",
      properties: { uri: nullableString(null), file_format: nullableString("") },
      additionalProperties: false,
    };
  }
}
