/**
 * Named values as HTML, for the "Input" and "Output" decks: tables (record arrays, Arrow tables) as tables, anything
 * else as escaped JSON. Values arrive already in display form (core turns dataframes and files into these).
 */
import { displayValue, escapeHtml } from "./html.js";
import { isArrowLike, TableRenderer } from "./table.js";

/** The largest text shown for one value; longer JSON is cut with a note. */
const MAX_TEXT = 100_000;

/** HTML of one value: a table for table values, escaped JSON otherwise. */
export function valueHtml(v: unknown, maxRows = 20): string {
  if (isArrowLike(v) || (Array.isArray(v) && v.length > 0 && v.every(isPlainRecord))) {
    return new TableRenderer({ maxRows }).toHtml(v as never);
  }
  const text = displayValue(v, 2);
  if (text.length <= MAX_TEXT) return `<pre>${escapeHtml(text)}</pre>`;
  return `<pre>${escapeHtml(text.slice(0, MAX_TEXT))}…</pre><p class="note">Showing the first ${MAX_TEXT.toLocaleString("en-US")} of ${text.length.toLocaleString("en-US")} characters.</p>`;
}

function isPlainRecord(r: unknown): boolean {
  if (typeof r !== "object" || r === null || Array.isArray(r)) return false;
  const proto = Object.getPrototypeOf(r);
  return proto === Object.prototype || proto === null;
}

/**
 * A section per value: its name as a heading, then the value.
 *
 * @example
 * valuesHtml({ a: 1, rows: [{ x: 1 }] });
 */
export function valuesHtml(values: Record<string, unknown>): string {
  const keys = Object.keys(values);
  if (keys.length === 0) return `<p class="note">None.</p>`;
  return keys.map((k) => `<h3>${escapeHtml(k)}</h3>${valueHtml(values[k])}`).join("\n");
}
