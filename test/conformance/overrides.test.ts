/**
 * Node overrides against flytekit 1.16: the workflow of test/conformance/py/overrides_oracle.py, serialized by
 * flytekit at test time, and its TypeScript twin (fixtures/overrides_twin.ts) must agree on every node's id, metadata,
 * upstream ids and TaskNode overrides (a map node's too); the twin's package compiles with the real Flyte compiler.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { type JsonValue, toJson } from "@bufbuild/protobuf";
import { loadEntities } from "../../src/cli/load.js";
import { WorkflowSpecSchema } from "../../src/idl/gen/flyteidl/admin/workflow_pb.js";
import { writePackage } from "../../src/serialize/package.js";
import { serializationSettings } from "../../src/serialize/settings.js";
import { Serializer } from "../../src/serialize/translate.js";
import { oracleSkip, repoRoot, runCompiler, runPython } from "./oracles.js";

const scratch = mkdtempSync(join(tmpdir(), "flytekit-ts-overrides-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

type Json = { [k: string]: any };

async function twin(): Promise<Serializer> {
  const { entities } = await loadEntities(join(repoRoot, "test", "conformance", "fixtures", "overrides_twin.ts"));
  const s = new Serializer(serializationSettings({ image: { default: "img:v1" } }));
  s.add(entities.get("wf")!);
  return s;
}

/** What overrides decide about a node; entity names (module paths, map task names) are left out. */
function shape(node: Json, mapName: string | undefined): Json {
  const meta = { ...node.metadata };
  if (mapName !== undefined && meta.name === mapName) meta.name = "<map>";
  const out: Json = { id: mapName !== undefined && node.id === mapName ? "<map>" : node.id, metadata: meta };
  out.upstreamNodeIds = node.upstreamNodeIds ?? [];
  if (node.taskNode) out.overrides = node.taskNode.overrides ?? {};
  if (node.workflowNode) out.workflowNode = Object.keys(node.workflowNode);
  if (node.arrayNode) {
    const a = node.arrayNode;
    out.arrayNode = { node: shape(a.node, mapName), parallelism: a.parallelism };
  }
  return out;
}

function mapNameOf(nodes: Json[]): string | undefined {
  return nodes.find((n) => n.arrayNode)?.arrayNode.node.id;
}

describe("withOverrides as flytekit writes with_overrides", () => {
  test("every node's id, metadata and TaskNode overrides equal flytekit's", {
    skip: oracleSkip("python"),
  }, async () => {
    const run = await runPython(join(repoRoot, "test", "conformance", "py", "overrides_oracle.py"));
    assert.equal(run.exitCode, 0, run.stderr);
    const theirs = JSON.parse(run.stdout) as Json;
    const s = await twin();
    const spec = s.entities.find((e) => e.kind === 2 && e.name.endsWith(".wf"))!.spec;
    const ours = toJson(WorkflowSpecSchema, spec as never) as JsonValue as Json;
    const theirNodes = theirs.template.nodes as Json[];
    const ourNodes = ours.template.nodes as Json[];
    assert.equal(ourNodes.length, theirNodes.length);
    const theirMap = mapNameOf(theirNodes);
    const ourMap = mapNameOf(ourNodes);
    for (const [i, n] of theirNodes.entries()) {
      assert.deepEqual(shape(ourNodes[i]!, ourMap), shape(n, theirMap), `node ${i} (${n.id})`);
    }
  });

  test("the twin's package compiles with the Flyte compiler, strictly", { skip: oracleSkip("compiler") }, async () => {
    const s = await twin();
    const file = join(scratch, "overrides.tgz");
    writePackage(s.entities, file);
    const res = await runCompiler(file, { strict: true, hydrate: true });
    assert.equal(res.exitCode, 0, `${res.stdout}${res.stderr}`);
    assert.ok(res.results.length >= 4 && res.results.every((r) => r.ok && !r.warnings?.length), res.stdout);
  });
});
