// Proves the Go conformance oracle (tools/flyte-compiler, flytepropeller's compiler) works: it accepts packages
// produced by Flyte's own tools and rejects broken ones with the compiler's diagnostics. The packages are made at test
// time by `pyflyte package` with the venv's flytekit (test/conformance/py/, cached under .cache/pyflyte/); the files
// in ../shared/conformance, where present, are compiled too.
import { strict as assert } from "node:assert";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { clone, create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { TaskSpecSchema } from "../../src/idl/gen/flyteidl/admin/task_pb.js";
import { WorkflowSpecSchema } from "../../src/idl/gen/flyteidl/admin/workflow_pb.js";
import type { WorkflowSpec } from "../../src/idl/gen/flyteidl/admin/workflow_pb.js";
import { DynamicJobSpecSchema } from "../../src/idl/gen/flyteidl/core/dynamic_job_pb.js";
import { BindingDataSchema, BindingSchema } from "../../src/idl/gen/flyteidl/core/literals_pb.js";
import { NodeSchema } from "../../src/idl/gen/flyteidl/core/workflow_pb.js";
import type { BindingData } from "../../src/idl/gen/flyteidl/core/literals_pb.js";
import {
  type ArchiveEntry,
  type CompilerResult,
  type CompilerRun,
  oracleSkip,
  pyflytePackage,
  readTarGz,
  repoRoot,
  runCompiler,
  sharedConformanceFile,
  writeTarGz,
} from "./oracles.js";

const PY = join(repoRoot, "test", "conformance", "py");
const skip = oracleSkip("compiler") || oracleSkip("python");

const scratch = mkdtempSync(join(tmpdir(), "flytekit-ts-compiler-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A directory of .pb files as a package (archive order: file name order, as `pyflyte package` numbers them). */
function packageOf(dir: string, name: string): string {
  const file = join(scratch, name);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".pb"))
    .sort();
  writeTarGz(
    file,
    files.map((f) => ({ name: f, data: readFileSync(join(dir, f)) })),
  );
  return file;
}

// The package of flytectl's own compile tests (example.example.wf over a DataFrame), and the flytesnacks twins.
let validPackage = "";
let snacksDir = "";
if (!skip) {
  validPackage = packageOf(
    await pyflytePackage(join(PY, "flytectl"), "example", "ghcr.io/acme/example:v1"),
    "valid.tgz",
  );
  snacksDir = await pyflytePackage(join(PY, "snacks"), "core", "ghcr.io/acme/snacks:v1");
}
const sharedValidPackage = sharedConformanceFile("flytectl-valid-package.tgz");
const sharedSnacksDir = sharedConformanceFile("pyflyte-snacks");

function summary(run: CompilerRun): string {
  return `exit ${run.exitCode}\n${run.stdout}${run.stderr}`;
}

function only<T>(items: T[], what: string): T {
  assert.equal(items.length, 1, `expected exactly one ${what}, got ${items.length}`);
  return items[0]!;
}

/** The valid package's entries, with its workflow decoded so that tests can break it. */
function loadValidPackage(): { entries: ArchiveEntry[]; workflowIndex: number; workflow: WorkflowSpec } {
  const entries = readTarGz(validPackage);
  const workflowIndex = entries.findIndex((e) => e.name.endsWith("_2.pb"));
  assert.ok(workflowIndex >= 0, "the valid package has a *_2.pb workflow");
  const workflow = fromBinary(WorkflowSpecSchema, entries[workflowIndex]!.data);
  return { entries, workflowIndex, workflow };
}

function writeVariant(name: string, workflow: WorkflowSpec): string {
  const { entries, workflowIndex } = loadValidPackage();
  const changed = entries.map((e, i) =>
    i === workflowIndex ? { name: e.name, data: toBinary(WorkflowSpecSchema, workflow) } : e,
  );
  const file = join(scratch, `${name}.tgz`);
  writeTarGz(file, changed);
  return file;
}

function promise(nodeId: string, varName: string): BindingData {
  return create(BindingDataSchema, { value: { case: "promise", value: { nodeId, var: varName } } });
}

function workflowResult(run: CompilerRun): CompilerResult {
  return only(
    run.results.filter((r) => r.kind === "workflow"),
    "workflow result",
  );
}

describe("flyte-compiler (Go oracle: flytepropeller compiler)", () => {
  test("accepts flytectl's valid package", { skip }, async () => {
    const run = await runCompiler(validPackage);
    assert.equal(run.exitCode, 0, summary(run));
    assert.deepEqual(run.results.map((r) => r.kind).sort(), ["launch_plan", "task", "task", "workflow"]);
    for (const r of run.results) assert.ok(r.ok, `${r.kind} ${r.entity}: ${r.errors.join("; ")}`);
    const wf = workflowResult(run);
    assert.equal(wf.entity, "example.example.wf");
    // The launch plan has defaults for every input, so the full FlyteWorkflow resource was built too.
    assert.equal(wf.crd, "flyteworkflow");
  });

  test("accepts a package re-encoded by our IDL bindings", { skip }, async () => {
    // Decode and re-encode every entry with protobuf-es: the compiler must see the same thing.
    const { entries } = loadValidPackage();
    const file = join(scratch, "reencoded.tgz");
    writeTarGz(
      file,
      entries.map((e) => {
        if (e.name.endsWith("_1.pb"))
          return { name: e.name, data: toBinary(TaskSpecSchema, fromBinary(TaskSpecSchema, e.data)) };
        if (e.name.endsWith("_2.pb")) {
          return { name: e.name, data: toBinary(WorkflowSpecSchema, fromBinary(WorkflowSpecSchema, e.data)) };
        }
        return e;
      }),
    );
    const run = await runCompiler(file, { strict: true });
    assert.equal(run.exitCode, 0, summary(run));
  });

  test("rejects a binding to a node that does not exist", { skip }, async (t) => {
    const { workflow } = loadValidPackage();
    const broken = clone(WorkflowSpecSchema, workflow);
    const n1 = broken.template!.nodes.find((n) => n.id === "n1")!;
    n1.inputs = [create(BindingSchema, { var: "df", binding: promise("n9", "o0") })];
    const run = await runCompiler(writeVariant("missing-node", broken));
    t.diagnostic(`compiler said: ${workflowResult(run).errors.join(" | ")}`);
    assert.equal(run.exitCode, 1, summary(run));
    const wf = workflowResult(run);
    assert.equal(wf.ok, false);
    assert.ok(
      wf.errors.some((e) => e.includes("n9")),
      `an error names the missing node n9: ${wf.errors.join("; ")}`,
    );
    assert.ok(wf.codes?.includes("NodeReferenceNotFound"), `codes: ${wf.codes}`);
    // The tasks themselves are still fine.
    for (const r of run.results.filter((r) => r.kind === "task")) assert.ok(r.ok, r.entity);
  });

  test("rejects a task input bound to a value of another type", { skip }, async (t) => {
    const { workflow } = loadValidPackage();
    const broken = clone(WorkflowSpecSchema, workflow);
    const n0 = broken.template!.nodes.find((n) => n.id === "n0")!;
    // generate_normal_df's input `n` is an INTEGER; bind it to the workflow's FLOAT input `mean`.
    const bindingN = n0.inputs.find((b) => b.var === "n")!;
    const mean = n0.inputs.find((b) => b.var === "mean")!;
    bindingN.binding = clone(BindingDataSchema, mean.binding!);
    const run = await runCompiler(writeVariant("type-mismatch", broken));
    t.diagnostic(`compiler said: ${workflowResult(run).errors.join(" | ")}`);
    assert.equal(run.exitCode, 1, summary(run));
    const wf = workflowResult(run);
    assert.equal(wf.ok, false);
    assert.ok(wf.codes?.includes("MismatchingTypes"), `codes: ${wf.codes} errors: ${wf.errors.join("; ")}`);
    assert.ok(
      wf.errors.some((e) => e.includes("n0")),
      `an error names node n0: ${wf.errors.join("; ")}`,
    );
  });

  test("compiles a dynamic job spec (futures.pb) like propeller does", { skip }, async () => {
    // A DynamicJobSpec equivalent to the valid package's workflow, with literal inputs instead of workflow inputs.
    const { entries, workflow } = loadValidPackage();
    const tasks = entries
      .filter((e) => e.name.endsWith("_1.pb"))
      .map((e) => fromBinary(TaskSpecSchema, e.data).template!);
    const nodes = workflow.template!.nodes.map((n) => clone(NodeSchema, n));
    const n0 = nodes.find((n) => n.id === "n0")!;
    const literal = (v: number, integer: boolean): BindingData =>
      create(BindingDataSchema, {
        value: {
          case: "scalar",
          value: {
            value: {
              case: "primitive",
              value: { value: integer ? { case: "integer", value: BigInt(v) } : { case: "floatValue", value: v } },
            },
          },
        },
      });
    n0.inputs = [
      create(BindingSchema, { var: "mean", binding: literal(1.5, false) }),
      create(BindingSchema, { var: "n", binding: literal(10, true) }),
      create(BindingSchema, { var: "sigma", binding: literal(0.5, false) }),
    ];
    const spec = create(DynamicJobSpecSchema, {
      nodes,
      minSuccesses: BigInt(nodes.length),
      outputs: workflow.template!.outputs,
      tasks,
    });
    const file = join(scratch, "futures.pb");
    writeFileSync(file, toBinary(DynamicJobSpecSchema, spec));
    const run = await runCompiler(file);
    assert.equal(run.exitCode, 0, summary(run));
    const r = only(run.results, "result");
    assert.equal(r.kind, "dynamic_job");
    assert.equal(r.crd, "flyteworkflow");

    // Broken: an output bound to a node that is not in the job.
    const brokenSpec = clone(DynamicJobSpecSchema, spec);
    brokenSpec.outputs[0]!.binding = promise("n7", "o0");
    const brokenFile = join(scratch, "broken-futures.pb");
    writeFileSync(brokenFile, toBinary(DynamicJobSpecSchema, brokenSpec));
    const bad = await runCompiler([], { dynamic: [brokenFile] });
    assert.equal(bad.exitCode, 1, summary(bad));
    assert.equal(only(bad.results, "result").ok, false);
  });

  test("compiles the pyflyte flytesnacks registration files", { skip }, async () => {
    const run = await runCompiler(snacksDir);
    assert.equal(run.exitCode, 0, summary(run));
    assert.equal(run.results.length, readdirSync(snacksDir).filter((f) => f.endsWith(".pb")).length);
  });

  test("compiles the older files in ../shared/conformance", {
    skip: skip || ((!sharedValidPackage || !sharedSnacksDir) && "../shared/conformance is not beside the repository"),
  }, async () => {
    const valid = await runCompiler(sharedValidPackage!);
    assert.equal(valid.exitCode, 0, summary(valid));
    assert.deepEqual(valid.results.map((r) => r.kind).sort(), ["launch_plan", "task", "task", "workflow"]);
    assert.equal(workflowResult(valid).entity, "example.example.wf");
    const snacks = await runCompiler(sharedSnacksDir!);
    assert.equal(snacks.exitCode, 0, summary(snacks));
    assert.equal(snacks.results.length, readdirSync(sharedSnacksDir!).filter((f) => f.endsWith(".pb")).length);
  });

  test("compiles each self-contained flytesnacks example on its own", { skip }, async (t) => {
    // Group files by example (the entity name minus its last dotted part): core.flyte_basics.basic_workflow, ...
    const groups = new Map<string, string[]>();
    for (const f of readdirSync(snacksDir).sort()) {
      const m = /^\d+_(.+)_[123]\.pb$/.exec(f);
      if (!m) continue;
      const entity = m[1]!;
      const dot = entity.lastIndexOf(".");
      const group = dot > 0 ? entity.slice(0, dot) : entity;
      groups.set(group, [...(groups.get(group) ?? []), join(snacksDir, f)]);
    }
    const compiled: string[] = [];
    const notSelfContained: string[] = [];
    for (const [group, files] of groups) {
      const run = await runCompiler(files);
      const missing = run.results.flatMap((r) => r.missing ?? []);
      if (run.exitCode === 0) {
        compiled.push(group);
        continue;
      }
      // Only failures caused by references to entities of other examples are acceptable.
      for (const r of run.results) {
        if (r.ok) continue;
        const ownErrors = r.errors.filter(
          (e) => !e.startsWith("not found in the input") && !e.includes("ReferenceNotFound"),
        );
        assert.deepEqual(ownErrors, [], `${group}: ${r.kind} ${r.entity} failed on its own: ${r.errors.join("; ")}`);
      }
      assert.ok(missing.length > 0, `${group} failed without missing references:\n${summary(run)}`);
      notSelfContained.push(`${group} (needs ${[...new Set(missing)].join(", ")})`);
    }
    t.diagnostic(`compiled on their own: ${compiled.length}/${groups.size}`);
    for (const g of notSelfContained) t.diagnostic(`not self-contained, skipped: ${g}`);
    assert.ok(compiled.includes("core.flyte_basics.basic_workflow"), compiled.join(", "));
    // Only the launch plan of another example's workflow needs what is not in its group.
    assert.deepEqual(
      notSelfContained.map((g) => g.split(" ")[0]),
      ["parent_workflow_execution"],
    );
    assert.equal(compiled.length, groups.size - 1, compiled.join(", "));
  });

  test("reports an undecodable file instead of crashing", { skip }, async () => {
    const file = join(scratch, "0_garbage_2.pb");
    writeFileSync(file, Buffer.from([0x0a, 0xff, 0xff, 0xff]));
    const run = await runCompiler(file);
    assert.equal(run.exitCode, 1, summary(run));
    const r = only(run.results, "result");
    assert.equal(r.ok, false);
    assert.match(r.errors[0] ?? "", /cannot decode as flyteidl\.admin\.WorkflowSpec/);
  });
});
