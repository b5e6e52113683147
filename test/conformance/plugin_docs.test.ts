/**
 * Container-less plugin tasks, docs and fully bound maps against flytekit 1.16: the entities of
 * test/conformance/py/plugin_docs_oracle.py (flytekit's FileSensor, docstrings, a map with every input bound),
 * serialized by flytekit at test time, and their TypeScript twins (fixtures/plugin_docs_twin.ts) must agree: the
 * sensor's TaskTemplate field by field (but for the SDK's runtime version and flavor), every description, and the
 * array node; the twins' package compiles with the real Flyte compiler.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { type JsonValue, toJson } from "@bufbuild/protobuf";
import { loadEntities } from "../../src/cli/load.js";
import { TaskSpecSchema } from "../../src/idl/gen/flyteidl/admin/task_pb.js";
import { WorkflowSpecSchema } from "../../src/idl/gen/flyteidl/admin/workflow_pb.js";
import { writePackage } from "../../src/serialize/package.js";
import { serializationSettings } from "../../src/serialize/settings.js";
import { type SerializedEntity, Serializer } from "../../src/serialize/translate.js";
import { oracleSkip, repoRoot, runCompiler, runPython } from "./oracles.js";

const scratch = mkdtempSync(join(tmpdir(), "flytekit-ts-plugin-docs-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

type Json = { [k: string]: any };

async function twins(): Promise<Serializer> {
  const { entities } = await loadEntities(join(repoRoot, "test", "conformance", "fixtures", "plugin_docs_twin.ts"));
  const s = new Serializer(serializationSettings({ image: { default: "img:v1" } }));
  s.add(entities.get("wf")!);
  return s;
}

function json(e: SerializedEntity): Json {
  return (e.kind === 1
    ? toJson(TaskSpecSchema, e.spec as never)
    : toJson(WorkflowSpecSchema, e.spec as never)) as JsonValue as Json;
}

describe("plugin tasks, docs and fully bound maps as flytekit writes them", { skip: oracleSkip("python") }, () => {
  let theirs: Map<string, Json>;
  let ours: Map<string, Json>;
  test("flytekit and the twins serialize", async () => {
    const run = await runPython(join(repoRoot, "test", "conformance", "py", "plugin_docs_oracle.py"));
    assert.equal(run.exitCode, 0, run.stderr);
    theirs = new Map(
      run.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Json)
        .map((j) => [j.name as string, j.spec as Json]),
    );
    const s = await twins();
    const short = (n: string) => n.slice(n.lastIndexOf(".") + 1);
    ours = new Map(
      s.entities.filter((e) => e.kind !== 3).map((e) => [e.name === "wait_for_file" ? e.name : short(e.name), json(e)]),
    );
  });

  test("the sensor: task type, custom, interface and metadata, and no container", () => {
    const ourSensor = ours.get("wait_for_file")!;
    const theirSensor = theirs.get("wait_for_file")!;
    for (const j of [ourSensor, theirSensor]) j.template.metadata.runtime = { type: j.template.metadata.runtime.type };
    assert.deepEqual(ourSensor, theirSensor);
    assert.equal(ourSensor.template.container, undefined);
  });

  test("docs become the description: short, long (reStructuredText), no source link", () => {
    for (const name of ["add", "short", "wf"]) {
      assert.ok(theirs.get(name)!.description, `flytekit describes ${name}`);
      assert.deepEqual(ours.get(name)!.description, theirs.get(name)!.description, name);
    }
  });

  test("a map with every input bound: the array node binds both inputs as flytekit's does", () => {
    const node = (j: Json) => j.template.nodes.find((n: Json) => n.arrayNode);
    const a = node(ours.get("wf")!).arrayNode;
    const b = node(theirs.get("wf")!).arrayNode;
    assert.deepEqual(a.boundInputs, b.boundInputs);
    assert.deepEqual(
      a.node.inputs.map((i: Json) => i.var),
      b.node.inputs.map((i: Json) => i.var),
    );
    assert.deepEqual(a.minSuccessRatio, b.minSuccessRatio);
    const upstream = (j: Json) => j.template.nodes.map((n: Json) => n.upstreamNodeIds ?? []);
    assert.deepEqual(upstream(ours.get("wf")!), upstream(theirs.get("wf")!));
  });

  test("the twins' package compiles with the Flyte compiler, strictly", { skip: oracleSkip("compiler") }, async () => {
    const s = await twins();
    const file = join(scratch, "plugin-docs.tgz");
    writePackage(s.entities, file);
    const res = await runCompiler(file, { strict: true, hydrate: true });
    assert.equal(res.exitCode, 0, `${res.stdout}${res.stderr}`);
    assert.ok(res.results.length >= 5 && res.results.every((r) => r.ok && !r.warnings?.length), res.stdout);
  });
});
