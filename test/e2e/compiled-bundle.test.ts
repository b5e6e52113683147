// A TypeScript project packaged for fast registration runs in the container as plain JavaScript: `tsflyte package
// --fast` compiles its .ts files into the code bundle, and `tsflyte-fast-execute` -> `tsflyte-execute` load the
// compiled modules without ever loading tsx, under the same task names. Needs `npm run build` first.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { gunzipSync } from "node:zlib";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { readTar } from "../../src/entrypoint/tar.js";
import { TaskSpecSchema } from "../../src/idl/gen/flyteidl/admin/task_pb.js";
import { LiteralMapSchema } from "../../src/idl/gen/flyteidl/core/literals_pb.js";
import { integerLiteral, literalMap } from "../../src/idl/literals.js";

const repo = resolve(import.meta.dirname, "..", "..");
const scratch = mkdtempSync(join(tmpdir(), "compiled-bundle-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A user's project: `"type": "module"`, flytekit-ts installed, tasks spread over modules importing each other. */
function project(): string {
  const dir = join(scratch, "proj");
  mkdirSync(join(dir, "lib", "math"), { recursive: true });
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  symlinkSync(repo, join(dir, "node_modules", "flytekit-ts"), "dir");
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ name: "user-project", type: "module" })}\n`);
  // Every way a TypeScript import names a TypeScript file: extensionless, `.ts`, `.js` for `.ts`, a directory.
  writeFileSync(
    join(dir, "wf.ts"),
    [
      'import { t, task } from "flytekit-ts";',
      'import { double } from "./lib/math";',
      'import { offset } from "./lib/consts.ts";',
      'import { label } from "./lib/label.js";',
      'import type { Shape } from "./lib/types.ts";',
      "",
      "const shape: Shape = { k: 1 };",
      "export const calc = task({ inputs: { a: t.int }, outputs: t.str }, ({ a }: { a: number }) =>",
      "  label(double(a) + offset + shape.k),",
      ");",
      "const hidden = task({ inputs: { a: t.int }, outputs: t.int }, ({ a }) => a);",
      "export { hidden as renamed };",
      "",
    ].join("\n"),
  );
  writeFileSync(join(dir, "lib", "math", "index.ts"), "export const double = (n: number): number => 2 * n;\n");
  writeFileSync(join(dir, "lib", "consts.ts"), "export const offset: number = 100;\n");
  writeFileSync(join(dir, "lib", "label.mts"), "export const label = (n: number): string => 'n=' + String(n);\n");
  writeFileSync(join(dir, "lib", "label.ts"), 'export { label } from "./label.mts";\n');
  writeFileSync(join(dir, "lib", "types.ts"), "export interface Shape { k: number }\n");
  return dir;
}

function node(args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, args, {
    cwd,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", ...env },
  });
  assert.equal(r.status, 0, `node ${args.join(" ")} failed:\n${r.stderr}`);
  return r;
}

/**
 * A preload recording every module the process loads: ES modules through a resolve hook, CommonJS ones from the
 * require cache at exit.
 */
function recorder(log: string): string {
  const hook = join(scratch, "record-hook.mjs");
  writeFileSync(
    hook,
    [
      'import { appendFileSync } from "node:fs";',
      "let log;",
      "export function initialize(data) { log = data; }",
      "export async function resolve(specifier, context, next) {",
      "  const r = await next(specifier, context);",
      "  appendFileSync(log, r.url + '\\n');",
      "  return r;",
      "}",
      "",
    ].join("\n"),
  );
  const preload = join(scratch, "record.mjs");
  writeFileSync(
    preload,
    [
      'import { appendFileSync } from "node:fs";',
      'import { createRequire, register } from "node:module";',
      `register(${JSON.stringify(pathToFileURL(hook).href)}, { data: ${JSON.stringify(log)} });`,
      "const require = createRequire(import.meta.url);",
      'process.on("exit", () => appendFileSync(' +
        JSON.stringify(log) +
        ", Object.keys(require.cache).map((f) => f + '\\n').join('')));",
      "",
    ].join("\n"),
  );
  return preload;
}

describe("a TypeScript project in a fast-registration bundle", () => {
  it("is compiled when packaged and runs in the container without a TypeScript loader, under the same names", () => {
    const dir = project();
    const pkg = join(scratch, "pkg.tgz");
    const packaged = node(
      [join(repo, "bin", "tsflyte.js"), "package", "--fast", "--image", "img:1", "-o", pkg, "."],
      dir,
    );
    assert.doesNotMatch(packaged.stderr, /warning/);
    const members = [...readTar(new Uint8Array(gunzipSync(readFileSync(pkg))))];
    const names = members
      .filter((m) => m.name.endsWith("_1.pb"))
      .map((m) => fromBinary(TaskSpecSchema, m.data).template?.id?.name)
      .sort();
    assert.deepEqual(names, ["wf.calc", "wf.renamed"]);
    const bundle = members.find((m) => /^fast[0-9a-f]{32}\.tar\.gz$/.test(m.name));
    assert.ok(bundle, "the package holds a code bundle");
    const files = new Map([...readTar(new Uint8Array(gunzipSync(bundle.data)))].map((m) => [m.name, m.data]));
    for (const f of ["wf.js", "lib/math/index.js", "lib/consts.js", "lib/label.js", "lib/label.mjs", "lib/types.js"]) {
      assert.ok(files.has(f), `the bundle holds ${f} (it has ${[...files.keys()].join(", ")})`);
    }
    const wf = new TextDecoder().decode(files.get("wf.js"));
    assert.match(wf, /from "\.\/lib\/math\/index\.js"/);
    assert.match(wf, /from "\.\/lib\/consts\.js"/);
    assert.match(wf, /from "\.\/lib\/label\.js"/);
    assert.match(wf, /from "flytekit-ts"/, "package imports stay as they are");
    assert.doesNotMatch(wf, /types/, "type-only imports are gone");

    // The container: the bundle from its URI, unpacked into a directory where the image's flytekit-ts is installed.
    const bundleFile = join(scratch, bundle.name);
    writeFileSync(bundleFile, bundle.data);
    const dest = join(scratch, "pod");
    mkdirSync(join(dest, "node_modules"), { recursive: true });
    symlinkSync(repo, join(dest, "node_modules", "flytekit-ts"), "dir");
    writeFileSync(join(scratch, "inputs.pb"), toBinary(LiteralMapSchema, literalMap({ a: integerLiteral(4n) })));
    const log = join(scratch, "modules.txt");
    writeFileSync(log, "");
    const out = join(scratch, "out");
    node(
      [
        "--import",
        recorder(log),
        join(repo, "bin", "tsflyte-fast-execute.js"),
        "--additional-distribution",
        pathToFileURL(bundleFile).href,
        "--dest-dir",
        dest,
        "--",
        "tsflyte-execute",
        "--inputs",
        join(scratch, "inputs.pb"),
        "--output-prefix",
        out,
        "--raw-output-data-prefix",
        join(scratch, "raw"),
        "--resolver",
        "flytekit_ts.default_task_resolver",
        "--",
        "task-module",
        "wf",
        "task-name",
        "calc",
      ],
      scratch,
      { FLYTE_FAIL_ON_ERROR: "true" },
    );
    const outputs = fromBinary(LiteralMapSchema, readFileSync(join(out, "outputs.pb")));
    const o0 = outputs.literals.o0?.value;
    assert.equal(
      o0?.case === "scalar" && o0.value.value.case === "primitive" && o0.value.value.value.value.value,
      "n=109",
    );
    const loaded = readFileSync(log, "utf8").split("\n").filter(Boolean);
    assert.ok(
      loaded.some((u) => u.endsWith("/pod/wf.js")),
      `the compiled module is what ran (loaded: ${loaded.length})`,
    );
    assert.deepEqual(
      loaded.filter((u) => /[/\\]tsx[/\\]|\.m?ts$/.test(u)),
      [],
      "no TypeScript loader and no .ts file is loaded",
    );
  });
});
