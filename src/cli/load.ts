/**
 * Loading user code for the CLI: imports a file (TypeScript through tsx's loader, registered only when a TypeScript
 * file is loaded, so plain JavaScript starts fast) and names its exported tasks, workflows and launch plans after
 * their exports.
 *
 * Entities are recognised by shape, not `instanceof`: the user's file imports `flytekit-ts` by package name, which
 * may resolve to another copy of the SDK than the CLI's own (sources vs. build).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, extname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Entity } from "../core/entity.js";
import { bindExports } from "../core/naming.js";
import { UsageError } from "./command.js";

/** A loaded user file and the entities it exports, by export name (in the module namespace's order). */
export interface LoadedModule {
  /** The absolute path of the file. */
  readonly file: string;
  /** The exported tasks, workflows and launch plans, by export name. */
  readonly entities: ReadonlyMap<string, Entity>;
}

const TYPESCRIPT = new Set([".ts", ".mts", ".cts", ".tsx"]);
let typescriptLoader: Promise<void> | undefined;

/** Registers tsx's ESM loader in this process (once), so that `.ts` files can be imported. */
function registerTypeScript(): Promise<void> {
  typescriptLoader ??= import("tsx/esm/api").then(({ register }) => {
    register();
  });
  return typescriptLoader;
}

/**
 * Whether a value is a task, workflow or launch plan (from any copy of the SDK).
 *
 * @example
 * isEntity(add); // true for `export const add = task(...)`
 */
export function isEntity(value: unknown): value is Entity {
  if ((typeof value !== "function" && typeof value !== "object") || value === null) return false;
  const e = value as Partial<Entity>;
  return (
    (e.kind === "task" || e.kind === "workflow" || e.kind === "launch-plan") &&
    typeof e.identity === "object" &&
    e.identity !== null &&
    Array.isArray(e.interface?.inputs) &&
    typeof e.localCall === "function"
  );
}

/**
 * Imports a user file (relative to `cwd`) and returns its exported entities, named after their exports.
 * A missing file is a `UsageError`; an error while importing it is rethrown with the file named and as its cause.
 *
 * @example
 * const { entities } = await loadEntities("examples/hello.ts");
 * entities.get("wf")?.name; // "examples.hello.wf"
 */
export async function loadEntities(file: string, cwd: string = process.cwd()): Promise<LoadedModule> {
  const path = resolve(cwd, file);
  if (!existsSync(path) || !statSync(path).isFile()) throw new UsageError(`no such file: ${file}`);
  if (TYPESCRIPT.has(extname(path))) await registerTypeScript();
  let namespace: Record<string, unknown>;
  try {
    namespace = await import(pathToFileURL(path).href);
  } catch (e) {
    const scope = commonJsScope(path);
    const why = scope
      ? ` (it is CommonJS because ${scope}, and flytekit-ts is ESM-only: set "type": "module" in package.json, or name the file .mts)`
      : "";
    throw new Error(`cannot load ${file}: ${e instanceof Error ? e.message : String(e)}${why}`, { cause: e });
  }
  return { file: path, entities: bindExports(namespace, path, isEntity) };
}

/**
 * Why a file that failed to import is CommonJS, when it is: TypeScript in a package without `"type": "module"`
 * (plain `.js` is left out, as Node detects module syntax in it), or a `.cts`/`.cjs` file.
 */
function commonJsScope(path: string): string | undefined {
  const ext = extname(path);
  if (ext === ".cts" || ext === ".cjs") return `its extension is ${ext}`;
  if (ext !== ".ts" && ext !== ".tsx") return undefined;
  let dir = dirname(path);
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      let type: unknown;
      try {
        type = (JSON.parse(readFileSync(pkg, "utf8")) as { type?: unknown }).type;
      } catch {
        return undefined;
      }
      return type === "module" ? undefined : `${pkg} does not set "type": "module"`;
    }
    const up = dirname(dir);
    if (up === dir) return 'no package.json above it sets "type": "module"';
    dir = up;
  }
}

/**
 * The entity `name` refers to: an export name, or a full Flyte name such as `examples.hello.wf`.
 * An unknown name is a `UsageError` listing what the file exports.
 *
 * @example
 * findEntity(await loadEntities("examples/hello.ts"), "wf");
 */
export function findEntity(loaded: LoadedModule, name: string, shownFile = loaded.file): Entity {
  const byExport = loaded.entities.get(name);
  if (byExport) return byExport;
  for (const e of loaded.entities.values()) if (e.name === name) return e;
  const names = [...loaded.entities.keys()];
  throw new UsageError(
    `no task, workflow or launch plan named ${JSON.stringify(name)} in ${shownFile}; ${
      names.length ? `it exports ${names.join(", ")}` : "it exports none"
    }`,
  );
}
