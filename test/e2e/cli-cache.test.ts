/**
 * `tsflyte cache list|clear` as a user runs them, as subprocesses of the built CLI: a cached workflow runs, the list
 * shows its entries, a second run hits, clear removes them (asking on a real terminal, refusing without one), and
 * the next run misses.
 */
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { before, test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "bin", "tsflyte.js");
const FIXTURE = "test/e2e/fixtures/cache/counted.ts";
const scratch = mkdtempSync(join(tmpdir(), "tsflyte-cache-"));
const RUNS = join(scratch, "runs.txt");

const env: NodeJS.ProcessEnv = {
  ...process.env,
  FLYTE_LOCAL_SANDBOX: join(scratch, "sandbox"),
  FLYTE_LOCAL_CACHE_DIR: join(scratch, "cache"),
  FLYTEKIT_TS_HOME: join(scratch, "home"),
  RUNS_FILE: RUNS,
};
delete env.NODE_TEST_CONTEXT;

function tsflyte(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, env, timeout: 60_000 },
      (e, stdout, stderr) => {
        if (e && typeof e.code !== "number") reject(e);
        else resolve({ code: e ? (e.code as number) : 0, stdout, stderr });
      },
    );
    child.stdin?.end();
  });
}

const runs = () => (existsSync(RUNS) ? readFileSync(RUNS, "utf8").trim().split("\n") : []);

before(() => {
  if (!existsSync(join(ROOT, "dist", "cli", "main.js"))) throw new Error("run `npm run build` before the e2e tests");
});

test("run a cached workflow, list its entries, clear them, and the next run misses", async () => {
  const first = await tsflyte("run", FIXTURE, "wf", "--x", "3");
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout.trim(), JSON.stringify("n=9"));
  assert.deepEqual(runs(), ["square 3", "label 9"]);

  const again = await tsflyte("run", FIXTURE, "wf", "--x", "3");
  assert.equal(again.stdout.trim(), JSON.stringify("n=9"));
  assert.deepEqual(runs(), ["square 3", "label 9"], "the second run is served from the cache");

  const listed = await tsflyte("cache", "list", "--json");
  assert.equal(listed.code, 0, listed.stderr);
  const rows = JSON.parse(listed.stdout) as { task: string; version: string; size: number; key: string }[];
  const tasks = rows.map((r) => `${r.task}@${r.version}`).sort();
  assert.equal(rows.length, 2);
  assert.match(tasks[0]!, /\.counted\.label@v2$/);
  assert.match(tasks[1]!, /\.counted\.square@1$/);
  const square = rows.find((r) => r.task.endsWith(".square"))!.task;

  const table = await tsflyte("cache", "list");
  assert.match(table.stdout, /^TASK\s+VERSION\s+SIZE\s+CREATED\s+LAST USED\n/);
  assert.match(table.stderr, /^2 entries, \d+ B, in /);

  // Standard input is not a terminal: nothing is removed without --yes.
  const refused = await tsflyte("cache", "clear");
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^Error: not removing 2 entries .* without --yes/);
  assert.equal(JSON.parse((await tsflyte("cache", "list", "--json")).stdout).length, 2);

  const one = await tsflyte("cache", "clear", "--task", square, "--yes");
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stderr, /^removed 1 entry /);
  await tsflyte("run", FIXTURE, "wf", "--x", "3");
  assert.deepEqual(runs(), ["square 3", "label 9", "square 3"], "square misses, label still hits");

  const all = await tsflyte("cache", "clear", "--yes");
  assert.match(all.stderr, /^removed 2 entries /);
  assert.deepEqual(JSON.parse((await tsflyte("cache", "list", "--json")).stdout), []);
  await tsflyte("run", FIXTURE, "wf", "--x", "3");
  assert.deepEqual(runs().slice(3), ["square 3", "label 9"], "both miss after clear");
});

test("on a terminal, clear asks and removes only after yes", {
  skip: !existsSync("/usr/bin/script") && "needs script(1)",
}, async () => {
  await tsflyte("run", FIXTURE, "square", "--x", "5");
  const count = () =>
    (
      JSON.parse(
        spawnSync(process.execPath, [BIN, "cache", "list", "--json"], { env, cwd: ROOT, encoding: "utf8" }).stdout,
      ) as unknown[]
    ).length;
  const before = count();
  assert.ok(before >= 1);
  // script(1) gives the CLI a pseudo-terminal; what is written to script's stdin is typed there.
  const onTty = (answer: string) =>
    spawnSync(
      "script",
      ["-qec", `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} cache clear`, "/dev/null"],
      {
        env,
        cwd: ROOT,
        input: `${answer}\n`,
        encoding: "utf8",
        timeout: 60_000,
      },
    );
  const no = onTty("n");
  assert.match(no.stdout, /Remove \d+ entr(y|ies) \(.*\) from .*\? \[y\/N\]/);
  assert.match(no.stdout, /nothing removed/);
  assert.equal(count(), before);
  const yes = onTty("y");
  assert.match(yes.stdout, /removed \d+ entr/);
  assert.equal(count(), 0);
});
