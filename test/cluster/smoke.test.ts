/**
 * The whole chain on the local Flyte (tools/local-flyte): `tsflyte package --copy all` of a small TypeScript project,
 * the code bundle uploaded through DataProxy's signed URL, the package's task, workflow and launch plan registered
 * with FlyteAdmin, an execution created, FlytePropeller running the task's pod (a local process of bin/
 * tsflyte-fast-execute), the outputs read back from admin; and a failing task ending the execution as a USER error
 * with the task's message.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { create, fromBinary, type Message } from "@bufbuild/protobuf";
import { readTar } from "../../src/entrypoint/tar.js";
import { LaunchPlanSchema } from "../../src/idl/gen/flyteidl/admin/launch_plan_pb.js";
import { TaskSpecSchema } from "../../src/idl/gen/flyteidl/admin/task_pb.js";
import { WorkflowSpecSchema } from "../../src/idl/gen/flyteidl/admin/workflow_pb.js";
import {
  type ExecutionError,
  ExecutionError_ErrorKind,
  WorkflowExecution_Phase,
} from "../../src/idl/gen/flyteidl/core/execution_pb.js";
import type { Identifier, WorkflowExecutionIdentifier } from "../../src/idl/gen/flyteidl/core/identifier_pb.js";
import { type LiteralMap, LiteralMapSchema } from "../../src/idl/gen/flyteidl/core/literals_pb.js";
import { integerLiteral, literalMap, primitiveOf, stringLiteral } from "../../src/idl/literals.js";
import { type AdminClients, createAdminClients } from "../../src/remote/index.js";
import { ensureLocalFlyte, type LocalFlyte } from "../helpers/local-flyte.js";

const repo = join(import.meta.dirname, "..", "..");
const PROJECT = "flytesnacks";
const DOMAIN = "development";

const SOURCE = `import { t, task, workflow } from "flytekit-ts";

export const greet = task({ inputs: { name: t.str }, outputs: t.str }, ({ name }) => \`Hello, \${name}!\`);

export const hello = workflow({ inputs: { name: t.str }, outputs: t.str }, ({ name }) => greet({ name }));

export const explode = task({ inputs: { n: t.int }, outputs: t.int }, ({ n }) => {
  throw new RangeError(\`no square root of \${n} in the integers\`);
});

export const fails = workflow({ inputs: { n: t.int }, outputs: t.int }, ({ n }) => explode({ n }));
`;

const TERMINAL = new Set<number>([
  WorkflowExecution_Phase.SUCCEEDED,
  WorkflowExecution_Phase.FAILED,
  WorkflowExecution_Phase.ABORTED,
  WorkflowExecution_Phase.TIMED_OUT,
]);

const phaseName = (phase: number) =>
  Object.entries(WorkflowExecution_Phase).find(([, v]) => v === phase)?.[0] ?? String(phase);

/** Fills the empty project, domain and version of every identifier in a message, as registration does. */
function hydrate(msg: Message, version: string): void {
  const visit = (v: unknown): void => {
    if (v === null || typeof v !== "object") return;
    if (v instanceof Uint8Array) return;
    if (Array.isArray(v)) {
      for (const x of v) visit(x);
      return;
    }
    const o = v as Record<string, unknown>;
    if (o.$typeName === "flyteidl.core.Identifier") {
      const id = o as unknown as Identifier;
      id.project ||= PROJECT;
      id.domain ||= DOMAIN;
      id.version ||= version;
      return;
    }
    for (const [k, x] of Object.entries(o)) if (k !== "$typeName") visit(x);
  };
  visit(msg);
}

describe("the local Flyte runs a TypeScript workflow end to end", () => {
  let flyte: LocalFlyte;
  let clients: AdminClients;
  let scratch: string;
  const version = `smoke-${randomBytes(4).toString("hex")}`;

  async function run(
    lpName: string,
    inputs: LiteralMap,
  ): Promise<{ id: WorkflowExecutionIdentifier; phase: number; error?: ExecutionError; ms: number }> {
    const t0 = Date.now();
    const { id } = await clients.admin.createExecution({
      project: PROJECT,
      domain: DOMAIN,
      name: `x${randomBytes(8).toString("hex")}`.slice(0, 16),
      spec: {
        launchPlan: { resourceType: 3, project: PROJECT, domain: DOMAIN, name: lpName, version },
        metadata: { mode: 0 },
      },
      inputs,
    });
    assert.ok(id, "CreateExecution returned an id");
    for (;;) {
      const ex = await clients.admin.getExecution({ id });
      const phase = ex.closure?.phase ?? WorkflowExecution_Phase.UNDEFINED;
      if (TERMINAL.has(phase)) {
        const result = ex.closure?.outputResult;
        return {
          id,
          phase,
          ...(result?.case === "error" ? { error: result.value } : {}),
          ms: Date.now() - t0,
        };
      }
      assert.ok(Date.now() - t0 < 180_000, `execution ${id.name} still ${phaseName(phase)} after 180s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  before(async () => {
    flyte = await ensureLocalFlyte();
    clients = createAdminClients({ endpoint: flyte.adminEndpoint, insecure: true });
    scratch = mkdtempSync(join(tmpdir(), "local-flyte-smoke-"));

    // A user's project: package.json, one workflow file, the SDK as its dependency.
    const project = join(scratch, "project");
    mkdirSync(join(project, "node_modules"), { recursive: true });
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "smoke", type: "module", private: true }));
    writeFileSync(join(project, "wf.ts"), SOURCE);
    symlinkSync(repo, join(project, "node_modules", "flytekit-ts"));
    const pkg = join(scratch, "pkg.tgz");
    const r = spawnSync(
      process.execPath,
      [join(repo, "bin", "tsflyte.js"), "package", ".", "-o", pkg, "--image", "ghcr.io/acme/smoke:v1", "--copy", "all"],
      { cwd: project, encoding: "utf8", timeout: 120_000 },
    );
    assert.equal(r.status, 0, `tsflyte package failed: ${r.stderr}`);

    // The image's source root, where fast registration unpacks the bundle; the SDK is installed there.
    const destDir = join(scratch, "root");
    mkdirSync(join(destDir, "node_modules"), { recursive: true });
    symlinkSync(repo, join(destDir, "node_modules", "flytekit-ts"));

    const members = [...readTar(new Uint8Array(gunzipSync(readFileSync(pkg))))];
    const bundle = members.find((m) => /^fast[0-9a-f]{32}\.tar\.gz$/.test(m.name));
    assert.ok(bundle, `the package has a code bundle: ${members.map((m) => m.name).join(", ")}`);
    const md5 = createHash("md5").update(bundle.data).digest();
    const loc = await clients.dataProxy.createUploadLocation({
      project: PROJECT,
      domain: DOMAIN,
      filename: bundle.name,
      contentMd5: md5,
    });
    const put = await fetch(loc.signedUrl, {
      method: "PUT",
      body: bundle.data,
      // fetch sets Content-Length itself.
      headers: Object.fromEntries(Object.entries(loc.headers).filter(([k]) => k.toLowerCase() !== "content-length")),
    });
    assert.equal(put.status, 200, `PUT to the signed URL: ${put.status} ${await put.text()}`);
    const fill = (a: string) =>
      a.replace("{{ .remote_package_path }}", loc.nativeUrl).replace("{{ .dest_dir }}", destDir);

    for (const m of members) {
      const kind = /_([123])\.pb$/.exec(m.name)?.[1];
      if (kind === "1") {
        const spec = fromBinary(TaskSpecSchema, m.data);
        hydrate(spec, version);
        const c = spec.template?.target;
        if (c?.case === "container") c.value.args = c.value.args.map(fill);
        await clients.admin.createTask({ id: spec.template!.id!, spec });
      }
    }
    for (const m of members) {
      if (m.name.endsWith("_2.pb")) {
        const spec = fromBinary(WorkflowSpecSchema, m.data);
        hydrate(spec, version);
        await clients.admin.createWorkflow({ id: spec.template!.id!, spec });
      }
    }
    for (const m of members) {
      if (m.name.endsWith("_3.pb")) {
        const lp = fromBinary(LaunchPlanSchema, m.data);
        hydrate(lp, version);
        await clients.admin.createLaunchPlan({ id: lp.id!, spec: lp.spec! });
      }
    }
  });

  after(async () => {
    clients?.close();
    await flyte?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  test("a one-task workflow succeeds and its outputs come back from admin", async (t) => {
    const inputs = literalMap({ name: stringLiteral("cluster") });
    const res = await run("wf.hello", inputs);
    t.diagnostic(`CreateExecution to SUCCEEDED: ${res.ms} ms`);
    assert.equal(res.phase, WorkflowExecution_Phase.SUCCEEDED, `phase ${phaseName(res.phase)}: ${res.error?.message}`);
    const data = await clients.admin.getExecutionData({ id: res.id });
    const outputs = data.fullOutputs ?? create(LiteralMapSchema);
    const o0 = outputs.literals.o0;
    assert.ok(o0, `outputs: ${Object.keys(outputs.literals).join(", ")}`);
    assert.deepEqual(primitiveOf(o0)?.value, { case: "stringValue", value: "Hello, cluster!" });
  });

  test("a task that throws ends the execution as a USER error with its message", async () => {
    const res = await run("wf.fails", literalMap({ n: integerLiteral(-4n) }));
    assert.equal(res.phase, WorkflowExecution_Phase.FAILED, `phase ${phaseName(res.phase)}`);
    assert.equal(res.error?.kind, ExecutionError_ErrorKind.USER, `error ${JSON.stringify(res.error?.message)}`);
    assert.match(res.error?.message ?? "", /no square root of -4 in the integers/);
  });
});
