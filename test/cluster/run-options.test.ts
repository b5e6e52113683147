/**
 * The execution settings of `tsflyte run --remote` on the local Flyte: `--raw-output-data-prefix` (a task's file
 * output lands under it, read back from S3 through the URI admin reports), `--service-account`, `--label`,
 * `--annotation` (on the execution and on its pod, read from the Kubernetes API), `--env` (the task reads it),
 * `--overwrite-cache` (a cached task runs again and its cache entry is written anew), `--max-parallelism` and
 * `--interruptible` (recorded by admin).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { CatalogCacheStatus } from "../../src/idl/gen/flyteidl/core/catalog_pb.js";
import type { FlyteRemote } from "../../src/remote/remote.js";
import { S3Storage } from "../../src/storage/s3.js";
import { clusterRemote, repo } from "../helpers/cluster-remote.js";
import { ensureLocalFlyte, type LocalFlyte } from "../helpers/local-flyte.js";

const FIXTURE = "test/cluster/fixtures/run-options.ts";

function tsflyte(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [join(repo, "bin", "tsflyte.js"), ...args], {
      cwd: repo,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.on("error", fail);
    child.on("close", (code) => ok({ code, out, err }));
  });
}

interface Pod {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { serviceAccountName?: string; containers: { env?: { name: string; value?: string }[] }[] };
}

/**
 * Watches the pods of an execution on the Kubernetes API server (the instance's kubeconfig token) from before it is
 * launched: propeller deletes a task's pod once the node is done, so the pods are collected as they appear.
 */
function watchPods(flyte: LocalFlyte, execution: string): { pods: Map<string, Pod>; stop(): void } {
  const token = /^\s+token: (\S+)$/m.exec(readFileSync(flyte.endpoints.kubeconfig, "utf8"))?.[1];
  assert.ok(token, "the kubeconfig has a token");
  const url = new URL(`${flyte.endpoints.kubeApiServer}/api/v1/namespaces/flytesnacks-development/pods`);
  url.searchParams.set("labelSelector", `execution-id=${execution}`);
  url.searchParams.set("watch", "true");
  const pods = new Map<string, Pod>();
  // The API server's certificate is self-signed and it listens on loopback only.
  const req = request(url, { headers: { Authorization: `Bearer ${token}` }, rejectUnauthorized: false }, (res) => {
    let buffered = "";
    res.on("data", (d: Buffer) => {
      buffered += d.toString();
      let nl = buffered.indexOf("\n");
      for (; nl >= 0; nl = buffered.indexOf("\n")) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const event = JSON.parse(line) as { type: string; object: Pod };
        if (event.type === "ADDED" || event.type === "MODIFIED") pods.set(event.object.metadata.name, event.object);
      }
    });
  });
  req.on("error", () => undefined);
  req.end();
  return { pods, stop: () => req.destroy() };
}

describe("run --remote execution settings on a real Flyte", () => {
  let flyte: LocalFlyte;
  let remote: FlyteRemote;
  let s3: S3Storage;
  const env: Record<string, string> = {};

  before(async () => {
    assert.ok(existsSync(join(repo, "dist", "cli", "main.js")), "dist/ is missing: run `npm run build` first");
    flyte = await ensureLocalFlyte({ datacatalog: true });
    Object.assign(env, flyte.clientEnv);
    remote = clusterRemote(flyte);
    s3 = new S3Storage({
      endpoint: flyte.s3Endpoint,
      credentials: {
        accessKeyId: flyte.podEnv.FLYTE_AWS_ACCESS_KEY_ID!,
        secretAccessKey: flyte.podEnv.FLYTE_AWS_SECRET_ACCESS_KEY!,
      },
    });
  });

  after(async () => {
    remote?.clients.close();
    await flyte?.stop();
  });

  test("raw output prefix, service account, labels, annotations, envs and cache overwrite reach the execution and its pod", async () => {
    const tag = `ro${randomUUID().replaceAll("-", "").slice(0, 10)}`;
    const prefix = `s3://${flyte.endpoints.bucket}/run-options/${tag}`;
    const run = (name: string, ...opts: string[]) =>
      tsflyte(["run", "--remote", "--wait", "--json", "--name", name, ...opts, FIXTURE, "reportWf", "--tag", tag], env);

    // A first run fills the cache, with the launch plan's prefix and no extra settings.
    const first = await run(`${tag}-a`);
    assert.equal(first.code, 0, first.err);
    const firstOut = JSON.parse(first.out) as { env: string; ranAt: string };
    assert.equal(firstOut.env, "(unset)");

    const watch = watchPods(flyte, `${tag}-b`);
    const second = await run(
      `${tag}-b`,
      ...["--raw-output-data-prefix", prefix, "--service-account", "report-runner"],
      // pyflyte's spellings of the repeatable options work as well as the short ones.
      ...[
        "--labels",
        "team=reports",
        "--annotation",
        "example.com/owner=reports",
        "--envvars",
        "RUN_OPTIONS_ENV=from-cli",
      ],
      ...["--max-parallelism", "3", "--interruptible", "false"],
      "--overwrite-cache",
    );
    assert.equal(second.code, 0, second.err);
    const secondOut = JSON.parse(second.out) as { env: string; ranAt: string };
    assert.equal(secondOut.env, "from-cli", "the task saw the --env variable");
    assert.notEqual(secondOut.ranAt, firstOut.ranAt, "--overwrite-cache ran the cached task again");

    // What admin recorded for the execution.
    const ex = await remote.fetchExecution(`${tag}-b`);
    const spec = ex.execution.spec!;
    assert.equal(spec.rawOutputDataConfig?.outputLocationPrefix, prefix);
    assert.equal(spec.securityContext?.runAs?.k8sServiceAccount, "report-runner");
    assert.equal(spec.labels?.values.team, "reports");
    assert.equal(spec.annotations?.values["example.com/owner"], "reports");
    assert.deepEqual(
      spec.envs?.values.map((e) => [e.key, e.value]),
      [["RUN_OPTIONS_ENV", "from-cli"]],
    );
    assert.equal(spec.overwriteCache, true);
    assert.equal(spec.maxParallelism, 3);
    assert.equal(spec.interruptible, false);
    const node = (await ex.nodeExecutions()).find((n) => n.metadata?.specNodeId === "n0");
    const meta = node?.closure?.targetMetadata;
    assert.equal(meta?.case, "taskNodeMetadata");
    assert.equal(meta.value.cacheStatus, CatalogCacheStatus.CACHE_POPULATED, "run again and written to the cache");

    // The file the task wrote lands under the prefix: its URI from admin, its bytes from S3.
    const data = await remote.clients.admin.getExecutionData({ id: ex.id });
    const file = data.fullOutputs?.literals.file?.value;
    assert.equal(file?.case, "scalar");
    assert.equal(file.value.value.case, "blob");
    const uri = file.value.value.value.uri;
    assert.ok(uri.startsWith(`${prefix}/`), `${uri} is under ${prefix}/`);
    assert.equal(new TextDecoder().decode(await s3.get(uri)), `report for ${tag}\n`);
    // The first execution's file is elsewhere: the prefix is the execution's, not the project's.
    const firstData = await remote.clients.admin.getExecutionData({
      id: (await remote.fetchExecution(`${tag}-a`)).id,
    });
    const firstFile = firstData.fullOutputs?.literals.file?.value;
    assert.ok(firstFile?.case === "scalar" && firstFile.value.value.case === "blob");
    assert.ok(!firstFile.value.value.value.uri.startsWith(prefix), firstFile.value.value.value.uri);

    // The pod propeller made for the task.
    watch.stop();
    const pods = [...watch.pods.values()];
    assert.equal(pods.length, 1, `one pod: ${pods.map((p) => p.metadata.name).join(", ")}`);
    const pod = pods[0]!;
    assert.equal(pod.spec.serviceAccountName, "report-runner");
    assert.equal(pod.metadata.labels?.team, "reports");
    assert.equal(pod.metadata.annotations?.["example.com/owner"], "reports");
    assert.ok(
      pod.spec.containers[0]!.env?.some((e) => e.name === "RUN_OPTIONS_ENV" && e.value === "from-cli"),
      "the pod's container has the variable",
    );
  });
});
