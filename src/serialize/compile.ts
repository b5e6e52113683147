/**
 * TypeScript user code compiled to JavaScript for a code bundle, so a container imports plain JavaScript and never
 * loads a TypeScript loader (about 250 ms of every cold start).
 *
 * Each `.ts`/`.mts`/`.tsx` file becomes a JavaScript file beside it (`.mts` → `.mjs`; `.ts` → `.js` in a package of
 * `"type": "module"`, else `.mjs`), so its dotted module path, and with it every task name and the resolver's loader
 * args, stays the same: the container's resolver tries `.js` and `.mjs` before `.ts`. Relative imports that name a
 * TypeScript file (`./util.ts`, `./util.js` standing for `./util.ts`, `./util`, a directory's index, a tsconfig
 * `paths` alias into the project) are rewritten to the JavaScript file that replaces it; package imports stay as
 * they are, so `flytekit-ts` is still the image's copy. Files with a JavaScript twin already on disk are left alone
 * (that twin is what the container loads), and so are files esbuild cannot compile: the container loads those through
 * tsx as before. esbuild compiles the whole project in one call.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import type { TarEntry } from "./tar.js";

/** The TypeScript sources a code bundle compiles (declaration files excluded). */
const COMPILED = /\.(m?ts|tsx)$/;

/** Whether `file` is a TypeScript module a code bundle compiles. */
export function isCompiledSource(file: string): boolean {
  return COMPILED.test(file) && !/\.d\.m?ts$/.test(file);
}

const packageTypes = new Map<string, boolean>();

/** Whether `.js` files in `dir` are ES modules: the nearest package.json says `"type": "module"`. */
function esmScope(dir: string): boolean {
  const known = packageTypes.get(dir);
  if (known !== undefined) return known;
  let esm = false;
  const pkg = join(dir, "package.json");
  if (existsSync(pkg)) {
    try {
      esm = (JSON.parse(readFileSync(pkg, "utf8")) as { type?: unknown }).type === "module";
    } catch {
      esm = false;
    }
  } else if (dirname(dir) !== dir) {
    esm = esmScope(dirname(dir));
  }
  packageTypes.set(dir, esm);
  return esm;
}

/** The JavaScript file that replaces the TypeScript file `file` in a bundle. */
export function compiledName(file: string): string {
  if (file.endsWith(".mts")) return `${file.slice(0, -4)}.mjs`;
  const base = file.replace(/\.tsx?$/, "");
  return `${base}${esmScope(dirname(file)) ? ".js" : ".mjs"}`;
}

/** A warning about a file left to the TypeScript loader. */
export interface CompileWarning {
  readonly file: string;
  readonly message: string;
}

/** What {@link compileForBundle} produced. */
export interface CompiledSources {
  /** One entry per compiled file, named relative to the root with `/`. */
  readonly entries: TarEntry[];
  /** The files that could not be compiled (the container loads them through tsx). */
  readonly warnings: CompileWarning[];
}

type Esbuild = typeof import("esbuild");

/**
 * Compiles the TypeScript files among `files` (absolute paths under `root`) to JavaScript tar entries named as the
 * files that replace them. `exists` tells whether a path is a file of the project (the JavaScript twin check).
 *
 * @example
 * const { entries } = await compileForBundle("/proj", ["/proj/wf.ts"]); // [{ name: "wf.js", data: ... }]
 */
export async function compileForBundle(
  root: string,
  files: readonly string[],
  exists: (file: string) => boolean = existsSync,
): Promise<CompiledSources> {
  const sources = files.filter((f) => isCompiledSource(f) && !exists(compiledName(f)));
  if (sources.length === 0) return { entries: [], warnings: [] };
  const esbuild = await import("esbuild");
  const project = new Set(files);
  // One file esbuild rejects fails the whole call: the files its errors point at are set aside (with a warning) and
  // the rest compiled again; errors without a file among the sources fall back to compiling one file at a time.
  const warnings: CompileWarning[] = [];
  let pending = sources;
  while (pending.length > 0) {
    try {
      return { entries: await compile(esbuild, root, pending, project), warnings };
    } catch (e) {
      const failed = new Map<string, string[]>();
      for (const err of errorsOf(e)) {
        const file = err.location?.file ? join(root, err.location.file) : "";
        if (!pending.includes(file)) return compileOneByOne(esbuild, root, pending, project, warnings);
        failed.set(file, [...(failed.get(file) ?? []), err.text]);
      }
      if (failed.size === 0) return compileOneByOne(esbuild, root, pending, project, warnings);
      for (const [file, texts] of failed) warnings.push({ file, message: texts.join("; ") });
      pending = pending.filter((f) => !failed.has(f));
    }
  }
  return { entries: [], warnings };
}

interface EsbuildError {
  readonly text: string;
  readonly location?: { readonly file: string } | null;
}

function errorsOf(e: unknown): EsbuildError[] {
  return (e as { errors?: EsbuildError[] }).errors ?? [];
}

async function compileOneByOne(
  esbuild: Esbuild,
  root: string,
  sources: readonly string[],
  project: ReadonlySet<string>,
  warnings: CompileWarning[],
): Promise<CompiledSources> {
  const entries: TarEntry[] = [];
  for (const file of sources) {
    try {
      entries.push(...(await compile(esbuild, root, [file], project)));
    } catch (e) {
      warnings.push({
        file,
        message:
          errorsOf(e)
            .map((x) => x.text)
            .join("; ") || String(e),
      });
    }
  }
  return { entries, warnings };
}

/** Candidate files for a relative import, in TypeScript's order: the file as named, its TypeScript source, an index. */
function candidates(target: string): string[] {
  const ext = /\.[cm]?[jt]sx?$/.exec(target)?.[0];
  const base = ext ? target.slice(0, -ext.length) : target;
  switch (ext) {
    case ".ts":
    case ".tsx":
    case ".mts":
      return [target];
    case ".js":
      return [target, `${base}.ts`, `${base}.tsx`];
    case ".jsx":
      return [target, `${base}.tsx`];
    case ".mjs":
      return [target, `${base}.mts`];
    default:
      return [
        target,
        ...[".ts", ".tsx", ".js", ".mts", ".mjs"].map((e) => `${target}${e}`),
        ...["index.ts", "index.tsx", "index.js"].map((f) => join(target, f)),
      ];
  }
}

/** The file of the project a relative import names, or undefined (left as written). */
function resolveLocal(spec: string, importer: string, project: ReadonlySet<string>): string | undefined {
  const target = join(dirname(importer), spec);
  return candidates(target).find((c) => project.has(c));
}

/** Whether the project's tsconfig.json maps import paths (`paths`): then bare imports may be project files. */
function hasPathAliases(root: string): boolean {
  try {
    return /"paths"\s*:/.test(readFileSync(join(root, "tsconfig.json"), "utf8"));
  } catch {
    return false;
  }
}

async function compile(
  esbuild: Esbuild,
  root: string,
  sources: readonly string[],
  project: ReadonlySet<string>,
): Promise<TarEntry[]> {
  /** The import that replaces one naming `file`, written in `importer`. */
  const specFor = (file: string, importer: string) => {
    const out = isCompiledSource(file) ? compiledName(file) : file;
    const spec = relative(dirname(importer), out).split(sep).join("/");
    return spec.startsWith(".") ? spec : `./${spec}`;
  };
  const aliases = hasPathAliases(root);
  const out = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [...sources],
    outdir: root,
    outbase: root,
    // Bundling mode only so that every import goes through the resolver below, which rewrites it and marks it
    // external: each output holds its own file's code alone.
    bundle: true,
    // Without path aliases a bare import is a package: external as written, without a round trip to the plugin.
    ...(aliases ? {} : { packages: "external" as const }),
    write: false,
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "silent",
    plugins: [
      {
        name: "flytekit-ts-rewrite-imports",
        setup(build) {
          build.onResolve({ filter: aliases ? /.*/ : /^(\.\.?(\/|$)|\/)/ }, async (args) => {
            if (args.kind === "entry-point" || args.pluginData === "resolving") return undefined;
            if (/^(\.\.?(\/|$)|\/)/.test(args.path)) {
              const file = resolveLocal(args.path, args.importer, project);
              return { path: file ? specFor(file, args.importer) : args.path, external: true };
            }
            // A bare import under tsconfig path aliases: esbuild resolves it; a project file is imported relatively.
            const resolved = await build.resolve(args.path, {
              resolveDir: args.resolveDir,
              kind: args.kind,
              importer: args.importer,
              pluginData: "resolving",
            });
            const file = resolved.errors.length === 0 ? resolved.path : "";
            const local = project.has(file) && !file.split(sep).includes("node_modules");
            return { path: local ? specFor(file, args.importer) : args.path, external: true };
          });
        },
      },
    ],
  });
  const byOutput = new Map<string, string>();
  for (const f of out.outputFiles) byOutput.set(f.path, f.text);
  const enc = new TextEncoder();
  return sources.map((file) => {
    // esbuild names each output after its entry with a .js extension, under outdir as the entry is under outbase.
    const emitted = join(root, relative(root, file).replace(/\.(m?ts|tsx)$/, ".js"));
    const text = byOutput.get(emitted);
    if (text === undefined) throw new Error(`esbuild produced no output for ${file}`);
    return { name: relative(root, compiledName(file)).split(sep).join("/"), data: enc.encode(text) };
  });
}
