/**
 * Documentation of tasks and workflows, read as flytekit reads a docstring: the first line is the short description,
 * the rest (dedented, trimmed) the long one. Serialized as the TaskSpec's or WorkflowSpec's description.
 */
import { FlyteValidationError } from "../errors.js";

/** Documentation: a docstring-like text (first line short, the rest long), or the two parts. */
export type Docs = string | { short?: string; long?: string };

/** Documentation split into its short and long descriptions. */
export interface ResolvedDocs {
  readonly short: string;
  /** Undefined when there is no long description. */
  readonly long: string | undefined;
}

function dedent(lines: string[]): string {
  const indents = lines.filter((l) => l.trim() !== "").map((l) => l.length - l.trimStart().length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines
    .map((l) => l.slice(cut))
    .join("\n")
    .trim();
}

/** Checks `docs` and splits it; undefined when there are none. */
export function resolveDocs(owner: string, docs: unknown): ResolvedDocs | undefined {
  if (docs === undefined) return undefined;
  if (typeof docs === "string") {
    const lines = docs
      .replace(/\r\n?/g, "\n")
      .replace(/^\s*\n/, "")
      .split("\n");
    const short = (lines[0] ?? "").trimStart();
    const long = dedent(lines.slice(1));
    return { short, long: long === "" ? undefined : long };
  }
  if (docs !== null && typeof docs === "object" && !Array.isArray(docs)) {
    const { short, long, ...rest } = docs as Record<string, unknown>;
    if (
      Object.keys(rest).length === 0 &&
      (short === undefined || typeof short === "string") &&
      (long === undefined || typeof long === "string")
    )
      return { short: short ?? "", long: long === "" ? undefined : long };
  }
  throw new FlyteValidationError(
    `${owner}: docs must be a string or { short?, long? } of strings, got ${JSON.stringify(docs)}`,
  );
}
