/**
 * Markdown to HTML (flytekit's `MarkdownRenderer`) with markdown-it, loaded on first use. Raw HTML in the text is
 * shown as text, links with unsafe schemes (`javascript:`, `vbscript:`, `file:`, most `data:`) stay plain text, and
 * images load nothing: only inline `data:image/...` pictures are shown, any other image becomes a link.
 */
import { createRequire } from "node:module";
import type { default as MarkdownItCallable, MarkdownIt } from "markdown-it";
import { escapeHtml } from "./html.js";

let md: MarkdownIt | undefined;

function markdownIt(): MarkdownIt {
  if (md) return md;
  const Ctor = createRequire(import.meta.url)("markdown-it") as typeof MarkdownItCallable;
  const m = new Ctor({ html: false, linkify: false, typographer: false });
  const renderToken = m.renderer.renderToken.bind(m.renderer);
  m.renderer.rules.link_open = (tokens, idx, options) => {
    const token = tokens[idx]!;
    token.attrSet("rel", "noopener noreferrer");
    token.attrSet("target", "_blank");
    return renderToken(tokens, idx, options);
  };
  const image = m.renderer.rules.image!;
  m.renderer.rules.image = (tokens, idx, options, env, self) => {
    const token = tokens[idx]!;
    const src = String(token.attrGet("src") ?? "");
    if (/^data:image\/(gif|png|jpeg|webp);/i.test(src)) return image(tokens, idx, options, env, self);
    const alt = self.renderInlineAsText(token.children ?? [], options, env) || src;
    return `<a href="${escapeHtml(src)}" rel="noopener noreferrer" target="_blank">${escapeHtml(alt)}</a>`;
  };
  md = m;
  return m;
}

/**
 * Renders Markdown (CommonMark with tables and strikethrough) to HTML that is safe to put in a deck.
 *
 * @example
 * currentContext().defaultDeck.append(new MarkdownRenderer().toHtml("# Results\n*42* rows"));
 */
export class MarkdownRenderer {
  /** The HTML of `text`. */
  toHtml(text: string): string {
    if (typeof text !== "string") {
      throw new TypeError(`MarkdownRenderer: text must be a string, got ${text === null ? "null" : typeof text}`);
    }
    return markdownIt().render(text);
  }
}
