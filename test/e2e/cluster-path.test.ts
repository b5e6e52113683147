/**
 * The cluster path end to end, the way propeller drives it, from the registration package to the final outputs:
 *
 * - `tsflyte package examples/` writes the package (a subprocess of bin/tsflyte.js, as a user runs it);
 * - an S3 server (s3rver) listens on 127.0.0.1;
 * - a small "propeller" launches a workflow through its default launch plan (defaults merged into the inputs), walks
 *   its nodes in order and, for each task node, runs the TaskTemplate's `container.args` exactly: the template
 *   variables filled in with propeller's pattern (`{{.input}}` → an s3:// inputs.pb written from the node's bindings,
 *   `{{.outputPrefix}}`, `{{.rawOutputDataPrefix}}`, `{{.checkpointOutputPrefix}}`, `{{.prevCheckpointPrefix}}` →
 *   empty on a first attempt), the entrypoint (`tsflyte-execute`, `tsflyte-map-execute`) replaced by
 *   `node <repo>/bin/<entrypoint>.js`, the container's env plus the S3 settings, in a subprocess;
 * - it reads `outputs.pb` back from S3 (or runs the nodes of `futures.pb` for a dynamic task) and resolves the next
 *   nodes' bindings from it: promises of earlier nodes (attribute paths with the executor's `applyAttrPath`), scalars,
 *   collections and maps; branch nodes evaluate their conditions, array nodes run one `tsflyte-map-execute` per
 *   element with the array index in the environment, subworkflow and launch plan nodes recurse;
 * - the workflow's outputs must equal a local run of the same workflow (`await wf(inputs)`).
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import S3rver from "s3rver";
import { loadEntities } from "../../src/cli/load.js";
import type { Entity } from "../../src/core/entity.js";
import { applyAttrPath } from "../../src/core/executor.js";
import { localData } from "../../src/core/local-data.js";
import { readTar } from "../../src/entrypoint/tar.js";
import { type LaunchPlan, LaunchPlanSchema } from "../../src/idl/gen/flyteidl/admin/launch_plan_pb.js";
import { TaskSpecSchema } from "../../src/idl/gen/flyteidl/admin/task_pb.js";
import { type WorkflowSpec, WorkflowSpecSchema } from "../../src/idl/gen/flyteidl/admin/workflow_pb.js";
import {
  type BooleanExpression,
  ComparisonExpression_Operator,
  ConjunctionExpression_LogicalOperator,
  type Operand,
} from "../../src/idl/gen/flyteidl/core/condition_pb.js";
import { DynamicJobSpecSchema } from "../../src/idl/gen/flyteidl/core/dynamic_job_pb.js";
import { ErrorDocumentSchema } from "../../src/idl/gen/flyteidl/core/errors_pb.js";
import {
  type BindingData,
  type Literal,
  type LiteralMap,
  LiteralMapSchema,
  type Primitive,
} from "../../src/idl/gen/flyteidl/core/literals_pb.js";
import type { TaskTemplate } from "../../src/idl/gen/flyteidl/core/tasks_pb.js";
import type { Node, WorkflowTemplate } from "../../src/idl/gen/flyteidl/core/workflow_pb.js";
import { collectionLiteral, literalMap, mapLiteral, scalarLiteral } from "../../src/idl/literals.js";
import { S3Storage } from "../../src/storage/s3.js";
import { S3RVER_CREDENTIALS as CREDS, shimDesForS3rver } from "../helpers/s3rver.js";

const repo = join(import.meta.dirname, "..", "..");

/** What registration would have stored: the package's entities by name. */
interface Registry {
  tasks: Map<string, TaskTemplate>;
  workflows: Map<string, WorkflowSpec>;
  launchPlans: Map<string, LaunchPlan>;
}

/**
 * Reads a package as registration would: the entities by name and the code bundle, if any. `register` stands for
 * flytectl's placeholder filling (`{{ .remote_package_path }}`, `{{ .dest_dir }}`) in the task args.
 */
function readPackage(file: string, register: (arg: string) => string = (a) => a): Registry & { bundle?: Uint8Array } {
  const reg: Registry & { bundle?: Uint8Array } = { tasks: new Map(), workflows: new Map(), launchPlans: new Map() };
  for (const m of readTar(new Uint8Array(gunzipSync(readFileSync(file))))) {
    const kind = /_([123])\.pb$/.exec(m.name)?.[1];
    if (/^fast[0-9a-f]{32}\.tar\.gz$/.test(m.name)) reg.bundle = m.data;
    else if (kind === "1") {
      const tt = fromBinary(TaskSpecSchema, m.data).template!;
      if (tt.target.case === "container") tt.target.value.args = tt.target.value.args.map(register);
      reg.tasks.set(tt.id!.name, tt);
    } else if (kind === "2") {
      const spec = fromBinary(WorkflowSpecSchema, m.data);
      reg.workflows.set(spec.template!.id!.name, spec);
    } else if (kind === "3") {
      const lp = fromBinary(LaunchPlanSchema, m.data);
      reg.launchPlans.set(lp.id!.name, lp);
    }
  }
  return reg;
}

/**
 * Propeller's template variables: case-insensitive, `.` or `$`, spaces allowed inside the braces. Every `{{…}}` left
 * after rendering is an error, as an unknown variable is for propeller.
 */
function render(args: readonly string[], vars: Record<string, string>): string[] {
  return args.map((a) => {
    const out = a.replace(/\{\{\s*[.$]([A-Za-z]+)\s*\}\}/g, (m, name: string) => {
      const key = Object.keys(vars).find((k) => k.toLowerCase() === name.toLowerCase());
      if (key === undefined) throw new Error(`unknown template variable ${m}`);
      return vars[key]!;
    });
    assert.ok(!out.includes("{{"), `unrendered template in ${a}`);
    return out;
  });
}

function primitiveOf(lit: Literal | undefined): Primitive["value"] {
  const s = lit?.value.case === "scalar" ? lit.value.value : undefined;
  assert.ok(s?.value.case === "primitive", "a branch condition compares primitives");
  return s.value.value.value;
}

function compare(a: Primitive["value"], b: Primitive["value"]): number {
  const num = (p: Primitive["value"]) =>
    p.case === "integer" ? Number(p.value) : p.case === "floatValue" ? p.value : undefined;
  const [x, y] = [num(a), num(b)];
  if (x !== undefined && y !== undefined) return x < y ? -1 : x > y ? 1 : 0;
  if (a.case === "stringValue" && b.case === "stringValue") return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
  if (a.case === "boolean" && b.case === "boolean") return Number(a.value) - Number(b.value);
  throw new Error(`cannot compare ${a.case} with ${b.case}`);
}

/** Propeller's side of the cluster path, against one S3 server and one registered package. */
class Propeller {
  private runs = 0;
  /** Every container command run, for the assertions on how tasks were started. */
  readonly commands: string[][] = [];

  private readonly s3: S3Storage;
  private readonly endpoint: string;
  private readonly reg: Registry;

  constructor(s3: S3Storage, endpoint: string, reg: Registry) {
    this.s3 = s3;
    this.endpoint = endpoint;
    this.reg = reg;
  }

  /** Launches a launch plan: its defaults, overridden by the given inputs, then its fixed inputs. */
  async launch(lp: LaunchPlan, given: Record<string, Literal>): Promise<LiteralMap> {
    const inputs: Record<string, Literal> = {};
    for (const [k, p] of Object.entries(lp.spec!.defaultInputs!.parameters)) {
      if (p.behavior.case === "default") inputs[k] = p.behavior.value;
    }
    for (const [k, v] of Object.entries(given)) {
      assert.ok(k in lp.spec!.defaultInputs!.parameters, `${lp.id!.name} has no input ${k}`);
      inputs[k] = v;
    }
    Object.assign(inputs, lp.spec!.fixedInputs?.literals ?? {});
    for (const [k, p] of Object.entries(lp.spec!.defaultInputs!.parameters)) {
      if (p.behavior.case === "required") assert.ok(inputs[k], `${lp.id!.name}: the required input ${k} is missing`);
    }
    const spec = this.reg.workflows.get(lp.spec!.workflowId!.name);
    assert.ok(spec, `the package has no workflow ${lp.spec!.workflowId!.name}`);
    return this.workflow(spec.template!, literalMap(inputs), subworkflowsOf(spec));
  }

  /** Runs a workflow's nodes in order and resolves its outputs. */
  async workflow(wf: WorkflowTemplate, inputs: LiteralMap, subs: Map<string, WorkflowTemplate>): Promise<LiteralMap> {
    const scope = new Map<string, LiteralMap>([["", inputs]]);
    for (const node of wf.nodes) {
      for (const up of node.upstreamNodeIds) assert.ok(scope.has(up), `${node.id} runs after ${up}`);
      scope.set(node.id, await this.node(node, scope, subs, this.reg.tasks));
    }
    return literalMap(Object.fromEntries(wf.outputs.map((b) => [b.var, resolve(b.binding!, scope)])));
  }

  private async node(
    node: Node,
    scope: Map<string, LiteralMap>,
    subs: Map<string, WorkflowTemplate>,
    tasks: Map<string, TaskTemplate>,
  ): Promise<LiteralMap> {
    const inputs = literalMap(Object.fromEntries(node.inputs.map((b) => [b.var, resolve(b.binding!, scope)])));
    const t = node.target;
    switch (t.case) {
      case "taskNode": {
        const tt = tasks.get(t.value.reference.case === "referenceId" ? t.value.reference.value.name : "");
        assert.ok(tt, `node ${node.id}: the task is not registered`);
        return this.task(tt, inputs, subs);
      }
      case "workflowNode": {
        const ref = t.value.reference;
        if (ref.case === "subWorkflowRef") {
          const sub = subs.get(ref.value.name);
          assert.ok(sub, `node ${node.id}: the subworkflow ${ref.value.name} is not embedded`);
          return this.workflow(sub, inputs, subs);
        }
        assert.equal(ref.case, "launchplanRef");
        const lp = this.reg.launchPlans.get(ref.value!.name);
        assert.ok(lp, `node ${node.id}: the launch plan ${ref.value!.name} is not registered`);
        return this.launch(lp, inputs.literals);
      }
      case "branchNode": {
        const ie = t.value.ifElse!;
        const vars = inputs.literals;
        for (const c of [ie.case!, ...ie.other]) {
          if (evaluate(c.condition!, vars)) return this.node(c.thenNode!, scope, subs, tasks);
        }
        if (ie.default.case === "elseNode") return this.node(ie.default.value, scope, subs, tasks);
        throw new Error(`branch ${node.id} failed: ${ie.default.value?.message}`);
      }
      case "arrayNode": {
        const sub = t.value.node!;
        assert.equal(sub.target.case, "taskNode");
        const ref = sub.target.case === "taskNode" ? sub.target.value.reference : undefined;
        const tt = tasks.get(ref?.case === "referenceId" ? ref.value.name : "");
        assert.ok(tt, `array node ${node.id}: the task is not registered`);
        const bound = new Set(t.value.boundInputs);
        const lists = Object.entries(inputs.literals).filter(([k]) => !bound.has(k));
        const n = lists[0]![1].value.case === "collection" ? lists[0]![1].value.value.literals.length : 0;
        const elements: LiteralMap[] = [];
        // One pod per element, all reading the same inputs.pb; the index comes from the environment.
        for (let i = 0; i < n; i++) elements.push(await this.task(tt, inputs, subs, i));
        const names = Object.keys(tt.interface!.outputs!.variables);
        return literalMap(
          Object.fromEntries(names.map((k) => [k, collectionLiteral(elements.map((e) => e.literals[k]!))])),
        );
      }
      default:
        throw new Error(`node ${node.id}: ${t.case} nodes are not walked here`);
    }
  }

  /** Runs one task attempt's container command and returns its outputs (running the nodes of a futures.pb). */
  async task(
    tt: TaskTemplate,
    inputs: LiteralMap,
    subs: Map<string, WorkflowTemplate>,
    arrayIndex?: number,
  ): Promise<LiteralMap> {
    assert.equal(tt.target.case, "container", `${tt.id!.name} runs in a container`);
    const container = tt.target.value;
    assert.deepEqual(container.command, [], "everything is in the args");
    const run = `s3://flyte/metadata/run-${++this.runs}`;
    const inputsUri = `${run}/inputs.pb`;
    await this.s3.put(inputsUri, toBinary(LiteralMapSchema, inputs));
    const outputPrefix = arrayIndex === undefined ? `${run}/out` : `${run}/out/${arrayIndex}`;
    const args = render(container.args, {
      input: inputsUri,
      outputPrefix,
      rawOutputDataPrefix: `s3://flyte/raw/run-${this.runs}`,
      checkpointOutputPrefix: `${run}/checkpoint`,
      prevCheckpointPrefix: "",
    });
    this.commands.push(args);
    const entrypoint = args[0]!;
    assert.match(entrypoint, /^tsflyte-(fast-|map-)?execute$/);
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? tmpdir(),
      ...Object.fromEntries(container.env.map((e) => [e.key, e.value])),
      FLYTE_AWS_ENDPOINT: this.endpoint,
      FLYTE_AWS_ACCESS_KEY_ID: CREDS.accessKeyId,
      FLYTE_AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey,
      FLYTE_PROJECT_ROOT: repo,
      FLYTE_INTERNAL_EXECUTION_ID: `cluster-path-${this.runs}`,
      FLYTE_INTERNAL_EXECUTION_PROJECT: "flytekit-ts",
      FLYTE_INTERNAL_EXECUTION_DOMAIN: "development",
      FLYTE_INTERNAL_TASK_NAME: tt.id!.name,
      FLYTE_INTERNAL_TASK_VERSION: "v1",
    };
    if (arrayIndex !== undefined) {
      env.BATCH_JOB_ARRAY_INDEX_VAR_NAME = "FLYTE_K8S_ARRAY_INDEX";
      env.FLYTE_K8S_ARRAY_INDEX = String(arrayIndex);
    }
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((ok, fail) => {
      const child = spawn(process.execPath, [join(repo, "bin", `${entrypoint}.js`), ...args.slice(1)], {
        cwd: tmpdir(),
        env,
        stdio: ["ignore", "ignore", "pipe"],
      });
      let err = "";
      child.stderr.on("data", (d: Buffer) => {
        err += d.toString();
      });
      child.on("error", fail);
      child.on("close", (c) => ok({ code: c, stderr: err }));
    });
    assert.equal(code, 0, `${tt.id!.name}: ${stderr}`);
    if (await this.s3.exists(`${outputPrefix}/error.pb`)) {
      const doc = fromBinary(ErrorDocumentSchema, await this.s3.get(`${outputPrefix}/error.pb`));
      assert.fail(`${tt.id!.name} failed: ${doc.error?.code}: ${doc.error?.message}`);
    }
    if (await this.s3.exists(`${outputPrefix}/futures.pb`)) {
      // A dynamic task: run the workflow it built, with its own inputs as the workflow inputs.
      const job = fromBinary(DynamicJobSpecSchema, await this.s3.get(`${outputPrefix}/futures.pb`));
      assert.equal(job.minSuccesses, BigInt(job.nodes.length));
      const tasks = new Map(job.tasks.map((x) => [x.id!.name, x]));
      const dynSubs = new Map([...subs, ...job.subworkflows.map((w) => [w.id!.name, w] as const)]);
      const scope = new Map<string, LiteralMap>([["", inputs]]);
      for (const node of job.nodes) scope.set(node.id, await this.node(node, scope, dynSubs, tasks));
      return literalMap(Object.fromEntries(job.outputs.map((b) => [b.var, resolve(b.binding!, scope)])));
    }
    return fromBinary(LiteralMapSchema, await this.s3.get(`${outputPrefix}/outputs.pb`));
  }
}

function subworkflowsOf(spec: WorkflowSpec): Map<string, WorkflowTemplate> {
  return new Map(spec.subWorkflows.map((w) => [w.id!.name, w]));
}

/** A binding's literal: scalars as they are, collections and maps element by element, promises from the scope. */
function resolve(bd: BindingData, scope: Map<string, LiteralMap>): Literal {
  const v = bd.value;
  switch (v.case) {
    case "scalar":
      return scalarLiteral(v.value.value);
    case "collection":
      return collectionLiteral(v.value.bindings.map((b) => resolve(b, scope)));
    case "map":
      return mapLiteral(Object.fromEntries(Object.entries(v.value.bindings).map(([k, b]) => [k, resolve(b, scope)])));
    case "promise": {
      const outputs = scope.get(v.value.nodeId);
      assert.ok(outputs, `node ${v.value.nodeId || "(inputs)"} has not run`);
      const lit = outputs.literals[v.value.var];
      assert.ok(lit, `node ${v.value.nodeId || "(inputs)"} has no output ${v.value.var}`);
      return applyAttrPath(
        lit,
        v.value.attrPath.map((p) => p.value.value!),
      );
    }
    default:
      throw new Error(`binding of kind ${v.case}`);
  }
}

function evaluate(e: BooleanExpression, vars: Record<string, Literal>): boolean {
  const x = e.expr;
  if (x.case === "conjunction") {
    const l = evaluate(x.value.leftExpression!, vars);
    const r = evaluate(x.value.rightExpression!, vars);
    return x.value.operator === ConjunctionExpression_LogicalOperator.AND ? l && r : l || r;
  }
  assert.equal(x.case, "comparison");
  const operand = (o: Operand): Primitive["value"] => {
    if (o.val.case === "var") return primitiveOf(vars[o.val.value]);
    assert.equal(o.val.case, "primitive");
    return o.val.value.value;
  };
  const c = compare(operand(x.value.leftValue!), operand(x.value.rightValue!));
  switch (x.value.operator) {
    case ComparisonExpression_Operator.EQ:
      return c === 0;
    case ComparisonExpression_Operator.NEQ:
      return c !== 0;
    case ComparisonExpression_Operator.GT:
      return c > 0;
    case ComparisonExpression_Operator.GTE:
      return c >= 0;
    case ComparisonExpression_Operator.LT:
      return c < 0;
    default:
      return c <= 0;
  }
}

/** The examples run, with their inputs (only some of them: the default launch plan supplies the others). */
const CASES: readonly [file: string, wf: string, inputs: Record<string, unknown>][] = [
  ["hello", "wf", {}],
  ["outputs", "wf", { xs: [3, 1, 4, 1, 5] }],
  ["structs", "wf", { city: "Oslo" }],
  ["subworkflow", "parent", { a: 4, b: 5 }],
  ["fanout", "wf", { base: 3 }],
  ["conditional", "wf", { x: -3 }],
  ["conditional", "wf", { x: 0 }],
  ["map", "wf", { n: 4, factor: 3 }],
  ["launch-plan", "usesLaunchPlan", { name: "Ada" }],
  ["dynamic", "wf", { n: 3 }],
];

/** The cases run again from a fast-registration package (`--copy all`): code from the bundle, not the image. */
const FAST_CASES: readonly [file: string, wf: string, inputs: Record<string, unknown>][] = [
  ["hello", "wf", { name: "fast" }],
  ["subworkflow", "parent", { a: 2, b: 7 }],
  ["map", "wf", { n: 3, factor: 2 }],
  ["dynamic", "wf", { n: 3 }],
];

function packageExamples(out: string, ...extra: string[]): void {
  const r = spawnSync(
    process.execPath,
    [
      join(repo, "bin", "tsflyte.js"),
      "package",
      "examples/",
      "-o",
      out,
      "--image",
      "ghcr.io/acme/examples:v1",
      ...extra,
    ],
    { cwd: repo, encoding: "utf8", timeout: 60_000 },
  );
  assert.equal(r.status, 0, r.stderr);
}

/** Launches `name` of examples/<file>.ts through its default launch plan and compares with a local run. */
async function launchAndCompare(
  propeller: Propeller,
  reg: Registry,
  file: string,
  name: string,
  given: Record<string, unknown>,
): Promise<void> {
  const { entities } = await loadEntities(join(repo, "examples", `${file}.ts`), repo);
  const wf = entities.get(name) as Entity & ((inputs: Record<string, unknown>) => Promise<unknown>);
  assert.ok(wf, `examples/${file}.ts exports ${name}`);
  const lp = reg.launchPlans.get(wf.name);
  assert.ok(lp, `the package has the default launch plan of ${wf.name}`);
  const data = localData();
  const lits = Object.fromEntries(
    Object.entries(given).map(([k, v]) => [k, wf.interface.inputTypes[k]!.toLiteral(v, data, [k])]),
  );
  const before = propeller.commands.length;
  const out = await propeller.launch(lp, lits);
  assert.ok(propeller.commands.length > before, "containers ran");
  assert.deepEqual(wf.interface.literalsToOutputs(out, data, wf.name), await wf(given));
}

describe("the cluster path: a registration package run as propeller would, through S3", () => {
  let scratch: string;
  let server: S3rver;
  let unshim: () => void;
  let propeller: Propeller;
  let reg: Registry;
  let fastPropeller: Propeller;
  let fastReg: Registry;
  let fastUri: string;
  let destDir: string;

  before(async () => {
    assert.ok(
      existsSync(join(repo, "dist", "cli", "main.js")) && existsSync(join(repo, "dist", "entrypoint", "execute.js")),
      "dist/ is missing: run `npm run build` first (the bins run the compiled SDK)",
    );
    scratch = mkdtempSync(join(tmpdir(), "cluster-path-"));
    const pkg = join(scratch, "pkg.tgz");
    packageExamples(pkg);
    reg = readPackage(pkg);
    unshim = shimDesForS3rver();
    server = new S3rver({
      address: "127.0.0.1",
      port: 0,
      silent: true,
      directory: join(scratch, "s3"),
      configureBuckets: [{ name: "flyte" }],
    });
    const { port } = await server.run();
    const endpoint = `http://127.0.0.1:${port}`;
    const s3 = new S3Storage({ endpoint, credentials: CREDS });
    propeller = new Propeller(s3, endpoint, reg);

    // Fast registration: flytectl uploads the bundle and fills the placeholders. The destination directory stands
    // for the image's source root, where the dependencies are installed.
    const fastPkg = join(scratch, "fast.tgz");
    packageExamples(fastPkg, "--copy", "all");
    const bundle = readPackage(fastPkg).bundle;
    assert.ok(bundle, "the fast package has a code bundle");
    fastUri = `s3://flyte/fast/${createHash("md5").update(bundle).digest("hex")}.tar.gz`;
    await s3.put(fastUri, bundle);
    destDir = join(scratch, "root");
    mkdirSync(destDir);
    symlinkSync(join(repo, "node_modules"), join(destDir, "node_modules"));
    fastReg = readPackage(fastPkg, (a) =>
      a.replace("{{ .remote_package_path }}", fastUri).replace("{{ .dest_dir }}", destDir),
    );
    fastPropeller = new Propeller(s3, endpoint, fastReg);
  });

  after(async () => {
    await server?.close();
    unshim?.();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  for (const [file, name, given] of CASES) {
    test(`examples/${file}.ts ${name} ${JSON.stringify(given)}: the containers' outputs equal a local run`, () =>
      launchAndCompare(propeller, reg, file, name, given));
  }

  for (const [file, name, given] of FAST_CASES) {
    test(`fast registration: examples/${file}.ts ${name} ${JSON.stringify(given)} from the code bundle`, () =>
      launchAndCompare(fastPropeller, fastReg, file, name, given));
  }

  test("every container was started with the serialized args, only the templates filled in", () => {
    assert.ok(propeller.commands.length >= 25, `${propeller.commands.length} containers`);
    for (const args of propeller.commands) {
      assert.equal(args[args.indexOf("--prev-checkpoint") + 1], "", "no previous checkpoint on a first attempt");
      assert.match(args[args.indexOf("--inputs") + 1]!, /^s3:\/\/flyte\/metadata\/run-\d+\/inputs\.pb$/);
      assert.match(args[args.indexOf("--raw-output-data-prefix") + 1]!, /^s3:\/\/flyte\/raw\/run-\d+$/);
      assert.ok(args.includes("--resolver") && args.includes("--"));
    }
    assert.ok(
      propeller.commands.some((a) => a[0] === "tsflyte-map-execute"),
      "the map task ran through tsflyte-map-execute",
    );
  });

  test("fast registration: every container, the dynamic task's sub-tasks too, fetched the bundle first", () => {
    assert.ok(fastPropeller.commands.length >= 10, `${fastPropeller.commands.length} containers`);
    for (const args of fastPropeller.commands) {
      assert.deepEqual(args.slice(0, 6), [
        "tsflyte-fast-execute",
        "--additional-distribution",
        fastUri,
        "--dest-dir",
        destDir,
        "--",
      ]);
    }
    assert.ok(fastPropeller.commands.some((a) => a[6] === "tsflyte-map-execute"));
    assert.ok(existsSync(join(destDir, "examples", "dynamic.ts")), "the bundle was unpacked into the destination");
  });
});
