/** HTML text helpers shared by the deck renderers. */

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for HTML (element content and quoted attribute values). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A value as readable text: strings as they are, bigints with `n`, dates in ISO form, the rest as JSON. */
export function displayValue(v: unknown, indent?: number): string {
  if (typeof v === "string") return v;
  if (typeof v === "bigint") return `${v}`;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? "Invalid Date" : v.toISOString();
  if (v === undefined) return "undefined";
  if (typeof v === "number" || typeof v === "boolean" || v === null) return String(v);
  try {
    return (
      JSON.stringify(
        v,
        (_k, x) =>
          typeof x === "bigint"
            ? `${x}`
            : x instanceof Map
              ? Object.fromEntries(x)
              : x instanceof Set
                ? [...x]
                : ArrayBuffer.isView(x) && !(x instanceof DataView)
                  ? Array.from(x as unknown as ArrayLike<unknown>, (e) => (typeof e === "bigint" ? `${e}` : e))
                  : x,
        indent,
      ) ?? String(v)
    );
  } catch {
    return String(v);
  }
}

/** A number in short form: integers as they are, others with up to 6 significant digits. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return String(n);
  return String(Number(n.toPrecision(6)));
}
