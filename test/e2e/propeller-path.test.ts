/**
 * The cluster path end to end, as propeller runs it: serialize example workflows, then walk each workflow's nodes in
 * order and run every task's container command exactly as the TaskTemplate says — templates filled in, inputs.pb and
 * outputs.pb on a real S3 server on loopback, one `tsflyte-execute` subprocess per node — passing outputs to the next
 * node's bindings, and compare the workflow's outputs with a local run.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import S3rver from "s3rver";
import { Serializer, serializationSettings } from "flytekit-ts";
import { resolveBinding } from "../../src/core/executor.js";
import { localData } from "../../src/core/local-data.js";
import { bindExports } from "../../src/core/naming.js";
import { type LiteralMap, LiteralMapSchema } from "../../src/idl/gen/flyteidl/core/literals_pb.js";
import type { TaskTemplate } from "../../src/idl/gen/flyteidl/core/tasks_pb.js";
import type { WorkflowTemplate } from "../../src/idl/gen/flyteidl/core/workflow_pb.js";
import { literalMap } from "../../src/idl/literals.js";
import { S3Storage } from "../../src/storage/s3.js";

const repo = join(import.meta.dirname, "..", "..");
const CREDS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

describe("the propeller path through S3", () => {
  let server: S3rver;
  let endpoint: string;
  let s3: S3Storage;
  let runs = 0;

  before(async () => {
    // s3rver 3.7.1 needs DES (gone from OpenSSL 3) only for listing continuation tokens; nothing is listed here.
    server = new S3rver({
      address: "127.0.0.1",
      port: 0,
      silent: true,
      directory: mkdtempSync(join(tmpdir(), "propeller-s3-")),
      configureBuckets: [{ name: "flyte" }],
    });
    const { port } = await server.run();
    endpoint = `http://127.0.0.1:${port}`;
    s3 = new S3Storage({ endpoint, credentials: CREDS });
  });

  after(async () => {
    await server.close();
  });

  /** Runs a task node's container command as propeller would and returns its outputs. */
  async function runTask(template: TaskTemplate, inputs: LiteralMap): Promise<LiteralMap> {
    const run = `s3://flyte/run/${++runs}`;
    await s3.put(`${run}/inputs.pb`, toBinary(LiteralMapSchema, inputs));
    assert.equal(template.target.case, "container");
    const args = (template.target.value as { args: string[] }).args.map((a) =>
      a
        .replace("{{.input}}", `${run}/inputs.pb`)
        .replace("{{.outputPrefix}}", `${run}/out`)
        .replace("{{.rawOutputDataPrefix}}", `${run}/raw`)
        .replace("{{.checkpointOutputPrefix}}", `${run}/checkpoint`)
        .replace("{{.prevCheckpointPrefix}}", ""),
    );
    assert.equal(args[0], "tsflyte-execute");
    const env = {
      ...process.env,
      FLYTE_AWS_ENDPOINT: endpoint,
      FLYTE_AWS_ACCESS_KEY_ID: CREDS.accessKeyId,
      FLYTE_AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey,
      FLYTE_PROJECT_ROOT: repo,
      FLYTE_INTERNAL_EXECUTION_ID: `e2e-${runs}`,
    };
    const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [join(repo, "bin", "tsflyte-execute.js"), ...args.slice(1)], {
        cwd: repo,
        env,
      });
      let err = "";
      child.stderr.on("data", (d: Buffer) => {
        err += d.toString();
      });
      child.on("error", reject);
      child.on("close", (c) => resolve({ code: c ?? 1, stderr: err }));
    });
    assert.equal(code, 0, stderr);
    assert.equal(await s3.exists(`${run}/out/error.pb`), false, stderr);
    return fromBinary(LiteralMapSchema, await s3.get(`${run}/out/outputs.pb`));
  }

  /** Walks a workflow template's nodes in order, running task nodes and descending into subworkflows. */
  async function runWorkflow(
    wf: WorkflowTemplate,
    inputs: LiteralMap,
    tasks: Map<string, TaskTemplate>,
    subs: Map<string, WorkflowTemplate>,
  ): Promise<LiteralMap> {
    const results = new Map<string, LiteralMap>([["", inputs]]);
    for (const node of wf.nodes) {
      const lits = Object.fromEntries(node.inputs.map((b) => [b.var, resolveBinding(b.binding!, results)]));
      const nodeInputs = literalMap(lits);
      if (node.target.case === "taskNode") {
        const ref = node.target.value.reference;
        const template = tasks.get(ref.case === "referenceId" ? ref.value.name : "");
        assert.ok(template, `no task template for node ${node.id}`);
        results.set(node.id, await runTask(template, nodeInputs));
      } else if (node.target.case === "workflowNode" && node.target.value.reference.case === "subWorkflowRef") {
        const sub = subs.get(node.target.value.reference.value.name);
        assert.ok(sub, `no subworkflow for node ${node.id}`);
        results.set(node.id, await runWorkflow(sub, nodeInputs, tasks, subs));
      } else {
        assert.fail(`node ${node.id}: ${node.target.case} is not walked by this test`);
      }
    }
    return literalMap(Object.fromEntries(wf.outputs.map((b) => [b.var, resolveBinding(b.binding!, results)])));
  }

  for (const [file, exportName, inputs] of [
    ["outputs", "wf", { xs: [3, 1, 4, 1, 5] }],
    ["structs", "wf", { city: "Oslo" }],
    ["subworkflow", "parent", { a: 4, b: 5 }],
    ["fanout", "wf", { base: 3 }],
  ] as const) {
    test(`examples/${file}.ts ${exportName}: container run == local run`, async () => {
      assert.ok(existsSync(join(repo, "dist", "entrypoint", "execute.js")), "run `npm run build` first");
      const path = join(repo, "examples", `${file}.ts`);
      const mod = (await import(path)) as Record<string, unknown>;
      bindExports(mod, path, (v): v is never => typeof v === "function" && "identity" in (v as object));
      const wf = mod[exportName] as {
        (i: unknown): Promise<unknown>;
        name: string;
        interface: {
          inputsToLiterals(v: unknown, d: unknown, o: string): LiteralMap;
          literalsToOutputs(l: LiteralMap, d: unknown, o: string): unknown;
        };
      };
      const s = new Serializer(serializationSettings({ image: { default: "img:1" } }));
      s.add(wf as never);
      const tasks = new Map<string, TaskTemplate>();
      const workflows = new Map<string, WorkflowTemplate>();
      for (const e of s.entities) {
        if (e.kind === 1) tasks.set(e.name, e.spec.template!);
        if (e.kind === 2) {
          workflows.set(e.name, e.spec.template!);
          for (const sub of e.spec.subWorkflows) workflows.set(sub.id!.name, sub);
        }
      }
      const data = localData();
      const lm = wf.interface.inputsToLiterals(inputs, data, wf.name);
      const out = await runWorkflow(workflows.get(wf.name)!, lm, tasks, workflows);
      assert.deepEqual(wf.interface.literalsToOutputs(out, data, wf.name), await wf(inputs));
    });
  }
});
