/**
 * Serialization to Flyte IDL, field by field, with flytekit's rules (flytekit/tools/translator.py and the task
 * classes' get_container / get_k8s_pod / get_extended_resources): TaskTemplate metadata, interface, container args,
 * env, resources, images, pod templates, extended resources, secrets; WorkflowTemplate nodes, bindings, subworkflows,
 * failure nodes, branch nodes, launch plan nodes and array nodes; launch plans.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import {
  after,
  conditional,
  dynamic,
  eager,
  gt,
  launchPlan,
  lt,
  map,
  resetCommandFn,
  Serializer,
  serializationSettings,
  setCommandFn,
  t,
  task,
  taskTemplate,
  workflow,
} from "flytekit-ts";
import { loadEntities } from "../../../src/cli/load.js";
import { bindExports } from "../../../src/core/naming.js";
import { parseMapExecuteArgs } from "../../../src/entrypoint/args.js";
import { runContainerTask } from "../../../src/entrypoint/run.js";
import {
  type LaunchPlan as LaunchPlanMsg,
  LaunchPlanSchema,
} from "../../../src/idl/gen/flyteidl/admin/launch_plan_pb.js";
import { TaskSpecSchema } from "../../../src/idl/gen/flyteidl/admin/task_pb.js";
import { type WorkflowSpec, WorkflowSpecSchema } from "../../../src/idl/gen/flyteidl/admin/workflow_pb.js";
import { ComparisonExpression_Operator } from "../../../src/idl/gen/flyteidl/core/condition_pb.js";
import { ResourceType } from "../../../src/idl/gen/flyteidl/core/identifier_pb.js";
import { type BindingData, LiteralMapSchema } from "../../../src/idl/gen/flyteidl/core/literals_pb.js";
import { collectionLiteral, integerLiteral, literalMap } from "../../../src/idl/literals.js";
import { Secret_MountType } from "../../../src/idl/gen/flyteidl/core/security_pb.js";
import {
  type Container,
  Resources_ResourceName,
  RuntimeMetadata_RuntimeType,
  type TaskTemplate,
  TaskTemplateSchema,
} from "../../../src/idl/gen/flyteidl/core/tasks_pb.js";
import { ArrayNode_ExecutionMode, type Node } from "../../../src/idl/gen/flyteidl/core/workflow_pb.js";
import { SDK_VERSION, type SerializationSettings } from "../../../src/serialize/settings.js";
import { containerSettings, toDynamicJobSpec } from "../../../src/serialize/dynamic.js";
import { containerEnv, loaderArgs, resourcesMessage, type SerializedEntity } from "../../../src/serialize/translate.js";
import { IO_ARGS } from "./helpers.js";

const MODULE = "test.unit.serialize.translate.test";

/** Names entities after the keys they are given under, as if this test file exported them (flytekit's `lhs`). */
function exported<T extends Record<string, unknown>>(ns: T): T {
  bindExports(
    ns,
    import.meta.filename,
    (v): v is never =>
      (typeof v === "function" || typeof v === "object") && v !== null && "identity" in v && "kind" in v,
  );
  return ns;
}

const settings = (over: Partial<SerializationSettings> = {}) =>
  serializationSettings({ image: { default: "xyz.com/abc:tag1", images: { other: "xyz.com/other:o1" } }, ...over });

function container(tt: TaskTemplate): Container {
  assert.equal(tt.target.case, "container", "the task has a container");
  return tt.target.value as Container;
}

/** The top-level field numbers of an encoded message, in order. */
function fieldNumbers(bytes: Uint8Array): number[] {
  const r = new BinaryReader(bytes);
  const out: number[] = [];
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    out.push(no);
    r.skip(wt);
  }
  return out;
}

/** The bytes of one length-delimited field of an encoded message. */
function fieldBytes(bytes: Uint8Array, field: number): Uint8Array | undefined {
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (no === field && wt === WireType.LengthDelimited) return r.bytes();
    r.skip(wt);
  }
  return undefined;
}

/** Every `$unknown` property anywhere in a decoded message (fields our bindings do not know). */
function unknownFields(v: unknown, path = "$"): string[] {
  if (v === null || typeof v !== "object") return [];
  if (v instanceof Uint8Array) return [];
  const out: string[] = [];
  for (const [k, x] of Object.entries(v)) {
    if (k === "$unknown" && Array.isArray(x) && x.length > 0) out.push(path);
    else out.push(...unknownFields(x, `${path}.${k}`));
  }
  return out;
}

/** An enum value's name (the generated enums are plain objects, without reverse mappings). */
function enumName(e: Record<string, number>, v: number): string {
  return Object.entries(e).find(([, x]) => x === v)?.[0] ?? String(v);
}

// ---- entities ------------------------------------------------------------------------------------------------

const square = task({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => x * x);

const E = exported({
  plain: task({ inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => a + b),
  cached: task(
    {
      inputs: { a: t.int, b: t.str },
      outputs: t.int,
      cache: { version: "1.0", serialize: true, ignoredInputs: ["b"] },
      retries: 3,
      timeout: "1h30m",
      interruptible: false,
      deprecated: "use plain",
      enableDeck: true,
      podTemplateName: "my-template",
      labels: { team: "a" },
      annotations: { note: "x" },
    },
    ({ a }) => a,
  ),
  interruptible: task({ inputs: {}, outputs: t.str, interruptible: true, timeout: 1500 }, () => "x"),
  described: task(
    {
      inputs: { n: t.int.describe("how many"), s: t.str },
      outputs: { count: t.int.describe("the count"), label: t.str },
    },
    ({ n, s }) => ({ count: n, label: s }),
  ),
  withEnv: task(
    { inputs: {}, environment: { FOO: "foofoo", BAZ: "baz" }, containerImage: "{{.image.other.fqn}}:v2" },
    () => undefined,
  ),
  withResources: task(
    {
      inputs: {},
      requests: { mem: "1Gi", cpu: "1", ephemeralStorage: "10Gi", gpu: 1 },
      limits: { mem: "2Gi", cpu: "2" },
    },
    () => undefined,
  ),
  requestOnly: task({ inputs: {}, resources: { cpu: "500m", mem: ["1Gi", "2Gi"] } }, () => undefined),
  withSecrets: task(
    {
      inputs: {},
      secrets: [
        { group: "user-info", key: "user_secret" },
        { group: "db", key: "password", groupVersion: "v1", mountRequirement: "ENV_VAR", envVar: "DB_PASSWORD" },
        { group: "certs", mountRequirement: "FILE" },
      ],
    },
    () => undefined,
  ),
  gpuPartition: task(
    { inputs: {}, accelerator: { device: "nvidia-tesla-a100", partitionSize: "1g.5gb" }, sharedMemory: true },
    () => undefined,
  ),
  gpuWhole: task(
    { inputs: {}, accelerator: { device: "nvidia-tesla-a100", partitionSize: false }, sharedMemory: "2Gi" },
    () => undefined,
  ),
  gpuAny: task({ inputs: {}, accelerator: { device: "nvidia-tesla-t4" } }, () => undefined),
  withPod: task(
    {
      inputs: { i: t.str },
      containerImage: "repo/image:0.0.0",
      environment: { TASK_ENV: "t" },
      requests: { cpu: "1", mem: "1Gi" },
      limits: { cpu: "2" },
      podTemplateName: "A",
      podTemplate: {
        primaryContainerName: "primary",
        labels: { lKeyA: "lValA" },
        annotations: { aKeyA: "aValA" },
        podSpec: {
          containers: [
            { name: "primary", env: [{ name: "POD_ENV", value: "p" }] },
            { name: "sidecar", image: "{{.image.other.fqn}}:side" },
            { name: "logger" },
          ],
          volumes: [{ name: "data", emptyDir: {} }],
        },
      },
    },
    () => undefined,
  ),
  podNoPrimary: task(
    {
      inputs: {},
      podTemplate: { primaryContainerName: "main", podSpec: { containers: [{ name: "other", image: "busybox" }] } },
    },
    () => undefined,
  ),
  podOwnImage: task(
    {
      inputs: {},
      podTemplate: { podSpec: { containers: [{ name: "primary", image: "{{.image.other}}" }] } },
    },
    () => undefined,
  ),
  square,
  scale: task({ inputs: { x: t.int, factor: t.int }, outputs: t.int }, ({ x, factor }) => x * factor),
  sum: task({ inputs: { xs: t.list(t.int) }, outputs: t.int }, ({ xs }) => xs.reduce((s, x) => s + x, 0)),
  optIn: task({ inputs: { x: t.int, y: t.optional(t.int) }, outputs: t.int }, ({ x, y }) => x + (y ?? 0)),
  noOut: task({ inputs: {} }, () => undefined),
  onFail: task({ inputs: { a: t.int, err: t.optional(t.str) } }, () => undefined),
  dyn: dynamic({ inputs: { n: t.int }, outputs: t.list(t.int), environment: { D: "1" } }, ({ n }) =>
    Array.from({ length: n }, (_, i) => square({ x: i })),
  ),
  eg: eager({ inputs: { x: t.int }, outputs: t.int, environment: { U: "u" } }, async ({ x }) => x + 1),
});

const mapped = map(E.scale, { boundInputs: ["factor"] });
const mappedRatio = map(E.square, { concurrency: 4, minSuccessRatio: 0.5 });
const mappedCount = map(E.square, { minSuccesses: 2 });

const inner = workflow({ inputs: { a: t.int }, outputs: t.int }, ({ a }) => square({ x: a }));
const middle = workflow({ inputs: { a: t.int }, outputs: t.int }, ({ a }) => inner({ a: square({ x: a }) }));
const outer = workflow({ inputs: { a: t.int }, outputs: { x: t.int, y: t.int } }, ({ a }) => ({
  x: middle({ a }),
  y: inner({ a }),
}));

const W = exported({
  inner,
  middle,
  outer,
  chain: workflow({ inputs: { b: t.int, a: t.int }, outputs: t.int }, ({ a, b }) => {
    const s = E.plain({ b: a, a: b });
    const n = E.noOut();
    return after(E.plain({ a: s, b: 7 }), n);
  }),
  coll: workflow({ inputs: { a: t.int }, outputs: t.int }, ({ a }) => E.sum({ xs: [a, E.square({ x: a }), 3] })),
  failing: workflow({ inputs: { a: t.int }, outputs: t.int, onFailure: E.onFail }, ({ a }) => E.square({ x: a })),
  branching: workflow({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => {
    const d = E.square({ x });
    return conditional("sign")
      .if(gt(d, 10))
      .run(() => E.square({ x: d }))
      .elif(lt(x, 0))
      .run(() => E.plain({ a: x, b: 1 }))
      .else()
      .run(() => E.plain({ a: x, b: 0 }));
  }),
  failBranch: workflow({ inputs: { x: t.int }, outputs: t.int }, ({ x }) =>
    conditional("only")
      .if(gt(x, 0))
      .run(() => E.square({ x }))
      .else()
      .fail("x must be positive"),
  ),
  mapping: workflow({ inputs: { xs: t.list(t.int), f: t.int }, outputs: t.list(t.int) }, ({ xs, f }) =>
    mapped({ x: xs, factor: f }),
  ),
  mappingRatio: workflow({ inputs: { xs: t.list(t.int) }, outputs: t.list(t.optional(t.int)) }, ({ xs }) =>
    mappedRatio({ x: xs }),
  ),
  mappingCount: workflow({ inputs: { xs: t.list(t.int) }, outputs: t.list(t.optional(t.int)) }, ({ xs }) =>
    mappedCount({ x: xs }),
  ),
  params: workflow(
    {
      inputs: { req: t.str, def: t.int.default(5), opt: t.optional(t.int), fixed: t.str, later: t.bool },
      outputs: t.str,
    },
    ({ req }) => req as never,
  ),
  optWf: workflow({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => E.optIn({ x })),
});

const L = exported({
  lp: launchPlan(W.params, { name: `${MODULE}.params_lp`, fixedInputs: { fixed: "F" }, defaultInputs: { req: "r" } }),
});

const C = exported({
  callsLp: workflow({ inputs: { r: t.str, l: t.bool }, outputs: t.str }, ({ r, l }) => L.lp({ req: r, later: l })),
});

function serialize(...roots: unknown[]): readonly SerializedEntity[] {
  const s = new Serializer(settings());
  for (const r of roots) s.add(r as never);
  return s.entities;
}

function workflowSpec(wf: unknown): WorkflowSpec {
  const name = (wf as { name: string }).name;
  const e = serialize(wf).find((x) => x.kind === 2 && x.name === name);
  assert.ok(e && e.kind === 2, `${name} was serialized`);
  return e.spec;
}

function launchPlanOf(entities: readonly SerializedEntity[], name: string): LaunchPlanMsg {
  const e = entities.find((x) => x.kind === 3 && x.name === name);
  assert.ok(e && e.kind === 3, `launch plan ${name} was serialized`);
  return e.spec;
}

function promiseOf(b: BindingData | undefined): { nodeId: string; var: string } {
  assert.equal(b?.value.case, "promise");
  const p = b.value.value as { nodeId: string; var: string };
  return { nodeId: p.nodeId, var: p.var };
}

// ---- TaskTemplate ------------------------------------------------------------------------------------------------

describe("TaskTemplate: id, type and metadata", () => {
  test("id and type: TASK, the settings' project/domain/version, python-task, type version 0", () => {
    const tt = taskTemplate(E.plain, settings({ project: "p", domain: "d", version: "v1" }));
    assert.equal(tt.id?.resourceType, ResourceType.TASK);
    assert.deepEqual([tt.id?.project, tt.id?.domain, tt.id?.name, tt.id?.version], ["p", "d", `${MODULE}.plain`, "v1"]);
    assert.equal(tt.type, "python-task");
    assert.equal(tt.taskTypeVersion, 0);
    assert.equal(tt.custom, undefined);
    assert.deepEqual(tt.config, {});
    assert.equal(tt.securityContext, undefined);
    assert.equal(tt.extendedResources, undefined);
  });

  test("defaults: not discoverable, runtime FLYTE_SDK/typescript, retries 0, no timeout, interruptible unset", () => {
    const m = taskTemplate(E.plain, settings()).metadata!;
    assert.equal(m.discoverable, false);
    assert.equal(m.discoveryVersion, "");
    assert.equal(m.cacheSerializable, false);
    assert.deepEqual(m.cacheIgnoreInputVars, []);
    assert.deepEqual(
      { type: m.runtime?.type, version: m.runtime?.version, flavor: m.runtime?.flavor },
      { type: RuntimeMetadata_RuntimeType.FLYTE_SDK, version: SDK_VERSION, flavor: "typescript" },
    );
    assert.ok(m.retries, "retries is always present");
    assert.equal(m.retries.retries, 0);
    assert.equal(m.timeout, undefined);
    assert.equal(m.interruptibleValue.case, undefined);
    assert.equal(m.deprecatedErrorMessage, "");
    assert.equal(m.podTemplateName, "");
    assert.equal(m.isEager, false);
    assert.equal(m.generatesDeck, false);
    assert.deepEqual(m.metadata?.labels, {});
    assert.deepEqual(m.metadata?.annotations, {});
  });

  test("cache, retries, timeout, interruptible, deprecation, deck, pod template name, labels and annotations", () => {
    const m = taskTemplate(E.cached, settings()).metadata!;
    assert.equal(m.discoverable, true);
    assert.equal(m.discoveryVersion, "1.0");
    assert.equal(m.cacheSerializable, true);
    assert.deepEqual(m.cacheIgnoreInputVars, ["b"]);
    assert.equal(m.retries?.retries, 3);
    assert.equal(m.timeout?.seconds, 5400n);
    assert.equal(m.timeout?.nanos, 0);
    assert.deepEqual(m.interruptibleValue, { case: "interruptible", value: false });
    assert.equal(m.deprecatedErrorMessage, "use plain");
    assert.equal(m.generatesDeck, true);
    assert.equal(m.podTemplateName, "my-template");
    assert.deepEqual(m.metadata?.labels, { team: "a" });
    assert.deepEqual(m.metadata?.annotations, { note: "x" });
    const other = taskTemplate(E.interruptible, settings()).metadata!;
    assert.deepEqual(other.interruptibleValue, { case: "interruptible", value: true });
    assert.equal(other.timeout?.seconds, 1n);
    assert.equal(other.timeout?.nanos, 500_000_000);
  });

  test("generates_deck is the BoolValue field 15, present true or false; the retired field 10 is never written", () => {
    for (const tk of [E.plain, E.cached]) {
      const spec = toBinary(TaskSpecSchema, create(TaskSpecSchema, { template: taskTemplate(tk, settings()) }));
      const template = fieldBytes(spec, 1)!;
      const metadata = fieldBytes(template, 3)!;
      const fields = fieldNumbers(metadata);
      assert.ok(!fields.includes(10), `field 10 in ${fields.join(",")}`);
      assert.ok(fields.includes(15), `field 15 in ${fields.join(",")}`);
      const deck = fieldBytes(metadata, 15)!;
      // BoolValue{value: true} is field 1 varint 1; BoolValue{value: false} is empty.
      assert.deepEqual([...deck], tk === E.cached ? [0x08, 0x01] : []);
    }
  });

  test("eager tasks: is_eager, decks on, and _F_SS_C after the user's env", () => {
    const tt = taskTemplate(E.eg, settings());
    assert.equal(tt.metadata?.isEager, true);
    assert.equal(tt.metadata?.generatesDeck, true);
    const env = container(tt).env;
    assert.deepEqual(
      env.map((e) => e.key),
      ["U", "_F_SS_C"],
    );
  });
});

describe("TaskTemplate: interface", () => {
  test("variable descriptions: .describe() text, else the variable's name", () => {
    const i = taskTemplate(E.described, settings()).interface!;
    assert.equal(i.inputs?.variables.n?.description, "how many");
    assert.equal(i.inputs?.variables.s?.description, "s");
    assert.equal(i.outputs?.variables.count?.description, "the count");
    assert.equal(i.outputs?.variables.label?.description, "label");
    assert.equal(i.inputs?.variables.n?.type?.type.case, "simple");
  });

  test("a single output is o0; no outputs is an empty variable map", () => {
    assert.deepEqual(Object.keys(taskTemplate(E.plain, settings()).interface!.outputs!.variables), ["o0"]);
    assert.deepEqual(taskTemplate(E.noOut, settings()).interface!.outputs!.variables, {});
    assert.deepEqual(taskTemplate(E.noOut, settings()).interface!.inputs!.variables, {});
  });
});

describe("TaskTemplate: container", () => {
  test("default resolver: the exact args, command empty", () => {
    const c = container(taskTemplate(E.plain, settings()));
    assert.deepEqual(c.command, []);
    assert.deepEqual(c.args, [
      "tsflyte-execute",
      ...IO_ARGS,
      "--resolver",
      "flytekit_ts.default_task_resolver",
      "--",
      "task-module",
      MODULE,
      "task-name",
      "plain",
    ]);
    assert.equal(c.image, "xyz.com/abc:tag1");
    assert.deepEqual(c.env, []);
  });

  test("map task: tsflyte-map-execute, the map resolver, vars <bound> resolver <inner resolver> <inner loader args>", () => {
    const tt = taskTemplate(mapped, settings());
    const c = container(tt);
    assert.deepEqual(c.args, [
      "tsflyte-map-execute",
      ...IO_ARGS,
      "--resolver",
      "flytekit_ts.map_task_resolver",
      "--",
      "vars",
      "factor",
      "resolver",
      "flytekit_ts.default_task_resolver",
      "task-module",
      MODULE,
      "task-name",
      "scale",
    ]);
    assert.deepEqual(loaderArgs(mappedRatio).slice(0, 4), [
      "vars",
      "",
      "resolver",
      "flytekit_ts.default_task_resolver",
    ]);
    assert.equal(tt.type, "python-task");
    assert.equal(tt.taskTypeVersion, 1);
    assert.match(tt.id!.name, new RegExp(`^${MODULE.replaceAll(".", "\\.")}\\.map_scale_[0-9a-f]{32}-arraynode$`));
    const vars = tt.interface!.inputs!.variables;
    assert.equal(vars.x?.type?.type.case, "collectionType", "a mapped input is a list");
    assert.equal(vars.factor?.type?.type.case, "simple", "a bound input keeps its type");
    assert.equal(tt.interface!.outputs!.variables.o0?.type?.type.case, "collectionType");
  });

  test("fast registration prefixes the args with tsflyte-fast-execute and the placeholders", () => {
    const fast = settings({ fast: { distribution: "{{ .remote_package_path }}", destinationDir: "{{ .dest_dir }}" } });
    const args = container(taskTemplate(E.plain, fast)).args;
    assert.deepEqual(args.slice(0, 7), [
      "tsflyte-fast-execute",
      "--additional-distribution",
      "{{ .remote_package_path }}",
      "--dest-dir",
      "{{ .dest_dir }}",
      "--",
      "tsflyte-execute",
    ]);
    assert.deepEqual(args.slice(7), container(taskTemplate(E.plain, settings())).args.slice(1));
    const mapArgs = container(taskTemplate(mapped, fast)).args;
    assert.deepEqual(mapArgs.slice(5, 7), ["--", "tsflyte-map-execute"]);
  });

  test("setCommandFn replaces the args, resetCommandFn restores them", () => {
    const before = container(taskTemplate(E.square, settings())).args;
    setCommandFn(E.square, (s) => ["node", "custom.js", s.image.default ?? ""]);
    try {
      assert.deepEqual(container(taskTemplate(E.square, settings())).args, ["node", "custom.js", "xyz.com/abc:tag1"]);
    } finally {
      resetCommandFn(E.square);
    }
    assert.deepEqual(container(taskTemplate(E.square, settings())).args, before);
  });

  test("env: the settings' env first, then the task's, which wins", () => {
    const s = settings({ env: { FOO: "foo", BAR: "bar" } });
    const env = container(taskTemplate(E.withEnv, s)).env;
    assert.deepEqual(
      env.map((e) => [e.key, e.value]),
      [
        ["FOO", "foofoo"],
        ["BAR", "bar"],
        ["BAZ", "baz"],
      ],
    );
    assert.deepEqual(
      containerEnv(E.plain, s).map((e) => e.key),
      ["FOO", "BAR"],
    );
  });

  test("dynamic and eager tasks carry the serialization settings in _F_SS_C", () => {
    const s = settings({ env: { S: "s" }, project: "p", domain: "d", version: "v" });
    const env = container(taskTemplate(E.dyn, s)).env;
    assert.deepEqual(
      env.map((e) => e.key),
      ["S", "D", "_F_SS_C"],
    );
    const ctx = JSON.parse(Buffer.from(env.at(-1)!.value, "base64").toString("utf8")) as Record<string, unknown>;
    assert.equal(ctx.project, "p");
    assert.equal(ctx.domain, "d");
    assert.equal(ctx.version, "v");
    assert.deepEqual(ctx.image, { default: "xyz.com/abc:tag1", images: { other: "xyz.com/other:o1" } });
    assert.deepEqual(ctx.env, { S: "s" });
    assert.ok(!containerEnv(E.plain, s).some((e) => e.key === "_F_SS_C"), "plain tasks do not get it");
  });

  test("_F_SS_C carries the default resources too, so tasks a dynamic task creates at run time get them", async () => {
    const defaultResources = { requests: { cpu: "3", mem: "5Gi" }, limits: { mem: "6Gi" } };
    const s = settings({ defaultResources, fast: { distribution: "s3://b/f.tar.gz", destinationDir: "/root" } });
    const ssc = container(taskTemplate(E.dyn, s)).env.find((e) => e.key === "_F_SS_C")!.value;
    const back = containerSettings({ _F_SS_C: ssc });
    assert.deepEqual(back.defaultResources, defaultResources);
    assert.deepEqual(back.image, s.image);
    assert.deepEqual(back.fast, s.fast);
    // What the dynamic task's container serializes for its sub-tasks: the registration's default resources.
    const job = toDynamicJobSpec(await E.dyn.compileIntoWorkflow({ n: 2 }), back);
    assert.equal(job.nodes.length, 2);
    const r = job.tasks[0]!.target.case === "container" ? job.tasks[0]!.target.value.resources : undefined;
    assert.deepEqual(
      r?.requests.map((e) => e.value),
      ["3", "5Gi"],
    );
    assert.deepEqual(
      r?.limits.map((e) => e.value),
      ["6Gi"],
    );
  });

  test("image: the task's template resolved against the settings, else the default image", () => {
    assert.equal(container(taskTemplate(E.withEnv, settings())).image, "xyz.com/other:v2");
    assert.equal(container(taskTemplate(E.plain, settings())).image, "xyz.com/abc:tag1");
    assert.throws(() => taskTemplate(E.withEnv, settings({ image: { default: "d:1" } })), /not configured/);
  });
});

describe("TaskTemplate: resources", () => {
  const entries = (r: { name: Resources_ResourceName; value: string }[]) =>
    r.map((e) => [enumName(Resources_ResourceName, e.name), e.value]);

  test("requests and limits in flytekit's order: ephemeral storage, cpu, gpu, memory", () => {
    const r = container(taskTemplate(E.withResources, settings())).resources!;
    assert.deepEqual(entries(r.requests), [
      ["EPHEMERAL_STORAGE", "10Gi"],
      ["CPU", "1"],
      ["GPU", "1"],
      ["MEMORY", "1Gi"],
    ]);
    assert.deepEqual(entries(r.limits), [
      ["CPU", "2"],
      ["MEMORY", "2Gi"],
    ]);
  });

  test("resources: a single value is a request only, a pair sets both", () => {
    const r = container(taskTemplate(E.requestOnly, settings())).resources!;
    assert.deepEqual(entries(r.requests), [
      ["CPU", "500m"],
      ["MEMORY", "1Gi"],
    ]);
    assert.deepEqual(entries(r.limits), [["MEMORY", "2Gi"]]);
  });

  test("no resources: empty requests and limits", () => {
    const r = container(taskTemplate(E.plain, settings())).resources!;
    assert.deepEqual([r.requests, r.limits], [[], []]);
  });

  test("default resources apply to tasks without resources (plain, dynamic, map) and never override declared ones", () => {
    const s = settings({ defaultResources: { requests: { cpu: "3", mem: "5Gi" }, limits: { mem: "6Gi" } } });
    for (const tk of [E.plain, E.dyn, mapped]) {
      const r = container(taskTemplate(tk, s)).resources!;
      assert.deepEqual(entries(r.requests), [
        ["CPU", "3"],
        ["MEMORY", "5Gi"],
      ]);
      assert.deepEqual(entries(r.limits), [["MEMORY", "6Gi"]]);
    }
    const own = container(taskTemplate(E.requestOnly, s)).resources!;
    assert.deepEqual(entries(own.requests), [
      ["CPU", "500m"],
      ["MEMORY", "1Gi"],
    ]);
    assert.deepEqual(entries(resourcesMessage({ requests: {}, limits: {} }, settings()).requests), []);
  });
});

describe("TaskTemplate: pod templates", () => {
  test("a pod template replaces the container: k8s_pod with the merged primary container and config", () => {
    const tt = taskTemplate(E.withPod, settings({ env: { SETTINGS_ENV: "s" } }));
    assert.equal(tt.target.case, "k8sPod");
    const pod = tt.target.case === "k8sPod" ? tt.target.value : undefined;
    assert.deepEqual(pod?.metadata?.labels, { lKeyA: "lValA" });
    assert.deepEqual(pod?.metadata?.annotations, { aKeyA: "aValA" });
    const spec = pod?.podSpec as {
      containers: {
        name: string;
        image?: string;
        command?: unknown;
        args?: unknown;
        resources?: unknown;
        env?: unknown;
      }[];
      volumes: unknown;
    };
    const [primary, sidecar, logger] = spec.containers;
    assert.equal(primary?.name, "primary");
    assert.equal(primary?.image, "repo/image:0.0.0", "the task's image");
    assert.deepEqual(primary?.command, []);
    assert.deepEqual(primary?.args, [
      "tsflyte-execute",
      ...IO_ARGS,
      "--resolver",
      "flytekit_ts.default_task_resolver",
      "--",
      "task-module",
      MODULE,
      "task-name",
      "withPod",
    ]);
    assert.deepEqual(primary?.resources, { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "2" } });
    assert.deepEqual(primary?.env, [
      { name: "SETTINGS_ENV", value: "s" },
      { name: "TASK_ENV", value: "t" },
      { name: "POD_ENV", value: "p" },
    ]);
    assert.equal(sidecar?.image, "xyz.com/other:side", "other containers' images are resolved too");
    assert.equal(
      logger?.image,
      "xyz.com/abc:tag1",
      "a container without an image gets the default one, as in flytekit",
    );
    assert.deepEqual(spec.volumes, [{ name: "data", emptyDir: {} }]);
    assert.deepEqual(tt.config, { primary_container_name: "primary" });
    assert.equal(tt.metadata?.podTemplateName, "A");
  });

  test("a missing primary container is appended; the config names it", () => {
    const tt = taskTemplate(E.podNoPrimary, settings());
    const spec = (tt.target.case === "k8sPod" ? tt.target.value.podSpec : undefined) as {
      containers: { name: string; image?: string; args?: string[] }[];
    };
    assert.deepEqual(
      spec.containers.map((c) => c.name),
      ["other", "main"],
    );
    assert.equal(spec.containers[1]?.image, "xyz.com/abc:tag1");
    assert.equal(spec.containers[1]?.args?.[0], "tsflyte-execute");
    assert.equal(spec.containers[0]?.image, "busybox");
    assert.deepEqual(tt.config, { primary_container_name: "main" });
  });

  test("the primary container's own image is kept (templates resolved)", () => {
    const tt = taskTemplate(E.podOwnImage, settings());
    const spec = (tt.target.case === "k8sPod" ? tt.target.value.podSpec : undefined) as {
      containers: { image?: string }[];
    };
    assert.equal(spec.containers[0]?.image, "xyz.com/other:o1");
  });

  test("with fast registration the primary container's args carry the prefix", () => {
    const tt = taskTemplate(
      E.withPod,
      settings({ fast: { distribution: "s3://b/fast.tar.gz", destinationDir: "/root" } }),
    );
    const spec = (tt.target.case === "k8sPod" ? tt.target.value.podSpec : undefined) as {
      containers: { args?: string[] }[];
    };
    assert.deepEqual(spec.containers[0]?.args?.slice(0, 6), [
      "tsflyte-fast-execute",
      "--additional-distribution",
      "s3://b/fast.tar.gz",
      "--dest-dir",
      "/root",
      "--",
    ]);
  });
});

describe("TaskTemplate: extended resources and security context", () => {
  test("GPU accelerator with a partition, shared memory without a limit", () => {
    const x = taskTemplate(E.gpuPartition, settings()).extendedResources!;
    assert.equal(x.gpuAccelerator?.device, "nvidia-tesla-a100");
    assert.deepEqual(x.gpuAccelerator?.partitionSizeValue, { case: "partitionSize", value: "1g.5gb" });
    assert.equal(x.sharedMemory?.mountName, "flyte-shared-memory");
    assert.equal(x.sharedMemory?.mountPath, "/dev/shm");
    assert.equal(x.sharedMemory?.sizeLimit, "");
  });

  test("an unpartitioned GPU, shared memory with a size; a device alone", () => {
    const x = taskTemplate(E.gpuWhole, settings()).extendedResources!;
    assert.deepEqual(x.gpuAccelerator?.partitionSizeValue, { case: "unpartitioned", value: true });
    assert.equal(x.sharedMemory?.sizeLimit, "2Gi");
    const y = taskTemplate(E.gpuAny, settings()).extendedResources!;
    assert.equal(y.gpuAccelerator?.device, "nvidia-tesla-t4");
    assert.equal(y.gpuAccelerator?.partitionSizeValue.case, undefined);
    assert.equal(y.sharedMemory, undefined);
  });

  test("secrets become the security context, in order, with their mount requirements", () => {
    const sc = taskTemplate(E.withSecrets, settings()).securityContext!;
    assert.deepEqual(
      sc.secrets.map((s) => [s.group, s.key, s.groupVersion, enumName(Secret_MountType, s.mountRequirement), s.envVar]),
      [
        ["user-info", "user_secret", "", "ANY", ""],
        ["db", "password", "v1", "ENV_VAR", "DB_PASSWORD"],
        ["certs", "", "", "FILE", ""],
      ],
    );
  });
});

// ---- WorkflowTemplate ----------------------------------------------------------------------------------------------

describe("WorkflowTemplate", () => {
  test("id, metadata, defaults, interface; nodes n0.. with sorted bindings and workflow inputs as promises of ''", () => {
    const spec = workflowSpec(W.chain);
    const wt = spec.template!;
    assert.equal(wt.id?.resourceType, ResourceType.WORKFLOW);
    assert.equal(wt.id?.name, `${MODULE}.chain`);
    assert.equal(wt.metadata?.onFailure, 0);
    assert.equal(wt.metadataDefaults?.interruptible, false);
    assert.deepEqual(Object.keys(wt.interface!.inputs!.variables).sort(), ["a", "b"]);
    assert.deepEqual(
      wt.nodes.map((n) => n.id),
      ["n0", "n1", "n2"],
    );
    const [n0, n1, n2] = wt.nodes as [Node, Node, Node];
    assert.deepEqual(
      n0.inputs.map((b) => [b.var, promiseOf(b.binding)]),
      [
        ["a", { nodeId: "", var: "b" }],
        ["b", { nodeId: "", var: "a" }],
      ],
    );
    assert.deepEqual(n0.upstreamNodeIds, []);
    assert.equal(n0.metadata?.name, "plain");
    assert.equal(n0.metadata?.retries?.retries, 0);
    assert.equal(n0.metadata?.interruptibleValue.case, undefined);
    assert.equal(n0.target.case, "taskNode");
    assert.equal(n0.target.case === "taskNode" && n0.target.value.reference.value?.name, `${MODULE}.plain`);
    assert.deepEqual(n1.inputs, []);
    assert.deepEqual(promiseOf(n2.inputs[0]?.binding), { nodeId: "n0", var: "o0" });
    const b = n2.inputs[1]?.binding?.value;
    assert.equal(b?.case, "scalar", "constants are scalar bindings");
    assert.deepEqual(n2.upstreamNodeIds, ["n0", "n1"], "data and after() dependencies");
    assert.deepEqual(
      wt.outputs.map((o) => [o.var, promiseOf(o.binding)]),
      [["o0", { nodeId: "n2", var: "o0" }]],
    );
    assert.deepEqual(spec.subWorkflows, []);
    assert.equal(wt.failureNode, undefined);
  });

  test("lists with references are binding collections; upstream ids come from inside them", () => {
    const n1 = workflowSpec(W.coll).template!.nodes[1]!;
    const xs = n1.inputs[0]!.binding!.value;
    assert.equal(xs.case, "collection");
    assert.deepEqual(xs.case === "collection" ? xs.value.bindings.map((b) => b.value.case) : [], [
      "promise",
      "promise",
      "scalar",
    ]);
    assert.deepEqual(n1.upstreamNodeIds, ["n0"]);
  });

  test("task defaults of optional inputs are bound as none", () => {
    const n0 = workflowSpec(W.optWf).template!.nodes[0]!;
    assert.deepEqual(
      n0.inputs.map((b) => b.var),
      ["x", "y"],
    );
    const y = n0.inputs[1]!.binding!.value;
    assert.equal(y.case === "scalar" && y.value.value.case, "union");
  });

  test("subworkflows: every workflow used, recursively, once, sorted by id; nodes reference them", () => {
    const spec = workflowSpec(W.outer);
    assert.deepEqual(
      spec.subWorkflows.map((w) => w.id?.name),
      [`${MODULE}.inner`, `${MODULE}.middle`],
    );
    const [n0, n1] = spec.template!.nodes as [Node, Node];
    assert.equal(n0.target.case, "workflowNode");
    const ref = n0.target.case === "workflowNode" ? n0.target.value.reference : undefined;
    assert.equal(ref?.case, "subWorkflowRef");
    assert.equal(ref?.value?.name, `${MODULE}.middle`);
    assert.equal(ref?.value?.resourceType, ResourceType.WORKFLOW);
    assert.equal(n1.metadata?.name, "inner");
    // flytekit's workflow nodes carry the workflow's interruptible default.
    assert.deepEqual(n0.metadata?.interruptibleValue, { case: "interruptible", value: false });
    const middle = spec.subWorkflows[1]!;
    assert.equal(middle.nodes[1]?.target.case, "workflowNode");
  });

  test("a failure node is fn0, bound to the workflow's inputs", () => {
    const wt = workflowSpec(W.failing).template!;
    const fn = wt.failureNode!;
    assert.equal(fn.id, "fn0");
    assert.equal(fn.target.case, "taskNode");
    assert.equal(fn.target.case === "taskNode" && fn.target.value.reference.value?.name, `${MODULE}.onFail`);
    assert.deepEqual(promiseOf(fn.inputs.find((b) => b.var === "a")?.binding), { nodeId: "", var: "a" });
    assert.equal(wt.metadata?.onFailure, 0);
  });

  test("a branch node: IfElseBlock with case, other and else; operands <node>.<var> bound (sorted) as the node's inputs", () => {
    const wt = workflowSpec(W.branching).template!;
    const b = wt.nodes[1]!;
    assert.equal(b.id, "n1");
    assert.equal(b.target.case, "branchNode");
    assert.deepEqual(
      b.inputs.map((i) => [i.var, promiseOf(i.binding)]),
      [
        [".x", { nodeId: "", var: "x" }],
        ["n0.o0", { nodeId: "n0", var: "o0" }],
      ],
    );
    assert.deepEqual(b.upstreamNodeIds, ["n0"]);
    const ie = b.target.case === "branchNode" ? b.target.value.ifElse! : undefined;
    const cmp = ie?.case?.condition?.expr;
    assert.equal(cmp?.case, "comparison");
    const c = cmp?.case === "comparison" ? cmp.value : undefined;
    assert.equal(c?.operator, ComparisonExpression_Operator.GT);
    assert.deepEqual(c?.leftValue?.val, { case: "var", value: "n0.o0" });
    assert.equal(c?.rightValue?.val.case, "primitive");
    assert.equal(ie?.other.length, 1);
    assert.equal(ie?.default.case, "elseNode");
    const thenNode = ie?.case?.thenNode;
    assert.equal(thenNode?.target.case, "taskNode");
    assert.deepEqual(promiseOf(thenNode?.inputs[0]?.binding), { nodeId: "n0", var: "o0" });
    const ids = [thenNode?.id, ie?.other[0]?.thenNode?.id, ie?.default.case === "elseNode" ? ie.default.value.id : ""];
    // flytekit numbers the nodes of the cases n0, n1... in the conditional's own scope; Flyte's compiler prefixes them.
    assert.deepEqual(ids, ["n0", "n1", "n2"]);
    assert.deepEqual(promiseOf(wt.outputs[0]?.binding), { nodeId: "n1", var: "o0" });
  });

  test("an else that fails is an error named after the conditional, with the message (as flytekit writes it)", () => {
    const b = workflowSpec(W.failBranch).template!.nodes[0]!;
    const ie = b.target.case === "branchNode" ? b.target.value.ifElse! : undefined;
    assert.equal(ie?.default.case, "error");
    assert.deepEqual(ie?.default.case === "error" ? [ie.default.value.failedNodeId, ie.default.value.message] : [], [
      "only",
      "x must be positive",
    ]);
  });

  test("launch plan nodes reference the launch plan and leave its fixed inputs out", () => {
    const entities = serialize(C.callsLp);
    const wt = (entities.find((e) => e.kind === 2 && e.name === C.callsLp.name)!.spec as WorkflowSpec).template!;
    const n0 = wt.nodes[0]!;
    assert.equal(n0.target.case, "workflowNode");
    const ref = n0.target.case === "workflowNode" ? n0.target.value.reference : undefined;
    assert.equal(ref?.case, "launchplanRef");
    assert.equal(ref?.value?.resourceType, ResourceType.LAUNCH_PLAN);
    assert.equal(ref?.value?.name, `${MODULE}.params_lp`);
    // flytekit's launch plan nodes take their workflow's node metadata: its short name, interruptible false.
    assert.equal(n0.metadata?.name, "params");
    assert.deepEqual(n0.metadata?.interruptibleValue, { case: "interruptible", value: false });
    assert.ok(!n0.inputs.some((b) => b.var === "fixed"), "the fixed input is not bound");
    assert.deepEqual(
      n0.inputs.map((b) => b.var),
      ["def", "later", "opt", "req"],
    );
    // The launch plan and its workflow come before the workflow that calls it.
    const order = entities.map((e) => `${e.name}_${e.kind}`);
    assert.ok(order.indexOf(`${MODULE}.params_lp_3`) < order.indexOf(`${C.callsLp.name}_2`), order.join("\n"));
    assert.ok(order.indexOf(`${W.params.name}_2`) < order.indexOf(`${MODULE}.params_lp_3`), order.join("\n"));
  });

  test("array nodes: the map task as sub-node (id = its name), parallelism, success criteria, mode, bound inputs", () => {
    const wt = workflowSpec(W.mapping).template!;
    const n0 = wt.nodes[0]!;
    assert.equal(n0.id, "n0");
    assert.equal(n0.target.case, "arrayNode");
    const an = n0.target.case === "arrayNode" ? n0.target.value : undefined;
    assert.equal(an?.node?.id, mapped.name, "the sub-node id is the map task's name, not dnsified");
    assert.equal(an?.node?.target.case, "taskNode");
    assert.equal(an?.node?.target.case === "taskNode" && an.node.target.value.reference.value?.name, mapped.name);
    assert.deepEqual(
      an?.node?.inputs.map((b) => b.var),
      ["factor", "x"],
    );
    assert.deepEqual(
      n0.inputs.map((b) => b.var),
      ["factor", "x"],
    );
    assert.equal(an?.parallelismOption.case, undefined);
    assert.deepEqual(an?.successCriteria, { case: "minSuccessRatio", value: 1 });
    assert.equal(an?.executionMode, ArrayNode_ExecutionMode.MINIMAL_STATE);
    assert.equal(an?.isOriginalSubNodeInterface, false);
    assert.deepEqual(an?.boundInputs, ["factor"]);

    const r = workflowSpec(W.mappingRatio).template!.nodes[0]!;
    const ra = r.target.case === "arrayNode" ? r.target.value : undefined;
    assert.deepEqual(ra?.parallelismOption, { case: "parallelism", value: 4 });
    assert.deepEqual(ra?.successCriteria, { case: "minSuccessRatio", value: 0.5 });
    assert.deepEqual(ra?.boundInputs, []);
    const c = workflowSpec(W.mappingCount).template!.nodes[0]!;
    const ca = c.target.case === "arrayNode" ? c.target.value : undefined;
    assert.deepEqual(ca?.successCriteria, { case: "minSuccesses", value: 2 });
  });

  test("the map task's interface: optional elements when failures are allowed", () => {
    const out = taskTemplate(mappedRatio, settings()).interface!.outputs!.variables.o0!.type!;
    assert.equal(out.type.case, "collectionType");
    const el = out.type.case === "collectionType" ? out.type.value : undefined;
    assert.equal(el?.type.case, "unionType");
  });
});

// ---- LaunchPlan ----------------------------------------------------------------------------------------------------

describe("LaunchPlan", () => {
  test("the default launch plan: the workflow's name, required and default parameters, optional → none", () => {
    const entities = serialize(W.params);
    const lp = launchPlanOf(entities, W.params.name);
    assert.equal(lp.id?.resourceType, ResourceType.LAUNCH_PLAN);
    assert.equal(lp.spec?.workflowId?.name, W.params.name);
    assert.equal(lp.spec?.workflowId?.resourceType, ResourceType.WORKFLOW);
    const p = lp.spec!.defaultInputs!.parameters;
    assert.deepEqual(Object.keys(p).sort(), ["def", "fixed", "later", "opt", "req"]);
    assert.deepEqual(p.req?.behavior, { case: "required", value: true });
    assert.deepEqual(p.later?.behavior, { case: "required", value: true });
    const def = p.def?.behavior;
    assert.equal(def?.case, "default");
    const dv = def?.case === "default" ? def.value.value : undefined;
    assert.equal(dv?.case === "scalar" && dv.value.value.case === "primitive" && dv.value.value.value.value.value, 5n);
    const opt = p.opt?.behavior;
    assert.equal(opt?.case, "default");
    const ov = opt?.case === "default" ? opt.value.value : undefined;
    assert.equal(ov?.case === "scalar" && ov.value.value.case, "noneType", "a bare none, not a union");
    assert.equal(p.req?.var?.description, "req");
    assert.deepEqual(lp.spec?.fixedInputs?.literals, {});
    assert.deepEqual(lp.spec?.labels?.values ?? {}, {});
    assert.ok(lp.spec?.rawOutputDataConfig, "raw output data config is present");
    assert.equal(lp.spec?.rawOutputDataConfig?.outputLocationPrefix, "");
    assert.ok(lp.spec?.entityMetadata, "entity metadata is present");
    assert.ok(lp.closure, "the closure is always present");
    assert.deepEqual(Object.keys(lp.closure.expectedInputs!.parameters).sort(), Object.keys(p).sort());
    assert.deepEqual(Object.keys(lp.closure.expectedOutputs!.variables), ["o0"]);
  });

  test("a named launch plan: defaults as parameters, fixed inputs as literals and not parameters", () => {
    const entities = serialize(L.lp);
    const lp = launchPlanOf(entities, `${MODULE}.params_lp`);
    assert.equal(lp.spec?.workflowId?.name, W.params.name);
    const p = lp.spec!.defaultInputs!.parameters;
    assert.ok(!("fixed" in p), "fixed inputs are not parameters");
    assert.equal(p.req?.behavior.case, "default", "a default input is no longer required");
    const fixed = lp.spec!.fixedInputs!.literals.fixed?.value;
    assert.equal(
      fixed?.case === "scalar" && fixed.value.value.case === "primitive" && fixed.value.value.value.value.value,
      "F",
    );
    assert.ok(!("fixed" in lp.closure!.expectedInputs!.parameters));
    // Dependency order: the workflow's tasks, the workflow, its default launch plan, then the named launch plan.
    const kinds = entities.map((e) => e.kind);
    assert.deepEqual(kinds.slice(-3), [2, 3, 3]);
  });

  test("an eager task registers the task, its cleanup task, a workflow and a launch plan of the same name", () => {
    const entities = serialize(E.eg);
    const names = entities.map((e) => `${e.name}_${e.kind}`);
    assert.ok(names.includes(`${E.eg.name}_1`));
    assert.ok(names.includes(`${E.eg.name}_2`));
    assert.ok(names.includes(`${E.eg.name}_3`));
    const wf = entities.find((e) => e.kind === 2)!.spec as WorkflowSpec;
    assert.equal(wf.template?.failureNode?.id, "efn");
    const cleanup = entities.find((e) => e.kind === 1 && e.name !== E.eg.name)!;
    const args = container((cleanup.spec as { template: TaskTemplate }).template).args;
    assert.deepEqual(args.slice(-6), [
      "--resolver",
      "flytekit_ts.eager_failure_task_resolver",
      "--",
      "eager",
      "failure",
      "handler",
    ]);
  });
});

// ---- round trip ----------------------------------------------------------------------------------------------------

describe("round trip", () => {
  test("what we write decodes with no unknown fields and re-encodes to the same bytes", () => {
    const entities = serialize(...Object.values(E), ...Object.values(W), ...Object.values(L), ...Object.values(C));
    assert.ok(entities.length > 40, `${entities.length} entities`);
    for (const e of entities) {
      const [schema, bytes] =
        e.kind === 1
          ? [TaskSpecSchema, toBinary(TaskSpecSchema, e.spec)]
          : e.kind === 2
            ? [WorkflowSpecSchema, toBinary(WorkflowSpecSchema, e.spec)]
            : [LaunchPlanSchema, toBinary(LaunchPlanSchema, e.spec)];
      const decoded = fromBinary(schema as typeof TaskSpecSchema, bytes);
      assert.deepEqual(unknownFields(decoded), [], `${e.name}_${e.kind}`);
      assert.deepEqual(toBinary(schema as typeof TaskSpecSchema, decoded), bytes, `${e.name}_${e.kind}`);
    }
    const tt = fromBinary(TaskTemplateSchema, toBinary(TaskTemplateSchema, taskTemplate(E.cached, settings())));
    assert.deepEqual(unknownFields(tt), []);
  });
});

describe("map tasks over tasks defined in a workflow body", () => {
  test("the inner resolver is the workflow, and the map entrypoint loads the element task through it", async () => {
    const file = join(import.meta.dirname, "mapfixtures", "body_map.ts");
    const { entities } = await loadEntities(file, join(import.meta.dirname, "..", "..", ".."));
    const wf = entities.get("bodyMap")!;
    const s = new Serializer(settings());
    s.add(wf);
    const mapTask = s.entities.find((e) => e.kind === 1 && e.name.includes(".map_"));
    assert.ok(mapTask && mapTask.kind === 1);
    const args = container(mapTask.spec.template!).args;
    const tail = args.slice(args.indexOf("--") + 1);
    assert.deepEqual(tail, ["vars", "", "resolver", "test.unit.serialize.mapfixtures.body_map.bodyMap", "0"]);

    const dir = mkdtempSync(join(tmpdir(), "body-map-"));
    try {
      const xs = collectionLiteral([integerLiteral(10n), integerLiteral(20n)]);
      writeFileSync(join(dir, "inputs.pb"), toBinary(LiteralMapSchema, literalMap({ x: xs })));
      const parsed = parseMapExecuteArgs(
        args
          .slice(1)
          .map((a) =>
            a === "{{.input}}"
              ? join(dir, "inputs.pb")
              : a === "{{.outputPrefix}}"
                ? join(dir, "out")
                : a === "{{.rawOutputDataPrefix}}"
                  ? join(dir, "raw")
                  : a.startsWith("{{")
                    ? ""
                    : a,
          ),
      );
      const r = await runContainerTask({
        args: parsed,
        map: { bound: parsed.boundInputs },
        env: { BATCH_JOB_ARRAY_INDEX_VAR_NAME: "IDX", IDX: "1" },
      });
      assert.equal(r.status, "succeeded", r.error?.message);
      const out = fromBinary(LiteralMapSchema, readFileSync(join(dir, "out", "outputs.pb")));
      const o0 = out.literals.o0?.value;
      assert.equal(
        o0?.case === "scalar" && o0.value.value.case === "primitive" && o0.value.value.value.value.value,
        21n,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
