/**
 * Task resolvers: how a container finds the task it must run. Serialization writes `--resolver <location> --
 * <loader args...>` into the task's container args; the entrypoint loads the resolver named by `location` and asks it
 * to `loadTask(loaderArgs)` (the twin of flytekit's `TaskResolverMixin`).
 *
 * The default resolver's loader args are `task-module <dotted module> task-name <export>`: the module is the
 * defining file's path relative to the project root with dots for slashes (see `modulePath`), found again at run
 * time under `FLYTE_PROJECT_ROOT` (else the working directory) as `.js`, `.mjs`, `.ts` or `.mts`.
 */
import { existsSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { FlyteUserError, FlyteValidationError } from "../errors.js";
import { bindExports, projectRoot } from "./naming.js";
import type { Task } from "./task.js";

/** Finds a task from the loader args serialization wrote for it. */
export interface TaskResolver {
  /** Where the resolver itself lives, as written after `--resolver`: `<dotted module>.<export>`. */
  readonly location: string;
  /** The args that let `loadTask` find `task` again in a container. */
  loaderArgs(task: Task): string[];
  /** Loads the task named by `args` (what `loaderArgs` returned). */
  loadTask(args: readonly string[]): Promise<Task>;
}

/** The location serialization writes for {@link defaultTaskResolver}. */
export const DEFAULT_RESOLVER_LOCATION = "flytekit_ts.default_task_resolver";

/** The extensions a dotted module may have on disk, in the order they are tried. */
export const MODULE_EXTENSIONS: readonly string[] = [".js", ".mjs", ".ts", ".mts"];

/**
 * Whether `v` is a task, from this or another copy of the SDK (recognised by shape: user code may import a
 * different copy of `flytekit-ts` than the entrypoint's).
 */
export function isTask(v: unknown): v is Task {
  if ((typeof v !== "function" && typeof v !== "object") || v === null) return false;
  const t = v as Partial<Task>;
  return t.kind === "task" && typeof t.dispatchExecute === "function" && typeof t.identity === "object";
}

function isEntityLike(v: unknown): v is { identity: import("./naming.js").Identity } {
  return (
    (typeof v === "function" || typeof v === "object") &&
    v !== null &&
    typeof (v as { kind?: unknown }).kind === "string" &&
    typeof (v as { identity?: unknown }).identity === "object"
  );
}

/** The project root user modules are resolved against: `FLYTE_PROJECT_ROOT`, else the working directory. */
export function projectRootFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.FLYTE_PROJECT_ROOT || process.cwd();
}

/**
 * The file of a dotted module under `root`, or `undefined`. `a.b.c` is first tried as `a/b/c.<ext>`; since file
 * names may contain dots themselves, the other ways of splitting it (`a/b.c`, `a.b/c`, ...) are tried next, and each
 * directory or file name also as a hidden one (`.a/b/c`: `modulePath` drops the leading dot of hidden names). Only
 * directories that exist are searched further.
 */
export function findModuleFile(module: string, root: string): string | undefined {
  const parts = module.split(".");
  if (parts.some((p) => p === "")) return undefined;
  const search = (dir: string, from: number): string | undefined => {
    for (let to = from + 1; to <= parts.length; to++) {
      const name = parts.slice(from, to).join(".");
      for (const candidate of [name, `.${name}`]) {
        const path = join(dir, candidate);
        if (to === parts.length) {
          for (const ext of MODULE_EXTENSIONS) {
            const file = `${path}${ext}`;
            if (existsSync(file) && statSync(file).isFile()) return file;
          }
        } else if (existsSync(path) && statSync(path).isDirectory()) {
          const found = search(path, to);
          if (found) return found;
        }
      }
    }
    return undefined;
  };
  return search(root, 0);
}

let typescriptLoader: Promise<void> | undefined;

/**
 * Imports a user file; a `.ts`/`.mts` file goes through tsx's ESM loader, which is only loaded (once) when such a
 * file is imported, so plain JavaScript starts fast.
 */
export async function importUserModule(file: string): Promise<Record<string, unknown>> {
  if (/\.m?ts$/.test(file)) {
    typescriptLoader ??= import("tsx/esm/api").then(({ register }) => {
      register();
    });
    await typescriptLoader;
  }
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

/** Imports a dotted module under `root`; a missing module is a `FlyteUserError` that says where it looked. */
async function importDottedModule(
  module: string,
  root: string,
): Promise<{ file: string; ns: Record<string, unknown> }> {
  const file = findModuleFile(module, root);
  if (!file) {
    const base = join(root, module.split(".").join("/"));
    throw new FlyteUserError(
      `module ${module} was not found under ${root} (tried ${MODULE_EXTENSIONS.map((e) => `${base}${e}`).join(", ")}` +
        ` and the other ways of splitting its dots); set FLYTE_PROJECT_ROOT to the directory the module path is relative to`,
    );
  }
  return { file, ns: await importUserModule(file) };
}

/**
 * What {@link checkModuleFindsFile} found for a defining file and its module (by `<file>\0<module>`): the project
 * root ("" when the file is not on disk) and the file the module resolves to. One serialization keeps one, so the
 * tasks of a file cost one look at the disk, not one each.
 */
export type ModuleLookups = Map<string, { readonly root: string; readonly found: string | undefined }>;

/**
 * Checks that a container, resolving `module` under the project root as the default resolver does, finds the file
 * that defines `task` and not another one (`flyte/wf.ts` beside `.flyte/wf.ts`, `a/b.ts` beside `a.b.ts`). Files
 * that are not on disk (code evaluated from a string) are not checked.
 */
export function checkModuleFindsFile(task: Task, module: string, lookups?: ModuleLookups): void {
  const file = task.identity.file;
  if (!file) return;
  const key = `${file}\0${module}`;
  let lookup = lookups?.get(key);
  if (!lookup) {
    const root = existsSync(file) ? projectRoot(file) : "";
    lookup = { root, found: root ? findModuleFile(module, root) : undefined };
    lookups?.set(key, lookup);
  }
  const { root, found } = lookup;
  if (!root) return;
  const stem = (f: string) => f.replace(/\.(m|c)?(t|j)sx?$/, "");
  if (found && stem(found) === stem(file)) return;
  throw new FlyteValidationError(
    `${task.name}: a container resolves its module ${module} to ${found ? relative(root, found) : "no file"}, not to ${relative(root, file)} where it is defined; rename one of the files or directories so that their module paths differ`,
  );
}

/**
 * The default resolver: loader args `task-module <module> task-name <export>`.
 *
 * @example
 * defaultTaskResolver.loaderArgs(add); // ["task-module", "examples.math", "task-name", "add"]
 * await defaultTaskResolver.loadTask(["task-module", "examples.math", "task-name", "add"]);
 */
export const defaultTaskResolver: TaskResolver = {
  location: DEFAULT_RESOLVER_LOCATION,

  loaderArgs(task: Task): string[] {
    const module = task.instantiatedIn;
    if (!module) {
      throw new FlyteValidationError(`${task.name}: its defining module is unknown, so a container cannot load it`);
    }
    return ["task-module", module, "task-name", task.lhs];
  },

  async loadTask(args: readonly string[]): Promise<Task> {
    if (args.length < 4 || args[0] !== "task-module" || args[2] !== "task-name" || !args[1] || !args[3]) {
      throw new FlyteUserError(
        `the default task resolver expects "task-module <module> task-name <export>", got ${JSON.stringify(args)}`,
      );
    }
    const module = args[1];
    const name = args[3];
    const { file, ns } = await importDottedModule(module, projectRootFromEnv());
    bindExports(ns, file, isEntityLike);
    const found = ns[name];
    if (isTask(found)) return found;
    const tasks = Object.keys(ns).filter((k) => isTask(ns[k]));
    throw new FlyteUserError(
      found === undefined
        ? `module ${module} (${file}) has no export ${JSON.stringify(name)}; its task exports are: ${tasks.join(", ") || "(none)"}`
        : `export ${JSON.stringify(name)} of module ${module} (${file}) is not a task`,
    );
  },
};

/** The SDK's own resolvers, by location; loaded only when named. */
const BUILTIN_RESOLVERS: Readonly<Record<string, () => Promise<TaskResolver>>> = {
  [DEFAULT_RESOLVER_LOCATION]: async () => defaultTaskResolver,
  "flytekit_ts.eager_failure_task_resolver": async () =>
    (await import("./eager/failure-handler.js")).eagerFailureTaskResolver,
};

/**
 * Loads the resolver named by a `--resolver` location: one of the SDK's (the default resolver, the eager failure
 * handler's), or `<dotted module>.<export>` naming an object with `loadTask` (or a class whose instances have one) in
 * a module under the project root.
 */
export async function loadResolver(location: string): Promise<TaskResolver> {
  const builtin = BUILTIN_RESOLVERS[location];
  if (builtin) return builtin();
  const dot = location.lastIndexOf(".");
  if (dot <= 0 || dot === location.length - 1) {
    throw new FlyteUserError(`resolver ${JSON.stringify(location)} is not of the form <module>.<export>`);
  }
  const module = location.slice(0, dot);
  const name = location.slice(dot + 1);
  const { file, ns } = await importDottedModule(module, projectRootFromEnv());
  let value = ns[name];
  if (typeof value === "function" && typeof value.prototype?.loadTask === "function") {
    value = new (value as new () => TaskResolver)();
  }
  if (!value || typeof (value as Partial<TaskResolver>).loadTask !== "function") {
    throw new FlyteUserError(`resolver ${location} (${file}) is not an object with a loadTask(args) method`);
  }
  return value as TaskResolver;
}
