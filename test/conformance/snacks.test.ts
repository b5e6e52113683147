/**
 * TypeScript twins of flytesnacks' core examples (test/conformance/snacks/) against the registration files pyflyte
 * wrote for the Python originals (../shared/conformance/pyflyte-snacks/): same Flyte names, same interfaces, and the
 * TaskSpec / WorkflowSpec / LaunchPlan we write must equal pyflyte's field by field, once the differences that must
 * exist are normalised away. Each normalisation is named in NORMALISATIONS and documented in docs/conformance.md
 * ("pyflyte twins"); a normalisation that stops applying fails the test, so the list stays exact.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { type DescMessage, fromBinary, type JsonValue, toBinary, toJson } from "@bufbuild/protobuf";
import { loadEntities } from "../../src/cli/load.js";
import { LaunchPlanSchema } from "../../src/idl/gen/flyteidl/admin/launch_plan_pb.js";
import { TaskSpecSchema } from "../../src/idl/gen/flyteidl/admin/task_pb.js";
import { WorkflowSpecSchema } from "../../src/idl/gen/flyteidl/admin/workflow_pb.js";
import { serializationSettings } from "../../src/serialize/settings.js";
import { type SerializedEntity, Serializer } from "../../src/serialize/translate.js";
import { repoRoot, sharedConformanceDir } from "./oracles.js";
import { IO_ARGS } from "../unit/serialize/helpers.js";

const SNACKS = join(sharedConformanceDir, "pyflyte-snacks");
const TWINS = join(repoRoot, "test", "conformance", "snacks");

/** The twin modules; each entity has the Flyte name of its Python original. */
const TWIN_MODULES = [
  "basic_workflow",
  "hello_world",
  "named_outputs",
  "subworkflows",
  "lp",
  "decorating_tasks",
  "decorating_workflows",
  "use_secrets",
  "task",
  "imperative_wf_style",
  "dynamics",
  "files",
  "folders",
];

/** Snacks without a twin, by name prefix, and why. Every other snack file must have one. */
const NOT_TWINNED: readonly [prefix: string, why: string][] = [
  ["core.containerization.multi_images.", "structured datasets (pandas DataFrames) have no TypeScript type"],
  ["ellipse-area-metadata-", "raw-container tasks (ContainerTask) have no TypeScript twin"],
  ["core.containerization.raw_container.", "raw-container tasks (ContainerTask) have no TypeScript twin"],
  ["core.control_flow.chain_tasks.", "structured datasets (pandas DataFrames) have no TypeScript type"],
  [
    "core.control_flow.map_task.",
    "the legacy container_array map task (custom ArrayJob plugin); flytekit-ts writes ArrayNode map tasks, as current flytekit does",
  ],
  ["core.flyte_basics.documented_workflow.", "dataclass plus DataFrame inputs (structured datasets)"],
  ["_bash.", "flytekit's ShellTask internals (an instance task loaded from flytekit.extras.tasks.shell)"],
  ["task_", "flytekit's ShellTask (task_1..task_3), whose loader args point into flytekit itself"],
  [
    "core.flyte_basics.shell_task.",
    "flytekit's ShellTask (task_1..task_3), whose loader args point into flytekit itself",
  ],
  ["core.flyte_basics.task_cache.", "DataFrame tasks, except `square` (twinned)"],
];

const KIND = { "1": TaskSpecSchema, "2": WorkflowSpecSchema, "3": LaunchPlanSchema } as const;
type Kind = keyof typeof KIND;

interface SnackFile {
  file: string;
  name: string;
  kind: Kind;
}

function snackFiles(): SnackFile[] {
  return readdirSync(SNACKS)
    .sort()
    .map((file) => {
      const m = /^\d+_(.+)_([123])\.pb$/.exec(file);
      assert.ok(m, `unexpected file ${file}`);
      return { file, name: m[1]!, kind: m[2] as Kind };
    });
}

/** Every `$unknown` anywhere in a decoded message. */
function unknownFields(v: unknown, path = "$"): string[] {
  if (v === null || typeof v !== "object" || v instanceof Uint8Array) return [];
  const out: string[] = [];
  for (const [k, x] of Object.entries(v)) {
    if (k === "$unknown" && Array.isArray(x) && x.length > 0) out.push(path);
    else out.push(...unknownFields(x, `${path}.${k}`));
  }
  return out;
}

function decodeJson(schema: DescMessage, bytes: Uint8Array, what: string): Json {
  const msg = fromBinary(schema, bytes);
  assert.deepEqual(unknownFields(msg), [], `${what}: fields our IDL bindings do not know`);
  return toJson(schema, msg) as Json;
}

type Json = { [k: string]: any };

// ---- normalisations: the differences that must exist ------------------------------------------------------------

/** Which normalisations applied, per snack file; each must apply somewhere (see the last test). */
const applied = new Map<string, Set<string>>();
let current = "";
function note(what: string): void {
  let s = applied.get(what);
  if (!s) applied.set(what, (s = new Set()));
  s.add(current);
}

const NORMALISATIONS = {
  runtime: "TaskMetadata.runtime: version and flavor name the SDK (pyflyte 0.32.6/python vs ours/typescript)",
  image: "Container.image: the cookbook's image vs the package's default image",
  args: "Container.args: pyflyte-execute/flytekit's resolver/the Python module vs tsflyte-execute/our resolver/the TS module",
  newMetadata:
    "TaskMetadata.generates_deck (BoolValue) and TaskMetadata.metadata (K8sObjectMetadata): newer fields than flytekit 0.32.6 had",
  ssc: "Container.env _F_SS_C: flytekit's settings document vs ours (same key, own format)",
  structAnnotation:
    "STRUCT literal types carry the cache-key-metadata msgpack annotation (current flytekit) that flytekit 0.32.6 lacked",
  closure:
    "LaunchPlan.closure: pyflyte leaves expected_inputs/outputs empty (admin fills them); ours carries them (checked equal to the spec)",
} as const;
type Normalisation = keyof typeof NORMALISATIONS;

function walk(v: unknown, fn: (o: Json) => void): void {
  if (Array.isArray(v)) for (const x of v) walk(x, fn);
  else if (v !== null && typeof v === "object") {
    fn(v as Json);
    for (const x of Object.values(v)) walk(x, fn);
  }
}

/** Checks the args are the SDK's default command, and returns them with the SDK-specific values replaced. */
function normaliseArgs(args: string[], sdk: "python" | "typescript", exportName: string): string[] {
  const entry = sdk === "python" ? "pyflyte-execute" : "tsflyte-execute";
  const resolver =
    sdk === "python"
      ? "flytekit.core.python_auto_container.default_task_resolver"
      : "flytekit_ts.default_task_resolver";
  assert.deepEqual(args.slice(0, 11), [entry, ...IO_ARGS], `${current}: ${sdk} entrypoint and I/O templates`);
  assert.deepEqual(args.slice(11, 14), ["--resolver", resolver, "--"], `${current}: ${sdk} resolver`);
  assert.equal(args.length, 18, `${current}: ${args.join(" ")}`);
  assert.equal(args[14], "task-module");
  assert.equal(args[16], "task-name");
  if (sdk === "typescript") {
    assert.match(args[15]!, /^test\.conformance\.snacks\./, `${current}: the twin's module`);
    assert.equal(args[17], exportName, `${current}: the twin's export`);
  }
  return [
    "<entrypoint>",
    ...IO_ARGS,
    "--resolver",
    "<default resolver>",
    "--",
    "task-module",
    "<module>",
    "task-name",
    "<name>",
  ];
}

function normaliseTask(j: Json, sdk: "python" | "typescript", exportName: string): void {
  const tt = j.template as Json;
  const m = tt.metadata as Json;
  assert.equal(m.runtime?.type, "FLYTE_SDK");
  assert.equal(m.runtime?.flavor, sdk);
  m.runtime = { type: "FLYTE_SDK" };
  note("runtime");
  if (sdk === "typescript") {
    // Newer fields, at their defaults.
    if (m.generatesDeck === false) {
      delete m.generatesDeck;
      note("newMetadata");
    }
    if (m.metadata && Object.keys(m.metadata).length === 0) {
      delete m.metadata;
      note("newMetadata");
    }
  }
  const c = tt.container as Json | undefined;
  if (c) {
    assert.ok(typeof c.image === "string" && c.image.length > 0, `${current}: an image`);
    delete c.image;
    note("image");
    c.args = normaliseArgs(c.args as string[], sdk, exportName);
    note("args");
    for (const e of (c.env as Json[] | undefined) ?? []) {
      if (e.key === "_F_SS_C") {
        assert.ok(e.value, `${current}: _F_SS_C has a value`);
        e.value = "<serialization settings>";
        note("ssc");
      }
    }
  }
  if (sdk === "typescript") normaliseStructs(j);
}

function normaliseStructs(j: Json): void {
  walk(j, (o) => {
    if (o.simple === "STRUCT" && o.annotation?.annotations?.["cache-key-metadata"]) {
      assert.deepEqual(o.annotation, { annotations: { "cache-key-metadata": { "serialization-format": "msgpack" } } });
      delete o.annotation;
      note("structAnnotation");
    }
  });
}

function normaliseWorkflow(j: Json, sdk: "python" | "typescript"): void {
  if (sdk === "typescript") normaliseStructs(j);
}

function normaliseLaunchPlan(j: Json, sdk: "python" | "typescript"): void {
  const closure = j.closure as Json;
  if (sdk === "python") {
    assert.deepEqual(closure, { expectedInputs: {}, expectedOutputs: {} }, `${current}: pyflyte's closure`);
  } else {
    assert.deepEqual(closure.expectedInputs ?? {}, j.spec.defaultInputs ?? {}, `${current}: expected inputs`);
    assert.ok(closure.expectedOutputs, `${current}: expected outputs`);
    if (Object.keys(closure.expectedInputs ?? {}).length || Object.keys(closure.expectedOutputs ?? {}).length) {
      note("closure");
    }
    j.closure = { expectedInputs: {}, expectedOutputs: {} };
    normaliseStructs(j);
  }
}

function normalise(kind: Kind, j: Json, sdk: "python" | "typescript", exportName = ""): Json {
  if (kind === "1") normaliseTask(j, sdk, exportName);
  else if (kind === "2") normaliseWorkflow(j, sdk);
  else normaliseLaunchPlan(j, sdk);
  return j;
}

// ---- the twins -----------------------------------------------------------------------------------------------------

/** The twins, serialized (at load time, so that there is one test per twinned file and none for the others). */
async function serializeTwins(): Promise<Map<string, { entity: SerializedEntity; exportName: string }>> {
  const s = new Serializer(serializationSettings({ image: { default: "ghcr.io/acme/snacks:v1" } }));
  const exportNames = new Map<string, string>();
  for (const mod of TWIN_MODULES) {
    const { entities } = await loadEntities(join(TWINS, `${mod}.ts`), repoRoot);
    for (const [exportName, e] of entities) {
      exportNames.set(e.name, exportName);
      s.add(e);
    }
  }
  return new Map(
    s.entities.map((e) => [`${e.name}_${e.kind}`, { entity: e, exportName: exportNames.get(e.name) ?? "" }]),
  );
}

const ours = await serializeTwins();

function bytesOf(e: SerializedEntity): Uint8Array {
  return e.kind === 1
    ? toBinary(TaskSpecSchema, e.spec)
    : e.kind === 2
      ? toBinary(WorkflowSpecSchema, e.spec)
      : toBinary(LaunchPlanSchema, e.spec);
}

describe("pyflyte twins", () => {
  test("every snack is twinned or listed with the reason it cannot be", () => {
    const missing = snackFiles().filter(
      (f) => !ours.has(`${f.name}_${f.kind}`) && !NOT_TWINNED.some(([p]) => f.name.startsWith(p)),
    );
    assert.deepEqual(
      missing.map((f) => f.file),
      [],
    );
    const twinned = snackFiles().filter((f) => ours.has(`${f.name}_${f.kind}`));
    assert.ok(twinned.length >= 50, `${twinned.length} twinned`);
  });

  for (const f of snackFiles()) {
    const mine = ours.get(`${f.name}_${f.kind}`);
    if (!mine) continue;
    test(`${f.file}`, () => {
      current = f.file;
      const schema = KIND[f.kind];
      const theirs = normalise(f.kind, decodeJson(schema, readFileSync(join(SNACKS, f.file)), f.file), "python");
      const our = normalise(
        f.kind,
        decodeJson(schema, bytesOf(mine.entity), `our ${f.name}`),
        "typescript",
        mine.exportName,
      );
      assert.deepEqual(our as JsonValue, theirs as JsonValue);
    });
  }

  test("each normalisation is needed somewhere (the documented list is exact)", () => {
    const unused = (Object.keys(NORMALISATIONS) as Normalisation[]).filter((k) => !applied.has(k));
    assert.deepEqual(unused, []);
  });
});
