/**
 * Decks: HTML pages a task renders for the Flyte console (inputs, outputs, source, timeline, user content), and the
 * one self-contained document they are written to (`deck.html`).
 */
import { escapeHtml } from "./html.js";
import { MarkdownRenderer } from "./markdown.js";
import { SourceCodeRenderer } from "./source.js";
import { TableRenderer, type TableOptions, type TableValue } from "./table.js";

export { escapeHtml } from "./html.js";

/** The deck fields flytekit knows, in its order (flytekit's `DeckField` values). */
export const DECK_FIELDS = ["Source Code", "Dependencies", "Timeline", "Input", "Output"] as const;

/** One of the standard deck fields. */
export type DeckField = (typeof DECK_FIELDS)[number];

/** The name of the deck `currentContext().defaultDeck` writes to. */
export const DEFAULT_DECK_NAME = "default";

/**
 * A named HTML page: one tab of `deck.html`. `append` takes HTML as it is (the task's own markup); the other methods
 * render values through the renderers, which escape everything they are given.
 *
 * @example
 * const deck = currentContext().decks.open("Report");
 * deck.appendMarkdown("# Done\nAll *good*.").appendTable([{ a: 1, b: "x" }]);
 */
export class Deck {
  /** The deck's tab name. */
  readonly name: string;
  #html: string;
  constructor(name: string, html = "") {
    if (typeof name !== "string" || name === "") {
      throw new TypeError(`a deck needs a non-empty name, got ${JSON.stringify(name)}`);
    }
    this.name = name;
    this.#html = html;
  }
  /** The HTML body so far. */
  get html(): string {
    return this.#html;
  }
  /** Appends HTML as it is: it must not carry untrusted text (use the other methods for values). */
  append(html: string): this {
    if (typeof html !== "string") {
      throw new TypeError(`Deck ${JSON.stringify(this.name)}: append takes an HTML string, got ${typeof html}`);
    }
    this.#html += this.#html === "" ? html : `\n${html}`;
    return this;
  }
  /** Appends text, escaped, in a `<pre>` block. */
  appendText(text: string): this {
    return this.append(`<pre>${escapeHtml(String(text))}</pre>`);
  }
  /** Appends Markdown rendered to HTML; raw HTML in it is shown as text and unsafe links are dropped. */
  appendMarkdown(markdown: string): this {
    return this.append(new MarkdownRenderer().toHtml(markdown));
  }
  /** Appends a table of an array of records or an Arrow table (the first rows and columns, with a note). */
  appendTable(value: TableValue, options?: TableOptions): this {
    return this.append(new TableRenderer(options).toHtml(value));
  }
  /** Appends source code with syntax highlighting (`typescript`, `javascript`, `python`, `sql`, `bash`...). */
  appendCode(code: string, language = "typescript"): this {
    return this.append(new SourceCodeRenderer(language).toHtml(code));
  }
}

/**
 * The decks of one task execution, in tab order: an array of {@link Deck}s that also opens decks by name.
 *
 * @example
 * currentContext().decks.open("Metrics").appendTable(rows);
 */
export class Decks extends Array<Deck> {
  // `map`, `filter`... return plain arrays.
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
  /** The deck named `name`, created (and added last) the first time. */
  open(name: string): Deck {
    const found = this.find((d) => d.name === name);
    if (found) return found;
    const deck = new Deck(name);
    this.push(deck);
    return deck;
  }
}

const STYLE = `:root{color-scheme:light}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1f2328;background:#fff}
nav{display:flex;flex-wrap:wrap;gap:.25rem;padding:.5rem .75rem;border-bottom:1px solid #d0d7de;background:#f6f8fa}
nav label{cursor:pointer;padding:.3rem .75rem;border-radius:6px;border:1px solid transparent;font-size:.9rem}
nav label:hover{background:#eaeef2}
input.deck-tab{position:absolute;opacity:0;pointer-events:none}
main>section{display:none;padding:1rem 1.25rem;overflow:auto}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
thead th{background:#f6f8fa}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.null{color:#8c959f;font-style:italic}
pre{background:#f6f8fa;padding:.75rem;border-radius:6px;overflow:auto;font-size:.85rem}
p.note{color:#57606a;font-size:.85rem}
svg text{font-family:inherit}`;

/**
 * Renders decks into one self-contained HTML document with a tab per deck (`deck.html`). It has no scripts and loads
 * nothing (a Content-Security-Policy forbids both), so nothing a deck carries can run or reach the network; tabs are
 * radio buttons and CSS. Every value of `redact` (the secrets the task read) is masked, as written and as escaped.
 */
export function renderDecks(decks: readonly Deck[], redact: ReadonlySet<string> = new Set()): string {
  // Decks with the same name: the last one's content wins, as in flytekit's page (a map from name to HTML).
  const byName = new Map<string, string>();
  for (const d of decks) byName.set(d.name, d.html);
  const entries = [...byName];
  const inputs = entries
    .map((_, i) => `<input class="deck-tab" type="radio" name="deck" id="tab-${i}"${i === 0 ? " checked" : ""}>`)
    .join("");
  const labels = entries.map(([name], i) => `<label for="tab-${i}">${escapeHtml(name)}</label>`).join("");
  const sections = entries
    .map(([name, html], i) => `<section id="deck-${i}" aria-label="${escapeHtml(name)}">${html}</section>`)
    .join("\n");
  const rules = entries
    .map(
      (_, i) =>
        `#tab-${i}:checked~main>#deck-${i}{display:block}#tab-${i}:checked~nav>label[for="tab-${i}"]{background:#fff;border-color:#d0d7de;font-weight:600}`,
    )
    .join("");
  const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Flyte decks</title>
<style>${STYLE}
${rules}</style>
</head><body>
${inputs}<nav>${labels}</nav>
<main>
${sections}
</main>
</body></html>
`;
  return mask(page, redact);
}

/** Replaces every secret value in `text` with `***`, as it is and as HTML-escaped. */
export function mask(text: string, redact: ReadonlySet<string>): string {
  let out = text;
  for (const v of redact) {
    if (!v) continue;
    out = out.split(v).join("***");
    const escaped = escapeHtml(v);
    if (escaped !== v) out = out.split(escaped).join("***");
  }
  return out;
}
