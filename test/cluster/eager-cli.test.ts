/**
 * Eager workflows from the command line against a real Flyte (the local Flyte: FlyteAdmin, FlytePropeller, the
 * kubelet stand-in running every pod), as a user runs them (`node bin/tsflyte.js`, the build in dist/):
 *
 * - `run --remote --wait` of an eager task and of its getAsWorkflow() registers the file's entities with it and
 *   prints what a local run prints, the children being executions of their own;
 * - `run --remote --local-eager` runs the body in the CLI with each call an execution on the cluster, writes the
 *   deck, and Ctrl-C leaves no child running (counted through admin, not through the CLI's bookkeeping).
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Execution } from "../../src/idl/gen/flyteidl/admin/execution_pb.js";
import { WorkflowExecution_Phase } from "../../src/idl/gen/flyteidl/core/execution_pb.js";
import { enumName } from "../../src/idl/types.js";
import { createAdminClients } from "../../src/remote/clients.js";
import { isTerminal } from "../../src/remote/execution.js";
import { FlyteRemote } from "../../src/remote/remote.js";
import { labelledChildren } from "../helpers/cluster-remote.js";
import { ensureLocalFlyte, type LocalFlyte } from "../helpers/local-flyte.js";

const repo = join(import.meta.dirname, "..", "..");
const FILE = "test/cluster/fixtures/eager-cli.ts";
const N = 6;

describe("eager workflows from tsflyte on a real Flyte", { concurrency: 2 }, () => {
  let flyte: LocalFlyte;
  let remote: FlyteRemote;
  let env: NodeJS.ProcessEnv;
  const scratch = mkdtempSync(join(tmpdir(), "eager-cli-cluster-"));

  function tsflyte(args: string[]): {
    child: ChildProcess;
    done: Promise<{ code: number | null; out: string; err: string }>;
  } {
    const child = spawn(process.execPath, [join(repo, "bin", "tsflyte.js"), ...args], {
      cwd: repo,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.stderr!.on("data", (c: Buffer) => {
      err += c.toString();
    });
    return { child, done: new Promise((ok) => child.on("exit", (code) => ok({ code, out, err }))) };
  }

  /** The children of `parent` as admin lists them. */
  const children = (parent: string): Promise<Execution[]> => labelledChildren(remote, parent);
  const phaseOf = (e: Execution) => enumName(WorkflowExecution_Phase, e.closure?.phase ?? 0);

  before(async () => {
    assert.ok(existsSync(join(repo, "dist", "cli", "main.js")), "dist/ is missing: run `npm run build` first");
    flyte = await ensureLocalFlyte();
    remote = new FlyteRemote({
      clients: createAdminClients({ endpoint: flyte.adminEndpoint, insecure: true }),
      project: "flytesnacks",
      domain: "development",
    });
    env = { ...process.env, ...flyte.clientEnv };
    for (const k of ["NODE_TEST_CONTEXT", "NODE_OPTIONS", "FLYTE_PLATFORM_URL"]) delete env[k];
  });

  after(async () => {
    remote?.clients.close();
    await flyte?.stop();
  });

  for (const name of ["sumSquares", "sumSquaresWf"]) {
    test(`run --remote --wait of ${name} registers what the body calls and prints the local run's outputs`, async () => {
      const exec = `ecli-${name.toLowerCase()}-${Date.now().toString(36)}`;
      const r = await tsflyte(["run", "--remote", "--wait", "--name", exec, FILE, name, "--n", String(N)]).done;
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out.trim(), "91");
      const kids = await children(exec);
      assert.deepEqual(
        kids.map((e) => `${e.spec?.launchPlan?.name} ${phaseOf(e)}`),
        Array(N).fill("test.cluster.fixtures.eager-cli.square SUCCEEDED"),
      );
    });
  }

  test("run --remote --local-eager runs the body here, each call an execution, and writes the deck", async () => {
    const run = `elocal${Date.now().toString(36)}`;
    const deck = join(scratch, "deck.html");
    const r = await tsflyte([
      "run",
      "--remote",
      "--local-eager",
      "--name",
      run,
      "--deck",
      deck,
      FILE,
      "sumSquares",
      "--n",
      String(N),
    ]).done;
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out.trim(), "91");
    assert.match(r.err, new RegExp(`${N} calls on the cluster: ${N} succeeded`));
    const kids = await children(run);
    assert.equal(kids.length, N);
    assert.ok(kids.every((e) => phaseOf(e) === "SUCCEEDED"));
    const html = readFileSync(deck, "utf8");
    for (const k of kids) assert.ok(html.includes(k.id!.name), `${k.id!.name} in the deck`);
  });

  test("Ctrl-C in run --remote --local-eager leaves no child running within 60 s", async () => {
    const run = `edoze${Date.now().toString(36)}`;
    const p = tsflyte([
      "run",
      "--remote",
      "--local-eager",
      "--name",
      run,
      FILE,
      "dozeAll",
      "--n",
      String(N),
      "--seconds",
      "600",
    ]);
    const deadline = Date.now() + 180_000;
    while ((await children(run)).length < N) {
      assert.ok(Date.now() < deadline, `the ${N} children were not launched`);
      await new Promise((ok) => setTimeout(ok, 1000));
    }
    p.child.kill("SIGINT");
    const r = await p.done;
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /interrupted by SIGINT/);
    const stop = Date.now() + 60_000;
    for (;;) {
      const left = (await children(run)).filter((e) => !isTerminal(e.closure?.phase ?? 0));
      if (left.length === 0) break;
      assert.ok(Date.now() < stop, `${left.length} children still running: ${left.map(phaseOf).join(", ")}`);
      await new Promise((ok) => setTimeout(ok, 1000));
    }
    const kids = await children(run);
    assert.deepEqual(kids.map(phaseOf), Array(N).fill("ABORTED"));
  });
});
