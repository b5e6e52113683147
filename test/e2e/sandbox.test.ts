/**
 * Local runs remove their scratch directory (`<FLYTE_LOCAL_SANDBOX>/run-*`) when the process ends: after a run, after
 * a failing task, on SIGINT and on SIGTERM; `FLYTE_LOCAL_KEEP=true` keeps it.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";

const repo = join(import.meta.dirname, "..", "..");
const script = join(repo, "test", "e2e", "fixtures", "sandbox", "run.ts");
const scratch = mkdtempSync(join(tmpdir(), "sandbox-e2e-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

function sandbox(name: string): string {
  return join(scratch, name);
}

function env(root: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    FLYTE_LOCAL_SANDBOX: root,
    FLYTE_LOCAL_KEEP: "",
    FLYTE_LOCAL_CACHE_ENABLED: "false",
    ...extra,
  };
}

function runs(root: string): string[] {
  return readdirSync(root).filter((d) => d.startsWith("run-"));
}

function run(mode: string, root: string, extra?: Record<string, string>) {
  return spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", script, mode], {
    cwd: repo,
    encoding: "utf8",
    timeout: 120_000,
    env: env(root, extra),
  });
}

describe("local run scratch directories", () => {
  test("removed after a run", () => {
    const root = sandbox("ok");
    const r = run("ok", root);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), "ok");
    assert.deepEqual(runs(root), []);
  });

  test("removed after a failing task", () => {
    const root = sandbox("fail");
    const r = run("fail", root);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /the task failed/);
    assert.deepEqual(runs(root), []);
  });

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    test(`removed on ${signal}, and the process still ends by the signal`, async () => {
      const root = sandbox(signal);
      const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", script, "wait"], {
        cwd: repo,
        env: env(root),
        stdio: ["ignore", "pipe", "pipe"],
      });
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (b: Buffer) => {
          if (b.toString().includes("started")) resolve();
        });
        child.on("exit", (code) => reject(new Error(`exited early with ${code}`)));
      });
      assert.equal(runs(root).length, 1, "the run has its directory while it runs");
      const ended = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, sig) => resolve(sig)));
      child.kill(signal);
      assert.equal(await ended, signal);
      assert.deepEqual(runs(root), []);
    });
  }

  test("kept with FLYTE_LOCAL_KEEP=true", () => {
    const root = sandbox("keep");
    const r = run("ok", root, { FLYTE_LOCAL_KEEP: "true" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(runs(root).length, 1);
  });
});
