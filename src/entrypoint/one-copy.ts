/**
 * One copy of the SDK per process: when an entrypoint loads user code, `flytekit-ts` and its subpaths resolve to the
 * entrypoint's own copy (as user code in a pyflyte pod imports the image's flytekit).
 *
 * Without this, user code can reach a second copy: a fast-registration bundle whose root is a package named
 * `flytekit-ts` (the SDK's own repository, or a fork of it) makes `import "flytekit-ts"` a self-reference to the
 * bundle's `dist/`, and a bundle or project with its own `node_modules/flytekit-ts` reaches that one. Two copies mean
 * two execution-context stores: an eager task would not see the cluster backend the entrypoint installed, a dynamic
 * task's nodes would not be recognised by the serializer. Node has no option that pins a package for a whole process,
 * so a module resolve hook does it; it is installed only when the project root reaches another copy (or none), so the
 * usual image, where user code resolves `flytekit-ts` to the entrypoint's copy, pays nothing.
 */
import { existsSync, readFileSync, realpathSync } from "node:fs";
import * as nodeModule from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The package name whose specifiers are pinned. */
export const PACKAGE_NAME = "flytekit-ts";

/** Where each public specifier of the package leads, and the package.json unknown subpaths resolve against. */
export interface OwnCopy {
  /** The package root directory of the entrypoint's copy. */
  readonly root: string;
  /** `flytekit-ts`, `flytekit-ts/remote`, ... mapped to the file URLs of the entrypoint's copy. */
  readonly targets: Readonly<Record<string, string>>;
  /** The file URL of the copy's package.json: other subpaths resolve from it (a self-reference), or fail there. */
  readonly packageJson: string;
}

/** The package root holding `file`: the nearest directory upwards with a package.json named {@link PACKAGE_NAME}. */
function packageRootOf(file: string): string {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if (packageName(dir) === PACKAGE_NAME) return dir;
    if (dirname(dir) === dir) throw new Error(`${file} is not inside a package named ${PACKAGE_NAME}`);
  }
}

/** The `name` of `dir/package.json`; `null` when the file is absent, `undefined` when it names nothing. */
function packageName(dir: string): string | null | undefined {
  const file = join(dir, "package.json");
  if (!existsSync(file)) return null;
  try {
    const name = (JSON.parse(readFileSync(file, "utf8")) as { name?: unknown }).name;
    return typeof name === "string" ? name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The entrypoint's own copy, from this module's location: the public modules are its siblings (`../index.js`,
 * `../remote/index.js`, `../testing/index.js`), with this module's extension, so a run from the sources (`.ts`)
 * pins the sources and a run from `dist/` pins `dist/`. A build that bundles the entrypoint must keep these
 * modules outside the bundle, or pin the bundle's own files here.
 */
export function ownCopy(moduleUrl: string = import.meta.url): OwnCopy {
  const ext = moduleUrl.endsWith(".ts") ? ".ts" : ".js";
  const at = (rel: string) => new URL(rel, moduleUrl).href;
  const root = packageRootOf(fileURLToPath(moduleUrl));
  return {
    root,
    targets: {
      [PACKAGE_NAME]: at(`../index${ext}`),
      [`${PACKAGE_NAME}/remote`]: at(`../remote/index${ext}`),
      [`${PACKAGE_NAME}/testing`]: at(`../testing/index${ext}`),
      [`${PACKAGE_NAME}/package.json`]: pathToFileURL(join(root, "package.json")).href,
    },
    packageJson: pathToFileURL(join(root, "package.json")).href,
  };
}

/**
 * The package root an `import "flytekit-ts"` from a module in `dir` reaches, as Node resolves it: a self-reference
 * when the nearest package.json is named `flytekit-ts`, else the first `node_modules/flytekit-ts` upwards; `undefined`
 * when there is none. (Conditions and `exports` do not matter here: which copy is reached is decided by the root.)
 */
export function reachedCopy(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    const name = packageName(d);
    if (name === PACKAGE_NAME) return d;
    if (name !== null || dirname(d) === d) break;
  }
  for (let d = dir; ; d = dirname(d)) {
    const candidate = join(d, "node_modules", PACKAGE_NAME);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dirname(d) === d) return undefined;
  }
}

function sameDirectory(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/**
 * The resolve hook, as module source for `module.register` (which loads hooks in its own thread, from a URL). The
 * in-thread variant below does the same with the same data.
 */
const HOOK_SOURCE = `
let copy;
export function initialize(data) { copy = data; }
export async function resolve(specifier, context, next) {
  if (specifier !== "${PACKAGE_NAME}" && !specifier.startsWith("${PACKAGE_NAME}/")) return next(specifier, context);
  const url = copy.targets[specifier];
  if (url !== undefined) return { url, shortCircuit: true };
  return next(specifier, { ...context, parentURL: copy.packageJson });
}
`;

type SyncResolve = (
  specifier: string,
  context: { parentURL?: string | undefined },
  next: (specifier: string, context: { parentURL?: string | undefined }) => unknown,
) => unknown;
type RegisterHooks = (hooks: { resolve: SyncResolve }) => unknown;

let installed: OwnCopy | undefined;

/** How {@link pinOwnCopy} went. */
export interface PinResult {
  /** Whether a resolve hook is installed (now or by an earlier call). */
  readonly pinned: boolean;
  /** The copy `import "flytekit-ts"` from the project root reaches without the hook, if any. */
  readonly reached: string | undefined;
  /** The entrypoint's copy. */
  readonly own: string;
}

/**
 * Makes `flytekit-ts` and its subpaths resolve to the entrypoint's own copy for every module loaded from now on,
 * when a module under `projectRoot` would otherwise reach another copy or none; does nothing when it reaches this
 * one already. Installs the hook once per process, in-thread where Node has `module.registerHooks`, else with
 * `module.register`; it composes with other resolve hooks (tsx's), which see every other specifier unchanged.
 *
 * @example
 * await pinOwnCopy(process.env.FLYTE_PROJECT_ROOT ?? process.cwd());
 * await import(userModuleUrl); // its `import { task } from "flytekit-ts"` is the entrypoint's task
 */
export async function pinOwnCopy(projectRoot: string, copy: OwnCopy = ownCopy()): Promise<PinResult> {
  const reached = reachedCopy(projectRoot);
  if (installed) return { pinned: true, reached, own: installed.root };
  if (reached !== undefined && sameDirectory(reached, copy.root)) return { pinned: false, reached, own: copy.root };
  // The package's modules load before the hook exists: where hooks run in a thread of their own (`register`), each
  // module loaded after it costs a round trip to that thread; user code then finds them loaded.
  await import(copy.targets[PACKAGE_NAME]!);
  const registerHooks = (nodeModule as { registerHooks?: RegisterHooks }).registerHooks;
  if (registerHooks) {
    registerHooks({
      resolve(specifier, context, next) {
        if (specifier !== PACKAGE_NAME && !specifier.startsWith(`${PACKAGE_NAME}/`)) return next(specifier, context);
        const url = copy.targets[specifier];
        if (url !== undefined) return { url, shortCircuit: true };
        return next(specifier, { ...context, parentURL: copy.packageJson });
      },
    });
  } else {
    nodeModule.register(`data:text/javascript,${encodeURIComponent(HOOK_SOURCE)}`, {
      data: { targets: copy.targets, packageJson: copy.packageJson },
    });
  }
  installed = copy;
  return { pinned: true, reached, own: copy.root };
}
