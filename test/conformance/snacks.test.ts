/**
 * TypeScript twins of flytesnacks' core examples (test/conformance/snacks/) against the registration files pyflyte
 * writes for their Python twins (test/conformance/py/snacks/, packaged at test time with the venv's flytekit and
 * cached under .cache/pyflyte/): same Flyte names, same interfaces, and the TaskSpec / WorkflowSpec / LaunchPlan we
 * write must equal pyflyte's field by field, once the differences that must exist are normalised away. Each
 * normalisation is named in NORMALISATIONS and documented in docs/conformance.md ("pyflyte twins"); a normalisation
 * that stops applying fails the test, so the list stays exact.
 *
 * Where ../shared/conformance/pyflyte-snacks/ is present (files an older flytekit wrote for the flytesnacks
 * originals), the twins are held to those too, on the fields both have.
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
import { oracleSkip, pyflytePackage, repoRoot, sharedConformanceFile } from "./oracles.js";
import { IO_ARGS } from "../unit/serialize/helpers.js";

const IMAGE = "ghcr.io/acme/snacks:v1";
const TWINS = join(repoRoot, "test", "conformance", "snacks");
const PYTHON_TWINS = join(repoRoot, "test", "conformance", "py", "snacks");

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

/** Files of ../shared/conformance/pyflyte-snacks without a twin, by name prefix, and why. Every other must have one. */
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

function snackFiles(dir: string): SnackFile[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith(".pb"))
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

/** What the files were made by: pyflyte with the venv's flytekit now, or the older files beside the repository. */
type Source = "pyflyte" | "shared";

/** Which normalisations applied, per source; each source's list must be exact (see the last tests). */
const applied: Record<Source, Map<string, Set<string>>> = { pyflyte: new Map(), shared: new Map() };
let current = "";
let source: Source = "pyflyte";
function note(what: Normalisation): void {
  let s = applied[source].get(what);
  if (!s) applied[source].set(what, (s = new Set()));
  s.add(current);
}

const NORMALISATIONS = {
  runtime: "TaskMetadata.runtime: version and flavor name the SDK (flytekit's/python vs ours/typescript)",
  image: "Container.image: the cookbook's image vs the package's default image (older files only)",
  args: "Container.args: pyflyte-execute/flytekit's resolver/the Python module vs tsflyte-execute/our resolver/the TS module",
  ssc: "Container.env _F_SS_C: flytekit's settings document vs ours (same key, own format)",
  description:
    "TaskSpec/WorkflowSpec.description: flytekit writes an empty RST long description for entities without docs; ours has none",
  closure:
    "LaunchPlan.closure: pyflyte leaves expected_inputs/outputs empty (admin fills them); ours carries them (checked equal to the spec)",
} as const;
type Normalisation = keyof typeof NORMALISATIONS;

/** The normalisations each source needs: the older files lack the newer fields, and were made for another image. */
const NEEDED: Record<Source, readonly Normalisation[]> = {
  pyflyte: ["runtime", "args", "ssc", "description", "closure"],
  shared: ["runtime", "image", "args", "ssc", "closure"],
};

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
  } else {
    // pyflyte's loader args name the Python module and function the entity is named after.
    const name = (current.match(/^\d+_(.+)_1\.pb$/)?.[1] ?? "").split(".");
    assert.deepEqual([args[15], args[17]], [name.slice(0, -1).join("."), name.at(-1)], `${current}: loader args`);
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
  const c = tt.container as Json | undefined;
  if (c) {
    assert.ok(typeof c.image === "string" && c.image.length > 0, `${current}: an image`);
    if (source === "shared") {
      delete c.image;
      note("image");
    }
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
}

function normaliseDescription(j: Json, sdk: "python" | "typescript"): void {
  if (sdk === "python" && j.description !== undefined) {
    assert.deepEqual(j.description, { longDescription: { format: "DESCRIPTION_FORMAT_RST" } }, `${current}: docs`);
    delete j.description;
    note("description");
  }
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
  }
}

function normalise(kind: Kind, j: Json, sdk: "python" | "typescript", exportName = ""): Json {
  if (kind === "1") normaliseTask(j, sdk, exportName);
  else if (kind === "3") normaliseLaunchPlan(j, sdk);
  if (kind !== "3") normaliseDescription(j, sdk);
  return j;
}

/**
 * `ours` restricted to the fields `theirs` has (recursively; list lengths must still agree), for files an older
 * flytekit wrote: fields newer than it are left out, every field it wrote is compared.
 */
function fieldsBothHave(ours: unknown, theirs: unknown): unknown {
  if (Array.isArray(theirs)) {
    if (!Array.isArray(ours) || ours.length !== theirs.length) return ours;
    return ours.map((x, i) => fieldsBothHave(x, theirs[i]));
  }
  if (theirs === null || typeof theirs !== "object" || ours === null || typeof ours !== "object") return ours;
  if (Array.isArray(ours)) return ours;
  const out: Json = {};
  for (const k of Object.keys(theirs)) if (k in ours) out[k] = fieldsBothHave((ours as Json)[k], (theirs as Json)[k]);
  return out;
}

// ---- the twins -----------------------------------------------------------------------------------------------------

/** The twins, serialized (at load time, so that there is one test per twinned file and none for the others). */
async function serializeTwins(): Promise<Map<string, { entity: SerializedEntity; exportName: string }>> {
  const s = new Serializer(serializationSettings({ image: { default: IMAGE } }));
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

/** Decodes and normalises one file and our twin of it: [ours, theirs]. */
function pair(dir: string, f: SnackFile, from: Source): [Json, Json] {
  const mine = ours.get(`${f.name}_${f.kind}`)!;
  current = f.file;
  source = from;
  const schema = KIND[f.kind];
  const theirs = normalise(f.kind, decodeJson(schema, readFileSync(join(dir, f.file)), f.file), "python");
  const our = normalise(
    f.kind,
    decodeJson(schema, bytesOf(mine.entity), `our ${f.name}`),
    "typescript",
    mine.exportName,
  );
  return [our, theirs];
}

function assertExactNormalisations(from: Source): void {
  assert.deepEqual(
    (Object.keys(NORMALISATIONS) as Normalisation[]).filter((k) => applied[from].has(k)),
    (Object.keys(NORMALISATIONS) as Normalisation[]).filter((k) => NEEDED[from].includes(k)),
  );
}

// pyflyte's files for the Python twins, made now with the venv's flytekit (or the reason they cannot be).
const pythonSkip = oracleSkip("python");
let made: string | Error | undefined;
if (!pythonSkip) made = await pyflytePackage(PYTHON_TWINS, "core", IMAGE).catch((e: Error) => e);

describe("pyflyte twins (pyflyte package of test/conformance/py/snacks with the venv's flytekit)", () => {
  if (made === undefined || made instanceof Error) {
    test("pyflyte packages the Python twins", { skip: pythonSkip }, () => {
      throw made;
    });
    return;
  }
  const dir = made;
  const files = snackFiles(dir);

  test("every file pyflyte writes has a twin, and every twin a file", () => {
    assert.deepEqual(
      files.filter((f) => !ours.has(`${f.name}_${f.kind}`)).map((f) => f.file),
      [],
    );
    const written = new Set(files.map((f) => `${f.name}_${f.kind}`));
    assert.deepEqual(
      [...ours.keys()].filter((k) => !written.has(k)),
      [],
    );
    assert.ok(files.length >= 60, `${files.length} files`);
  });

  for (const f of files) {
    if (!ours.has(`${f.name}_${f.kind}`)) continue;
    test(f.file, () => {
      const [our, theirs] = pair(dir, f, "pyflyte");
      assert.deepEqual(our as JsonValue, theirs as JsonValue);
    });
  }

  test("each normalisation is needed somewhere (the documented list is exact)", () =>
    assertExactNormalisations("pyflyte"));
});

const shared = sharedConformanceFile("pyflyte-snacks");

describe("pyflyte twins, held to ../shared/conformance/pyflyte-snacks where present (fields both have)", () => {
  if (!shared) {
    test("the older pyflyte files", { skip: "../shared/conformance/pyflyte-snacks is not beside the repository" });
    return;
  }
  const files = snackFiles(shared);

  test("every snack is twinned or listed with the reason it cannot be", () => {
    const missing = files.filter(
      (f) => !ours.has(`${f.name}_${f.kind}`) && !NOT_TWINNED.some(([p]) => f.name.startsWith(p)),
    );
    assert.deepEqual(
      missing.map((f) => f.file),
      [],
    );
    const twinned = files.filter((f) => ours.has(`${f.name}_${f.kind}`));
    assert.ok(twinned.length >= 50, `${twinned.length} twinned`);
  });

  for (const f of files) {
    if (!ours.has(`${f.name}_${f.kind}`)) continue;
    test(f.file, () => {
      const [our, theirs] = pair(shared, f, "shared");
      assert.deepEqual(fieldsBothHave(our, theirs) as JsonValue, theirs as JsonValue);
    });
  }

  test("each normalisation is needed somewhere (the documented list is exact)", () =>
    assertExactNormalisations("shared"));
});
