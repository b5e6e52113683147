/**
 * Source code with syntax highlighting (flytekit's `SourceCodeRenderer`), by highlight.js's core and a handful of its
 * languages, loaded on first use. highlight.js escapes the code it marks up; the colours are a small inline style.
 */
import { createRequire } from "node:module";
import { escapeHtml } from "./html.js";

/** What this file uses of highlight.js (its own typings pull in the DOM library). */
interface Highlighter {
  registerLanguage(name: string, language: unknown): void;
  registerAliases(aliases: string[], opts: { languageName: string }): void;
  getLanguage(name: string): unknown;
  highlight(code: string, opts: { language: string; ignoreIllegals: boolean }): { value: string };
}

/** The languages the renderer knows (with highlight.js's aliases: `ts`, `js`, `py`, `sh`...). */
export const SOURCE_LANGUAGES = ["typescript", "javascript", "python", "sql", "bash", "shell", "json", "yaml"] as const;

let hljs: Highlighter | undefined;

function highlighter(): Highlighter {
  if (hljs) return hljs;
  const require = createRequire(import.meta.url);
  const core = require("highlight.js/lib/core") as Highlighter;
  for (const lang of SOURCE_LANGUAGES) core.registerLanguage(lang, require(`highlight.js/lib/languages/${lang}`));
  core.registerAliases(["mts", "cts"], { languageName: "typescript" });
  hljs = core;
  return core;
}

const STYLE = `.hljs{display:block;background:#f6f8fa;color:#1f2328;padding:.75rem;border-radius:6px;overflow:auto;font:.85rem/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.hljs-comment,.hljs-quote{color:#6e7781;font-style:italic}
.hljs-keyword,.hljs-selector-tag,.hljs-literal,.hljs-type,.hljs-doctag{color:#cf222e}
.hljs-string,.hljs-regexp,.hljs-template-tag,.hljs-subst{color:#0a3069}
.hljs-number,.hljs-symbol,.hljs-bullet,.hljs-variable.constant_{color:#0550ae}
.hljs-title,.hljs-title.function_,.hljs-section{color:#8250df}
.hljs-title.class_,.hljs-built_in,.hljs-attr,.hljs-attribute,.hljs-property{color:#953800}
.hljs-meta,.hljs-params{color:#24292f}`;

/**
 * Renders code with syntax highlighting. An unknown language is an error naming the known ones; the empty language
 * `""` renders plain, escaped text.
 *
 * @example
 * deck.append(new SourceCodeRenderer("python").toHtml("def f():\n    return 1"));
 */
export class SourceCodeRenderer {
  /** The highlight.js language name or alias. */
  readonly language: string;
  constructor(language = "typescript") {
    if (typeof language !== "string") {
      throw new TypeError(`SourceCodeRenderer: language must be a string, got ${typeof language}`);
    }
    if (language !== "" && !highlighter().getLanguage(language)) {
      throw new RangeError(
        `SourceCodeRenderer: unknown language ${JSON.stringify(language)}; known: ${SOURCE_LANGUAGES.join(", ")}`,
      );
    }
    this.language = language;
  }
  /** The HTML of `code`: a style block and a `<pre><code class="hljs">` element. */
  toHtml(code: string): string {
    if (typeof code !== "string") {
      throw new TypeError(`SourceCodeRenderer: code must be a string, got ${code === null ? "null" : typeof code}`);
    }
    const body =
      this.language === ""
        ? escapeHtml(code)
        : highlighter().highlight(code, { language: this.language, ignoreIllegals: true }).value;
    const cls = this.language === "" ? "hljs" : `hljs language-${escapeHtml(this.language)}`;
    return `<style>${STYLE}</style><pre class="source"><code class="${cls}">${body}</code></pre>`;
  }
}
