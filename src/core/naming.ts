/**
 * Entity identity: an explicit `name`, else `<module>.<export>`, where the module is the defining file's path relative
 * to its project root (dots for slashes, no extension). Names never come from `fn.name`, so bundling and minifying
 * cannot change them.
 */
import { existsSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

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

/** The dotted module path of a file relative to its project root: `examples/hello.ts` → `examples.hello`. */
export function modulePath(file: string, root = projectRoot(file)): string {
  const rel = relative(root, file).replace(/\.(m|c)?(t|j)sx?$/, "");
  return rel.split(sep).join(".").replace(/^\.+/, "");
}

/** The first stack frame outside this SDK: the user's file that is defining an entity. */
export function callerFile(): string | undefined {
  const stack = new Error().stack?.split("\n").slice(1) ?? [];
  for (const line of stack) {
    const m = /\((.*?):\d+:\d+\)$/.exec(line) ?? /at (.*?):\d+:\d+$/.exec(line);
    if (!m) continue;
    let f = m[1]!;
    if (f.startsWith("file://")) f = fileURLToPath(f);
    if (f.startsWith("node:") || f.includes(`${sep}node_modules${sep}tsx${sep}`)) continue;
    // Both src/ and dist/ are the SDK: with source maps on (tsx enables them), dist/ frames show src/ paths.
    if (["src", "dist"].some((d) => !relative(join(SDK_ROOT, "..", d), f).startsWith(".."))) continue;
    return f;
  }
  return undefined;
}

/** The identity of an entity being defined now. */
export function newIdentity(explicitName?: string): Identity {
  const file = callerFile();
  const module = file ? modulePath(file) : undefined;
  const key = module ?? "";
  const ordinal = ordinals.get(key) ?? 0;
  ordinals.set(key, ordinal + 1);
  return { explicitName, file, module, ordinal };
}

/** The name an identity gives. */
export function describeIdentity(id: Identity): string {
  if (id.definedIn)
    return `${id.definedIn.workflow.name}.${id.module ?? "__main__"}.${id.explicitName ?? `task_${id.definedIn.index}`}`;
  if (id.explicitName) return id.explicitName;
  const mod = id.module ?? "__main__";
  return `${mod}.${id.exportName ?? `entity_${id.ordinal}`}`;
}

/**
 * Names every entity a module exports after its export (flytekit's `lhs`), unless it has an explicit name.
 * Returns the entities found, by export name.
 */
export function bindExports<E extends { identity: Identity }>(
  namespace: Record<string, unknown>,
  file: string,
  isEntity: (v: unknown) => v is E,
): Map<string, E> {
  const found = new Map<string, E>();
  const module = modulePath(file);
  for (const [key, value] of Object.entries(namespace)) {
    if (key === "default" || !isEntity(value)) continue;
    if (!value.identity.exportName) {
      value.identity.exportName = key;
      value.identity.module ??= module;
      value.identity.file ??= file;
    }
    found.set(key, value);
  }
  return found;
}

const scanned = new Map<string, Promise<void>>();

/**
 * Names the entities of a file after their exports by importing the (already loaded) module and scanning it.
 * A module that is still evaluating (an entity awaited at its own module's top level) cannot be scanned; its
 * entities keep their provisional names. Each file is scanned once.
 */
export function scanModuleExports(file: string): Promise<void> {
  let p = scanned.get(file);
  if (!p) {
    p = (async () => {
      const { pathToFileURL } = await import("node:url");
      const imported = import(pathToFileURL(file).href).then(
        (ns: Record<string, unknown>) => ns,
        () => undefined,
      );
      const ns = await Promise.race([
        imported,
        new Promise<undefined>((r) => setTimeout(() => r(undefined), 250).unref()),
      ]);
      if (ns) bindExports(ns, file, isIdentified);
    })();
    scanned.set(file, p);
  }
  return p;
}

function isIdentified(v: unknown): v is { identity: Identity } {
  return (
    (typeof v === "function" || typeof v === "object") &&
    v !== null &&
    typeof (v as { identity?: unknown }).identity === "object" &&
    typeof (v as { kind?: unknown }).kind === "string"
  );
}
