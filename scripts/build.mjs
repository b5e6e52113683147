/**
 * `npm run build`: the published `dist/`.
 *
 * - type declarations (`.d.ts` and their maps) from `tsc -p tsconfig.build.json --emitDeclarationOnly`;
 * - the JavaScript from esbuild: one bundle of every public entry (`index`, `remote/index`, `testing/index`) and
 *   every executable's module (`cli/main`, `entrypoint/execute`, `-map-execute`, `-fast-execute`), split into shared
 *   chunks under `dist/chunks/`. Entries keep their paths, so `bin/` and the package `exports` are unchanged.
 *
 * Why a bundle: a container pays for every module file it loads (resolve, read, compile), and the unbundled build is
 * about 180 files (over 60 of them @bufbuild/protobuf's) for a trivial task. Code splitting keeps one copy of every
 * module across the entries: user code's `import "flytekit-ts"` and the entrypoint share the same chunks, so there
 * is still exactly one SDK (one context store, one set of classes) per process. Dynamic imports stay lazy chunks.
 * Chunks sit one directory below `dist/`, like the sources they come from, so `import.meta.url`-relative paths in
 * the sources (`../../package.json`, `../index.js`) mean the same thing in the bundle.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { basename, dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The bundle's entries: output path (under dist/, without `.js`) → source. */
export const ENTRIES = {
  index: "src/index.ts",
  "remote/index": "src/remote/index.ts",
  "testing/index": "src/testing/index.ts",
  "cli/main": "src/cli/main.ts",
  "entrypoint/execute": "src/entrypoint/execute.ts",
  "entrypoint/map-execute": "src/entrypoint/map-execute.ts",
  "entrypoint/fast-execute": "src/entrypoint/fast-execute.ts",
};

/**
 * The dependencies bundled: pure ES module code on every container's path (the IDL runtime) or the remote client's.
 * Every other dependency is loaded from node_modules at run time: native code and WebAssembly (loaded on first use,
 * from their own files), the TypeScript loader and compiler (only for `.ts` user code), libraries user code must
 * share with the SDK (`apache-arrow`: a table of another copy loses its dictionaries), and CommonJS packages (bundled
 * into ES modules, their `require`s of Node built-ins fail).
 */
export const BUNDLED = ["@bufbuild/protobuf", "@connectrpc/connect", "@connectrpc/connect-node"];

/** The package a bare import names: `@scope/name` or `name`. */
const packageOf = (spec) =>
  spec
    .split("/")
    .slice(0, spec.startsWith("@") ? 2 : 1)
    .join("/");

/** Every package import but those of {@link BUNDLED} stays an import. */
const externalPackages = {
  name: "external-packages",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      BUNDLED.includes(packageOf(args.path)) ? undefined : { path: args.path, external: true },
    );
  },
};

/**
 * protobuf-es's well-known types (google/protobuf/*.proto: the descriptor.proto its file descriptors are decoded
 * with, timestamp, duration, struct...) build their descriptors when their modules are evaluated, as the generated
 * IDL did before `scripts/gen-idl.mjs` made it lazy; in the bundle they are made lazy the same way (src/idl/lazy-desc.ts),
 * so a process builds descriptor.proto's descriptors only once it decodes an embedded file descriptor, and a task
 * container that never touches protobuf-es's reflection builds none.
 */
const WKT = /[\\/]@bufbuild[\\/]protobuf[\\/]dist[\\/]esm[\\/]wkt[\\/]gen[\\/].*_pb\.js$/;
const lazyWellKnownTypes = {
  name: "lazy-well-known-types",
  setup(b) {
    b.onLoad({ filter: WKT }, (args) => {
      const text = readFileSync(args.path, "utf8");
      let n = 0;
      const lazy = text.replace(
        /^(export const \w+ = \/\*@__PURE__\*\/ )(boot|fileDesc|messageDesc|enumDesc|extDesc)\((.*)\);$/gm,
        (_, head, fn, rest) => {
          n++;
          return `${head}lazyDesc(() => ${fn}(${rest}));`;
        },
      );
      if (/\b(boot|fileDesc)\(/.test(text) && n === 0) {
        throw new Error(
          `${args.path}: no descriptor built at the top level was found to make lazy (protobuf-es changed?)`,
        );
      }
      const helper = JSON.stringify(join(repo, "src", "idl", "lazy-desc.ts"));
      return { contents: `import { lazyDesc } from ${helper};\n${lazy}`, loader: "js" };
    });
  },
};

/**
 * Every entry and every lazily imported module of the SDK reaches the root entry. esbuild splits shared code by the
 * exact set of entries and dynamic imports that reach each module, so entries and lazy modules that reach different
 * parts of the SDK cut it into dozens of small chunks, and a container pays for every file it loads (resolve, read,
 * compile, link: about a quarter of a millisecond each on a 2-core machine). Here each entry of {@link WITH_ROOT} is
 * built from a small module that imports the root entry and re-exports the entry's module, and each SDK module that
 * is imported lazily (found by a first pass, {@link lazyTargets}) imports the root entry first, so every part of the
 * SDK that the root entry reaches has the same set and lands in one chunk. Left out, so that they stay light and
 * evaluate nothing early: `entrypoint/fast-execute` (it unpacks the code bundle and sets the working directory and
 * FLYTE_PROJECT_ROOT before the SDK is evaluated) and the storage room (fast-execute's downloads use it).
 */
/**
 * The storage room stays apart from the root entry (see above) but is kept together the same way: each of its modules
 * imports the room's index first, so the local backend and what every backend shares land in one chunk; the object
 * stores' own modules (imported on first use of their scheme, with their clients) stay chunks of their own.
 */
const storageDir = join(repo, "src", "storage") + sep;
const storageIndex = join(storageDir, "index.ts");
const STORAGE_APART = new Set([
  "index.ts",
  "s3.ts",
  "gcs.ts",
  "azure.ts",
  "sigv4.ts",
  "aws-credentials.ts",
  "xml.ts",
  "http.ts",
]);
const WITH_ROOT = new Set([
  "remote/index",
  "testing/index",
  "cli/main",
  "entrypoint/execute",
  "entrypoint/map-execute",
]);
const ROOT_PREFIX = "with-root:";
const rootEntry = join(repo, ENTRIES.index);

/** The SDK modules under src/ that some module imports with `import()`, but the storage room's. */
async function lazyTargets(options) {
  const entryPoints = Object.fromEntries(Object.entries(ENTRIES).map(([out, src]) => [out, join(repo, src)]));
  const probe = await build({ ...options, entryPoints, write: false, sourcemap: false, logLevel: "silent" });
  const targets = new Set();
  for (const meta of Object.values(probe.metafile.inputs)) {
    for (const imp of meta.imports) {
      if (imp.kind === "dynamic-import" && imp.path.startsWith("src/") && !imp.path.startsWith("src/storage/")) {
        targets.add(join(repo, imp.path));
      }
    }
  }
  return targets;
}

function entriesWithRoot(lazy) {
  return {
    name: "entries-with-root",
    setup(b) {
      b.onResolve({ filter: /^with-root:/ }, (args) => ({
        path: args.path.slice(ROOT_PREFIX.length),
        namespace: "with-root",
      }));
      b.onLoad({ filter: /.*/, namespace: "with-root" }, (args) => ({
        contents: `import ${JSON.stringify(rootEntry)};\nexport * from ${JSON.stringify(args.path)};\n`,
        loader: "js",
        resolveDir: repo,
      }));
      b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => {
        const first = lazy.has(args.path)
          ? rootEntry
          : args.path.startsWith(storageDir) && !STORAGE_APART.has(basename(args.path))
            ? storageIndex
            : undefined;
        if (first === undefined) return undefined;
        return { contents: `import ${JSON.stringify(first)};\n${readFileSync(args.path, "utf8")}`, loader: "ts" };
      });
    },
  };
}

rmSync(join(repo, "dist"), { recursive: true, force: true });
const tsc = spawnSync(
  process.execPath,
  [join(repo, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json", "--emitDeclarationOnly"],
  { cwd: repo, stdio: "inherit" },
);
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

const options = {
  absWorkingDir: repo,
  entryPoints: Object.fromEntries(
    Object.entries(ENTRIES).map(([out, src]) => [out, `${WITH_ROOT.has(out) ? ROOT_PREFIX : ""}${join(repo, src)}`]),
  ),
  outdir: join(repo, "dist"),
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  chunkNames: "chunks/[name]-[hash]",
  plugins: [externalPackages, lazyWellKnownTypes],
  sourcemap: "linked",
  sourcesContent: false,
  logLevel: "warning",
  metafile: true,
};
const lazy = await lazyTargets(options);
const result = await build({ ...options, plugins: [entriesWithRoot(lazy), ...options.plugins] });

// No CommonJS may be bundled (see BUNDLED): esbuild wraps it with a `require` that cannot load Node built-ins.
for (const [out, meta] of Object.entries(result.metafile.outputs)) {
  if (out.endsWith(".js") && /\b__require\(/.test(readFileSync(join(repo, out), "utf8"))) {
    throw new Error(
      `${out} bundles CommonJS (${Object.keys(meta.inputs)
        .filter((i) => i.includes("node_modules"))
        .join(", ")}): keep its package out of BUNDLED`,
    );
  }
}

// Sources that find files relative to their own module must land one directory below dist/, as they sit in src/.
for (const [out, meta] of Object.entries(result.metafile.outputs)) {
  if (!out.endsWith(".js") || out.split("/").length !== 2) continue;
  for (const input of Object.keys(meta.inputs)) {
    if (
      input.startsWith("src/") &&
      /\bimport\.meta\.(url|dirname|filename)\b/.test(readFileSync(join(repo, input), "utf8"))
    ) {
      throw new Error(`${input} uses import.meta and was bundled into ${out}, at another depth than its source`);
    }
  }
}
