/**
 * TypeScript compiled for code bundles (src/serialize/compile.ts): output names that keep module paths, imports
 * rewritten to the compiled files, files left alone (JavaScript twins, declarations, what esbuild rejects), and the
 * output running on plain Node with no TypeScript loader.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { compiledName, compileForBundle, isCompiledSource } from "../../../src/serialize/compile.js";

const scratch = mkdtempSync(join(tmpdir(), "compile-test-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Writes `files` (relative path → text) under a new directory and returns it with their absolute paths. */
function tree(name: string, files: Record<string, string>): { root: string; paths: string[] } {
  const root = join(scratch, name);
  const paths: string[] = [];
  for (const [rel, text] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
    paths.push(p);
  }
  return { root, paths };
}

const decode = (b: Uint8Array) => new TextDecoder().decode(b);

describe("compiled names", () => {
  test(".ts becomes .js in an ES module package and .mjs elsewhere; .mts becomes .mjs", () => {
    const esm = tree("names-esm", { "package.json": '{"type":"module"}', "a.ts": "" });
    const cjs = tree("names-cjs", { "package.json": '{"name":"x"}', "a.ts": "" });
    assert.equal(compiledName(join(esm.root, "a.ts")), join(esm.root, "a.js"));
    assert.equal(compiledName(join(esm.root, "sub", "b.tsx")), join(esm.root, "sub", "b.js"));
    assert.equal(compiledName(join(esm.root, "c.mts")), join(esm.root, "c.mjs"));
    assert.equal(compiledName(join(cjs.root, "a.ts")), join(cjs.root, "a.mjs"));
  });

  test("declaration files and JavaScript are not compiled", () => {
    assert.equal(isCompiledSource("/p/a.ts"), true);
    assert.equal(isCompiledSource("/p/a.mts"), true);
    assert.equal(isCompiledSource("/p/a.d.ts"), false);
    assert.equal(isCompiledSource("/p/a.d.mts"), false);
    assert.equal(isCompiledSource("/p/a.js"), false);
    assert.equal(isCompiledSource("/p/a.cts"), false);
  });
});

describe("compileForBundle", () => {
  test("rewrites every import of a project file to the compiled file and runs on plain Node", async () => {
    const { root, paths } = tree("imports", {
      "package.json": '{"type":"module"}',
      "tsconfig.json": JSON.stringify({ compilerOptions: { baseUrl: ".", paths: { "@lib/*": ["lib/*"] } } }),
      "main.ts": [
        'import { a } from "./lib/a";',
        'import { b } from "./lib/b.ts";',
        'import { c } from "./lib/c.js";',
        'import { d } from "./lib/d";',
        'import { e } from "@lib/e";',
        'import { f } from "./lib/f.mjs";',
        'import type { T } from "./lib/types.ts";',
        'import { join } from "node:path";',
        "const t: T = { n: 1 };",
        'export const value: string = join(a, b, c, d, e, f, String(t.n), (await import("./lib/late.ts")).late);',
        "",
      ].join("\n"),
      "lib/a.ts": 'export const a: string = "a";\n',
      "lib/b.ts": 'export const b: string = "b";\n',
      "lib/c.ts": 'export const c: string = "c";\n',
      "lib/d/index.ts": 'export const d: string = "d";\n',
      "lib/e.ts": 'export const e: string = "e";\n',
      "lib/f.mts": 'export const f: string = "f";\n',
      "lib/types.ts": "export interface T { n: number }\n",
      "lib/late.ts": 'export const late = "late";\n',
    });
    const { entries, warnings } = await compileForBundle(root, paths);
    assert.deepEqual(warnings, []);
    const byName = new Map(entries.map((e) => [e.name, decode(e.data)]));
    assert.deepEqual([...byName.keys()].sort(), [
      "lib/a.js",
      "lib/b.js",
      "lib/c.js",
      "lib/d/index.js",
      "lib/e.js",
      "lib/f.mjs",
      "lib/late.js",
      "lib/types.js",
      "main.js",
    ]);
    const main = byName.get("main.js")!;
    for (const spec of [
      "./lib/a.js",
      "./lib/b.js",
      "./lib/c.js",
      "./lib/d/index.js",
      "./lib/e.js",
      "./lib/f.mjs",
      "./lib/late.js",
    ]) {
      assert.ok(main.includes(`"${spec}"`), `main.js imports ${spec}:\n${main}`);
    }
    assert.ok(main.includes('"node:path"'), "package imports stay as they are");
    assert.doesNotMatch(main, /types/, "type-only imports are dropped");
    // The JavaScript alone, no TypeScript beside it, on Node without any loader.
    const out = join(scratch, "imports-js");
    for (const [name, text] of byName) {
      mkdirSync(dirname(join(out, name)), { recursive: true });
      writeFileSync(join(out, name), text);
    }
    writeFileSync(join(out, "package.json"), '{"type":"module"}');
    const r = spawnSync(process.execPath, ["-e", 'import("./main.js").then((m) => console.log(m.value))'], {
      cwd: out,
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "" },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), join("a", "b", "c", "d", "e", "f", "1", "late"));
  });

  test("keeps export declarations as the naming rules read them", async () => {
    const { root, paths } = tree("exports", {
      "package.json": '{"type":"module"}',
      "wf.ts":
        "const helper = (n: number) => n;\nexport const add = helper(1);\nconst inner = 2;\nexport { inner as outer };\n",
    });
    const [wf] = (await compileForBundle(root, paths)).entries;
    const text = decode(wf!.data);
    assert.match(text, /\b(?:const|let|var) add = helper\(1\)/);
    assert.match(text, /export \{[^}]*\badd\b[^}]*\}|export (?:const|let|var) add\b/);
    assert.match(text, /inner as outer/);
  });

  test("leaves files with a JavaScript twin, and keeps compiling the rest when one file does not parse", async () => {
    const { root, paths } = tree("partial", {
      "package.json": '{"type":"module"}',
      "good.ts": "export const ok: number = 1;\n",
      "broken.ts": "export const = ;\n",
      "lib/also-broken.ts": "let = 1;\n",
      "lib/fine.ts": "export const fine: string = 'x';\n",
      "built.ts": "export const x: number = 1;\n",
      "built.js": "export const x = 1;\n",
      "types.d.ts": "export declare const y: number;\n",
    });
    const { entries, warnings } = await compileForBundle(root, paths, (f) => paths.includes(f));
    assert.deepEqual(entries.map((e) => e.name).sort(), ["good.js", "lib/fine.js"]);
    assert.deepEqual(warnings.map((w) => w.file).sort(), [
      join(root, "broken.ts"),
      join(root, "lib", "also-broken.ts"),
    ]);
    for (const w of warnings) assert.match(w.message, /\S/);
  });

  test("nothing to compile: no entries and esbuild is not needed", async () => {
    const { root, paths } = tree("plain", { "package.json": "{}", "a.js": "export const a = 1;\n" });
    assert.deepEqual(await compileForBundle(root, paths), { entries: [], warnings: [] });
  });
});
