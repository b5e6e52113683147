/**
 * The cluster commands as a user runs them (`node bin/tsflyte.js ...`, the build in dist/), where no cluster is
 * needed: help, usage errors, and an unreachable admin retried a bounded number of times, then named. The commands
 * against a real Flyte are in test/cluster/.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";

const ROOT = join(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "bin", "tsflyte.js");
const scratch = mkdtempSync(join(tmpdir(), "tsflyte-remote-"));
// Port 9 (discard) on loopback refuses connections: an admin that is down.
const config = join(scratch, "config.yaml");
writeFileSync(
  config,
  "admin:\n  endpoint: dns:///127.0.0.1:9\n  insecure: true\n  maxRetries: 1\n  maxBackoffDelay: 100ms\n",
);

const env: NodeJS.ProcessEnv = { ...process.env, HOME: scratch };
for (const k of Object.keys(env))
  if (k.startsWith("FLYTE_") || k === "FLYTECTL_CONFIG" || k === "NODE_TEST_CONTEXT") delete env[k];

function tsflyte(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") reject(error);
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

describe("tsflyte register, run --remote and execution without a cluster", () => {
  after(() => rmSync(scratch, { recursive: true, force: true }));

  test("the commands are listed and have help", async () => {
    const top = await tsflyte("--help");
    assert.match(top.stdout, /^ {2}register +Register the entities in PATHs on a Flyte cluster/m);
    assert.match(top.stdout, /^ {2}execution +Inspect, follow or terminate executions/m);
    const reg = await tsflyte("register", "--help");
    assert.equal(reg.code, 0);
    assert.match(reg.stdout, /--version VERSION/);
    const ex = await tsflyte("execution", "--help");
    assert.match(ex.stdout, /terminate NAME/);
    const run = await tsflyte("run", "--help");
    assert.match(run.stdout, /--remote +register \(fast registration\) and run on the Flyte cluster/);
  });

  test("remote options without --remote, and bad subcommands, are usage errors", async () => {
    const r = await tsflyte("run", "--wait", "examples/hello.ts", "wf");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--wait, --local-eager, --project, --name and the other remote options need --remote/);
    const e = await tsflyte("execution", "explode", "x");
    assert.equal(e.code, 1);
    assert.match(e.stderr, /unknown execution command "explode"; use get, list, outputs, terminate, wait/);
    const l = await tsflyte("execution", "list", "--limit", "0", "--config", config);
    assert.match(l.stderr, /--limit must be a positive integer, got 0/);
  });

  test("--raw-output-data-prefix and --service-account of run --remote are checked before the admin is called", async () => {
    const run = (...opts: string[]) =>
      tsflyte("run", "--remote", "--config", config, ...opts, "examples/hello.ts", "wf", "--name", "x");
    const local = await run("--raw-output-data-prefix", "out/raw");
    assert.equal(local.code, 1);
    assert.match(
      local.stderr,
      /--raw-output-data-prefix: rawOutputDataPrefix = "out\/raw" is not a URI: expected an object-store prefix \(s3:\/\/, gs:\/\/, abfs:\/\/, abfss:\/\/, wasb:\/\/, wasbs:\/\/\) with a bucket/,
    );
    assert.doesNotMatch(local.stderr, /unreachable/, "nothing was sent to the admin");
    const scheme = await run("--raw-output-data-prefix=ftp://host/raw");
    assert.match(scheme.stderr, /the scheme ftp:\/\/ is not an object store the pods can write to/);
    const account = await run("--service-account", "Team_A");
    assert.equal(account.code, 1);
    assert.match(
      account.stderr,
      /--service-account: serviceAccount = "Team_A": expected a Kubernetes service account name/,
    );
    assert.doesNotMatch(account.stderr, /unreachable/);
    const eager = await tsflyte(
      ...["run", "--remote", "--local-eager", "--config", config, "--service-account", "sa"],
      ...["--raw-output-data-prefix", "s3://b/p", "examples/eager.ts", "pipeline", "--values", "[]"],
    );
    assert.match(eager.stderr, /--raw-output-data-prefix, --service-account cannot be used with --local-eager/);
    for (const opt of ["--service-account", "--labels", "--annotations", "--envvars", "--max-parallelism"]) {
      const notRemote = await tsflyte("run", opt, "a=b", "examples/hello.ts", "wf");
      assert.match(notRemote.stderr, /the other remote options need --remote/, opt);
    }
    const parallelism = await run("--max-parallelism", "-2");
    assert.match(parallelism.stderr, /--max-parallelism "-2": expected a whole number of nodes, 0 for no limit/);
    const interruptible = await run("--interruptible=maybe");
    assert.match(interruptible.stderr, /--interruptible "maybe": expected true or false/);
    const label = await run("--labels", "novalue");
    assert.match(label.stderr, /malformed --label "novalue": expected KEY=VALUE/);
    const help = await tsflyte("run", "--help");
    assert.match(help.stdout, /--service-account NAME +the Kubernetes service account the execution's pods run as/);
  });

  test("an unreachable admin is retried, then reported with its endpoint", async () => {
    const r = await tsflyte("execution", "get", "abc", "--config", config);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /admin at dns:\/\/\/127\.0\.0\.1:9 unreachable \(attempt 1\); retrying in/);
    assert.match(r.stderr, /FlyteAdmin at dns:\/\/\/127\.0\.0\.1:9 is unreachable after 2 attempts/);
    const run = await tsflyte("run", "--remote", "--config", config, "examples/hello.ts", "wf", "--name", "x");
    assert.equal(run.code, 1);
    assert.match(run.stderr, /FlyteAdmin at dns:\/\/\/127\.0\.0\.1:9 is unreachable after 2 attempts/);
  });
});
