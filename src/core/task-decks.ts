/**
 * The decks of a task execution: the standard ones its `deckFields` ask for (Input, Output, Source Code,
 * Dependencies; the Timeline deck is filled while it runs), and where local runs write `deck.html`. Local deck files
 * live outside the run's scratch directory (which goes when the process ends), and every file written is reported to
 * the {@link collectDecks} scopes around the run, so the CLI and other tools can show or serve them.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Deck, type DeckField, renderDecks } from "../deck/deck.js";
import { SourceCodeRenderer } from "../deck/source.js";
import { TableRenderer } from "../deck/table.js";
import { escapeHtml } from "../deck/html.js";
import { valueHtml } from "../deck/values.js";
import { StructuredDataset } from "../types/dataframe.js";
import { FlyteBlob } from "../types/blob.js";
import type { ExecutionParameters } from "./context.js";

/** A `deck.html` written by a local run. */
export interface WrittenDeck {
  /** The task that rendered it (for a map task's element, `name[index]`). */
  readonly task: string;
  /** The file's absolute path. */
  readonly path: string;
}

const scopes = new AsyncLocalStorage<WrittenDeck[][]>();

/**
 * Runs `fn` and returns its result with the decks that local task executions inside it wrote, in the order written.
 * They are also pushed to `decks` as they are written, so a caller that passes its own array sees them when `fn`
 * throws. Scopes nest: a deck is reported to every scope around it.
 *
 * @example
 * const { result, decks } = await collectDecks(() => pipeline({ a: 1 }));
 * for (const d of decks) console.log(d.task, d.path);
 */
export async function collectDecks<R>(
  fn: () => R | Promise<R>,
  decks: WrittenDeck[] = [],
): Promise<{ result: R; decks: WrittenDeck[] }> {
  const outer = scopes.getStore() ?? [];
  const result = await scopes.run([...outer, decks], fn);
  return { result, decks };
}

/** Where local runs write decks: `FLYTE_LOCAL_DECK_DIR`, else `decks/` beside the runs' scratch directories. */
export function localDeckRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.FLYTE_LOCAL_DECK_DIR || join(env.FLYTE_LOCAL_SANDBOX ?? join(tmpdir(), "flytekit-ts"), "decks");
}

/** A task name as a directory name: letters, digits, `.`, `_` and `-` kept, the rest `_`, at most 80 characters. */
function dirName(task: string): string {
  const s = task.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 80);
  return s === "" || s === "." || s === ".." ? "task" : s;
}

/**
 * Writes the decks of `params` to a fresh `<localDeckRoot>/<task>-XXXXXX/deck.html`, logs and reports the path, and
 * returns it. A deck that cannot be written is a warning, never a failure of the task.
 */
export function writeLocalDeck(task: string, params: ExecutionParameters): string | undefined {
  try {
    const root = localDeckRoot();
    mkdirSync(root, { recursive: true });
    const path = join(mkdtempSync(join(root, `${dirName(task)}-`)), "deck.html");
    writeFileSync(path, renderDecks(params.decks, params.secrets.readValues));
    for (const scope of scopes.getStore() ?? []) scope.push({ task, path });
    params.logger.info(`${task}: decks written to ${path}`);
    return path;
  } catch (e) {
    params.logger.warn(`${task}: could not write deck.html`, e);
    return undefined;
  }
}

/** Rows shown of a dataframe in the Input and Output decks. */
const PREVIEW_ROWS = 20;

/** A value as the Input and Output decks show it: dataframes by their first rows, files by their path. */
async function displayForm(v: unknown): Promise<string> {
  if (v instanceof StructuredDataset) {
    const where = escapeHtml(v.toString());
    try {
      const first = await v.batches({ batchSize: PREVIEW_ROWS }).next();
      const rows = await v.numRows();
      if (first.done) return `<p class="note">An empty dataframe (${where}).</p>`;
      const table = new TableRenderer({ maxRows: PREVIEW_ROWS }).toHtml(first.value as never);
      return `<p class="note">A dataframe of ${rows.toLocaleString("en-US")} rows (${where}); the first rows:</p>${table}`;
    } catch (e) {
      return `<p class="note">A dataframe at ${where} (not readable here: ${escapeHtml((e as Error).message ?? String(e))}).</p>`;
    }
  }
  if (v instanceof FlyteBlob) return `<pre>${escapeHtml(`${v.isDirectory ? "directory" : "file"} ${v.path}`)}</pre>`;
  return valueHtml(v, PREVIEW_ROWS);
}

async function valuesDeck(name: string, values: Record<string, unknown>): Promise<Deck> {
  const deck = new Deck(name);
  const keys = Object.keys(values);
  if (keys.length === 0) return deck.append(`<p class="note">None.</p>`);
  for (const k of keys) deck.append(`<h3>${escapeHtml(k)}</h3>${await displayForm(values[k])}`);
  return deck;
}

const dependencies = new Map<string, string>();

/**
 * The "Dependencies" deck: the runtime, and the packages of the nearest `package.json` with installed versions. Read
 * once per directory and process: what is installed does not change while tasks run.
 */
export function dependenciesHtml(cwd = process.cwd()): string {
  let html = dependencies.get(cwd);
  if (html === undefined) {
    html = readDependencies(cwd);
    dependencies.set(cwd, html);
  }
  return html;
}

function readDependencies(cwd: string): string {
  const rows: [string, string, string][] = [
    ["node", process.version, ""],
    ["platform", `${process.platform} ${process.arch}`, ""],
  ];
  let dir = cwd;
  let manifest: { dependencies?: Record<string, string>; devDependencies?: Record<string, string> } | undefined;
  for (;;) {
    try {
      manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
      break;
    } catch {
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  const deps = { ...manifest?.devDependencies, ...manifest?.dependencies };
  for (const name of Object.keys(deps).sort()) {
    let installed = "";
    try {
      installed = String(JSON.parse(readFileSync(join(dir, "node_modules", name, "package.json"), "utf8")).version);
    } catch {
      installed = "not installed";
    }
    rows.push([name, installed, String(deps[name])]);
  }
  const body = rows
    .map(([n, v, w]) => `<tr><td>${escapeHtml(n)}</td><td>${escapeHtml(v)}</td><td>${escapeHtml(w)}</td></tr>`)
    .join("");
  const where = manifest ? `<p class="note">Packages of ${escapeHtml(join(dir, "package.json"))}.</p>` : "";
  return `${where}<table><thead><tr><th>Name</th><th>Version</th><th>Wanted</th></tr></thead><tbody>${body}</tbody></table>`;
}

/** What the standard decks need to know of the task. */
export interface DeckSource {
  readonly deckFields: readonly DeckField[];
  /** The task body's source and its highlight.js language. */
  readonly source: () => { code: string; language: string };
}

/** Adds the Input, Output, Source Code and Dependencies decks that `fields` ask for, in flytekit's order. */
export async function addStandardDecks(
  task: DeckSource,
  params: ExecutionParameters,
  inputs: Record<string, unknown>,
  outputs: Record<string, unknown> | undefined,
): Promise<void> {
  const f = task.deckFields;
  if (f.includes("Input")) params.decks.push(await valuesDeck("Input", inputs));
  if (f.includes("Output") && outputs) params.decks.push(await valuesDeck("Output", outputs));
  if (f.includes("Source Code")) {
    const { code, language } = task.source();
    params.decks.push(new Deck("Source Code", new SourceCodeRenderer(language).toHtml(code)));
  }
  if (f.includes("Dependencies")) params.decks.push(new Deck("Dependencies", dependenciesHtml()));
}

/**
 * The declaration `export const <name> = ...` (or `const <name> = ...`) in `file`, from its first line up to the line
 * before the next top-level statement: what the Source Code deck shows, as written (a function's `toString()` is the
 * transpiled code). `undefined` when the file or the declaration cannot be read.
 */
export function declarationSource(file: string | undefined, name: string | undefined): string | undefined {
  if (!file || !name) return undefined;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const lines = text.split(/\r?\n/);
  const escaped = name.replace(/[$]/g, "\\$");
  const decl = new RegExp(`^(export\\s+)?(const|let|var)\\s+${escaped}\\b`);
  const first = lines.findIndex((l) => decl.test(l));
  if (first < 0) return undefined;
  let last = first;
  for (let i = first + 1; i < lines.length; i++) {
    const l = lines[i]!;
    // A line at column 0 that does not close a bracket starts the next statement.
    if (l !== "" && !/^\s/.test(l) && !/^[)\]}]/.test(l)) break;
    if (l.trim() !== "") last = i;
  }
  return lines.slice(first, last + 1).join("\n");
}
