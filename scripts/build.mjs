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
import { dirname, join } from "node:path";
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
        throw new Error(`${args.path}: no descriptor built at the top level was found to make lazy (protobuf-es changed?)`);
      }
      const helper = JSON.stringify(join(repo, "src", "idl", "lazy-desc.ts"));
      return { contents: `import { lazyDesc } from ${helper};\n${lazy}`, loader: "js" };
    });
  },
};

rmSync(join(repo, "dist"), { recursive: true, force: true });
const tsc = spawnSync(
  process.execPath,
  [join(repo, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json", "--emitDeclarationOnly"],
  { cwd: repo, stdio: "inherit" },
);
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

const result = await build({
  absWorkingDir: repo,
  entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([out, src]) => [out, join(repo, src)])),
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
});

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
