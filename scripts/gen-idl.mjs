#!/usr/bin/env node
// Regenerates src/idl/gen from the .proto files of the pinned @flyteorg/flyteidl package with
// protoc-gen-es (run through buf). `--check` regenerates into a temporary folder and fails when the
// committed output differs.
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

function listFiles(dir, base = dir) {
  const files = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files.push(...listFiles(p, base));
    else files.push(relative(base, p));
  }
  return files.sort();
}
