/**
 * `tsflyte init` in-process: the files it writes, the names it accepts, and never overwriting.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { packageNameProblem } from "../../../src/cli/init.js";
import { main } from "../../../src/cli/main.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const SDK = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const FILES = ["package.json", "tsconfig.json", "workflows/hello.ts", "test/hello.test.ts", ".gitignore", "README.md"];

async function init(cwd: string, ...argv: string[]) {
  let out = "";
  let err = "";
  const code = await main(["init", ...argv], { out: (s) => (out += s), err: (s) => (err += s), cwd });
  return { code, out, err };
}

describe("tsflyte init", () => {
  test("writes a project named after its directory, pinned to this SDK's versions", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "init-"));
    const r = await init(cwd, "my-flows");
    assert.equal(r.code, 0, r.err);
    for (const f of FILES) assert.ok(existsSync(join(cwd, "my-flows", f)), f);
    assert.match(r.err, /created my-flows in .*my-flows:\n {2}package\.json\n/);
    assert.match(r.err, /Next:\n {2}cd my-flows\n {2}npm install\n {2}npm run run -- --name Ada\n {2}npm test\n/);
    const pkg = JSON.parse(readFileSync(join(cwd, "my-flows", "package.json"), "utf8"));
    assert.equal(pkg.name, "my-flows");
    assert.equal(pkg.type, "module");
    assert.deepEqual(pkg.dependencies, { "flytekit-ts": `^${SDK.version}` });
    assert.deepEqual(pkg.devDependencies, {
      "@types/node": SDK.devDependencies["@types/node"],
      tsx: SDK.dependencies.tsx,
      typescript: SDK.devDependencies.typescript,
    });
    assert.equal(pkg.scripts.run, "tsflyte run workflows/hello.ts wf");
    assert.match(pkg.scripts.test, /--test test\/\*\.test\.ts$/);
    const tsconfig = JSON.parse(readFileSync(join(cwd, "my-flows", "tsconfig.json"), "utf8"));
    assert.equal(tsconfig.compilerOptions.strict, true);
    assert.match(readFileSync(join(cwd, "my-flows", "README.md"), "utf8"), /^# my-flows\n/);
    assert.match(readFileSync(join(cwd, "my-flows", "test/hello.test.ts"), "utf8"), /from "flytekit-ts\/testing"/);
  });

  test("--name, and the current directory by default", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "init-"));
    const r = await init(cwd, "--name", "@acme/pipelines");
    assert.equal(r.code, 0, r.err);
    assert.equal(JSON.parse(readFileSync(join(cwd, "package.json"), "utf8")).name, "@acme/pipelines");
    assert.doesNotMatch(r.err, /cd /, "no cd into the directory it is in");
  });

  test("a directory with spaces: created, and the next steps quote it", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "init-"));
    const r = await init(cwd, "my flows", "--name", "my-flows");
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /\n {2}cd 'my flows'\n/);
    assert.equal(JSON.parse(readFileSync(join(cwd, "my flows", "package.json"), "utf8")).name, "my-flows");
  });

  test("refuses to overwrite, lists the files that exist, and writes nothing", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "init-"));
    mkdirSync(join(cwd, "p", "workflows"), { recursive: true });
    writeFileSync(join(cwd, "p", "README.md"), "mine");
    writeFileSync(join(cwd, "p", "workflows", "hello.ts"), "mine");
    const r = await init(cwd, "p");
    assert.equal(r.code, 1);
    assert.match(r.err, /^Error: not overwriting existing files in .*p: workflows\/hello\.ts, README\.md\n/);
    assert.match(r.err, /nothing was written/);
    assert.equal(readFileSync(join(cwd, "p", "README.md"), "utf8"), "mine");
    assert.equal(existsSync(join(cwd, "p", "package.json")), false);
  });

  test("names follow npm's rules, with a clear error naming the value", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "init-"));
    const upper = await init(cwd, "MyFlows");
    assert.equal(upper.code, 1);
    assert.match(upper.err, /the directory name "MyFlows" is not a valid npm package name: .*capital letters/);
    assert.match(upper.err, /Pass a name with --name/);
    assert.equal(existsSync(join(cwd, "MyFlows")), false, "nothing created");
    assert.match(
      (await init(cwd, "x", "--name", "_x")).err,
      /--name "_x" is not a valid npm package name: .*underscore/,
    );
    assert.match((await init(cwd, "x", "--name", "a b")).err, /URL-friendly/);
    assert.match((await init(cwd, "x", "--name", "fs")).err, /core module name/);
    assert.match((await init(cwd, "x", "--name", "")).err, /name length must be greater than zero/);
    assert.match((await init(cwd, "x", "--name", "n".repeat(215))).err, /more than 214 characters/);
    assert.equal(packageNameProblem("ok-name"), undefined);
    assert.equal(packageNameProblem("@scope/ok.name_1"), undefined);
  });

  test("argument errors", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "init-"));
    writeFileSync(join(cwd, "file"), "");
    assert.match((await init(cwd, "file")).err, /"[^"]*file" exists and is not a directory/);
    assert.match((await init(cwd, "a", "b")).err, /expected one directory, got 2: a b/);
    assert.match((await init(cwd, "--bogus")).err, /Unknown option '--bogus'/);
    const help = await init(cwd, "--help");
    assert.equal(help.code, 0);
    assert.match(help.out, /^Usage: tsflyte init \[DIR\] \[--name NAME\]/);
  });
});
