/**
 * Filling a shell script template: each `{inputs.x}`, `{outputs.y}` or `{ctx.z}` placeholder becomes its value quoted
 * for the place it stands in the script, so that no value (a string, a file name taken from a storage key) is ever
 * run as a command. The template is scanned as bash reads it: bare words, single quotes, double quotes, `$'...'`,
 * command substitutions (`$(...)`, backticks), comments and here-documents each take their own quoting.
 */
import { FlyteUserError } from "../errors.js";

/** A placeholder's value: one word, or several (a list's items), each passed to the script as it is. */
export type TemplateValue = string | readonly string[];

/** The placeholders of a template: `{inputs.x}`, `{outputs.y}`, `{ctx.workingDirectory}`. */
export const PLACEHOLDER = /\{(inputs|outputs|ctx)\.([A-Za-z_][A-Za-z0-9_]*)\}/g;

type Frame =
  | { kind: "bare"; closer: ")" | "`" | "" }
  | { kind: "dq" }
  | { kind: "sq" }
  | { kind: "ansi" }
  | { kind: "comment" }
  | { kind: "arith"; depth: number };

interface HereDoc {
  readonly delimiter: string;
  readonly quoted: boolean;
  readonly stripTabs: boolean;
}

/** A word quoted for a bare (unquoted) position: single quotes, with `'` written as `'\''`. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

function words(v: TemplateValue): readonly string[] {
  return typeof v === "string" ? [v] : v;
}

/** The text that stands for `v` inside the frame `f`. */
function quoteFor(f: Frame, v: TemplateValue): string {
  switch (f.kind) {
    case "bare":
      return words(v).map(shellQuote).join(" ");
    case "dq":
      return words(v)
        .join(" ")
        .replace(/[\\$`"]/g, "\\$&");
    case "sq":
      return words(v).join(" ").replaceAll("'", `'\\''`);
    case "ansi":
      return words(v).join(" ").replace(/[\\']/g, "\\$&");
    case "comment":
      // A newline would end the comment and start a command.
      return words(v)
        .join(" ")
        .replace(/[\r\n]/g, " ");
    case "arith":
      // Checked by the caller: integers, written as they are.
      return words(v).join(" ");
  }
}

/** Inside backticks, `\`, `` ` `` and `$` are unescaped once before the command is parsed: escape them once more. */
function backtickEscape(text: string): string {
  return text.replace(/[\\`$]/g, "\\$&");
}

const WORD_START = new Set([" ", "\t", "\n", ";", "&", "|", "(", ")", "<", ">"]);

/**
 * Fills the placeholders of `template` with `lookup(kind, name)`, each quoted for where it stands, so that the
 * script sees every value exactly as it is. A value holding a NUL byte (which no shell argument can carry), or a line
 * that would end the here-document it stands in, is an error naming the placeholder.
 *
 * @example
 * fillShellTemplate(`echo {inputs.x} "{inputs.x}"`, () => "$(id)"); // echo '$(id)' "\$(id)"
 */
export function fillShellTemplate(
  template: string,
  lookup: (kind: string, name: string) => TemplateValue,
  what = "the script",
): string {
  const stack: Frame[] = [{ kind: "bare", closer: "" }];
  const pending: HereDoc[] = [];
  let out = "";
  let i = 0;
  const top = () => stack[stack.length - 1]!;
  const placeholder = new RegExp(PLACEHOLDER.source, "y");
  const backticks = () => stack.filter((f) => f.kind === "bare" && f.closer === "`").length;
  const value = (kind: string, name: string) => {
    const v = lookup(kind, name);
    if (words(v).some((w) => w.includes("\0")))
      throw new FlyteUserError(`${what}: {${kind}.${name}} holds a NUL byte, which a shell script cannot receive`);
    return v;
  };
  const substitute = (f: Frame): boolean => {
    placeholder.lastIndex = i;
    const m = placeholder.exec(template);
    if (!m) return false;
    const v = value(m[1]!, m[2]!);
    // Bash evaluates names and array subscripts inside $((...)), `a[$(cmd)]` included: only numbers may go there.
    if (f.kind === "arith" && !words(v).every((w) => /^[+-]?\d+$/.test(w)))
      throw new FlyteUserError(
        `${what}: {${m[1]}.${m[2]}} stands inside $((...)), where only an integer is safe, and holds ${JSON.stringify(words(v).join(" ").slice(0, 60))}`,
      );
    let text = quoteFor(f, v);
    for (let n = backticks(); n > 0; n--) text = backtickEscape(text);
    out += text;
    i += m[0].length;
    return true;
  };
  const readHereDocs = () => {
    for (const doc of pending.splice(0)) {
      for (;;) {
        if (i >= template.length) return;
        const end = template.indexOf("\n", i);
        const lineEnd = end < 0 ? template.length : end;
        const line = template.slice(i, lineEnd);
        if ((doc.stripTabs ? line.replace(/^\t+/, "") : line) === doc.delimiter) {
          out += line;
          i = lineEnd;
          if (end >= 0) {
            out += "\n";
            i++;
          }
          break;
        }
        while (i < lineEnd) {
          placeholder.lastIndex = i;
          const m = placeholder.exec(template);
          if (m && m.index === i) {
            const v = value(m[1]!, m[2]!);
            const text = words(v).join(" ");
            if (text.split(/\r?\n/).some((l) => (doc.stripTabs ? l.replace(/^\t+/, "") : l) === doc.delimiter)) {
              throw new FlyteUserError(
                `${what}: {${m[1]}.${m[2]}} holds the line ${JSON.stringify(doc.delimiter)}, which would end the here-document it stands in`,
              );
            }
            out += doc.quoted ? text : text.replace(/[\\$`]/g, "\\$&");
            i += m[0].length;
          } else out += template[i++];
        }
        if (end >= 0) {
          out += "\n";
          i++;
        }
      }
    }
  };
  while (i < template.length) {
    const f = top();
    if (template[i] === "{" && substitute(f)) continue;
    const c = template[i]!;
    switch (f.kind) {
      case "sq":
        if (c === "'") stack.pop();
        break;
      case "ansi":
        if (c === "\\") {
          out += c;
          i++;
          if (i < template.length) out += template[i++];
          continue;
        }
        if (c === "'") stack.pop();
        break;
      case "arith":
        if (c === "(") f.depth++;
        else if (c === ")") {
          if (f.depth > 0) f.depth--;
          else if (template[i + 1] === ")") {
            stack.pop();
            out += "))";
            i += 2;
            continue;
          }
        }
        break;
      case "comment":
        if (c === "\n") {
          stack.pop();
          out += c;
          i++;
          readHereDocs();
          continue;
        }
        break;
      case "dq":
        if (c === "\\") {
          out += c;
          i++;
          if (i < template.length) out += template[i++];
          continue;
        }
        if (c === '"') stack.pop();
        else if (c === "`") stack.push({ kind: "bare", closer: "`" });
        else if (c === "$" && template.startsWith("((", i + 1)) {
          out += "$((";
          i += 3;
          stack.push({ kind: "arith", depth: 0 });
          continue;
        } else if (c === "$" && template[i + 1] === "(") {
          out += "$(";
          i += 2;
          stack.push({ kind: "bare", closer: ")" });
          continue;
        }
        break;
      case "bare": {
        if (c === "\\") {
          out += c;
          i++;
          if (i < template.length) out += template[i++];
          continue;
        }
        if (c === "'") stack.push({ kind: "sq" });
        else if (c === '"') stack.push({ kind: "dq" });
        else if (c === "$" && template[i + 1] === "'") {
          out += "$'";
          i += 2;
          stack.push({ kind: "ansi" });
          continue;
        } else if (c === "$" && template.startsWith("((", i + 1)) {
          out += "$((";
          i += 3;
          stack.push({ kind: "arith", depth: 0 });
          continue;
        } else if (c === "$" && template[i + 1] === "(") {
          out += "$(";
          i += 2;
          stack.push({ kind: "bare", closer: ")" });
          continue;
        } else if (c === "(") stack.push({ kind: "bare", closer: ")" });
        else if (c === ")" && f.closer === ")") stack.pop();
        else if (c === "`") {
          if (f.closer === "`") stack.pop();
          else stack.push({ kind: "bare", closer: "`" });
        } else if (c === "#" && (i === 0 || WORD_START.has(template[i - 1]!))) stack.push({ kind: "comment" });
        else if (c === "<" && template[i + 1] === "<" && template[i + 2] !== "<") {
          const m = /^<<(-?)[ \t]*(?:'([^']*)'|"([^"]*)"|\\?([^\s;&|<>()'"]+))/.exec(template.slice(i));
          if (m) {
            const quoted = m[2] !== undefined || m[3] !== undefined || m[0].includes("\\");
            pending.push({ delimiter: m[2] ?? m[3] ?? m[4]!, quoted, stripTabs: m[1] === "-" });
            out += m[0];
            i += m[0].length;
            continue;
          }
        } else if (c === "\n" && pending.length > 0) {
          out += c;
          i++;
          readHereDocs();
          continue;
        }
        break;
      }
    }
    out += c;
    i++;
  }
  return out;
}
