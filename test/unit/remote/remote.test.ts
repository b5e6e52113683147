/**
 * FlyteRemote against a gRPC server on loopback that keeps registrations and executions the way FlyteAdmin answers
 * for them (ALREADY_EXISTS for an identical entity, INVALID_ARGUMENT "different structure" for a changed one,
 * ALREADY_EXISTS for a taken execution name) and a signed-URL HTTP server that checks Content-MD5 as S3 does: the
 * fast-registration upload, registration outcomes, attaching by name, and offloaded outputs read through a signed URL.
 * The real admin's behaviour is covered by the cluster suite.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer, type Http2Server } from "node:http2";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { t, task, workflow } from "flytekit-ts";
import { localData } from "../../../src/core/local-data.js";
import { type Execution, ExecutionSchema } from "../../../src/idl/gen/flyteidl/admin/execution_pb.js";
import { TaskSpecSchema } from "../../../src/idl/gen/flyteidl/admin/task_pb.js";
import { WorkflowExecution_Phase } from "../../../src/idl/gen/flyteidl/core/execution_pb.js";
import { LiteralMapSchema } from "../../../src/idl/gen/flyteidl/core/literals_pb.js";
import { AdminService } from "../../../src/idl/gen/flyteidl/service/admin_pb.js";
import { DataProxyService } from "../../../src/idl/gen/flyteidl/service/dataproxy_pb.js";
import { literalMap } from "../../../src/idl/literals.js";
import { createAdminClients } from "../../../src/remote/clients.js";
import { FlyteAdminError } from "../../../src/remote/errors-admin.js";
import { FlyteRemote } from "../../../src/remote/remote.js";

export const double = task({ name: "remote_test.double", inputs: { x: t.int }, outputs: t.int }, ({ x }) => 2 * x);
export const wf = workflow({ name: "remote_test.wf", inputs: { x: t.int }, outputs: { y: t.int } }, ({ x }) => ({
  y: double({ x }),
}));

interface Fake {
  admin: Http2Server;
  blobs: Server;
  uploads: Map<string, Uint8Array>;
  tasks: Map<string, Uint8Array>;
  executions: Map<string, Execution>;
  launched: string[];
}

async function listen(server: Http2Server | Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

async function startFake(): Promise<Fake & { adminPort: number; blobPort: number }> {
  const uploads = new Map<string, Uint8Array>();
  const tasks = new Map<string, Uint8Array>();
  const executions = new Map<string, Execution>();
  const launched: string[] = [];
  const blobs = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const key = req.url!.slice(1);
      if (req.method === "PUT") {
        const body = Buffer.concat(chunks);
        const md5 = createHash("md5").update(body).digest("base64");
        if (req.headers["content-md5"] !== md5) {
          res.writeHead(400).end("BadDigest");
          return;
        }
        uploads.set(key, new Uint8Array(body));
        res.writeHead(200).end();
      } else {
        const data = uploads.get(key);
        if (!data) res.writeHead(404).end();
        else res.writeHead(200).end(Buffer.from(data));
      }
    });
  });
  const blobPort = await listen(blobs);
  const routes = (router: ConnectRouter) => {
    router.service(AdminService, {
      createTask(req) {
        const key = `${req.id!.name}@${req.id!.version}`;
        const bytes = toBinary(TaskSpecSchema, req.spec!);
        const seen = tasks.get(key);
        if (seen && Buffer.compare(Buffer.from(seen), Buffer.from(bytes)) === 0)
          throw new ConnectError("task with identical structure already exists", Code.AlreadyExists);
        if (seen)
          throw new ConnectError(
            `${req.id!.name} task with different structure already exists. (Please register a new version of the task):`,
            Code.InvalidArgument,
          );
        tasks.set(key, bytes);
        return {};
      },
      createWorkflow: () => ({}),
      createLaunchPlan: () => ({}),
      createExecution(req) {
        const name = req.name || `gen${executions.size}`;
        if (executions.has(name)) throw new ConnectError(`execution ${name} already exists`, Code.AlreadyExists);
        launched.push(`${req.spec!.launchPlan!.name}@${req.spec!.launchPlan!.version}`);
        const id = { project: req.project, domain: req.domain, name };
        const outputs = literalMap({
          y: t.int.toLiteral(2 * Number(t.int.fromLiteral(req.inputs!.literals.x!, localData(), [])), localData(), []),
        });
        uploads.set(`outputs/${name}`, toBinary(LiteralMapSchema, outputs));
        executions.set(
          name,
          create(ExecutionSchema, {
            id,
            spec: req.spec,
            closure: { phase: WorkflowExecution_Phase.SUCCEEDED },
          }),
        );
        return { id };
      },
      getExecution(req) {
        const e = executions.get(req.id!.name);
        if (!e) throw new ConnectError("missing", Code.NotFound);
        return e;
      },
      getExecutionData(req) {
        // Offloaded: only a signed URL, as admin answers for outputs over its inline limit.
        return { outputs: { url: `http://127.0.0.1:${blobPort}/outputs/${req.id!.name}`, bytes: 10n } };
      },
    });
    router.service(DataProxyService, {
      createUploadLocation(req) {
        const key = `uploads/${req.project}/${req.domain}/${Buffer.from(req.contentMd5).toString("hex")}/${req.filename}`;
        // FlyteAdmin 1.16 hands out a Content-Length that is the MD5 header's length, not the body's.
        const md5 = Buffer.from(req.contentMd5).toString("base64");
        return {
          signedUrl: `http://127.0.0.1:${blobPort}/${key}`,
          nativeUrl: `s3://bucket/${key}`,
          headers: { "Content-MD5": md5, "Content-Length": String(md5.length) },
        };
      },
    });
  };
  const admin = createServer(connectNodeAdapter({ routes }));
  const adminPort = await listen(admin);
  return { admin, blobs, uploads, tasks, executions, launched, adminPort, blobPort };
}

describe("FlyteRemote against a loopback admin", () => {
  let fake: Awaited<ReturnType<typeof startFake>>;
  let remote: FlyteRemote;

  before(async () => {
    fake = await startFake();
    remote = new FlyteRemote({
      clients: createAdminClients(
        { endpoint: `127.0.0.1:${fake.adminPort}`, insecure: true },
        { retry: { maxAttempts: 1 } },
      ),
      project: "p",
      domain: "development",
    });
  });

  after(async () => {
    remote.clients.close();
    await new Promise((r) => fake.admin.close(r));
    await new Promise((r) => fake.blobs.close(r));
  });

  test("register uploads the code bundle with its MD5 and fills the fast-registration args with its location", async () => {
    const reg = await remote.register([wf], { version: "v1", root: import.meta.dirname });
    assert.deepEqual(
      reg.entities.map((e) => `${e.kind}:${e.name}:${e.status}`),
      ["1:remote_test.double:created", "2:remote_test.wf:created", "3:remote_test.wf:created"],
    );
    assert.match(reg.bundle!, /^s3:\/\/bucket\/uploads\/p\/development\/[0-9a-f]{32}\/fast[0-9a-f]{32}\.tar\.gz$/);
    assert.ok(fake.uploads.has(reg.bundle!.slice("s3://bucket/".length)), "the bundle bytes arrived");
    const { fromBinary } = await import("@bufbuild/protobuf");
    const spec = fromBinary(TaskSpecSchema, fake.tasks.get("remote_test.double@v1")!);
    const args = spec.template!.target.case === "container" ? spec.template!.target.value.args : [];
    assert.deepEqual(args.slice(0, 6), [
      "tsflyte-fast-execute",
      "--additional-distribution",
      reg.bundle,
      "--dest-dir",
      ".",
      "--",
    ]);
  });

  test("the same entities again are a no-op; a changed one under the same version names it and what to do", async () => {
    const again = await remote.register([wf], { version: "v1", root: import.meta.dirname });
    assert.equal(again.entities[0]!.status, "exists");
    await assert.rejects(
      () => remote.register([wf], { version: "v1", root: import.meta.dirname, env: { CHANGED: "1" } }),
      (e: Error) =>
        e instanceof FlyteAdminError &&
        e.message.startsWith(
          "registering task remote_test.double (version v1 in p/development): a different task is already registered under this version; register under a new version",
        ),
    );
  });

  test("without a version, the version is a digest of the code: the same code gives the same version", async () => {
    const a = await remote.register([wf], { root: import.meta.dirname });
    const b = await remote.register([wf], { root: import.meta.dirname });
    assert.match(a.version, /^ts-[0-9a-f]{20}$/);
    assert.equal(a.version, b.version);
    assert.equal(b.entities[0]!.status, "exists", "the task was registered under the same version");
  });

  test("execute launches the default launch plan of the registered version; outputs offloaded to a signed URL", async () => {
    const ex = await remote.execute(wf, { x: 21 }, { version: "v1" });
    assert.equal(fake.launched.at(-1), "remote_test.wf@v1");
    assert.equal(ex.phaseName, "SUCCEEDED");
    assert.deepEqual(await ex.outputs(), { y: 42 });
  });

  test("execute sets the execution's raw output prefix, service account, labels, annotations, envs and cache overwrite", async () => {
    await remote.execute(
      wf,
      { x: 2 },
      {
        name: "settings",
        version: "v1",
        rawOutputDataPrefix: "s3://my-bucket/raw/team-a",
        serviceAccount: "flyte-runner.team-a",
        labels: { team: "a" },
        annotations: { "example.com/owner": "a" },
        envs: { LOG_LEVEL: "debug" },
        overwriteCache: true,
        maxParallelism: 3,
        interruptible: false,
      },
    );
    const spec = fake.executions.get("settings")!.spec!;
    assert.equal(spec.maxParallelism, 3);
    assert.equal(spec.interruptible, false);
    assert.equal(spec.rawOutputDataConfig?.outputLocationPrefix, "s3://my-bucket/raw/team-a");
    assert.equal(spec.securityContext?.runAs?.k8sServiceAccount, "flyte-runner.team-a");
    assert.deepEqual(spec.labels?.values, { team: "a" });
    assert.deepEqual(spec.annotations?.values, { "example.com/owner": "a" });
    assert.deepEqual(
      spec.envs?.values.map((e) => [e.key, e.value]),
      [["LOG_LEVEL", "debug"]],
    );
    assert.equal(spec.overwriteCache, true);
    // Unset, admin falls back to the launch plan's settings.
    await remote.execute(wf, { x: 2 }, { name: "no-settings", version: "v1" });
    const plain = fake.executions.get("no-settings")!.spec!;
    assert.equal(plain.rawOutputDataConfig, undefined);
    assert.equal(plain.securityContext, undefined);
    assert.equal(plain.interruptible, undefined, "unset: the registered interruptible flags hold");
    assert.equal(plain.maxParallelism, 0);
    for (const prefix of [
      "gs://b/p",
      "abfs://c@acct.dfs.core.windows.net/p",
      "abfss://c@a/p",
      "wasb://c@a/p",
      "wasbs://c@a/p",
    ]) {
      await remote.execute(
        wf,
        { x: 2 },
        { name: `prefix-${prefix.split(":")[0]}`, version: "v1", rawOutputDataPrefix: prefix },
      );
    }
  });

  test("a raw output prefix the pods cannot write to, or a bad service account, fails before anything is launched", async () => {
    const launched = fake.launched.length;
    const bad: [unknown, RegExp][] = [
      [
        "/tmp/raw",
        /rawOutputDataPrefix = "\/tmp\/raw" is not a URI: expected an object-store prefix \(s3:\/\/, gs:\/\/, abfs:\/\/, abfss:\/\/, wasb:\/\/, wasbs:\/\/\) with a bucket.*a local directory is not reachable/,
      ],
      [
        "file:///tmp/raw",
        /rawOutputDataPrefix = "file:\/\/\/tmp\/raw": the scheme file:\/\/ is not an object store the pods can write to/,
      ],
      ["ftp://host/raw", /the scheme ftp:\/\/ is not an object store/],
      ["s3:///raw", /rawOutputDataPrefix = "s3:\/\/\/raw" names no bucket/],
      ["", /rawOutputDataPrefix = "" is not a URI/],
      [42, /rawOutputDataPrefix = 42 \(number\): expected an object-store prefix/],
    ];
    for (const [prefix, message] of bad) {
      await assert.rejects(
        () => remote.execute(wf, { x: 1 }, { version: "v1", rawOutputDataPrefix: prefix as string }),
        message,
      );
    }
    for (const account of ["Runner", "a_b", "-a", "a.", "x".repeat(254), ""]) {
      await assert.rejects(
        () => remote.execute(wf, { x: 1 }, { version: "v1", serviceAccount: account }),
        /serviceAccount = ".*": expected a Kubernetes service account name \(lower-case letters, digits, '-' and '\.'/,
      );
    }
    for (const n of [-1, 1.5, 2 ** 31, Number.NaN]) {
      await assert.rejects(
        () => remote.execute(wf, { x: 1 }, { version: "v1", maxParallelism: n }),
        /maxParallelism = .*: expected a whole number of nodes, 0 for no limit/,
      );
    }
    await assert.rejects(
      () => remote.execute(wf, { x: 1 }, { version: "v1", interruptible: "yes" as unknown as boolean }),
      /interruptible = "yes" \(string\): expected true or false/,
    );
    assert.equal(fake.launched.length, launched);
  });

  test("a named execution that exists is attached to, not launched again", async () => {
    const before = fake.launched.length;
    const first = await remote.execute(wf, { x: 1 }, { name: "nightly", version: "v1" });
    const second = await remote.execute(wf, { x: 1 }, { name: "nightly", version: "v1" });
    assert.equal(fake.launched.length, before + 1);
    assert.deepEqual([first.attached, second.attached], [false, true]);
    assert.equal(second.name, "p/development/nightly");
    assert.deepEqual(await second.outputs(), { y: 2 });
    await assert.rejects(
      () => remote.execute(double, { x: 1 }, { name: "nightly", version: "v1" }),
      /an execution named nightly already exists in p\/development but runs remote_test\.wf, not remote_test\.double; choose another name/,
    );
  });

  test("an entity with no known version is a clear error; so are admin's answers", async () => {
    const fresh = new FlyteRemote({ clients: remote.clients, project: "p", domain: "development" });
    await assert.rejects(
      () => fresh.execute(wf, { x: 1 }),
      /execute: workflow remote_test\.wf has no known version in p\/development; register it first/,
    );
    await assert.rejects(
      () => remote.fetchExecution("nope"),
      (e: Error) =>
        e instanceof FlyteAdminError &&
        e.grpcCode === "NOT_FOUND" &&
        /^getting execution p\/development\/nope: missing \(NOT_FOUND\); check the project, domain, name and version/.test(
          e.message,
        ),
    );
  });
});
