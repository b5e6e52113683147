import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { ownCopy, pinOwnCopy, reachedCopy } from "../../../src/entrypoint/one-copy.js";

const repo = resolve(import.meta.dirname, "..", "..", "..");

/** Writes `files` (path -> text) under a new scratch directory and returns it. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "one-copy-unit-"));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(dir, rel, ".."), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

const named = (name: string) => JSON.stringify({ name, type: "module", exports: { ".": "./dist/index.js" } });

describe("reachedCopy: which flytekit-ts an import from a directory reaches", () => {
  it("a self-reference when the nearest package.json is named flytekit-ts, from nested directories too", () => {
    const dir = tree({ "package.json": named("flytekit-ts"), "examples/a.ts": "" });
    assert.equal(reachedCopy(dir), dir);
    assert.equal(reachedCopy(join(dir, "examples")), dir);
  });

  it("the nearest node_modules/flytekit-ts when the package scope has another name", () => {
    const dir = tree({
      "package.json": named("user-project"),
      "node_modules/flytekit-ts/package.json": named("flytekit-ts"),
      "src/wf.ts": "",
    });
    assert.equal(reachedCopy(join(dir, "src")), join(dir, "node_modules", "flytekit-ts"));
  });

  it("a package.json named otherwise ends the self-reference search even when a parent is flytekit-ts", () => {
    const dir = tree({ "package.json": named("flytekit-ts"), "inner/package.json": named("other") });
    assert.equal(reachedCopy(join(dir, "inner")), undefined);
  });

  it("none in a directory tree without either", () => {
    assert.equal(reachedCopy(tree({ "wf.js": "" })), undefined);
  });

  it("this repository reaches itself", () => {
    assert.equal(reachedCopy(join(repo, "examples")), repo);
  });
});

describe("ownCopy: the public modules next to the entrypoint", () => {
  it("maps the package and its subpaths to files with the entrypoint's extension", () => {
    const fromDist = ownCopy(pathToFileURL(join(repo, "dist", "entrypoint", "one-copy.js")).href);
    assert.equal(fromDist.root, repo);
    assert.deepEqual(fromDist.targets, {
      "flytekit-ts": pathToFileURL(join(repo, "dist", "index.js")).href,
      "flytekit-ts/remote": pathToFileURL(join(repo, "dist", "remote", "index.js")).href,
      "flytekit-ts/testing": pathToFileURL(join(repo, "dist", "testing", "index.js")).href,
      "flytekit-ts/package.json": pathToFileURL(join(repo, "package.json")).href,
    });
    const fromSource = ownCopy(pathToFileURL(join(repo, "src", "entrypoint", "one-copy.ts")).href);
    assert.equal(fromSource.targets["flytekit-ts"], pathToFileURL(join(repo, "src", "index.ts")).href);
  });

  it("says so when the module is not inside a package named flytekit-ts", () => {
    const dir = tree({ "package.json": named("other"), "x/one-copy.js": "" });
    assert.throws(
      () => ownCopy(pathToFileURL(join(dir, "x", "one-copy.js")).href),
      /one-copy\.js is not inside a package named flytekit-ts/,
    );
  });
});

describe("pinOwnCopy", () => {
  it("installs nothing when the project root reaches the entrypoint's copy already", async () => {
    assert.deepEqual(await pinOwnCopy(repo), { pinned: false, reached: repo, own: repo });
  });

  it("makes every import of flytekit-ts and its subpaths load the pinned copy; other subpaths fail there", () => {
    // Two copies: `own` (the entrypoint's) and `other` (what the user's directory reaches by itself).
    const own = tree({
      "package.json": JSON.stringify({
        name: "flytekit-ts",
        type: "module",
        exports: { ".": "./dist/index.js", "./remote": "./dist/remote/index.js" },
      }),
      "dist/index.js": 'export const copy = "own";',
      "dist/remote/index.js": 'export const copy = "own remote";',
      "dist/testing/index.js": 'export const copy = "own testing";',
      "dist/entrypoint/one-copy.js": "",
    });
    const user = tree({
      "package.json": named("flytekit-ts"),
      "dist/index.js": 'export const copy = "other";',
      "wf.js": [
        'import { copy } from "flytekit-ts";',
        'import { copy as remote } from "flytekit-ts/remote";',
        'import { copy as testing } from "flytekit-ts/testing";',
        'import pkg from "flytekit-ts/package.json" with { type: "json" };',
        "let hidden;",
        'try { await import("flytekit-ts/dist/index.js"); } catch (e) { hidden = e.code; }',
        "export const seen = [copy, remote, testing, pkg.exports['./remote'], hidden];",
      ].join("\n"),
    });
    const script = [
      `import { ownCopy, pinOwnCopy } from ${JSON.stringify(pathToFileURL(join(repo, "src", "entrypoint", "one-copy.ts")).href)};`,
      `const copy = ownCopy(${JSON.stringify(pathToFileURL(join(own, "dist", "entrypoint", "one-copy.js")).href)});`,
      `const first = await pinOwnCopy(${JSON.stringify(user)}, copy);`,
      `const again = await pinOwnCopy(${JSON.stringify(user)}, copy);`,
      `const { seen } = await import(${JSON.stringify(pathToFileURL(join(user, "wf.js")).href)});`,
      "console.log(JSON.stringify({ first, again, seen }));",
    ].join("\n");
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: repo,
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(got.first, { pinned: true, reached: user, own });
    assert.deepEqual(got.again, { pinned: true, reached: user, own });
    assert.deepEqual(got.seen, [
      "own",
      "own remote",
      "own testing",
      "./dist/remote/index.js",
      "ERR_PACKAGE_PATH_NOT_EXPORTED",
    ]);
  });
});
