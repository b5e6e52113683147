/**
 * `tsflyte init` as a new user meets it: scaffold a project in a temporary directory with the built CLI, install it
 * with flytekit-ts taken from this checkout (a `file:` dependency; its other packages come from the registry or npm's
 * cache), then its own `npm run run`, `npm test` and `npm run typecheck` pass.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { before, test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const scratch = mkdtempSync(join(tmpdir(), "tsflyte-init-"));
const project = join(scratch, "hello-flyte");

const env: NodeJS.ProcessEnv = {
  ...process.env,
  FLYTE_LOCAL_SANDBOX: join(scratch, "sandbox"),
  FLYTE_LOCAL_CACHE_DIR: join(scratch, "cache"),
};
delete env.NODE_TEST_CONTEXT;
delete env.NODE_OPTIONS;

function sh(cmd: string, args: string[], cwd: string, timeout = 300_000) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    execFile(cmd, args, { cwd, env, timeout, maxBuffer: 16 << 20 }, (e, stdout, stderr) => {
      if (e && typeof e.code !== "number") reject(e);
      else resolve({ code: e ? (e.code as number) : 0, stdout, stderr });
    });
  });
}

before(() => {
  if (!existsSync(join(ROOT, "dist", "cli", "main.js"))) throw new Error("run `npm run build` before the e2e tests");
});

test("a new project installs, runs and tests out of the box", { timeout: 600_000 }, async () => {
  const init = await sh(process.execPath, [join(ROOT, "bin", "tsflyte.js"), "init", "hello-flyte"], scratch);
  assert.equal(init.code, 0, init.stderr);

  const pkgPath = join(project, "package.json");
  const pkg = JSON.parse(readFileSync(pkgPath, "utf8"));
  assert.match(pkg.dependencies["flytekit-ts"], /^\^\d+\.\d+\.\d+/);
  pkg.dependencies["flytekit-ts"] = `file:${ROOT}`;
  writeFileSync(pkgPath, `${JSON.stringify(pkg, null, 2)}\n`);

  // --ignore-scripts: the linked checkout is already built; its `prepare` must not rebuild it from here.
  const install = await sh(
    "npm",
    ["install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts"],
    project,
  );
  assert.equal(install.code, 0, install.stderr);

  const run = await sh("npm", ["run", "--silent", "run", "--", "--name", "Ada", "--times", "3"], project);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout.trim(), JSON.stringify("Hello, Ada! Hello, Ada! Hello, Ada!"));

  const tested = await sh("npm", ["test"], project);
  assert.equal(tested.code, 0, `${tested.stdout}\n${tested.stderr}`);
  assert.match(tested.stdout, /# pass 4\n# fail 0\n/);

  const typecheck = await sh("npm", ["run", "--silent", "typecheck"], project);
  assert.equal(typecheck.code, 0, `${typecheck.stdout}\n${typecheck.stderr}`);

  // A change that breaks the workflow fails its test.
  const wf = join(project, "workflows", "hello.ts");
  writeFileSync(wf, readFileSync(wf, "utf8").replace("=> `Hello, ", "=> `Bye, "));
  const broken = await sh("npm", ["test"], project);
  assert.equal(broken.code, 1);
  assert.match(broken.stdout, /# fail [1-9]/);
});
