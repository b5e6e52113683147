/** TaskTemplate fields, pinned to flytekit's translator rules. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { toBinary } from "@bufbuild/protobuf";
import { WireType } from "@bufbuild/protobuf/wire";
import { dynamic, FlyteValidationError, map, t, task } from "flytekit-ts";
import type { Task } from "../../../src/core/task.js";
import { TaskSpecSchema } from "../../../src/idl/gen/flyteidl/admin/task_pb.js";
import { Secret_MountType } from "../../../src/idl/gen/flyteidl/core/security_pb.js";
import {
  Resources_ResourceName as R,
  RuntimeMetadata_RuntimeType,
  Sql_Dialect,
  type TaskTemplate,
  TaskMetadataSchema,
} from "../../../src/idl/gen/flyteidl/core/tasks_pb.js";
import { fastSettings, SDK_VERSION } from "../../../src/serialize/settings.js";
import { resetCommandFn, serializeTask, setCommandFn } from "../../../src/serialize/translate.js";
import { exported, roundTrip, settings, wireFields, IO_ARGS } from "./helpers.js";

const FILE = import.meta.filename;
const MODULE = "test.unit.serialize.task.test";

/**
 * Serializes, encodes and decodes a task (no unknown fields), returning the decoded template. Tasks with an explicit
 * name get an export name too (a container finds them by it).
 */
function template(task: Task, s = settings()): TaskTemplate {
  if (!task.identity.exportName && task.identity.explicitName) exported("t", task, FILE);
  return roundTrip(TaskSpecSchema, serializeTask(task, s)).template!;
}

function container(tt: TaskTemplate) {
  assert.equal(tt.target.case, "container");
  return tt.target.value as Extract<TaskTemplate["target"], { case: "container" }>["value"];
}

function pod(tt: TaskTemplate) {
  assert.equal(tt.target.case, "k8sPod");
  return tt.target.value as Extract<TaskTemplate["target"], { case: "k8sPod" }>["value"];
}

const EXECUTE = ["tsflyte-execute", ...IO_ARGS, "--resolver", "flytekit_ts.default_task_resolver", "--"];

// Exported-style tasks: named after their "export", as the CLI names them.
const add = task({ inputs: { a: t.int, b: t.int.describe("the second") }, outputs: t.int }, ({ a, b }) => a + b);
const withPod = task(
  {
    inputs: { x: t.int },
    environment: { TASK: "t" },
    requests: { cpu: "1", mem: "1Gi" },
    limits: { mem: "2Gi" },
    podTemplate: {
      primaryContainerName: "main",
      podSpec: {
        containers: [
          { name: "main", env: [{ name: "POD", value: "p" }] },
          { name: "sidecar", image: "{{.image.default.fqn}}:side" },
        ],
        volumes: [{ name: "data", emptyDir: {} }],
      },
      labels: { team: "a" },
      annotations: { note: "b" },
    },
  },
  () => undefined,
);
exported("add", add, FILE);
exported("withPod", withPod, FILE);

describe("task metadata", () => {
  test("defaults: runtime flavor typescript, retries present, timeout and interruptible unset, k8s metadata present", () => {
    const m = template(add).metadata!;
    assert.deepEqual(
      { type: m.runtime?.type, version: m.runtime?.version, flavor: m.runtime?.flavor },
      { type: RuntimeMetadata_RuntimeType.FLYTE_SDK, version: SDK_VERSION, flavor: "typescript" },
    );
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "..", "package.json"), "utf8"));
    assert.equal(SDK_VERSION, pkg.version);
    assert.equal(m.discoverable, false);
    assert.equal(m.discoveryVersion, "");
    assert.equal(m.cacheSerializable, false);
    assert.deepEqual(m.cacheIgnoreInputVars, []);
    assert.equal(m.retries?.retries, 0);
    assert.equal(m.timeout, undefined);
    assert.equal(m.interruptibleValue.case, undefined);
    assert.equal(m.deprecatedErrorMessage, "");
    assert.equal(m.podTemplateName, "");
    assert.equal(m.isEager, false);
    assert.equal(m.generatesDeck, false);
    assert.ok(m.metadata, "K8sObjectMetadata is always present");
    assert.deepEqual(m.metadata.labels, {});
    assert.deepEqual(m.metadata.annotations, {});
  });

  test("every option maps to its field", () => {
    const full = task(
      {
        name: "meta.full",
        inputs: { a: t.int, b: t.str },
        cache: { version: "1.0", serialize: true, ignoredInputs: ["a"] },
        retries: 3,
        timeout: "1h30m",
        interruptible: true,
        deprecated: "use v2",
        podTemplateName: "gpu-pods",
        enableDeck: true,
        labels: { team: "ml" },
        annotations: { owner: "ada" },
      },
      () => undefined,
    );
    const m = template(full).metadata!;
    assert.equal(m.discoverable, true);
    assert.equal(m.discoveryVersion, "1.0");
    assert.equal(m.cacheSerializable, true);
    assert.deepEqual(m.cacheIgnoreInputVars, ["a"]);
    assert.equal(m.retries?.retries, 3);
    assert.equal(m.timeout?.seconds, 5400n);
    assert.equal(m.timeout?.nanos, 0);
    assert.deepEqual(m.interruptibleValue, { case: "interruptible", value: true });
    assert.equal(m.deprecatedErrorMessage, "use v2");
    assert.equal(m.podTemplateName, "gpu-pods");
    assert.equal(m.generatesDeck, true);
    assert.deepEqual(m.metadata?.labels, { team: "ml" });
    assert.deepEqual(m.metadata?.annotations, { owner: "ada" });
  });

  test("interruptible: false is written (the oneof is set), unlike unspecified", () => {
    const off = task({ name: "meta.off", interruptible: false }, () => undefined);
    assert.deepEqual(template(off).metadata!.interruptibleValue, { case: "interruptible", value: false });
  });

  test("generates_deck is the BoolValue of field 15, always present; the reserved field 10 is never written", () => {
    const on = exported(
      "deck",
      task({ enableDeck: true }, () => undefined),
      FILE,
    );
    for (const [tk, value] of [
      [add, false],
      [on, true],
    ] as const) {
      const bytes = toBinary(TaskMetadataSchema, serializeTask(tk, settings()).template!.metadata!);
      const fields = wireFields(bytes);
      assert.ok(!fields.some((f) => f.no === 10), "field 10 is reserved");
      const deck = fields.filter((f) => f.no === 15);
      assert.equal(deck.length, 1);
      assert.equal(deck[0]!.wireType, WireType.LengthDelimited);
      // BoolValue{value: true} is 08 01; false is the empty message.
      assert.deepEqual([...deck[0]!.payload!], value ? [0x08, 0x01] : []);
      // interruptible (8) is not written when unspecified; metadata (16) always is.
      assert.ok(!fields.some((f) => f.no === 8));
      assert.ok(fields.some((f) => f.no === 16));
    }
  });

  test("a sub-second timeout keeps its nanoseconds", () => {
    const quick = task({ name: "meta.quick", timeout: 1500 }, () => undefined);
    const m = template(quick).metadata!;
    assert.equal(m.timeout?.seconds, 1n);
    assert.equal(m.timeout?.nanos, 500_000_000);
  });
});

describe("task template", () => {
  test("id, type, interface with descriptions, task type version, no custom, empty config", () => {
    const tt = template(add, settings({ project: "p", domain: "d", version: "v1" }));
    assert.deepEqual(
      { ...tt.id, $typeName: undefined },
      {
        $typeName: undefined,
        resourceType: 1,
        project: "p",
        domain: "d",
        name: `${MODULE}.add`,
        version: "v1",
        org: "",
      },
    );
    assert.equal(tt.type, "python-task");
    assert.equal(tt.taskTypeVersion, 0);
    assert.equal(tt.interface?.inputs?.variables.a?.description, "a");
    assert.equal(tt.interface?.inputs?.variables.b?.description, "the second");
    assert.equal(tt.interface?.outputs?.variables.o0?.type?.type.case, "simple");
    assert.equal(tt.custom, undefined);
    assert.deepEqual(tt.config, {});
    assert.equal(tt.securityContext, undefined);
    assert.equal(tt.extendedResources, undefined);
  });

  test("ids are empty by default (registration fills them)", () => {
    const id = template(add).id!;
    assert.deepEqual([id.project, id.domain, id.version], ["", "", ""]);
  });

  test("container: image, empty command, the exact tsflyte-execute args, no architecture", () => {
    const c = container(template(add));
    assert.equal(c.image, "ghcr.io/acme/app:v1");
    assert.deepEqual(c.command, []);
    assert.deepEqual(c.args, [...EXECUTE, "task-module", MODULE, "task-name", "add"]);
    assert.equal(c.architecture, 0);
    assert.deepEqual(c.env, []);
    assert.deepEqual(c.resources?.requests, []);
    assert.deepEqual(c.resources?.limits, []);
  });

  test("fast registration prefixes the args with tsflyte-fast-execute and flytectl's placeholders", () => {
    const c = container(template(add, settings({ fast: fastSettings() })));
    assert.deepEqual(c.args, [
      "tsflyte-fast-execute",
      "--additional-distribution",
      "{{ .remote_package_path }}",
      "--dest-dir",
      "{{ .dest_dir }}",
      "--",
      ...EXECUTE,
      "task-module",
      MODULE,
      "task-name",
      "add",
    ]);
    const given = container(
      template(add, settings({ fast: fastSettings({ distribution: "s3://b/fast.tar.gz", destinationDir: "/root" }) })),
    );
    assert.deepEqual(given.args.slice(0, 6), [
      "tsflyte-fast-execute",
      "--additional-distribution",
      "s3://b/fast.tar.gz",
      "--dest-dir",
      "/root",
      "--",
    ]);
  });

  test("setCommandFn replaces the args, resetCommandFn restores them", () => {
    setCommandFn(add, (s) => ["node", "run.js", s.image.default ?? ""]);
    try {
      assert.deepEqual(container(template(add)).args, ["node", "run.js", "ghcr.io/acme/app:v1"]);
    } finally {
      resetCommandFn(add);
    }
    assert.deepEqual(container(template(add)).args.at(-1), "add");
  });

  test("a task neither named nor exported cannot be serialized", () => {
    const anonymous = task({ inputs: {} }, () => undefined);
    assert.throws(() => serializeTask(anonymous, settings()), /export it from its module or give it a name/);
  });
});

describe("container env", () => {
  const envTask = task({ name: "env.task", environment: { FOO: "foofoo", BAZ: "baz" } }, () => undefined);
  test("settings env first, the task's env overrides in place and appends, as a dict merge", () => {
    const env = container(template(envTask, settings({ env: { FOO: "foo", BAR: "bar" } }))).env;
    assert.deepEqual(
      env.map((e) => [e.key, e.value]),
      [
        ["FOO", "foofoo"],
        ["BAR", "bar"],
        ["BAZ", "baz"],
      ],
    );
  });

  test("without settings env, the task's env only", () => {
    assert.deepEqual(
      container(template(envTask)).env.map((e) => [e.key, e.value]),
      [
        ["FOO", "foofoo"],
        ["BAZ", "baz"],
      ],
    );
  });

  test("dynamic tasks carry the registration settings in _F_SS_C", () => {
    const dyn = dynamic({ name: "env.dyn", environment: { USER_VAR: "1" } }, () => undefined);
    const env = container(template(dyn, settings({ project: "p" }))).env;
    assert.deepEqual(
      env.map((e) => e.key),
      ["USER_VAR", "_F_SS_C"],
    );
    const ctx = JSON.parse(Buffer.from(env[1]!.value, "base64").toString("utf8"));
    assert.equal(ctx.project, "p");
    assert.equal(ctx.image.default, "ghcr.io/acme/app:v1");
  });
});

describe("resources", () => {
  const entries = (xs: readonly { name: R; value: string }[]) => xs.map((e) => [e.name, e.value]);

  test("entries in flytekit's order: ephemeral storage, cpu, gpu, memory", () => {
    const r = task(
      {
        name: "res.all",
        requests: { mem: "1Gi", gpu: 1, cpu: "500m", ephemeralStorage: "10Gi" },
        limits: { mem: "2Gi", cpu: 2 },
      },
      () => undefined,
    );
    const res = container(template(r)).resources!;
    assert.deepEqual(entries(res.requests), [
      [R.EPHEMERAL_STORAGE, "10Gi"],
      [R.CPU, "500m"],
      [R.GPU, "1"],
      [R.MEMORY, "1Gi"],
    ]);
    assert.deepEqual(entries(res.limits), [
      [R.CPU, "2"],
      [R.MEMORY, "2Gi"],
    ]);
  });

  test("requests ephemeral then cpu; empty limits stay empty", () => {
    const r = task({ name: "res.two", requests: { cpu: "1", ephemeralStorage: "1Gi" } }, () => undefined);
    const res = container(template(r)).resources!;
    assert.deepEqual(entries(res.requests), [
      [R.EPHEMERAL_STORAGE, "1Gi"],
      [R.CPU, "1"],
    ]);
    assert.deepEqual(res.limits, []);
  });

  test("resources: a single value sets only the request, a pair sets request and limit", () => {
    const r = task({ name: "res.spec", resources: { cpu: ["1", "2"], mem: [1024, 2048], gpu: 1 } }, () => undefined);
    const res = container(template(r)).resources!;
    assert.deepEqual(entries(res.requests), [
      [R.CPU, "1"],
      [R.GPU, "1"],
      [R.MEMORY, "1024"],
    ]);
    assert.deepEqual(entries(res.limits), [
      [R.CPU, "2"],
      [R.MEMORY, "2048"],
    ]);
  });

  test("default resources apply to tasks without resources, never over explicit ones", () => {
    const defaults = { requests: { cpu: "2", mem: "4Gi" }, limits: { mem: "8Gi" } };
    const plain = task({ name: "res.plain" }, () => undefined);
    const own = task({ name: "res.own", requests: { cpu: "1" } }, () => undefined);
    const s = settings({ defaultResources: defaults });
    const p = container(template(plain, s)).resources!;
    assert.deepEqual(entries(p.requests), [
      [R.CPU, "2"],
      [R.MEMORY, "4Gi"],
    ]);
    assert.deepEqual(entries(p.limits), [[R.MEMORY, "8Gi"]]);
    const o = container(template(own, s)).resources!;
    assert.deepEqual(entries(o.requests), [[R.CPU, "1"]]);
    assert.deepEqual(o.limits, []);
    const dyn = dynamic({ name: "res.dyn" }, () => undefined);
    assert.deepEqual(entries(container(template(dyn, s)).resources!.requests), [
      [R.CPU, "2"],
      [R.MEMORY, "4Gi"],
    ]);
  });
});

describe("images", () => {
  const img = (containerImage: string) => task({ name: "img.t", containerImage }, () => undefined);
  const s = settings({
    image: { default: "ghcr.io/acme/app:v1", images: { spark: "ghcr.io/acme/spark:3.5", pinned: "r/p@sha256:0abc" } },
  });

  test("no image means the default image; a plain image is kept", () => {
    assert.equal(
      container(
        template(
          task({ name: "img.none" }, () => undefined),
          s,
        ),
      ).image,
      "ghcr.io/acme/app:v1",
    );
    assert.equal(container(template(img("docker.io/library/node:22"), s)).image, "docker.io/library/node:22");
  });

  test("templates resolve against the settings' images; digests join with @", () => {
    assert.equal(
      container(template(img("{{.image.spark.fqn}}:{{.image.spark.version}}"), s)).image,
      "ghcr.io/acme/spark:3.5",
    );
    assert.equal(
      container(template(img("{{.image.pinned.fqn}}:{{.image.pinned.version}}"), s)).image,
      "r/p@sha256:0abc",
    );
    assert.equal(container(template(img("{{.image.default}}"), s)).image, "ghcr.io/acme/app:v1");
  });

  test("an unknown image name is an error", () => {
    assert.throws(() => serializeTask(img("{{.image.nope.fqn}}:v1"), s), FlyteValidationError);
    assert.throws(() => serializeTask(img("{{.image.nope.fqn}}:v1"), s), /"nope" is not configured/);
  });
});

describe("pod templates", () => {
  test("k8s_pod instead of a container: primary container with image, args, resources and env; config names it", () => {
    const tt = template(withPod, settings({ env: { SETTINGS: "s" } }));
    const p = pod(tt);
    assert.equal(p.primaryContainerName, "main");
    assert.deepEqual(p.metadata?.labels, { team: "a" });
    assert.deepEqual(p.metadata?.annotations, { note: "b" });
    assert.deepEqual(tt.config, { primary_container_name: "main" });
    const spec = p.podSpec as { containers: Record<string, unknown>[]; volumes: unknown[] };
    assert.deepEqual(spec.volumes, [{ name: "data", emptyDir: {} }]);
    const [main, sidecar] = spec.containers;
    assert.equal(main!.name, "main");
    assert.equal(main!.image, "ghcr.io/acme/app:v1");
    assert.deepEqual(main!.command, []);
    assert.deepEqual(main!.args, [...EXECUTE, "task-module", MODULE, "task-name", "withPod"]);
    assert.deepEqual(main!.resources, { limits: { memory: "2Gi" }, requests: { cpu: "1", memory: "1Gi" } });
    // Settings env, then the task's, then the pod's own.
    assert.deepEqual(main!.env, [
      { name: "SETTINGS", value: "s" },
      { name: "TASK", value: "t" },
      { name: "POD", value: "p" },
    ]);
    assert.equal(sidecar!.image, "ghcr.io/acme/app:side");
  });

  test("a missing primary container is appended; the pod's own image for it is kept", () => {
    const appended = task({ name: "pod.appended", podTemplate: { podSpec: { containers: [] } } }, () => undefined);
    const spec = pod(template(appended)).podSpec as { containers: Record<string, unknown>[] };
    assert.equal(spec.containers.length, 1);
    assert.equal(spec.containers[0]!.name, "primary");
    assert.equal(spec.containers[0]!.image, "ghcr.io/acme/app:v1");
    assert.equal(spec.containers[0]!.resources, undefined, "no resources: left alone");
    const kept = task(
      { name: "pod.kept", podTemplate: { podSpec: { containers: [{ name: "primary", image: "my/own:1" }] } } },
      () => undefined,
    );
    const c = (pod(template(kept)).podSpec as { containers: Record<string, unknown>[] }).containers[0]!;
    assert.equal(c.image, "my/own:1");
  });

  test("default resources reach the primary container too", () => {
    const plain = task({ name: "pod.defaults", podTemplate: { podSpec: {} } }, () => undefined);
    const spec = pod(template(plain, settings({ defaultResources: { requests: { cpu: "3" }, limits: {} } })))
      .podSpec as { containers: Record<string, unknown>[] };
    assert.deepEqual(spec.containers[0]!.resources, { requests: { cpu: "3" } });
  });
});

describe("extended resources, secrets and plugin hooks", () => {
  test("a GPU accelerator with a partition, an unpartitioned one, shared memory", () => {
    const a = task(
      { name: "ext.a", accelerator: { device: "nvidia-tesla-a100", partitionSize: "1g.5gb" }, sharedMemory: true },
      () => undefined,
    );
    const ea = template(a).extendedResources!;
    assert.equal(ea.gpuAccelerator?.device, "nvidia-tesla-a100");
    assert.deepEqual(ea.gpuAccelerator?.partitionSizeValue, { case: "partitionSize", value: "1g.5gb" });
    assert.equal(ea.sharedMemory?.mountName, "flyte-shared-memory");
    assert.equal(ea.sharedMemory?.mountPath, "/dev/shm");
    assert.equal(ea.sharedMemory?.sizeLimit, "");
    const b = task(
      { name: "ext.b", accelerator: { device: "nvidia-h100", partitionSize: false }, sharedMemory: "2Gi" },
      () => undefined,
    );
    const eb = template(b).extendedResources!;
    assert.deepEqual(eb.gpuAccelerator?.partitionSizeValue, { case: "unpartitioned", value: true });
    assert.equal(eb.sharedMemory?.sizeLimit, "2Gi");
    const c = task({ name: "ext.c", accelerator: { device: "nvidia-tesla-t4" } }, () => undefined);
    assert.equal(template(c).extendedResources?.gpuAccelerator?.partitionSizeValue.case, undefined);
    assert.equal(template(c).extendedResources?.sharedMemory, undefined);
  });

  test("secrets become the security context", () => {
    const s = task(
      {
        name: "sec.t",
        secrets: [{ group: "db", key: "password", mountRequirement: "ENV_VAR", envVar: "DB_PASSWORD" }, { group: "x" }],
      },
      () => undefined,
    );
    const secrets = template(s).securityContext!.secrets;
    assert.deepEqual(
      secrets.map((x) => [x.group, x.key, x.mountRequirement, x.envVar]),
      [
        ["db", "password", Secret_MountType.ENV_VAR, "DB_PASSWORD"],
        ["x", "", Secret_MountType.ANY, ""],
      ],
    );
  });

  test("getCustom, getConfig and getSql fill custom, config and the sql target", () => {
    const plugin = Object.assign(
      task({ name: "hook.t", inputs: { q: t.str } }, () => undefined),
      {
        getCustom: () => ({ cluster: "big", nodes: 3 }),
        getConfig: () => ({ mode: "fast" }),
      },
    );
    const tt = template(plugin);
    assert.deepEqual(tt.custom, { cluster: "big", nodes: 3 });
    assert.deepEqual(tt.config, { mode: "fast" });
    assert.equal(tt.target.case, "container");
    const sql = Object.assign(
      task({ name: "hook.sql" }, () => undefined),
      {
        getSql: () => ({ statement: "select 1", dialect: "ansi" as const }),
      },
    );
    const st = template(sql);
    assert.equal(st.target.case, "sql");
    assert.equal(st.target.case === "sql" && st.target.value.statement, "select 1");
    assert.equal(st.target.case === "sql" && st.target.value.dialect, Sql_Dialect.ANSI);
  });

  test("map tasks: task type version 1 and the map entrypoint with the inner task's loader args", () => {
    const m = map(add, { concurrency: 2 });
    const tt = template(m as unknown as Task);
    assert.equal(tt.taskTypeVersion, 1);
    assert.match(tt.id!.name, /\.map_add_[0-9a-f]{32}-arraynode$/);
    const args = container(tt).args;
    assert.equal(args[0], "tsflyte-map-execute");
    assert.deepEqual(args.slice(args.indexOf("--")), [
      "--",
      "vars",
      "",
      "resolver",
      "flytekit_ts.default_task_resolver",
      "task-module",
      MODULE,
      "task-name",
      "add",
    ]);
  });
});
