/**
 * Progress and recording of local runs, as a user sees them: `tsflyte run` in a subprocess, not on a terminal (a
 * line per node change), with --json and --quiet, and on a pseudo-terminal (`script` from util-linux) where the live
 * display is redrawn in place; each run lands in the run store of FLYTEKIT_TS_HOME.
 */
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { stripVTControlCharacters } from "node:util";

const ESC = String.fromCharCode(27);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "bin", "tsflyte.js");
const FIXTURE = "test/e2e/fixtures/ui-runs.ts";
const scratch = mkdtempSync(join(tmpdir(), "tsflyte-progress-"));
const HOME = join(scratch, "home");

const env: NodeJS.ProcessEnv = {
  ...process.env,
  FLYTE_LOCAL_SANDBOX: join(scratch, "sandbox"),
  FLYTE_LOCAL_CACHE_DIR: join(scratch, "cache"),
  FLYTEKIT_TS_HOME: HOME,
};
delete env.NODE_TEST_CONTEXT;
delete env.NO_COLOR;

function tsflyte(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env, timeout: 90_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") reject(error);
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

/** Quotes a word for sh. */
const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

before(() => {
  if (!existsSync(join(ROOT, "dist", "cli", "main.js"))) {
    throw new Error("dist/cli/main.js is missing: run `npm run build` before the e2e tests");
  }
});
after(() => rmSync(scratch, { recursive: true, force: true }));

describe("tsflyte run progress", { concurrency: true }, () => {
  test("not on a terminal: a line per node change, a summary with durations and decks, the run recorded", async () => {
    const r = await tsflyte("run", FIXTURE, "pipeline", "--x", "1", "--ms", "20");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout), 8);
    const lines = r.stderr.split("\n");
    assert.equal(lines[0], "Running workflow ui_runs.pipeline locally");
    for (const n of ["n0", "n1", "n2"]) {
      for (const phase of ["queued", "running", "succeeded in"])
        assert.ok(
          lines.some((l) => new RegExp(`^\\[ +\\d+\\.\\d{3}s\\] ${n} ui_runs\\.slow_double: ${phase}`).test(l)),
          `${n} ${phase}:\n${r.stderr}`,
        );
    }
    assert.ok(lines.some((l) => /^Workflow ui_runs\.pipeline succeeded in \S+ \(3 nodes: 3 succeeded\)$/.test(l)));
    assert.match(r.stderr, /\n {2}✓ n0 {2}ui_runs\.slow_double {2}succeeded \S+\n {6}deck: (.*)\/decks\/0\.html\n/);
    const id = /Recorded as run (\S+);/.exec(r.stderr)![1]!;
    const run = JSON.parse(readFileSync(join(HOME, "runs", id, "run.json"), "utf8")) as {
      status: string;
      nodes: { path: string; phase: string }[];
    };
    assert.equal(run.status, "succeeded");
    assert.deepEqual(
      run.nodes.map((n) => [n.path, n.phase]),
      [
        ["n0", "succeeded"],
        ["n1", "succeeded"],
        ["n2", "succeeded"],
      ],
    );
    const deck = /deck: (\S+)/.exec(r.stderr)![1]!;
    assert.match(readFileSync(deck, "utf8"), /doubled 1/, "the summary links the stored deck, which outlives the run");
  });

  test("--json: one document with the outputs, the run and the nodes, also for a failure (exit 1)", async () => {
    const r = await tsflyte("run", "--json", FIXTURE, "hostile", "--s", "<b>x</b>");
    assert.equal(r.code, 1);
    const doc = JSON.parse(r.stdout) as {
      outputs: unknown;
      run: { status: string; id: string; error: { message: string } };
      nodes: { path: string; phase: string; error?: string }[];
    };
    assert.equal(doc.outputs, null);
    assert.equal(doc.run.status, "failed");
    assert.match(doc.run.error.message, /exploded on <b>x<\/b>/);
    assert.deepEqual(
      doc.nodes.map((n) => [n.path, n.phase]),
      [
        ["n0", "succeeded"],
        ["n1", "failed"],
        ["n2", "skipped"],
      ],
    );
    assert.match(r.stderr, /^Error: .*exploded on <b>x<\/b>/, "the error is on stderr, without progress");
    const ok = await tsflyte("run", FIXTURE, "echo", "--s", "hi", "--json");
    assert.deepEqual(
      (JSON.parse(ok.stdout) as { nodes: { path: string; name: string }[] }).nodes.map((n) => n.path),
      ["n0"],
    );
  });

  test("--quiet: only the outputs, or only the error", async () => {
    const ok = await tsflyte("run", "--quiet", FIXTURE, "echo", "--s", "hi");
    assert.deepEqual([ok.code, ok.stdout, ok.stderr], [0, '"hi"\n', ""]);
    const bad = await tsflyte("run", FIXTURE, "hostile", "--s", "z", "-q");
    assert.equal(bad.code, 1);
    assert.equal(bad.stdout, "");
    assert.match(bad.stderr, /^Error: Error encountered while executing 'ui_runs\.explode': exploded on z\n$/);
  });

  test("tsflyte ui: help, and a bad port or option is a usage error naming it", async () => {
    const help = await tsflyte("ui", "--help");
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: tsflyte ui \[--port N\] \[--open\] \[--dir DIR\]/);
    const top = await tsflyte("--help");
    assert.match(top.stdout, /^ {2}ui +Serve a web page of recorded runs/m);
    const port = await tsflyte("ui", "--port", "70000");
    assert.equal(port.code, 1);
    assert.match(port.stderr, /^Error: --port must be a port number \(0 to 65535\), got "70000"\n/);
    const unknown = await tsflyte("ui", "--nope");
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /--nope/);
  });

  test("on a terminal: a live display redrawn in place (counts, running nodes), then the summary", (t) => {
    const probe = spawnSync("script", ["--version"], { encoding: "utf8" });
    if (probe.status !== 0) {
      t.skip("util-linux `script` is not installed: no pseudo-terminal to run on");
      return;
    }
    const cmd = `stty cols 72 rows 30; exec ${[process.execPath, BIN, "run", FIXTURE, "pipeline", "--x", "2", "--ms", "500"].map(sq).join(" ")}`;
    const r = spawnSync("script", ["-qfec", cmd, "/dev/null"], { cwd: ROOT, env, encoding: "utf8", timeout: 90_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const out = r.stdout.replace(/\r/g, "");
    // The first frame, then frames that go back over the previous one: cursor hidden, up N lines, lines cleared.
    assert.ok(out.includes("\x1b[?25l\x1b[2K"), "a first frame");
    const redraws = out.match(new RegExp(`${ESC}\\[\\?25l${ESC}\\[\\d+A`, "g")) ?? [];
    assert.ok(redraws.length >= 3, `redraws: ${redraws.length}\n${JSON.stringify(out)}`);
    assert.match(out, /workflow ui_runs\.pipeline {2}[0-9.]+m?s {2}.*▸ 1 running/);
    assert.ok(out.includes(`${ESC}[36m  ▸ n1 ui_runs.slow_double `), "running nodes are listed, coloured");
    assert.doesNotMatch(out, /\] n0 ui_runs\.slow_double: queued/, "no plain lines on a terminal");
    const plain = stripVTControlCharacters(out);
    const frameLines = plain.split("\n").filter((l) => l.startsWith("workflow ui_runs") || l.startsWith("  ▸"));
    assert.ok(frameLines.length > 3);
    for (const line of frameLines) assert.ok([...line].length < 72, `wider than the terminal: ${line}`);
    assert.match(plain, /Workflow ui_runs\.pipeline succeeded in \S+ \(3 nodes: 3 succeeded\)/);
    assert.match(plain, /\n16\n/, "the outputs");
    assert.ok(readdirSync(join(HOME, "runs")).length >= 1);
  });
});
