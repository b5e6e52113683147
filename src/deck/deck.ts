/**
 * Decks: HTML pages a task renders for the Flyte console (inputs, outputs, source, timeline, user content).
 */

/** The deck fields flytekit knows, in its order. */
export const DECK_FIELDS = ["Source Code", "Dependencies", "Timeline", "Input", "Output"] as const;

/** One of the standard deck fields. */
export type DeckField = (typeof DECK_FIELDS)[number];

/** Escapes text for HTML. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/**
 * A named HTML page.
 *
 * @example
 * currentContext().defaultDeck.append("<h2>done</h2>");
 */
export class Deck {
  /** The deck's tab name. */
  readonly name: string;
  /** The HTML body so far. */
  html: string;
  constructor(name: string, html = "") {
    this.name = name;
    this.html = html;
  }
  /** Appends HTML. */
  append(html: string): this {
    this.html += html;
    return this;
  }
  /** Appends text, escaped, in a `<pre>` block. */
  appendText(text: string): this {
    this.html += `<pre>${escapeHtml(text)}</pre>`;
    return this;
  }
}

/** Renders decks into one self-contained HTML document with a tab per deck. `redact` values are masked. */
export function renderDecks(decks: readonly Deck[], redact: ReadonlySet<string> = new Set()): string {
  const tabs = decks.map((d, i) => `<button onclick="show(${i})">${escapeHtml(d.name)}</button>`).join("");
  const pages = decks
    .map(
      (d, i) =>
        `<section id="deck-${i}" style="display:${i === 0 ? "block" : "none"}">${mask(d.html, redact)}</section>`,
    )
    .join("\n");
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Flyte decks</title>
<style>body{font-family:sans-serif;margin:1em}button{margin-right:.5em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}</style>
<script>function show(i){document.querySelectorAll("section").forEach((s,j)=>{s.style.display=i===j?"block":"none"})}</script>
</head><body><nav>${tabs}</nav>
${pages}
</body></html>
`;
}

/** Replaces every secret value in `text` with `***`. */
export function mask(text: string, redact: ReadonlySet<string>): string {
  let out = text;
  for (const v of redact) if (v) out = out.split(v).join("***");
  return out;
}

/** An HTML table of name → value, values shown as JSON. */
export function valuesTable(values: Record<string, unknown>): string {
  const rows = Object.entries(values)
    .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td><pre>${escapeHtml(safeJson(v))}</pre></td></tr>`)
    .join("");
  return `<table>${rows}</table>`;
}

function safeJson(v: unknown): string {
  try {
    return (
      JSON.stringify(
        v,
        (_k, x) =>
          typeof x === "bigint" ? `${x}n` : x instanceof Map ? Object.fromEntries(x) : x instanceof Set ? [...x] : x,
        2,
      ) ?? String(v)
    );
  } catch {
    return String(v);
  }
}
