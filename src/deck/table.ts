/**
 * Tables (flytekit's `TopFrameRenderer` and `ArrowRenderer`): an array of records or an Apache Arrow table (or record
 * batch) as an HTML table of its first rows and columns, with a note of what was left out. Every cell is escaped.
 */
import { displayValue, escapeHtml, formatNumber } from "./html.js";

/** What Arrow's `Table` and `RecordBatch` offer that the deck reads (`apache-arrow` is not loaded for it). */
export interface ArrowLike {
  readonly numRows: number;
  readonly schema: { readonly fields: readonly { readonly name: string; readonly type?: unknown }[] };
  getChildAt(index: number): { get(row: number): unknown; [Symbol.iterator](): Iterator<unknown> } | null;
}

/** A value the table renderers take: an array of records, or an Arrow table or record batch. */
export type TableValue = readonly Record<string, unknown>[] | ArrowLike;

/** Column-wise access to a table value. */
export interface Frame {
  readonly columns: readonly string[];
  readonly numRows: number;
  cell(row: number, column: number): unknown;
  /** Every value of a column, in row order. */
  values(column: number): Iterable<unknown>;
}

/** Whether `v` looks like an Arrow table or record batch. */
export function isArrowLike(v: unknown): v is ArrowLike {
  const a = v as ArrowLike | null;
  return (
    typeof a === "object" &&
    a !== null &&
    typeof a.numRows === "number" &&
    Array.isArray(a.schema?.fields) &&
    typeof a.getChildAt === "function"
  );
}

/** Whether `v` is an array of plain records (objects that are not arrays). */
export function isRecordArray(v: unknown): v is readonly Record<string, unknown>[] {
  return Array.isArray(v) && v.every((r) => typeof r === "object" && r !== null && !Array.isArray(r));
}

/**
 * A table value as a {@link Frame}. Record arrays take their columns from the keys of every record, in the order they
 * first appear. Anything else is a `TypeError` naming what was given.
 */
export function toFrame(value: unknown, who = "table"): Frame {
  if (isArrowLike(value)) {
    const columns = value.schema.fields.map((f) => f.name);
    const vectors = columns.map((_, i) => value.getChildAt(i));
    return {
      columns,
      numRows: value.numRows,
      cell: (r, c) => vectors[c]?.get(r) ?? null,
      values: (c) => vectors[c] ?? [],
    };
  }
  if (isRecordArray(value)) {
    const seen = new Set<string>();
    for (const r of value) for (const k in r) if (Object.hasOwn(r, k)) seen.add(k);
    const columns = [...seen];
    return {
      columns,
      numRows: value.length,
      cell: (r, c) => value[r]![columns[c]!],
      values: (c) => {
        const k = columns[c]!;
        return value.map((r) => r[k]);
      },
    };
  }
  const shape = Array.isArray(value) ? "an array that is not all records" : value === null ? "null" : typeof value;
  throw new TypeError(`${who}: expected an array of records or an Arrow table, got ${shape}`);
}

/** How many rows and columns a table shows. */
export interface TableOptions {
  /** Rows shown (default 10, as flytekit's `TopFrameRenderer`). */
  maxRows?: number;
  /** Columns shown (default 100). */
  maxCols?: number;
}

function checkLimit(who: string, name: string, v: number | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${who}: ${name} must be a positive integer, got ${v}`);
  return v;
}

/** One cell as HTML: numbers right-aligned, nulls marked, long text cut at 1,000 characters. */
export function cellHtml(v: unknown): string {
  if (v === null || v === undefined) return `<td class="null">${v === null ? "null" : ""}</td>`;
  if (typeof v === "number") return `<td class="num">${formatNumber(v)}</td>`;
  if (typeof v === "bigint") return `<td class="num">${v}</td>`;
  let text = displayValue(v);
  if (text.length > 1000) text = `${text.slice(0, 1000)}…`;
  return `<td>${escapeHtml(text)}</td>`;
}

/**
 * Renders the first rows and columns of a table.
 *
 * @example
 * deck.append(new TableRenderer({ maxRows: 20 }).toHtml([{ city: "Lyon", n: 3 }]));
 */
export class TableRenderer {
  readonly maxRows: number;
  readonly maxCols: number;
  constructor(options: TableOptions = {}) {
    this.maxRows = checkLimit("TableRenderer", "maxRows", options.maxRows, 10);
    this.maxCols = checkLimit("TableRenderer", "maxCols", options.maxCols, 100);
  }
  /** The HTML table of `value`. */
  toHtml(value: TableValue): string {
    const f = toFrame(value, "TableRenderer");
    const cols = Math.min(f.columns.length, this.maxCols);
    const rows = Math.min(f.numRows, this.maxRows);
    const head = f.columns
      .slice(0, cols)
      .map((c) => `<th>${escapeHtml(c)}</th>`)
      .join("");
    const body: string[] = [];
    for (let r = 0; r < rows; r++) {
      let tr = "<tr>";
      for (let c = 0; c < cols; c++) tr += cellHtml(f.cell(r, c));
      body.push(`${tr}</tr>`);
    }
    const cut: string[] = [];
    if (rows < f.numRows) cut.push(`${rows} of ${f.numRows.toLocaleString("en-US")} rows`);
    if (cols < f.columns.length) cut.push(`${cols} of ${f.columns.length} columns`);
    const note = cut.length ? `<p class="note">Showing ${cut.join(" and ")}.</p>` : "";
    return `<table><thead><tr>${head}</tr></thead><tbody>${body.join("")}</tbody></table>${note}`;
  }
}
