/**
 * `tsflyte package examples/` as a user runs it (the built CLI in a subprocess): the archive's members, their order
 * and contents, deterministic bytes, fast registration with a code bundle, and (when the Go compiler harness is
 * installed) the real Flyte compiler's verdict on the package.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { readTar } from "../../src/entrypoint/tar.js";
import { LaunchPlanSchema } from "../../src/idl/gen/flyteidl/admin/launch_plan_pb.js";
import { TaskSpecSchema } from "../../src/idl/gen/flyteidl/admin/task_pb.js";
import { WorkflowSpecSchema } from "../../src/idl/gen/flyteidl/admin/workflow_pb.js";
import type { Node } from "../../src/idl/gen/flyteidl/core/workflow_pb.js";
import { compilerPath, runCompiler } from "../conformance/oracles.js";
import { assertNoUnknown, decode } from "../unit/serialize/helpers.js";

const repo = join(import.meta.dirname, "..", "..");
const scratch = mkdtempSync(join(tmpdir(), "tsflyte-package-e2e-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

const IMAGE = "ghcr.io/acme/flytekit-ts-examples:v1";

function tsflyte(...args: string[]): { stdout: string; stderr: string } {
  assert.ok(existsSync(join(repo, "dist", "cli", "main.js")), "run `npm run build` first (bin/tsflyte.js runs dist/)");
  const r = spawnSync(process.execPath, [join(repo, "bin", "tsflyte.js"), ...args], { cwd: repo, encoding: "utf8" });
  assert.equal(r.status, 0, `tsflyte ${args.join(" ")}\n${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

function members(file: string) {
  return [...readTar(new Uint8Array(gunzipSync(readFileSync(file))))];
}

/** The ids of everything a node refers to: tasks, subworkflows, launch plans (inside branches and array nodes too). */
function references(node: Node | undefined, out: string[] = []): string[] {
  if (!node) return out;
  const tg = node.target;
  if (tg.case === "taskNode" && tg.value.reference.case === "referenceId")
    out.push(`1:${tg.value.reference.value.name}`);
  if (tg.case === "workflowNode") {
    const ref = tg.value.reference;
    if (ref.case === "subWorkflowRef") out.push(`2:${ref.value.name}`);
    if (ref.case === "launchplanRef") out.push(`3:${ref.value.name}`);
  }
  if (tg.case === "arrayNode") references(tg.value.node, out);
  if (tg.case === "branchNode") {
    const ie = tg.value.ifElse;
    references(ie?.case?.thenNode, out);
    for (const c of ie?.other ?? []) references(c.thenNode, out);
    if (ie?.default.case === "elseNode") references(ie.default.value, out);
  }
  return out;
}

test("tsflyte package examples/: flat, ordered, decodable, dependency-first, deterministic", () => {
  const out = join(scratch, "pkg.tgz");
  const { stdout } = tsflyte("package", "--image", IMAGE, "-o", out, "examples/");
  const listed = stdout.trim().split("\n");
  const entries = members(out);
  assert.deepEqual(
    entries.map((e) => e.name),
    listed,
  );
  assert.ok(entries.length > 10, "enough entities for a two-digit index");
  assert.ok(entries.every((e) => e.type === "file" && /^\d{2}_.+_[123]\.pb$/.test(e.name)));
  assert.deepEqual(
    entries.map((e) => e.name),
    [...listed].sort(),
    "the lexicographic order (flytectl's) is the index order",
  );

  const seen = new Set<string>();
  for (const e of entries) {
    const [, name, kind] = /^\d+_(.+)_([123])\.pb$/.exec(e.name)!;
    if (kind === "1") {
      const spec = decode(TaskSpecSchema, e.data);
      const id = spec.template!.id!;
      assert.deepEqual([id.project, id.domain, id.version, id.name], ["", "", "", name]);
      const c = spec.template!.target;
      // Every task runs the default image, except raw container tasks, which name their own.
      if (c.case === "container" && spec.template!.type !== "raw-container") assert.equal(c.value.image, IMAGE);
    } else if (kind === "2") {
      const spec = decode(WorkflowSpecSchema, e.data);
      assert.equal(spec.template!.id!.name, name);
      const nodes = [...spec.template!.nodes, spec.template!.failureNode];
      for (const sub of spec.subWorkflows) nodes.push(...sub.nodes, sub.failureNode);
      for (const ref of nodes.flatMap((n) => references(n))) {
        assert.ok(seen.has(ref), `${e.name} refers to ${ref}, which must come before it`);
      }
    } else {
      const lp = decode(LaunchPlanSchema, e.data);
      assert.ok(lp.closure, `${e.name} has a closure`);
      assert.ok(seen.has(`2:${lp.spec!.workflowId!.name}`), `${e.name}: its workflow comes first`);
    }
    seen.add(`${kind}:${name}`);
  }
  // Every workflow has a default launch plan of the same name.
  for (const k of seen) if (k.startsWith("2:")) assert.ok(seen.has(`3:${k.slice(2)}`), `default launch plan of ${k}`);

  const again = join(scratch, "again.tgz");
  tsflyte("package", "--image", IMAGE, "-o", again, "examples/");
  assert.deepEqual(readFileSync(again), readFileSync(out), "two runs give identical archives");
});

test("tsflyte package --copy all: a fast<md5>.tar.gz code bundle and tsflyte-fast-execute args", () => {
  const out = join(scratch, "fast.tgz");
  const { stderr } = tsflyte("package", "--copy", "all", "-o", out, "examples/hello.ts");
  assert.match(stderr, /flytectl compile/);
  const entries = members(out);
  const bundle = entries.at(-1)!;
  assert.match(bundle.name, /^fast[0-9a-f]{32}\.tar\.gz$/);
  const files = [...readTar(new Uint8Array(gunzipSync(bundle.data)))].map((e) => e.name);
  assert.ok(files.includes("examples/hello.ts"));
  assert.ok(files.includes("package.json"));
  assert.ok(
    !files.some(
      (f) => f.startsWith("node_modules/") || f.startsWith(".git/") || f.split("/").some((p) => p.startsWith(".")),
    ),
  );
  for (const e of entries.slice(0, -1)) {
    if (!e.name.endsWith("_1.pb")) continue;
    const spec = decode(TaskSpecSchema, e.data);
    assertNoUnknown(spec);
    const c = spec.template!.target;
    assert.equal(c.case, "container");
    assert.deepEqual(c.case === "container" && c.value.args.slice(0, 6), [
      "tsflyte-fast-execute",
      "--additional-distribution",
      "{{ .remote_package_path }}",
      "--dest-dir",
      "{{ .dest_dir }}",
      "--",
    ]);
  }
});

test("the package compiles with the Flyte compiler", {
  skip: existsSync(compilerPath()) ? false : "the Go compiler harness (.tools/bin/flyte-compiler) is not installed",
}, async () => {
  const out = join(scratch, "compile.tgz");
  const { stdout } = tsflyte("package", "--image", IMAGE, "-o", out, "examples/");
  const res = await runCompiler(out);
  assert.deepEqual(
    res.results.filter((x) => !x.ok),
    [],
    res.stdout + res.stderr,
  );
  assert.equal(res.exitCode, 0);
  assert.equal(res.results.length, stdout.trim().split("\n").length);
});

test("tsflyte package examples/overrides.ts: node overrides where flytekit puts them, accepted by the Flyte compiler", {
  skip: existsSync(compilerPath()) ? false : "the Go compiler harness (.tools/bin/flyte-compiler) is not installed",
}, async () => {
  const out = join(scratch, "overrides.tgz");
  tsflyte("package", "--image", IMAGE, "-o", out, "examples/overrides.ts");
  const wfEntry = members(out).find((e) => e.name.endsWith("_examples.overrides.wf_2.pb"))!;
  const nodes = decode(WorkflowSpecSchema, wfEntry.data).template!.nodes;
  assert.deepEqual(
    nodes.map((n) => n.id),
    ["first-square", "n1", "n2", "n3"],
  );
  const [first, gpu, pod] = nodes;
  assert.equal(first!.metadata!.retries!.retries, 3);
  assert.equal(first!.metadata!.timeout!.seconds, 300n);
  assert.deepEqual(first!.metadata!.cacheVersionValue, { case: "cacheVersion", value: "1" });
  const ov = (n: Node) => (n.target.case === "taskNode" ? n.target.value.overrides : undefined);
  assert.equal(gpu!.metadata!.name, "gpu-square");
  assert.equal(ov(gpu!)?.containerImage, "ghcr.io/acme/flytekit-ts-examples:gpu", "the image template is resolved");
  assert.equal(ov(gpu!)?.extendedResources?.gpuAccelerator?.device, "nvidia-tesla-t4");
  assert.deepEqual(
    ov(gpu!)?.resources?.limits.map((r) => r.value),
    ["2"],
  );
  const podSpec = ov(pod!)?.podTemplate?.podSpec as { containers: { name: string; image: string; args: string[] }[] };
  assert.equal(podSpec.containers[0]!.name, "primary");
  assert.equal(podSpec.containers[0]!.image, IMAGE, "the task's container is merged into the primary container");
  assert.equal(podSpec.containers[0]!.args[0], "tsflyte-execute");
  const res = await runCompiler(out, { strict: true });
  assert.equal(res.exitCode, 0, res.stdout + res.stderr);
  assert.equal(res.results.filter((x) => x.ok).length, 4, res.stdout);
});

test("tsflyte package examples/launch-plan.ts: a scheduled launch plan with notifications, accepted by the Flyte compiler", {
  skip: existsSync(compilerPath()) ? false : "the Go compiler harness (.tools/bin/flyte-compiler) is not installed",
}, async () => {
  const out = join(scratch, "launch-plan.tgz");
  tsflyte("package", "--image", IMAGE, "-o", out, "examples/launch-plan.ts");
  const entry = members(out).find((e) => e.name.endsWith("_examples.launch-plan.nightlyStamp_3.pb"))!;
  const spec = decode(LaunchPlanSchema, entry.data).spec!;
  const sc = spec.entityMetadata!.schedule!;
  assert.equal(sc.kickoffTimeInputArg, "at");
  assert.deepEqual(sc.ScheduleExpression.case === "cronSchedule" && sc.ScheduleExpression.value.schedule, "0 3 * * *");
  assert.deepEqual(
    spec.entityMetadata!.notifications.map((n) => [n.type.case, n.phases.length, n.type.value?.recipientsEmail]),
    [["slack", 2, ["oncall@example.com"]]],
  );
  assert.deepEqual(spec.labels!.values, { team: "data" });
  assert.equal(spec.maxParallelism, 4);
  const res = await runCompiler(out, { strict: true });
  assert.equal(res.exitCode, 0, res.stdout + res.stderr);
  assert.ok(res.results.length > 0 && res.results.every((x) => x.ok), res.stdout);
});

test("tsflyte package examples/plugin-task.ts: a sensor without a container, docs as descriptions; the Flyte compiler accepts it", {
  skip: existsSync(compilerPath()) ? false : "the Go compiler harness (.tools/bin/flyte-compiler) is not installed",
}, async () => {
  const out = join(scratch, "plugin-task.tgz");
  tsflyte("package", "--image", IMAGE, "-o", out, "examples/plugin-task.ts");
  const all = members(out);
  const sensor = decode(
    TaskSpecSchema,
    all.find((e) => e.name.endsWith("_examples.plugin_task.wait_for_file_1.pb"))!.data,
  );
  assert.equal(sensor.template!.type, "sensor");
  assert.equal(sensor.template!.target.case, undefined, "no container");
  assert.equal((sensor.template!.custom as { sensor_name?: string }).sensor_name, "FileSensor");
  assert.equal(sensor.description!.shortDescription, "Waits until a file exists.");
  const measured = decode(TaskSpecSchema, all.find((e) => e.name.includes(".nameLength_1.pb"))!.data);
  assert.equal(measured.description!.shortDescription, "The length of a file's name.");
  assert.deepEqual(measured.description!.longDescription!.content, {
    case: "value",
    value: "Counts characters, not bytes.",
  });
  const wf = decode(WorkflowSpecSchema, all.find((e) => e.name.endsWith("_2.pb"))!.data);
  assert.equal(wf.description!.shortDescription, "Waits for a file, then measures its name.");
  const res = await runCompiler(out, { strict: true });
  assert.equal(res.exitCode, 0, res.stdout + res.stderr);
  assert.equal(res.results.filter((x) => x.ok).length, all.length, res.stdout);
});
