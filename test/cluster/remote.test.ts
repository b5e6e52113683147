/**
 * FlyteRemote, the cluster CLI and reference entities against a real Flyte: FlyteAdmin, FlytePropeller and
 * DataCatalog (datacatalog on, for the cache test) of the local Flyte, with the kubelet stand-in running every pod.
 *
 * One registration of every example (fast registration: the code bundle through DataProxy), then executions in
 * parallel: each example's remote outputs equal its local run; a failing task ends as a USER error with its message;
 * terminate aborts; a cached task is a cache hit on the second run; a TypeScript workflow calls a Python task that
 * pyflyte registered, literals crossing both ways; names attach; re-registration is a no-op; the CLI prints what a
 * local run prints. Per-example remote run times are printed at the end.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { referenceLaunchPlan, referenceWorkflow, t, workflow } from "flytekit-ts";
import type { Entity } from "../../src/core/entity.js";
import { CatalogCacheStatus } from "../../src/idl/gen/flyteidl/core/catalog_pb.js";
import { WorkflowExecution_Phase } from "../../src/idl/gen/flyteidl/core/execution_pb.js";
import { FlyteExecutionFailedError } from "../../src/remote/execution.js";
import type { FlyteRemote } from "../../src/remote/remote.js";
import { clusterRemote, entity, repo } from "../helpers/cluster-remote.js";
import { ensureLocalFlyte, type LocalFlyte } from "../helpers/local-flyte.js";

const venvBin = join(repo, ".venv", "bin");

/** The examples run remotely, with their inputs (the default launch plan supplies the others). */
const CASES: readonly [file: string, wf: string, inputs: Record<string, unknown>][] = [
  ["hello", "wf", {}],
  ["async-task", "wf", { n: 3 }],
  ["outputs", "wf", { xs: [3, 1, 4, 1, 5] }],
  ["structs", "wf", { city: "Oslo" }],
  ["subworkflow", "parent", { a: 4, b: 5 }],
  ["fanout", "wf", { base: 3 }],
  ["conditional", "wf", { x: -3 }],
  ["conditional", "wf", { x: 0 }],
  ["map", "wf", { n: 4, factor: 3 }],
  ["launch-plan", "usesLaunchPlan", { name: "Ada" }],
  ["launch-plan", "greetInFrench", {}],
  ["dynamic", "wf", { n: 3 }],
  ["shell", "wf", { text: "hello shell" }],
  // A CSV file, three dataframes (Parquet) and a SQLite file, each written by one pod and read by the next from S3.
  ["dataframes", "wf", { rows: 200, minUnits: 3 }],
];

function tsflyte(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [join(repo, "bin", "tsflyte.js"), ...args], {
      cwd: repo,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.on("error", fail);
    child.on("close", (code) => ok({ code, out, err }));
  });
}

describe("on a real Flyte: FlyteRemote, tsflyte register/run --remote/execution, references", {
  concurrency: 4,
}, () => {
  let flyte: LocalFlyte;
  let remote: FlyteRemote;
  let version: string;
  const timings: [string, number][] = [];
  const cliEnv: Record<string, string> = {};

  before(async () => {
    assert.ok(existsSync(join(repo, "dist", "cli", "main.js")), "dist/ is missing: run `npm run build` first");
    flyte = await ensureLocalFlyte({ datacatalog: true });
    Object.assign(cliEnv, flyte.clientEnv);
    remote = clusterRemote(flyte);
    // The Python side: pyflyte registers a task the mixed-language workflow refers to.
    const py = spawnSync(
      join(venvBin, "pyflyte"),
      [
        "--config",
        flyte.configPath,
        "register",
        "--project",
        "flytesnacks",
        "--domain",
        "development",
        "--version",
        (await import("./fixtures/mixed.js")).PY_VERSION,
        "--image",
        "ghcr.io/flyteorg/flytekit:py3.12-1.16.0",
        "py_stats.py",
      ],
      { cwd: join(import.meta.dirname, "fixtures"), encoding: "utf8", timeout: 180_000 },
    );
    assert.equal(py.status, 0, `pyflyte register: ${py.stdout}\n${py.stderr}`);
    // One registration of everything the tests run.
    const roots: Entity[] = [];
    for (const [file, name] of CASES) roots.push(await entity(`examples/${file}.ts`, name));
    roots.push(await entity("examples/cached.ts", "wf"));
    for (const name of ["mixed", "failingWf", "sleepyWf"])
      roots.push(await entity("test/cluster/fixtures/mixed.ts", name));
    const t0 = Date.now();
    const reg = await remote.register(roots, { root: repo });
    version = reg.version;
    timings.push(["registration of all examples", Date.now() - t0]);
    assert.ok(reg.bundle?.startsWith("s3://"), `the code bundle was uploaded: ${reg.bundle}`);
    assert.ok(reg.entities.some((e) => e.kind === 1) && reg.entities.some((e) => e.kind === 3));
  });

  after(async () => {
    remote?.clients.close();
    await flyte?.stop();
    if (timings.length) {
      const width = Math.max(...timings.map(([k]) => k.length));
      console.log(
        `remote run times:\n${timings.map(([k, ms]) => `  ${k.padEnd(width)}  ${(ms / 1000).toFixed(1)} s`).join("\n")}`,
      );
    }
  });

  for (const [file, name, given] of CASES) {
    test(`examples/${file}.ts ${name} ${JSON.stringify(given)}: remote outputs equal the local run`, async () => {
      const e = await entity(`examples/${file}.ts`, name);
      const t0 = Date.now();
      const ex = await remote.execute(e, given as never);
      await ex.wait({ timeout: 300_000 });
      timings.push([`${file} ${name} ${JSON.stringify(given)}`, Date.now() - t0]);
      assert.equal(ex.phaseName, "SUCCEEDED", `${ex.name}: ${JSON.stringify(ex.execution.closure?.outputResult)}`);
      assert.deepEqual(normalize(await ex.outputs()), normalize(await e(given)));
    });
  }

  test("a failing task ends the execution as a USER error with its message", async () => {
    const ex = await remote.execute(await entity("test/cluster/fixtures/mixed.ts", "failingWf"), { why: "no reason" });
    await ex.wait({ timeout: 300_000 });
    assert.equal(ex.phase, WorkflowExecution_Phase.FAILED);
    await assert.rejects(
      () => ex.outputs(),
      (err: Error) =>
        err instanceof FlyteExecutionFailedError &&
        err.kind === "USER" &&
        err.message.includes("refusing on purpose: no reason"),
    );
  });

  test("terminate aborts a running execution", async () => {
    const ex = await remote.execute(await entity("test/cluster/fixtures/mixed.ts", "sleepyWf"), { seconds: 300 });
    const deadline = Date.now() + 120_000;
    while (!(await ex.progress()).nodes.some((n) => n.phase === "RUNNING")) {
      assert.ok(Date.now() < deadline, `${ex.name} never started its task`);
      await new Promise((r) => setTimeout(r, 500));
    }
    await ex.terminate("the test is done with it");
    await ex.wait({ timeout: 120_000 });
    assert.equal(ex.phaseName, "ABORTED");
    await assert.rejects(() => ex.outputs(), /ended ABORTED: aborted: the test is done with it/);
  });

  test("a cached task is a cache hit on the second run (datacatalog)", async () => {
    const wf = await entity("examples/cached.ts", "wf");
    const x = 1000 + Math.floor(Math.random() * 1e6);
    const statuses: string[] = [];
    for (let i = 0; i < 2; i++) {
      const ex = await remote.execute(wf, { x });
      await ex.wait({ timeout: 300_000 });
      assert.equal(await ex.outputs(), x * x);
      const [node] = (await ex.nodeExecutions()).filter((n) => n.id?.nodeId === "n0");
      const meta = node?.closure?.targetMetadata;
      statuses.push(meta?.case === "taskNodeMetadata" ? String(meta.value.cacheStatus) : "none");
    }
    assert.deepEqual(statuses, [String(CatalogCacheStatus.CACHE_POPULATED), String(CatalogCacheStatus.CACHE_HIT)]);
  });

  test("a TypeScript workflow calls a Python task pyflyte registered, literals crossing both ways", async () => {
    const wf = await entity("test/cluster/fixtures/mixed.ts", "mixed");
    const t0 = Date.now();
    const ex = await remote.execute(wf, { xs: [1, 2, 3, 4], k: 0.5, label: "halves" });
    await ex.wait({ timeout: 300_000 });
    timings.push(["mixed TypeScript/Python workflow", Date.now() - t0]);
    assert.equal(ex.phaseName, "SUCCEEDED", JSON.stringify(ex.execution.closure?.outputResult));
    assert.deepEqual(await ex.outputs(), {
      summary: { mean: 1.25, n: 4, label: "HALVES" },
      text: "HALVES: n=4 mean=1.25",
    });
    // The Python task fetched by name is typed from the interface pyflyte registered (names sorted).
    const fetched = await remote.fetchTask("py_stats.summarize");
    assert.deepEqual(
      fetched.interface.inputs.map(([k, v]) => [k, v.name]),
      [
        ["label", "str"],
        ["xs", "list<float>"],
      ],
    );
    const direct = await remote.execute(fetched, { xs: [2, 4], label: "direct" });
    await direct.wait({ timeout: 300_000 });
    assert.deepEqual(await direct.outputs(), { mean: 3, n: 2, label: "DIRECT" });
  });

  test("references to a registered workflow and launch plan run as subworkflow and launch plan nodes", async () => {
    const ids = { project: "flytesnacks", domain: "development", version };
    const addThenDouble = referenceWorkflow({
      ...ids,
      name: "examples.subworkflow.addThenDouble",
      inputs: { a: t.int, b: t.int },
      outputs: t.int,
    });
    const french = referenceLaunchPlan({
      ...ids,
      name: "examples.launch-plan.greetInFrench",
      inputs: { name: t.str },
      outputs: t.str,
    });
    const viaRefs = workflow(
      { name: "cluster_tests.via_references", inputs: { a: t.int }, outputs: { n: t.int, s: t.str } },
      ({ a }) => ({ n: addThenDouble({ a, b: 1 }), s: french({ name: "Grace" }) }),
    );
    const reg = await remote.register([viaRefs], { root: repo, fast: false });
    assert.deepEqual(
      reg.entities.map((e) => `${e.kind}:${e.name}`),
      ["2:cluster_tests.via_references", "3:cluster_tests.via_references"],
    );
    const ex = await remote.execute(viaRefs, { a: 4 });
    await ex.wait({ timeout: 300_000 });
    assert.deepEqual(await ex.outputs(), { n: 10, s: "Bonjour, Grace!" });
  });

  test("a named execution that exists is attached to, not launched again", async () => {
    const wf = await entity("examples/hello.ts", "wf");
    const name = `attach-${Date.now().toString(36)}`;
    const first = await remote.execute(wf, { name: "first" }, { name });
    const second = await remote.execute(wf, { name: "first" }, { name });
    assert.equal(first.attached, false);
    assert.equal(second.attached, true);
    assert.equal(second.name, first.name);
    await second.wait({ timeout: 300_000 });
    assert.equal(await second.outputs(), "Hello, first!");
    const listed = await remote.listExecutions({ launchPlan: wf.name }, { limit: 200 });
    assert.equal(listed.filter((e) => e.id?.name === name).length, 1);
  });

  test("registering the same code again is a no-op; different code under the same version is a clear error", async () => {
    const hello = await entity("examples/hello.ts", "wf");
    const again = await remote.register([hello], { root: repo, version });
    assert.ok(
      again.entities.every((e) => e.status === "exists"),
      JSON.stringify(again.entities),
    );
    await assert.rejects(
      () => remote.register([hello], { root: repo, version, env: { CHANGED: "1" } }),
      /registering task examples\.hello\.sayHello \(version .*\): a different task is already registered under this version; register under a new version/,
    );
  });

  test("tsflyte run --remote --wait prints node progress, the console URL and the outputs of a local run", async () => {
    const r = await tsflyte(
      ["run", "--remote", "--wait", "examples/subworkflow.ts", "parent", "--a", "2", "--b", "3"],
      cliEnv,
    );
    assert.equal(r.code, 0, r.err);
    const local = await (await entity("examples/subworkflow.ts", "parent"))({ a: 2, b: 3 });
    assert.equal(r.out.trim(), JSON.stringify(local, null, 2));
    assert.match(r.err, /Launched execution flytesnacks\/development\/\w+/);
    assert.match(r.err, /Console: http:\/\/.*\/console\/projects\/flytesnacks\/domains\/development\/executions\/\w+/);
    assert.match(r.err, /^execution SUCCEEDED$/m);
    assert.match(r.err, /^ {2}n0 +SUCCEEDED/m);
    const name = /Launched execution flytesnacks\/development\/(\w+)/.exec(r.err)![1]!;
    const get = await tsflyte(["execution", "get", name], cliEnv);
    assert.equal(get.code, 0, get.err);
    assert.match(get.out, /^phase +SUCCEEDED$/m);
    const outputs = await tsflyte(["execution", "outputs", name], cliEnv);
    // Read back by name alone, the outputs take the interface admin recorded: the same values, names sorted.
    assert.deepStrictEqual(JSON.parse(outputs.out), local);
    const list = await tsflyte(["execution", "list", "--phase", "SUCCEEDED", "--limit", "50"], cliEnv);
    assert.match(list.out, new RegExp(`^${name} +SUCCEEDED`, "m"));
  });

  test("admin errors name the entity and say what to do; an unreachable admin names its endpoint", async () => {
    await assert.rejects(
      () => remote.fetchTask("examples.hello.no_such_task"),
      /no version of the task examples\.hello\.no_such_task in flytesnacks\/development is registered/,
    );
    const r = await tsflyte(["execution", "get", "nope"], {
      ...cliEnv,
      FLYTE_PLATFORM_URL: "127.0.0.1:9",
      FLYTE_PLATFORM_INSECURE: "true",
    });
    assert.equal(r.code, 1);
    assert.match(r.err, /FlyteAdmin at 127\.0\.0\.1:9 is unreachable after \d+ attempts/);
  });
});

/** Files compare by content, not by where they are stored. */
function normalize(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v));
}
