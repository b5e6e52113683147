#!/usr/bin/env node
// Regenerates src/idl/gen from the .proto files of the pinned @flyteorg/flyteidl package with
// protoc-gen-es (run through buf). `--check` regenerates into a temporary folder and fails when the
// committed output differs.
//
// Each generated descriptor is then wrapped in `lazyDesc` (src/idl/lazy-desc.ts): protobuf-es builds a file's
// descriptors when its module is evaluated, and a process that loads the IDL modules would otherwise build all of
// them at start-up, whether it uses them or not.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const check = process.argv.includes("--check");
const committed = join(root, "src/idl/gen");
const work = mkdtempSync(join(tmpdir(), "flyteidl-gen-"));
const out = check ? join(work, "out") : committed;

try {
  const protos = join(work, "protos");
  cpSync(join(root, "node_modules/@flyteorg/flyteidl/protos/flyteidl"), join(protos, "flyteidl"), { recursive: true });
  cpSync(join(root, "idl/third_party"), join(work, "third_party"), { recursive: true });
  writeFileSync(join(work, "buf.yaml"), "version: v2\nmodules:\n  - path: protos\n  - path: third_party\n");
  writeFileSync(
    join(work, "buf.gen.yaml"),
    [
      "version: v2",
      "plugins:",
      `  - local: ${join(root, "node_modules/.bin/protoc-gen-es")}`,
      `    out: ${out}`,
      "    opt:",
      "      - target=ts",
      "      - import_extension=js",
      "      - erasable_syntax=true",
      "",
    ].join("\n"),
  );
  if (!check) rmSync(committed, { recursive: true, force: true });
  execFileSync(join(root, "node_modules/.bin/buf"), ["generate"], { cwd: work, stdio: "inherit" });
  for (const f of listFiles(out)) if (f.endsWith("_pb.ts")) makeLazy(join(out, f), f);
  if (check) {
    const a = listFiles(committed);
    const b = listFiles(out);
    const stale = [];
    for (const f of new Set([...a, ...b])) {
      const x = a.includes(f) ? readFileSync(join(committed, f), "utf8") : undefined;
      const y = b.includes(f) ? readFileSync(join(out, f), "utf8") : undefined;
      if (x !== y) stale.push(f);
    }
    if (stale.length > 0) {
      console.error(`src/idl/gen is stale; run \`npm run gen\`. Differing files:\n  ${stale.join("\n  ")}`);
      process.exit(1);
    }
    console.log(`src/idl/gen is up to date (${a.length} files)`);
  } else {
    console.log(`generated ${listFiles(out).length} files into ${relative(root, out)}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** Rewrites `export const X = fileDesc(...)` (and the others) of one generated file as `lazyDesc(() => fileDesc(...))`. */
function makeLazy(file, rel) {
  // The descriptor builders protoc-gen-es calls at a module's top level, one statement a line.
  const BUILDERS = /^( {2})(fileDesc|messageDesc|enumDesc|serviceDesc|extDesc)\((.*)\);$/gm;
  const text = readFileSync(file, "utf8");
  let n = 0;
  let lazy = text.replace(BUILDERS, (_, indent, fn, args) => {
    n++;
    return `${indent}lazyDesc(() => ${fn}(${args}));`;
  });
  if (n === 0) return;
  const codegen = /^import \{[^}]*\} from "@bufbuild\/protobuf\/codegenv2";$/m;
  const at = codegen.exec(lazy);
  if (!at) throw new Error(`${rel}: no import from @bufbuild/protobuf/codegenv2 to put the lazyDesc import after`);
  const helper = relative(dirname(join("src/idl/gen", rel)), "src/idl/lazy-desc.js");
  const end = at.index + at[0].length;
  lazy = `${lazy.slice(0, end)}\nimport { lazyDesc } from "${helper}";${lazy.slice(end)}`;
  writeFileSync(file, lazy);
}

function listFiles(dir, base = dir) {
  const files = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files.push(...listFiles(p, base));
    else files.push(relative(base, p));
  }
  return files.sort();
}
