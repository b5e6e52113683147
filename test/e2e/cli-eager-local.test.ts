/**
 * `tsflyte run --remote --local-eager` as a user runs it (`node bin/tsflyte.js`, the build in dist/), against the
 * loopback admin of test/helpers/eager-admin.ts, which launches nothing that is not registered: a user project in a
 * temporary directory whose eager body runs in the CLI process while its calls become executions; Ctrl-C terminates
 * them all; the deck is written where `--deck` says. Needs `npm run build` first.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { EAGER_EXEC_LABEL } from "../../src/remote/eager.js";
import { FakeEagerAdmin } from "../helpers/eager-admin.js";

const ROOT = join(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "bin", "tsflyte.js");

// A user's project: package.json, flytekit-ts resolved from node_modules, the eager fixtures (tasks named eg.*).
const project = mkdtempSync(join(tmpdir(), "tsflyte-local-eager-"));
writeFileSync(join(project, "package.json"), '{ "name": "eager-user", "type": "module" }\n');
mkdirSync(join(project, "node_modules"));
symlinkSync(ROOT, join(project, "node_modules", "flytekit-ts"), "dir");
writeFileSync(join(project, "flows.ts"), readFileSync(join(ROOT, "test", "e2e", "fixtures", "eager", "tasks.ts")));

const env: NodeJS.ProcessEnv = { ...process.env, HOME: project };
for (const k of Object.keys(env))
  if (k.startsWith("FLYTE_") || k === "FLYTECTL_CONFIG" || k === "NODE_TEST_CONTEXT" || k === "NODE_OPTIONS")
    delete env[k];

function tsflyte(args: string[]): {
  child: ChildProcess;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
} {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: project, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr!.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("exit", (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
}

describe("tsflyte run --remote --local-eager against a loopback admin", () => {
  const admin = new FakeEagerAdmin();
  let config: string;
  const children = (tag: string) => [...admin.executions.values()].filter((k) => k.labels[EAGER_EXEC_LABEL] === tag);

  before(async () => {
    assert.ok(existsSync(join(ROOT, "dist", "cli", "main.js")), "dist/ is missing: run `npm run build` first");
    await admin.start();
    admin.requireRegistration = true;
    config = join(project, "config.yaml");
    writeFileSync(config, `admin:\n  endpoint: dns:///127.0.0.1:${admin.port}\n  insecure: true\n`);
  });

  after(async () => {
    await admin.stop();
    rmSync(project, { recursive: true, force: true });
  });

  test("the body runs here, each call is an execution of the version registered with the file's entities", async () => {
    const deck = join(project, "out", "fan.html");
    const r = await tsflyte([
      "run",
      "--remote",
      "--local-eager",
      "--config",
      config,
      "--project",
      "p",
      "--name",
      "clifan1",
      "--deck",
      "out/fan.html",
      "flows.ts",
      "fan",
      "--n",
      "3",
    ]).done;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), String(2 * (0 + 1 + 2) + 1000));
    const version = /version (ts-[0-9a-f]{20})/.exec(r.stderr)?.[1];
    assert.ok(version, r.stderr);
    assert.match(r.stderr, /Running the body of eg\.fan here as clifan1; its calls run on the cluster/);
    assert.match(r.stderr, /4 calls on the cluster: 3 succeeded, 1 failed/);
    assert.match(r.stderr, new RegExp(`Eager Executions deck: ${deck.replaceAll(".", "\\.")}`));
    // Every entity the file exports is registered at the one version, and the children run at it.
    for (const name of ["eg.double", "eg.boom", "eg.slow", "eg.fan", "eg.hang", "eg.quit"])
      assert.ok(admin.registered.includes(`task ${name}@${version}`), `${name} in ${admin.registered.join(", ")}`);
    const kids = children("clifan1");
    assert.equal(kids.length, 4);
    for (const k of kids) assert.equal(k.execution.spec!.launchPlan!.version, version);
    assert.match(readFileSync(deck, "utf8"), /<td>eg\.boom<\/td><td[^>]*>0<\/td><td>x=1<\/td><td>failed<\/td>/);
    assert.match(admin.uploads.keys().next().value ?? "", /^fast[0-9a-f]{32}\.tar\.gz$/);
  });

  test("Ctrl-C terminates every child still running, then the command fails naming the signal", async () => {
    const run = tsflyte([
      "run",
      "--remote",
      "--local-eager",
      "--config",
      config,
      "--name",
      "clihang1",
      "flows.ts",
      "hang",
      "--n",
      "4",
    ]);
    const deadline = Date.now() + 60_000;
    while (children("clihang1").length < 4) {
      assert.ok(Date.now() < deadline, "the children were not launched");
      await new Promise((r) => setTimeout(r, 20));
    }
    run.child.kill("SIGINT");
    const r = await run.done;
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /SIGINT: terminating the child executions/);
    assert.match(r.stderr, /eg\.hang \(run clihang1\) failed: .*interrupted by SIGINT/);
    assert.match(r.stderr, /4 calls on the cluster: 4 cancelled/);
    assert.deepEqual(admin.phases("clihang1"), Array(4).fill("ABORTED"));
  });

  test("run --remote of an eager task, or of its workflow, registers every entity the file exports with it", async () => {
    for (const [name, launched] of [
      ["fan", "task eg.fan"],
      ["fanWf", "launch plan eg.fan"],
    ] as const) {
      const r = await tsflyte([
        "run",
        "--remote",
        "--config",
        config,
        "--name",
        `cli-${name.toLowerCase()}`,
        "flows.ts",
        name,
        "--n",
        "2",
      ]).done;
      assert.equal(r.code, 0, r.stderr);
      const version = /version (ts-[0-9a-f]{20})/.exec(r.stderr)?.[1];
      for (const e of ["task eg.double", "task eg.boom", "task eg.slow", "task eg.quit", "workflow eg.fan", launched])
        assert.ok(admin.registered.includes(`${e}@${version}`), `${e}@${version} in ${admin.registered.join(", ")}`);
      const ex = admin.executions.get(`cli-${name.toLowerCase()}`)!;
      assert.equal(
        `${ex.execution.spec!.launchPlan!.resourceType === 1 ? "task" : "launch plan"} ${ex.execution.spec!.launchPlan!.name}`,
        launched,
      );
    }
  });

  test("--local-eager takes an eager task only, and no per-execution labels", async () => {
    const plain = await tsflyte([
      "run",
      "--remote",
      "--local-eager",
      "--config",
      config,
      "flows.ts",
      "double",
      "--x",
      "1",
    ]).done;
    assert.equal(plain.code, 1);
    assert.match(plain.stderr, /eg\.double is a task, not an eager task/);
    const labels = await tsflyte(["run", "--remote", "--local-eager", "--label", "a=b", "flows.ts", "fan", "--n", "1"])
      .done;
    assert.equal(labels.code, 1);
    assert.match(labels.stderr, /--label cannot be used with --local-eager/);
    const noRemote = await tsflyte(["run", "--local-eager", "flows.ts", "fan", "--n", "1"]).done;
    assert.match(noRemote.stderr, /--local-eager, --project, --name and the other remote options need --remote/);
  });
});
