/**
 * Dataframe summaries: per-column statistics (flytekit's `FrameProfilingRenderer`) and a box plot of one numeric
 * column (flytekit's `BoxRenderer`), as HTML tables and inline SVG. The statistics are computed here, in one pass per
 * column plus a sort for the quartiles, because they are a few lines and no small library computes them over
 * both Arrow vectors and record arrays.
 */
import { displayValue, escapeHtml, formatNumber } from "./html.js";
import { isArrowLike, type TableValue, toFrame } from "./table.js";

/** The summary of one column. */
export interface ColumnSummary {
  readonly name: string;
  /** `number`, `boolean`, `date`, `string`, `mixed`, or `empty` (no values). */
  readonly kind: "number" | "boolean" | "date" | "string" | "mixed" | "empty";
  readonly count: number;
  readonly missing: number;
  readonly distinct: number;
  readonly mean?: number;
  readonly std?: number;
  readonly min?: number | string;
  readonly q1?: number;
  readonly median?: number;
  readonly q3?: number;
  readonly max?: number | string;
  /** The most frequent value (non-numeric columns) and how often it occurs. */
  readonly top?: string;
  readonly freq?: number;
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  return undefined;
}

/** The `p` quantile of sorted numbers, interpolated linearly between ranks (pandas' default). */
export function quantile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Summary statistics of every column of a table. */
export function summarize(value: TableValue): ColumnSummary[] {
  const f = toFrame(value, "FrameProfilingRenderer");
  return f.columns.map((name, c) => {
    let missing = 0;
    const nums: number[] = [];
    // Numbers count distinct values once sorted; the rest by their text (which also finds the most frequent one).
    const counts = new Map<string, number>();
    const kinds = new Set<string>();
    let minDate: Date | undefined;
    let maxDate: Date | undefined;
    for (const v of f.values(c)) {
      if (typeof v === "number") {
        if (Number.isNaN(v)) missing++;
        else nums.push(v);
        continue;
      }
      if (typeof v === "bigint") {
        nums.push(Number(v));
        continue;
      }
      if (v === null || v === undefined) {
        missing++;
        continue;
      }
      if (v instanceof Date) {
        kinds.add("date");
        if (!minDate || v < minDate) minDate = v;
        if (!maxDate || v > maxDate) maxDate = v;
      } else kinds.add(typeof v === "boolean" ? "boolean" : typeof v === "string" ? "string" : "mixed");
      const key = typeof v === "string" ? v : displayValue(v);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    if (nums.length > 0) kinds.add("number");
    const count = f.numRows - missing;
    const kind = (kinds.size === 0 ? "empty" : kinds.size > 1 ? "mixed" : [...kinds][0]) as ColumnSummary["kind"];
    const sorted = Float64Array.from(nums).sort();
    let distinctNums = 0;
    for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinctNums++;
    const base = { name, kind, count, missing, distinct: distinctNums + counts.size };
    if (kind === "number") {
      let sum = 0;
      for (const x of sorted) sum += x;
      const mean = sum / sorted.length;
      let sq = 0;
      for (const x of sorted) sq += (x - mean) ** 2;
      return {
        ...base,
        mean,
        std: sorted.length > 1 ? Math.sqrt(sq / (sorted.length - 1)) : Number.NaN,
        min: sorted[0],
        q1: quantile(sorted, 0.25),
        median: quantile(sorted, 0.5),
        q3: quantile(sorted, 0.75),
        max: sorted[sorted.length - 1],
      };
    }
    let top: string | undefined;
    let freq = 0;
    for (const [k, n] of counts) {
      if (n > freq) {
        top = k;
        freq = n;
      }
    }
    if (kind === "date") return { ...base, min: minDate!.toISOString(), max: maxDate!.toISOString(), top, freq };
    return kind === "empty" ? base : { ...base, top, freq };
  });
}

const STAT_COLUMNS = ["count", "missing", "distinct", "mean", "std", "min", "q1", "median", "q3", "max", "top", "freq"];
const STAT_LABELS: Record<string, string> = { q1: "25%", median: "50%", q3: "75%" };

function statCell(v: unknown): string {
  if (v === undefined) return "<td></td>";
  if (typeof v === "number") return `<td class="num">${escapeHtml(formatNumber(v))}</td>`;
  const s = String(v);
  return `<td>${escapeHtml(s.length > 200 ? `${s.slice(0, 200)}…` : s)}</td>`;
}

/**
 * Renders a table of per-column statistics: count, missing, distinct values; mean, standard deviation, min, quartiles
 * and max of numeric columns; the most frequent value of the others.
 *
 * @example
 * deck.append(new FrameProfilingRenderer().toHtml(await df.table()));
 */
export class FrameProfilingRenderer {
  /** The HTML summary of `value`. */
  toHtml(value: TableValue): string {
    const summaries = summarize(value);
    const rows = isArrowLike(value) ? value.numRows : (value as readonly unknown[]).length;
    const head = `<tr><th>column</th><th>type</th>${STAT_COLUMNS.map((k) => `<th>${STAT_LABELS[k] ?? k}</th>`).join("")}</tr>`;
    const body = summaries
      .map(
        (s) =>
          `<tr><th>${escapeHtml(s.name)}</th><td>${s.kind}</td>${STAT_COLUMNS.map((k) => statCell((s as unknown as Record<string, unknown>)[k])).join("")}</tr>`,
      )
      .join("");
    return `<p class="note">${rows.toLocaleString("en-US")} rows, ${summaries.length} columns.</p><table><thead>${head}</thead><tbody>${body}</tbody></table>`;
  }
}

/**
 * Renders a box plot of one numeric column as inline SVG: the quartile box, the median, whiskers to the furthest
 * values within 1.5 times the interquartile range, and the values beyond as outliers (at most 500 drawn).
 *
 * @example
 * deck.append(new BoxRenderer("sepal_length").toHtml(rows));
 */
export class BoxRenderer {
  /** The column plotted. */
  readonly column: string;
  constructor(column: string) {
    if (typeof column !== "string" || column === "") {
      throw new TypeError(`BoxRenderer: column must be a non-empty string, got ${JSON.stringify(column)}`);
    }
    this.column = column;
  }
  /** The SVG box plot of the column of `value`. */
  toHtml(value: TableValue): string {
    const f = toFrame(value, "BoxRenderer");
    const c = f.columns.indexOf(this.column);
    if (c < 0) {
      throw new RangeError(
        `BoxRenderer: no column ${JSON.stringify(this.column)}; the table has ${f.columns.map((x) => JSON.stringify(x)).join(", ") || "no columns"}`,
      );
    }
    const nums: number[] = [];
    for (const v of f.values(c)) {
      if (v === null || v === undefined) continue;
      const n = toNumber(v);
      if (n === undefined) {
        throw new TypeError(
          `BoxRenderer: column ${JSON.stringify(this.column)} must hold numbers, found ${JSON.stringify(displayValue(v).slice(0, 60))} (${typeof v})`,
        );
      }
      if (!Number.isNaN(n)) nums.push(n);
    }
    const title = `<p class="note">${escapeHtml(this.column)}: ${nums.length.toLocaleString("en-US")} values</p>`;
    if (nums.length === 0) return `${title}<p>No values to plot.</p>`;
    nums.sort((a, b) => a - b);
    const q1 = quantile(nums, 0.25);
    const med = quantile(nums, 0.5);
    const q3 = quantile(nums, 0.75);
    const iqr = q3 - q1;
    const lowFence = q1 - 1.5 * iqr;
    const highFence = q3 + 1.5 * iqr;
    const lo = nums.find((x) => x >= lowFence)!;
    const hi = [...nums].reverse().find((x) => x <= highFence)!;
    const outliers = nums.filter((x) => x < lowFence || x > highFence);
    const min = nums[0]!;
    const max = nums[nums.length - 1]!;
    const W = 640;
    const pad = 40;
    const span = max - min || 1;
    const x = (v: number) => (pad + ((v - min) / span) * (W - 2 * pad)).toFixed(1);
    const y0 = 20;
    const y1 = 70;
    const mid = (y0 + y1) / 2;
    const dots = outliers
      .slice(0, 500)
      .map((v) => `<circle cx="${x(v)}" cy="${mid}" r="3" fill="none" stroke="#cf222e"/>`)
      .join("");
    const label = (v: number, name: string) =>
      `<text x="${x(v)}" y="${y1 + 18}" font-size="10" text-anchor="middle" fill="#57606a">${name} ${escapeHtml(formatNumber(v))}</text>`;
    return `${title}<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="110" viewBox="0 0 ${W} 110" role="img" aria-label="box plot of ${escapeHtml(this.column)}">
<line x1="${x(lo)}" y1="${mid}" x2="${x(q1)}" y2="${mid}" stroke="#57606a"/><line x1="${x(q3)}" y1="${mid}" x2="${x(hi)}" y2="${mid}" stroke="#57606a"/>
<line x1="${x(lo)}" y1="${y0 + 10}" x2="${x(lo)}" y2="${y1 - 10}" stroke="#57606a"/><line x1="${x(hi)}" y1="${y0 + 10}" x2="${x(hi)}" y2="${y1 - 10}" stroke="#57606a"/>
<rect x="${x(q1)}" y="${y0}" width="${(Number(x(q3)) - Number(x(q1))).toFixed(1)}" height="${y1 - y0}" fill="#ddf4ff" stroke="#0969da"/>
<line x1="${x(med)}" y1="${y0}" x2="${x(med)}" y2="${y1}" stroke="#0969da" stroke-width="2"/>${dots}
${label(q1, "Q1")}${label(q3, "Q3")}<text x="${x(med)}" y="${y0 - 6}" font-size="10" text-anchor="middle" fill="#0969da">median ${escapeHtml(formatNumber(med))}</text>
</svg><table><tbody><tr><th>min</th><td class="num">${formatNumber(min)}</td><th>Q1</th><td class="num">${formatNumber(q1)}</td><th>median</th><td class="num">${formatNumber(med)}</td><th>Q3</th><td class="num">${formatNumber(q3)}</td><th>max</th><td class="num">${formatNumber(max)}</td><th>outliers</th><td class="num">${outliers.length}</td></tr></tbody></table>`;
  }
}
