/**
 * Arrow tables for `t.dataframe()`: building them from arrays of records, checking them against declared columns,
 * reading rows back as records, and the Parquet part files of flytekit's layout (through `parquet-wasm`).
 */
import { type FileHandle, open, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { DataType, RecordBatch, Table, Vector } from "apache-arrow";
import { describeValue, FlyteTypeError } from "../errors.js";
import { arrowModule, parquetModule } from "./dataframe-codecs.js";
import { BigIntType, BoolType, DatetimeType, DurationType, FloatType, IntType, StrType } from "./primitives.js";
import { ListType } from "./containers.js";
import { type AnyType, formatPath, type Path } from "./type.js";

/** Declared columns: name to Flyte type, in order. */
export type ColumnTypes = Readonly<Record<string, AnyType>>;

/** The Arrow type a declared column of Flyte type `type` is written with, when built from records. */
function arrowTypeFor(type: AnyType, column: string): DataType {
  const A = arrowModule();
  if (type instanceof IntType || type instanceof BigIntType) return new A.Int64();
  if (type instanceof FloatType) return new A.Float64();
  if (type instanceof StrType) return new A.Utf8();
  if (type instanceof BoolType) return new A.Bool();
  if (type instanceof DatetimeType) return new A.TimestampMicrosecond("UTC");
  if (type instanceof DurationType) return new A.DurationMicrosecond();
  throw new FlyteTypeError(
    `column ${column}: records cannot be written to a column of type ${type.name}; build an Arrow table for it`,
  );
}

/** Whether an Arrow column type holds values of the declared Flyte type. */
export function arrowTypeMatches(type: AnyType, at: DataType): boolean {
  const D = arrowModule().DataType;
  if (D.isDictionary(at)) return arrowTypeMatches(type, at.dictionary);
  if (type instanceof IntType || type instanceof BigIntType) return D.isInt(at);
  if (type instanceof FloatType) return D.isFloat(at);
  if (type instanceof StrType) return D.isUtf8(at) || D.isLargeUtf8(at);
  if (type instanceof BoolType) return D.isBool(at);
  if (type instanceof DatetimeType) return D.isTimestamp(at) || D.isDate(at);
  if (type instanceof DurationType) return D.isDuration(at);
  if (type instanceof ListType) return D.isList(at) || D.isFixedSizeList(at);
  return true;
}

/** Raises unless every declared column is in `table` with a matching type. */
export function checkColumns(table: Table, columns: ColumnTypes | undefined, where: string): void {
  if (!columns) return;
  for (const [name, type] of Object.entries(columns)) {
    const field = table.schema.fields.find((f) => f.name === name);
    if (!field) {
      throw new FlyteTypeError(
        `${where}: column ${name} (${type.name}) is missing; the table has ${table.schema.fields.map((f) => f.name).join(", ") || "no columns"}`,
        { expected: type.name },
      );
    }
    if (!arrowTypeMatches(type, field.type)) {
      throw new FlyteTypeError(
        `${where}: column ${name} should hold ${type.name}, the table's column is ${field.type}`,
        {
          expected: type.name,
        },
      );
    }
  }
}

function inferType(values: readonly unknown[], column: string, path: Path): DataType {
  const A = arrowModule();
  let kind: string | undefined;
  let integral = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    const k = v instanceof Date ? "date" : typeof v;
    if (kind === undefined) kind = k;
    else if (k !== kind) {
      throw new FlyteTypeError(
        `${formatPath([...path, i, column])}: column ${column} mixes ${kind} and ${k} values; declare its type in t.dataframe({ columns })`,
      );
    }
    if (k === "number" && !Number.isSafeInteger(v)) integral = false;
  }
  switch (kind) {
    case "number":
      return integral ? new A.Int64() : new A.Float64();
    case "bigint":
      return new A.Int64();
    case "string":
      return new A.Utf8();
    case "boolean":
      return new A.Bool();
    case "date":
      return new A.TimestampMicrosecond("UTC");
    case undefined:
      throw new FlyteTypeError(
        `${formatPath(path)}: column ${column} holds only nulls, so its type cannot be inferred; declare it in t.dataframe({ columns })`,
      );
    default:
      throw new FlyteTypeError(
        `${formatPath(path)}: column ${column} holds ${kind} values, which records cannot carry; build an Arrow table`,
      );
  }
}

/**
 * Builds an Arrow table from an array of records. With declared columns, values are checked against the column
 * types and a key that is not a declared column is an error (it would be lost); without, the columns are the keys in
 * order of first appearance and their types are inferred (whole numbers become int64).
 */
export function recordsToTable(rows: readonly unknown[], columns: ColumnTypes | undefined, path: Path): Table {
  const A = arrowModule();
  const names: string[] = columns ? Object.keys(columns) : [];
  const seen = new Set(names);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (r === null || typeof r !== "object" || Array.isArray(r) || r instanceof Date) {
      throw new FlyteTypeError(`${formatPath([...path, i])}: expected a record (an object), got ${describeValue(r)}`, {
        path: [...path, i],
        expected: "a record",
      });
    }
    for (const k of Object.keys(r)) {
      if (seen.has(k)) continue;
      if (columns) {
        throw new FlyteTypeError(
          `${formatPath([...path, i])}: key ${JSON.stringify(k)} is not a declared column (${names.join(", ")}); it would be lost`,
          { path: [...path, i] },
        );
      }
      seen.add(k);
      names.push(k);
    }
  }
  const vectors: Record<string, Vector> = {};
  for (const name of names) {
    const raw = rows.map((r) => (r as Record<string, unknown>)[name]);
    const declared = columns?.[name];
    const type = declared ? arrowTypeFor(declared, name) : inferType(raw, name, path);
    const values = new Array<unknown>(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const v = raw[i];
      if (v === null || v === undefined) {
        values[i] = null;
        continue;
      }
      const p = [...path, i, name];
      const checked = declared ? declared.parse(v, p) : v;
      if (A.DataType.isInt(type)) values[i] = typeof checked === "bigint" ? checked : BigInt(checked as number);
      else if (A.DataType.isDuration(type)) values[i] = BigInt(Math.round((checked as number) * 1000));
      else if (A.DataType.isTimestamp(type)) {
        if (!(checked instanceof Date) || Number.isNaN(checked.getTime()))
          throw new FlyteTypeError(`${formatPath(p)}: expected datetime, got ${describeValue(v)}`, { path: p });
        values[i] = checked;
      } else if (typeof checked !== expectedJsType(type, A)) {
        throw new FlyteTypeError(`${formatPath(p)}: column ${name} is ${type}, got ${describeValue(v)}`, {
          path: p,
          expected: String(type),
        });
      } else values[i] = checked;
    }
    vectors[name] = A.vectorFromArray(values, type);
  }
  return new A.Table(vectors);
}

function expectedJsType(type: DataType, A: ReturnType<typeof arrowModule>): string {
  if (A.DataType.isFloat(type)) return "number";
  if (A.DataType.isBool(type)) return "boolean";
  return "string";
}

/**
 * Reads an Arrow table as records. Integers become numbers (an unsafe integer is an error naming the cell, unless
 * the column is declared `t.bigint`), timestamps and dates `Date`s, durations milliseconds.
 */
export function tableToRecords(table: Table, columns: ColumnTypes | undefined): Record<string, unknown>[] {
  const D = arrowModule().DataType;
  const n = table.numRows;
  const out: Record<string, unknown>[] = Array.from({ length: n }, () => ({}));
  for (const field of table.schema.fields) {
    const col = table.getChild(field.name)!;
    const at = D.isDictionary(field.type) ? field.type.dictionary : field.type;
    const big = columns?.[field.name] instanceof BigIntType;
    const name = field.name;
    let convert: (v: unknown, row: number) => unknown;
    if (D.isInt(at)) {
      convert = (v, row) => {
        if (typeof v !== "bigint" || big) return big && typeof v === "number" ? BigInt(v) : v;
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
          throw new FlyteTypeError(
            `row ${row}, column ${name}: ${v} is not a safe integer; declare the column t.bigint or read the Arrow table`,
          );
        }
        return Number(v);
      };
    } else if (D.isTimestamp(at) || D.isDate(at)) convert = (v) => new Date(v as number);
    else if (D.isDuration(at)) {
      const unit = (at as { unit: number }).unit;
      const perMs = [1e-3, 1, 1e3, 1e6][unit] ?? 1;
      convert = (v) => Number(v) / perMs;
    } else if (D.isUtf8(at) || D.isLargeUtf8(at) || D.isFloat(at) || D.isBool(at)) convert = (v) => v;
    else
      convert = (v) =>
        v !== null && typeof v === "object" && "toJSON" in v ? (v as { toJSON(): unknown }).toJSON() : v;
    let row = 0;
    for (const v of col) {
      out[row]![name] = v === null || v === undefined ? null : convert(v, row);
      row++;
    }
  }
  return out;
}

/** The Parquet bytes of a table (Snappy-compressed, as pyarrow writes by default). */
export function tableToParquet(table: Table): Uint8Array {
  const A = arrowModule();
  const P = parquetModule();
  const ipc = A.tableToIPC(table, "stream");
  const wasmTable = P.Table.fromIPCStream(ipc);
  const props = new P.WriterPropertiesBuilder().setCompression(P.Compression.SNAPPY).build();
  return P.writeParquet(wasmTable, props);
}

/** The part files of a dataset directory (or the file itself), in name order. */
export async function partFiles(localPath: string): Promise<string[]> {
  const st = await stat(localPath);
  if (!st.isDirectory()) return [localPath];
  const names = (await readdir(localPath, { withFileTypes: true }))
    .filter((d) => d.isFile() && !d.name.startsWith(".") && !d.name.startsWith("_"))
    .map((d) => d.name)
    .sort();
  return names.map((n) => join(localPath, n));
}

type ParquetFile = Awaited<ReturnType<ReturnType<typeof parquetModule>["ParquetFile"]["fromFile"]>>;

/**
 * The Blob interface the Parquet reader uses (`size`, `slice`, `arrayBuffer`) over a byte range of an open file, so
 * that it reads only the footer and the column chunks it needs. (Node's file-backed Blob from `openAsBlob` can leave
 * reads unsettled under concurrent slices.)
 */
class FileRange {
  readonly #handle: FileHandle;
  readonly #start: number;
  readonly #end: number;
  constructor(handle: FileHandle, start: number, end: number) {
    this.#handle = handle;
    this.#start = start;
    this.#end = end;
  }
  get size(): number {
    return this.#end - this.#start;
  }
  slice(start = 0, end = this.size): FileRange {
    const s = Math.max(0, Math.min(start, this.size));
    const e = Math.max(s, Math.min(end, this.size));
    return new FileRange(this.#handle, this.#start + s, this.#start + e);
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    const buf = new Uint8Array(this.size);
    let off = 0;
    while (off < buf.length) {
      const { bytesRead } = await this.#handle.read(buf, off, buf.length - off, this.#start + off);
      if (bytesRead === 0) throw new Error(`unexpected end of file reading ${buf.length} bytes at ${this.#start}`);
      off += bytesRead;
    }
    return buf.buffer;
  }
}

/** An open part file; `close()` releases the reader and the file. */
interface OpenPart {
  readonly file: ParquetFile;
  close(): Promise<void>;
}

/**
 * Opens a part file for reading `columns`. A column the file does not have is an error here: asking the reader for
 * one makes it fail without settling.
 */
async function openPart(path: string, columns: readonly string[] | undefined): Promise<OpenPart> {
  const handle = await open(path, "r");
  let file: ParquetFile | undefined;
  const close = async () => {
    file?.free();
    await handle.close();
  };
  try {
    const size = (await handle.stat()).size;
    file = await parquetModule().ParquetFile.fromFile(new FileRange(handle, 0, size) as unknown as Blob);
    if (columns) {
      const schema = file.schema();
      const missing: string[] = [];
      try {
        for (const c of columns) {
          try {
            if (schema.indexOf(c) < 0) missing.push(c);
          } catch {
            missing.push(c);
          }
        }
      } finally {
        schema.free();
      }
      if (missing.length > 0) {
        throw new FlyteTypeError(
          `${path}: column${missing.length > 1 ? "s" : ""} ${missing.join(", ")} not found in the dataset`,
        );
      }
    }
    return { file, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Rows per record batch when whole files are read (the library's default, 1,024, makes tables of tiny batches). */
const WHOLE_READ_BATCH = 1 << 20;

/** Reads whole part files as one table, only `columns` when given. */
export async function readParts(files: readonly string[], columns: readonly string[] | undefined): Promise<Table> {
  const A = arrowModule();
  const P = parquetModule();
  const batches: RecordBatch[] = [];
  let schema: Table["schema"] | undefined;
  for (const f of files) {
    // Whole files decode fastest from memory; a column subset goes through the file reader, which reads only
    // those column chunks (`readParquet` reads every column).
    let wasm: { intoIPCStream(): Uint8Array };
    if (columns) {
      const part = await openPart(f, columns);
      try {
        wasm = await part.file.read({ columns: [...columns], batchSize: WHOLE_READ_BATCH });
      } finally {
        await part.close();
      }
    } else wasm = P.readParquet(new Uint8Array(await readFile(f)), { batchSize: WHOLE_READ_BATCH });
    const t = A.tableFromIPC(wasm.intoIPCStream());
    schema ??= t.schema;
    batches.push(...t.batches);
  }
  if (batches.length === 0) return schema ? new A.Table(schema) : new A.Table();
  return new A.Table(batches);
}

/** Streams record batches of part files without reading whole files: only `columns`, `batchSize` rows at a time. */
export async function* streamParts(
  files: readonly string[],
  columns: readonly string[] | undefined,
  batchSize: number,
): AsyncGenerator<RecordBatch> {
  const A = arrowModule();
  for (const f of files) {
    const part = await openPart(f, columns);
    try {
      const stream = await part.file.stream({ batchSize, ...(columns ? { columns: [...columns] } : {}) });
      for await (const wasmBatch of stream as AsyncIterable<{ intoIPCStream(): Uint8Array }>) {
        yield* A.tableFromIPC(wasmBatch.intoIPCStream()).batches;
      }
    } finally {
      await part.close();
    }
  }
}

/** The number of rows in part files, from their footers. */
export async function countRows(files: readonly string[]): Promise<number> {
  let n = 0;
  for (const f of files) {
    const part = await openPart(f, undefined);
    try {
      n += Number(part.file.metadata().fileMetadata().numRows());
    } finally {
      await part.close();
    }
  }
  return n;
}
