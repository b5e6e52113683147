/**
 * A deliberately small XML reader for S3 responses (`ListBucketResult`, `Error`, multipart results).
 *
 * It builds an element tree with text content and ignores attributes and namespaces (prefixes are dropped).
 * It is safe by construction: document type declarations are rejected, so there is no entity expansion; only the
 * five predefined entities and numeric character references are decoded; nesting depth and input size are
 * bounded.
 *
 * @module
 */

/** An XML element: local name, child elements, and its own text (CDATA included, children's text excluded). */
export interface XmlElement {
  /** Local name (namespace prefix removed). */
  readonly name: string;
  /** Child elements in document order. */
  readonly children: XmlElement[];
  /** Concatenated direct text content, entities decoded. */
  text: string;
}

/** Thrown for malformed or disallowed XML. */
export class XmlParseError extends Error {
  /** Creates the error with a message that names the byte offset of the problem. */
  constructor(message: string, offset: number) {
    super(`${message} at offset ${offset}`);
    this.name = "XmlParseError";
  }
}

const MAX_DEPTH = 64;
const MAX_INPUT = 64 * 1024 * 1024;
const NAME_RE = /[A-Za-z_:][A-Za-z0-9_:.-]*/y;

/** Parses a document and returns its root element. */
export function parseXml(src: string): XmlElement {
  if (src.length > MAX_INPUT) throw new XmlParseError("document too large", 0);
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let i = 0;
  const n = src.length;
  while (i < n) {
    const lt = src.indexOf("<", i);
    const textEnd = lt < 0 ? n : lt;
    if (textEnd > i) {
      const raw = src.slice(i, textEnd);
      const top = stack[stack.length - 1];
      if (top !== undefined) top.text += decodeEntities(raw, i);
      else if (raw.trim().length > 0) throw new XmlParseError("text outside the root element", i);
    }
    if (lt < 0) break;
    i = lt;
    if (src.startsWith("<?", i)) {
      i = skipPast(src, "?>", i);
    } else if (src.startsWith("<!--", i)) {
      i = skipPast(src, "-->", i);
    } else if (src.startsWith("<![CDATA[", i)) {
      const end = src.indexOf("]]>", i + 9);
      if (end < 0) throw new XmlParseError("unterminated CDATA section", i);
      const top = stack[stack.length - 1];
      if (top === undefined) throw new XmlParseError("CDATA outside the root element", i);
      top.text += src.slice(i + 9, end);
      i = end + 3;
    } else if (src.startsWith("<!", i)) {
      throw new XmlParseError("document type declarations are not allowed", i);
    } else if (src.startsWith("</", i)) {
      NAME_RE.lastIndex = i + 2;
      const m = NAME_RE.exec(src);
      if (m === null) throw new XmlParseError("malformed end tag", i);
      const close = src.indexOf(">", NAME_RE.lastIndex);
      if (close < 0 || src.slice(NAME_RE.lastIndex, close).trim().length > 0) {
        throw new XmlParseError("malformed end tag", i);
      }
      const top = stack.pop();
      if (top === undefined || top.name !== localName(m[0])) {
        throw new XmlParseError(`unexpected end tag </${m[0]}>`, i);
      }
      i = close + 1;
    } else {
      NAME_RE.lastIndex = i + 1;
      const m = NAME_RE.exec(src);
      if (m === null) throw new XmlParseError("malformed start tag", i);
      const { end, selfClosing } = scanTagEnd(src, NAME_RE.lastIndex);
      const el: XmlElement = { name: localName(m[0]), children: [], text: "" };
      const parent = stack[stack.length - 1];
      if (parent !== undefined) parent.children.push(el);
      else if (root === undefined) root = el;
      else throw new XmlParseError("more than one root element", i);
      if (!selfClosing) {
        if (stack.length >= MAX_DEPTH) throw new XmlParseError("nesting too deep", i);
        stack.push(el);
      }
      i = end;
    }
  }
  if (stack.length > 0) throw new XmlParseError(`unclosed element <${stack[stack.length - 1]!.name}>`, n);
  if (root === undefined) throw new XmlParseError("no root element", 0);
  return root;
}

/** First child element named `name`, if any. */
export function xmlChild(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

/** All child elements named `name`. */
export function xmlChildren(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

/** Text of the first child element named `name`, or `undefined` when there is none. */
export function xmlChildText(el: XmlElement, name: string): string | undefined {
  return xmlChild(el, name)?.text;
}

/** Escapes text for inclusion in XML content or attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) =>
    c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === "&" ? "&amp;" : c === '"' ? "&quot;" : "&apos;",
  );
}

function localName(qname: string): string {
  const colon = qname.lastIndexOf(":");
  return colon < 0 ? qname : qname.slice(colon + 1);
}

function skipPast(src: string, terminator: string, from: number): number {
  const end = src.indexOf(terminator, from);
  if (end < 0) throw new XmlParseError(`missing "${terminator}"`, from);
  return end + terminator.length;
}

/** Scans attributes (respecting quotes) up to the closing `>` of a start tag. */
function scanTagEnd(src: string, from: number): { end: number; selfClosing: boolean } {
  let quote = 0;
  for (let j = from; j < src.length; j++) {
    const c = src.charCodeAt(j);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 34 || c === 39) {
      quote = c;
    } else if (c === 60 /* < */) {
      throw new XmlParseError("'<' inside a tag", j);
    } else if (c === 62 /* > */) {
      return { end: j + 1, selfClosing: src.charCodeAt(j - 1) === 47 };
    }
  }
  throw new XmlParseError("unterminated start tag", from);
}

const NAMED: Readonly<Record<string, string>> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function decodeEntities(raw: string, offset: number): string {
  if (!raw.includes("&")) return raw;
  return raw.replace(/&([^;&\s]{0,12});/g, (_whole, ent: string) => {
    const named = NAMED[ent];
    if (named !== undefined) return named;
    let code = Number.NaN;
    if (/^#x[0-9A-Fa-f]{1,6}$/.test(ent)) code = Number.parseInt(ent.slice(2), 16);
    else if (/^#[0-9]{1,7}$/.test(ent)) code = Number.parseInt(ent.slice(1), 10);
    if (!Number.isInteger(code) || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      throw new XmlParseError(`unknown entity &${ent};`, offset);
    }
    return String.fromCodePoint(code);
  });
}
