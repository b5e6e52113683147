/**
 * Raw container tasks against flytekit's `ContainerTask` (the same task declared on both sides: the TaskTemplate's
 * type, interface and container with its data loading config are equal) and the real Flyte compiler.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { fromJson, toBinary, toJson } from "@bufbuild/protobuf";
import { containerTask, serializationSettings, serializeTask, t } from "flytekit-ts";
import { TaskSpecSchema } from "../../src/idl/gen/flyteidl/admin/task_pb.js";
import { TaskTemplateSchema } from "../../src/idl/gen/flyteidl/core/tasks_pb.js";
import { oracleSkip, repoRoot, runCompiler, runPython } from "./oracles.js";

const work = mkdtempSync(join(tmpdir(), "flytekit-ts-container-"));
after(() => rmSync(work, { recursive: true, force: true }));

const square = containerTask({
  name: "ct.square",
  image: "alpine:3.20",
  inputs: { val: t.int, data: t.file() },
  outputs: { out: t.int, report: t.file(), folder: t.dir() },
  command: ["sh", "-c", "echo $(( {{.inputs.val}} * {{.inputs.val}} )) > /var/outputs/out"],
  args: ["--data", "{{.inputs.data}}"],
  metadataFormat: "YAML",
});
const settings = serializationSettings({ image: { default: "ghcr.io/acme/x:v1" } });

describe("container tasks serialize as flytekit's ContainerTask", { skip: oracleSkip("python") }, () => {
  test("type, interface and container (image, command, args, data config) equal flytekit's", async () => {
    const out = join(work, "py.json");
    const r = await runPython(join(repoRoot, "test/conformance/py/container_task.py"), [out]);
    assert.equal(r.exitCode, 0, r.stderr);
    const theirs = fromJson(TaskTemplateSchema, JSON.parse(readFileSync(out, "utf8")));
    const ours = serializeTask(square, settings).template!;
    assert.equal(ours.type, theirs.type);
    const pick = (tt: typeof ours) => ({
      interface: toJson(TaskTemplateSchema, { ...tt, metadata: undefined, id: undefined, config: {} } as never),
    });
    assert.deepEqual(pick(ours), pick(theirs));
  });
});

describe("container tasks compile with Flyte's compiler", { skip: oracleSkip("compiler") }, () => {
  test("the TaskSpec is accepted", async () => {
    const dir = join(work, "pkg");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "0_ct.square_1.pb"), toBinary(TaskSpecSchema, serializeTask(square, settings)));
    const run = await runCompiler(dir, { noCrd: true });
    const result = run.results.find((x) => x.entity.includes("ct.square"));
    assert.ok(result?.ok, run.stdout + run.stderr);
  });
});
