/**
 * Entity identity: an explicit `name`, else `<module>.<export>`, where the module is the defining file's path relative
 * to its project root (dots for slashes, no extension). Names never come from `fn.name`, so bundling and minifying
 * cannot change them.
 */
import { existsSync, readFileSync } from "node:fs";
import { findSourceMap, type SourceMap } from "node:module";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** A place in a source file: 1-based line and column, as stack traces give them. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** Where an entity was defined and under which name it is known. */
export interface Identity {
  /** A name given explicitly in the spec. */
  explicitName?: string;
  /** The dotted module path of the defining file, e.g. `examples.hello`. */
  module?: string;
  /** The defining file. */
  file?: string;
  /** The export under which the module exposes the entity (flytekit's `lhs`). */
  exportName?: string;
  /** Definition order within the module, the fallback when no export name is known. */
  ordinal: number;
  /** For a task defined inside a workflow body: the workflow (its resolver) and the task's index there. */
  definedIn?: { readonly workflow: { readonly name: string; readonly location: string }; readonly index: number };
  /**
   * The user code that called the SDK to define the entity, innermost first (a factory, then the declaration that
   * called it): where {@link settleExportName} looks for the export. Cleared once looked at.
   */
  sites?: readonly SourcePosition[];
}
const ordinals = new Map<string, number>();
const SDK_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The project root of a file: the nearest directory with a `package.json`. */
export function projectRoot(file: string): string {
  let dir = dirname(file);
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const up = dirname(dir);
    if (up === dir) return dirname(file);
    dir = up;
  }
}

/**
 * The dotted module path of a file relative to its project root: `examples/hello.ts` → `examples.hello`. A hidden
 * directory or file gives its name without the leading dots (`.flyte/wf.ts` → `flyte.wf`, `src/.hidden/x.ts` →
 * `src.hidden.x`): a dot is the separator, so a kept one would make an empty segment. The resolver tries the hidden
 * name of each segment too (`findModuleFile`), and serialization checks that the module finds this very file.
 */
export function modulePath(file: string, root = projectRoot(file)): string {
  const rel = relative(root, file).replace(/\.(m|c)?(t|j)sx?$/, "");
  return rel
    .split(sep)
    .map((segment) => segment.replace(/^\.+/, ""))
    .filter((segment) => segment !== "")
    .join(".");
}

/** The SDK's own source and build directories, with a trailing separator. */
const SDK_DIRS = ["src", "dist"].map((d) => join(SDK_ROOT, "..", d) + sep);
const TSX_DIR = `${sep}node_modules${sep}tsx${sep}`;

function isSdkFrame(file: string): boolean {
  if (file.startsWith("node:") || file.includes(TSX_DIR)) return true;
  // Both src/ and dist/ are the SDK: with source maps on (tsx enables them), dist/ frames show src/ paths.
  const abs = isAbsolute(file) ? file : resolve(file);
  return SDK_DIRS.some((d) => abs.startsWith(d) || `${abs}${sep}` === d);
}

/** A stack frame as user code sees it (through source maps when they are on) and whether it is the SDK's own. */
interface Frame {
  readonly site: SourcePosition;
  readonly sdk: boolean;
}

const FRAME = /\((.*?):(\d+):(\d+)\)$/;
const BARE_FRAME = /at (?:async )?(.*?):(\d+):(\d+)$/;

/** A frame read from its text, as Node prints it; undefined for frames without a place (native, eval'd code). */
function parsedFrame(text: string): Frame | undefined {
  const m = FRAME.exec(text) ?? BARE_FRAME.exec(text);
  if (!m) return undefined;
  let file = m[1]!;
  if (file.startsWith("file://")) file = fileURLToPath(file);
  return { site: { file, line: Number(m[2]), column: Number(m[3]) }, sdk: isSdkFrame(file) };
}

/** Frames by generated place (`<file>:<line>:<column>`): the SDK's own call sites repeat for every entity. */
const frames = new Map<string, Frame>();

/**
 * What a generated file's frames are: all the SDK's (`"sdk"`: the file is the SDK's, and so is every source its map
 * names, if it has one), or to be looked at one by one, through the file's source map when Node has one.
 */
type FileFrames = "sdk" | { readonly map: SourceMap | undefined };
/** By file name, with source maps off and on. */
const fileFrames = { plain: new Map<string, FileFrames>(), mapped: new Map<string, FileFrames>() };

function sourcePath(source: string): string {
  return source.startsWith("file://") ? fileURLToPath(source) : source;
}

/**
 * How to read a file's frames. Decided once per file (a frame's file has been compiled, so its map, if any, is known);
 * Node maps frames only with source maps on, so that is part of the key.
 */
function framesOf(name: string): FileFrames {
  const files = process.sourceMapsEnabled ? fileFrames.mapped : fileFrames.plain;
  let kind = files.get(name);
  if (kind === undefined) {
    // Node's findSourceMap parses the map again on every call.
    const map = process.sourceMapsEnabled ? findSourceMap(name) : undefined;
    // A place its map does not cover keeps the generated file's name: that must be the SDK's too.
    const sources = [name, ...(map ? (map.payload.sources as string[]) : [])];
    kind = sources.every((s) => isSdkFrame(sourcePath(s))) ? "sdk" : { map };
    files.set(name, kind);
  }
  return kind;
}

const SDK_FRAME: Frame = { site: { file: "", line: 0, column: 0 }, sdk: true };

/**
 * The frame of a call site: its place mapped through the file's source map when Node has one (source maps on, as
 * tsx turns them on), as Node's own stack traces print it, without formatting a whole stack trace.
 */
function frameOf(cs: NodeJS.CallSite): Frame | undefined {
  const name = cs.getFileName();
  // No plain place (eval'd code, native frames): read it from the frame's text as before.
  if (!name || cs.isEval()) return parsedFrame(`at ${String(cs)}`);
  const kind = framesOf(name);
  if (kind === "sdk") return SDK_FRAME;
  const line = cs.getLineNumber();
  const column = cs.getColumnNumber();
  if (!line || !column) return parsedFrame(`at ${String(cs)}`);
  const key = `${name}:${line}:${column}`;
  let frame = frames.get(key);
  if (frame === undefined) {
    let file = name;
    let at = { line, column };
    const entry = kind.map?.findEntry(line - 1, column - 1) as
      | { originalSource?: string; originalLine?: number; originalColumn?: number }
      | undefined;
    if (entry?.originalSource !== undefined && entry.originalLine !== undefined && entry.originalColumn !== undefined) {
      file = entry.originalSource;
      at = { line: entry.originalLine + 1, column: entry.originalColumn + 1 };
    }
    file = sourcePath(file);
    frame = { site: { file, ...at }, sdk: isSdkFrame(file) };
    frames.set(key, frame);
  }
  return frame;
}

/** The call sites of the current stack from the caller of this function down, innermost first (V8's structured API). */
function callSites(): NodeJS.CallSite[] {
  const prepare = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  Error.prepareStackTrace = (_error, sites) => sites;
  // 50 frames below callerSites, as many as it ever looked at (this function's own frame is dropped).
  Error.stackTraceLimit = 52;
  const holder: { stack?: unknown } = {};
  try {
    Error.captureStackTrace(holder);
    const sites = holder.stack;
    return Array.isArray(sites) ? (sites as NodeJS.CallSite[]).slice(1) : [];
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
}

/** The frames of the formatted stack trace below `callerSites`, as the realm's stack formatter places them. */
function formattedFrames(): (Frame | undefined)[] {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 52;
  try {
    // The first line is the message; the SDK's own frames on top are skipped like any other SDK frame.
    return (new Error().stack?.split("\n").slice(1) ?? []).map(parsedFrame);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** The user's frames that directly precede the SDK's own frames, innermost first. */
function userSites(frames: Iterable<Frame | undefined>): SourcePosition[] {
  const sites: SourcePosition[] = [];
  for (const frame of frames) {
    if (!frame) {
      if (sites.length) break;
      continue;
    }
    if (frame.sdk) {
      if (sites.length) break;
      continue;
    }
    sites.push(frame.site);
  }
  return sites;
}

function sameSites(a: readonly SourcePosition[], b: readonly SourcePosition[]): boolean {
  return (
    a.length === b.length &&
    a.every((s, i) => s.file === b[i]!.file && s.line === b[i]!.line && s.column === b[i]!.column)
  );
}

/**
 * Whether V8's call sites, mapped here through Node's source maps, place the user's frames where this realm's
 * formatted stack traces do. Decided on the first entity defined by user code: a test runner that compiles modules
 * itself and maps their stack traces (jest's vm contexts, vitest) places them its own way, and only its formatted
 * stack is right there.
 */
let structuredAgrees: boolean | undefined;

/**
 * The user code defining an entity now: the stack frames outside this SDK that directly precede its own frames,
 * innermost first (a helper that calls `task(...)`, then the declaration that calls the helper). Frames past the
 * next SDK frame are left out: a task defined in a workflow body is not the workflow's declaration.
 */
export function callerSites(): SourcePosition[] {
  // A stack formatter installed in this realm (vitest, source-map-support) maps positions to the user's source.
  if (typeof Error.prepareStackTrace === "function" || structuredAgrees === false) return userSites(formattedFrames());
  const sites = userSites(callSites().map(frameOf));
  if (structuredAgrees === undefined && sites.length) {
    const formatted = userSites(formattedFrames());
    structuredAgrees = sameSites(sites, formatted);
    if (!structuredAgrees) return formatted;
  }
  return sites;
}

/** The first stack frame outside this SDK: the user's file that is defining an entity. */
export function callerFile(): string | undefined {
  return callerSites()[0]?.file;
}

const modules = new Map<string, string>();

/** The module path of a file defining entities: its project root is looked up once per file. */
function definingModule(file: string): string {
  let module = modules.get(file);
  if (module === undefined) {
    module = modulePath(file);
    modules.set(file, module);
  }
  return module;
}

/** The identity of an entity being defined now. */
export function newIdentity(explicitName?: string): Identity {
  const sites = callerSites();
  const file = sites[0]?.file;
  const module = file ? definingModule(file) : undefined;
  const key = module ?? "";
  const ordinal = ordinals.get(key) ?? 0;
  ordinals.set(key, ordinal + 1);
  return { explicitName, file, module, ordinal, ...(sites.length ? { sites } : {}) };
}

interface SourceText {
  readonly text: string;
  /** Offsets of line starts. */
  readonly lines: number[];
  /** `export { local as exported }` clauses (not re-exports `from` another module): local name → exported names. */
  exports?: Map<string, string[]>;
}

const sources = new Map<string, SourceText | null>();

function sourceText(file: string): SourceText | undefined {
  let src = sources.get(file);
  if (src === undefined) {
    try {
      const text = readFileSync(file, "utf8");
      const lines = [0];
      for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lines.push(i + 1);
      src = { text, lines };
    } catch {
      src = null;
    }
    sources.set(file, src);
  }
  return src ?? undefined;
}

function exportClauses(src: SourceText): Map<string, string[]> {
  if (src.exports) return src.exports;
  const out = new Map<string, string[]>();
  for (const m of src.text.matchAll(/\bexport\s*\{([^}]*)\}(?!\s*from\b)/g)) {
    for (const item of m[1]!.split(",")) {
      const parts = /^\s*(?:type\s+)?([A-Za-z_$][\w$]*)(?:\s+as\s+([A-Za-z_$][\w$]*))?\s*$/.exec(item);
      if (!parts) continue;
      const exported = parts[2] ?? parts[1]!;
      if (exported !== "default") out.set(parts[1]!, [...(out.get(parts[1]!) ?? []), exported]);
    }
  }
  src.exports = out;
  return out;
}

/**
 * The declaration a call at `pos` initialises, read from the source: `export const add = task(...)` gives `add`
 * exported; `const add = task(...)` with `export { add as plus }` elsewhere in the file gives `plus`.
 */
const DECLARATION =
  /(?:^|[;{}\n]|\*\/)\s*(export\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=;]*)?=\s*(?:(?:await|new)\s+|\(\s*)*(?:[A-Za-z_$][\w$]*\s*\??\.\s*)*$/;

function exportAt(pos: SourcePosition): string | undefined {
  const src = sourceText(pos.file);
  const start = src?.lines[pos.line - 1];
  if (!src || start === undefined) return undefined;
  const offset = start + pos.column - 1;
  const m = DECLARATION.exec(src.text.slice(Math.max(0, offset - 4000), offset));
  if (!m) return undefined;
  if (m[1]) return m[2];
  return exportClauses(src).get(m[2]!)?.[0];
}

/**
 * Settles the export name of an entity that has none yet from the source of the code that defined it, at once and
 * the same way every time: the declaration its definition initialises (`export const add = task(...)`, or a local
 * exported by an `export { ... }` clause). When that declaration is in a file that called a helper, the entity's
 * module becomes that file's, so that the module and the export agree. Returns the export name, if any.
 */
export function settleExportName(id: Identity): string | undefined {
  if (id.exportName || !id.sites) return id.exportName;
  const sites = id.sites;
  id.sites = undefined;
  for (const site of sites) {
    const name = exportAt(site);
    if (name) {
      id.exportName = name;
      if (site.file !== id.file) {
        id.file = site.file;
        id.module = definingModule(site.file);
      }
      break;
    }
  }
  return id.exportName;
}

/** The name an identity gives. */
export function describeIdentity(id: Identity): string {
  settleExportName(id);
  if (id.definedIn)
    return `${id.definedIn.workflow.name}.${id.module ?? "__main__"}.${id.explicitName ?? `task_${id.definedIn.index}`}`;
  if (id.explicitName) return id.explicitName;
  const mod = id.module ?? "__main__";
  return `${mod}.${id.exportName ?? `entity_${id.ordinal}`}`;
}

/**
 * Names the entities a loaded module exports (flytekit's `lhs`): each keeps the export its defining module gives it
 * (see {@link settleExportName}); one whose definition names none (made in a loop, by a helper, or exported under
 * a computed name) is known by this module and its key here, which is where a container will find it.
 * Returns the entities found, by export name.
 */
export function bindExports<E extends { identity: Identity }>(
  namespace: Record<string, unknown>,
  file: string,
  isEntity: (v: unknown) => v is E,
): Map<string, E> {
  const found = new Map<string, E>();
  let module: string | undefined;
  for (const [key, value] of Object.entries(namespace)) {
    if (key === "default" || !isEntity(value)) continue;
    const id = value.identity;
    if (!settleExportName(id) && !id.definedIn) {
      id.exportName = key;
      id.module = module ??= modulePath(file);
      id.file = file;
    }
    found.set(key, value);
  }
  return found;
}
