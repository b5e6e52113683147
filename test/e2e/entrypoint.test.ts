// The container entrypoints as propeller runs them: `node bin/tsflyte-execute.js ...` (and the map and fast
// variants) as subprocesses, on local paths and against an S3 server. Needs `npm run build` first.
import * as assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import S3rver from "s3rver";
import { FAULT_STEPS } from "../../src/entrypoint/faults.js";
import {
  ContainerError_Kind,
  type ErrorDocument,
  ErrorDocumentSchema,
} from "../../src/idl/gen/flyteidl/core/errors_pb.js";
import { ExecutionError_ErrorKind } from "../../src/idl/gen/flyteidl/core/execution_pb.js";
import {
  type Literal,
  type LiteralMap,
  LiteralMapSchema,
  LiteralSchema,
} from "../../src/idl/gen/flyteidl/core/literals_pb.js";
import { collectionLiteral, integerLiteral, literalMap, stringLiteral } from "../../src/idl/literals.js";
import { S3Storage } from "../../src/storage/s3.js";

const repo = resolve(import.meta.dirname, "..", "..");
const bin = (name: string) => join(repo, "bin", `${name}.js`);
const MODULE = "test.e2e.fixtures.entrypoint.tasks";

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  out: string;
}

/** Runs an entrypoint executable with `args`; `env` is added to a clean environment. */
function run(
  name: string,
  args: string[],
  env: Record<string, string> = {},
  opts: { cwd?: string; onSpawn?: (pid: number) => void } = {},
): Promise<Omit<Run, "out">> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin(name), ...args], {
      cwd: opts.cwd ?? repo,
      env: { PATH: process.env.PATH ?? "", FLYTE_PROJECT_ROOT: repo, ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.on("error", fail);
    child.on("spawn", () => opts.onSpawn?.(child.pid!));
    child.on("exit", (code, signal) => done({ code, signal, stderr }));
  });
}

/** A fresh run directory with `inputs.pb` holding `inputs`. */
function prepare(inputs: Record<string, Literal> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "ep-e2e-"));
  writeFileSync(join(dir, "inputs.pb"), toBinary(LiteralMapSchema, literalMap(inputs)));
  return dir;
}

/** The command line serialization writes, for task `name` of the fixture module, on `dir`. */
function argv(dir: string, name: string, module = MODULE): string[] {
  return [
    "--inputs",
    join(dir, "inputs.pb"),
    "--output-prefix",
    join(dir, "out"),
    "--raw-output-data-prefix",
    join(dir, "raw"),
    "--checkpoint-path",
    join(dir, "ck"),
    "--prev-checkpoint",
    '""',
    "--resolver",
    "flytekit_ts.default_task_resolver",
    "--",
    "task-module",
    module,
    "task-name",
    name,
  ];
}

async function execute(name: string, inputs: Record<string, Literal> = {}, env: Record<string, string> = {}) {
  const dir = prepare(inputs);
  const r = await run("tsflyte-execute", argv(dir, name), env);
  const out = join(dir, "out");
  return { ...r, dir, out, files: existsSync(out) ? readdirSync(out).sort() : [] };
}

const outputs = (path: string): LiteralMap => fromBinary(LiteralMapSchema, readFileSync(path));
const errorDoc = (path: string): ErrorDocument => fromBinary(ErrorDocumentSchema, readFileSync(path));
const same = (a: Literal | undefined, b: Literal) =>
  assert.deepEqual(toBinary(LiteralSchema, a!), toBinary(LiteralSchema, b));

describe("tsflyte-execute as a subprocess", () => {
  before(() => {
    assert.ok(existsSync(join(repo, "dist", "entrypoint", "execute.js")), "run `npm run build` first");
  });

  it("runs a task and writes outputs.pb", async () => {
    const r = await execute("add", { a: integerLiteral(2n), b: integerLiteral(40n) });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.files, ["outputs.pb"]);
    same(outputs(join(r.out, "outputs.pb")).literals.o0, integerLiteral(42n));
  });

  it("loads a TypeScript module through tsx", async () => {
    const dir = prepare({ name: stringLiteral("flyte") });
    const r = await run("tsflyte-execute", argv(dir, "greet", "test.e2e.fixtures.entrypoint.typed"));
    assert.equal(r.code, 0, r.stderr);
    same(outputs(join(dir, "out", "outputs.pb")).literals.o0, stringLiteral("hello flyte"));
  });

  it("a user error → error.pb USER, NON_RECOVERABLE, exit 0", async () => {
    const r = await execute("fails", { a: integerLiteral(1n) });
    assert.equal(r.code, 0);
    assert.deepEqual(r.files, ["error.pb"]);
    const e = errorDoc(join(r.out, "error.pb")).error!;
    assert.equal(e.code, "USER:TypeError");
    assert.equal(e.kind, ContainerError_Kind.NON_RECOVERABLE);
    assert.equal(e.origin, ExecutionError_ErrorKind.USER);
    assert.match(e.message, /TypeError: bad value 1[\s\S]*Caused by: Error: the root cause/);
    assert.match(r.stderr, /"level":"error".*task failed/, "the error is logged too");
  });

  it("leaves no scratch directory behind, after a success or a failure, unless FLYTE_LOCAL_KEEP is set", async () => {
    const scratch = (env: Record<string, string>) => {
      const tmp = mkdtempSync(join(tmpdir(), "ep-tmp-"));
      return { env: { TMPDIR: tmp, ...env }, left: () => readdirSync(tmp).filter((f) => f.startsWith("tsflyte-")) };
    };
    const ok = scratch({});
    assert.equal((await execute("add", { a: integerLiteral(1n), b: integerLiteral(2n) }, ok.env)).code, 0);
    assert.deepEqual(ok.left(), []);
    const failed = scratch({});
    assert.deepEqual((await execute("fails", { a: integerLiteral(1n) }, failed.env)).files, ["error.pb"]);
    assert.deepEqual(failed.left(), []);
    const kept = scratch({ FLYTE_LOCAL_KEEP: "true" });
    assert.equal((await execute("add", { a: integerLiteral(1n), b: integerLiteral(2n) }, kept.env)).code, 0);
    assert.equal(kept.left().length, 1);
  });

  it("a recoverable user error → RECOVERABLE", async () => {
    const e = errorDoc(join((await execute("flaky")).out, "error.pb")).error!;
    assert.deepEqual(
      [e.code, e.kind, e.origin],
      ["USER:Recoverable", ContainerError_Kind.RECOVERABLE, ExecutionError_ErrorKind.USER],
    );
  });

  it("an input of the wrong type → error.pb SYSTEM, NON_RECOVERABLE", async () => {
    const r = await execute("add", { a: stringLiteral("two"), b: integerLiteral(40n) });
    assert.equal(r.code, 0);
    const e = errorDoc(join(r.out, "error.pb")).error!;
    assert.deepEqual(
      [e.code, e.kind, e.origin],
      ["SYSTEM", ContainerError_Kind.NON_RECOVERABLE, ExecutionError_ErrorKind.SYSTEM],
    );
    assert.match(e.message, /input a/);
  });

  it("a module that does not exist, or fails to import → error.pb USER:TaskLoadError", async () => {
    for (const [module, why] of [
      ["test.e2e.fixtures.entrypoint.missing", /module test\.e2e\.fixtures\.entrypoint\.missing was not found/],
      ["test.e2e.fixtures.entrypoint.broken", /this module cannot be imported/],
    ] as const) {
      const dir = prepare();
      const r = await run("tsflyte-execute", argv(dir, "never", module));
      assert.equal(r.code, 0);
      const e = errorDoc(join(dir, "out", "error.pb")).error!;
      assert.deepEqual(
        [e.code, e.kind, e.origin],
        ["USER:TaskLoadError", ContainerError_Kind.NON_RECOVERABLE, ExecutionError_ErrorKind.USER],
      );
      assert.match(e.message, why);
    }
  });

  it("FLYTE_FAIL_ON_ERROR=true → exit 1 after writing error.pb", async () => {
    const r = await execute("fails", { a: integerLiteral(1n) }, { FLYTE_FAIL_ON_ERROR: "true" });
    assert.equal(r.code, 1);
    assert.deepEqual(r.files, ["error.pb"]);
    const ok = await execute("noop", {}, { FLYTE_FAIL_ON_ERROR: "true" });
    assert.equal(ok.code, 0);
  });

  it("IgnoreOutputs → nothing written", async () => {
    const r = await execute("ignored");
    assert.equal(r.code, 0);
    assert.deepEqual(r.files, []);
  });

  it("a promise user code forgot to handle does not kill the process while it writes the outputs", async () => {
    const r = await execute("careless");
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.files, ["outputs.pb"]);
    assert.match(r.stderr, /ignoring an unhandled promise rejection: Error: forgotten/);
  });

  it("a malformed command line → exit 2 with the usage", async () => {
    const r = await run("tsflyte-execute", ["--inputs", "x"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--output-prefix is required\nusage: tsflyte-execute/);
  });

  it("never writes a secret read through the SDK: not in error.pb, deck.html or the logs", async () => {
    const sentinel = "e2e-s3ntinel-6f1d9";
    const r = await execute("leaky", {}, { _FSEC_DB_PASSWORD: sentinel, FLYTE_SDK_LOGGING_LEVEL: "debug" });
    assert.deepEqual(r.files, ["deck.html", "error.pb"]);
    for (const f of r.files) assert.equal(readFileSync(join(r.out, f)).includes(sentinel), false, f);
    assert.equal(r.stderr.includes(sentinel), false, "stderr");
    assert.match(errorDoc(join(r.out, "error.pb")).error!.message, /login failed for password \*\*\*/);
    assert.match(r.stderr, /connecting with \*\*\*/);
  });

  it("SIGTERM aborts currentContext().signal; the failure is SYSTEM, RECOVERABLE", async () => {
    const dir = prepare();
    const ready = join(dir, "ready");
    let pid = 0;
    const done = run("tsflyte-execute", argv(dir, "sleeper"), { SLEEPER_READY: ready }, { onSpawn: (p) => (pid = p) });
    while (!existsSync(ready)) await new Promise((r) => setTimeout(r, 20));
    process.kill(pid, "SIGTERM");
    const r = await done;
    assert.equal(r.code, 0);
    const e = errorDoc(join(dir, "out", "error.pb")).error!;
    assert.deepEqual(
      [e.code, e.kind, e.origin],
      ["SYSTEM", ContainerError_Kind.RECOVERABLE, ExecutionError_ErrorKind.SYSTEM],
    );
    assert.match(e.message, /asked to stop \(SIGTERM\)/);
  });

  it("writes no partially readable outputs.pb whatever step it is killed at", async () => {
    const inputs = { text: stringLiteral("payload") };
    const env = { _F_L_MIN_SIZE_MB: "0" }; // every output is offloaded too, so each step has something to commit
    const control = await execute("writesFile", inputs, env);
    assert.equal(control.code, 0, control.stderr);
    assert.deepEqual(control.files, ["o0_offloaded_metadata.pb", "outputs.pb"]);
    for (const step of FAULT_STEPS) {
      const r = await execute("writesFile", inputs, { ...env, FLYTEKIT_TS_FAULT_AT: step });
      assert.equal(r.signal, "SIGKILL", `${step}: killed`);
      assert.equal(r.files.includes("outputs.pb"), false, `${step}: no outputs.pb`);
      assert.equal(
        r.files.some((f) => f.startsWith("outputs.pb")),
        false,
        `${step}: no partial outputs.pb: ${r.files.join(", ")}`,
      );
    }
    // The error path commits the same way.
    const failed = await execute("fails", { a: integerLiteral(1n) }, { FLYTEKIT_TS_FAULT_AT: "before-outputs" });
    assert.equal(failed.signal, "SIGKILL");
    assert.deepEqual(failed.files, []);
  });

  it("a completed attempt's outputs.pb only points at data that exists", async () => {
    const r = await execute("writesFile", { text: stringLiteral("hello") }, { _F_L_MIN_SIZE_MB: "0" });
    const ref = outputs(join(r.out, "outputs.pb")).literals.o0!;
    assert.equal(ref.value.case, "offloadedMetadata");
    const offloaded = fromBinary(LiteralSchema, readFileSync((ref.value.value as { uri: string }).uri));
    const blob =
      offloaded.value.case === "scalar" && offloaded.value.value.value.case === "blob"
        ? offloaded.value.value.value.value
        : undefined;
    assert.ok(blob);
    assert.ok(blob.uri.startsWith(join(r.dir, "raw")));
    assert.equal(readFileSync(blob.uri, "utf8"), "hello");
  });
});

describe("tsflyte-map-execute as a subprocess", () => {
  it("runs element `index` and writes only its outputs", async () => {
    const dir = prepare({
      x: collectionLiteral([stringLiteral("not an int"), integerLiteral(3n), stringLiteral("not an int")]),
      offset: integerLiteral(1n),
    });
    const args = argv(dir, "square");
    args.splice(args.indexOf("--"), 0, "--bound-inputs", "offset");
    const r = await run("tsflyte-map-execute", args, {
      BATCH_JOB_ARRAY_INDEX_VAR_NAME: "FLYTE_K8S_ARRAY_INDEX",
      FLYTE_K8S_ARRAY_INDEX: "0",
      BATCH_JOB_ARRAY_INDEX_OFFSET: "1",
    });
    assert.equal(r.code, 0, r.stderr);
    const lm = outputs(join(dir, "out", "outputs.pb"));
    assert.deepEqual(Object.keys(lm.literals), ["o0"]);
    same(lm.literals.o0, integerLiteral(10n));
  });
});

describe("tsflyte-fast-execute as a subprocess", () => {
  let work: string;
  let bundle: string;

  before(() => {
    work = mkdtempSync(join(tmpdir(), "ep-fast-"));
    // The SDK installed where the image keeps it: a node_modules above the destination directory.
    mkdirSync(join(work, "node_modules"));
    symlinkSync(repo, join(work, "node_modules", "flytekit-ts"));
    const tar = execFileSync("tar", [
      "-cf",
      "-",
      "-C",
      join(repo, "test", "e2e", "fixtures", "entrypoint", "bundle"),
      ".",
    ]);
    bundle = join(work, "fast4d2c.tar.gz");
    writeFileSync(bundle, gzipSync(tar));
  });

  it("unpacks the bundle and runs tsflyte-execute on its code", async () => {
    const dir = prepare({ x: integerLiteral(21n) });
    const dest = join(work, "app");
    const r = await run(
      "tsflyte-fast-execute",
      ["--additional-distribution", bundle, "--dest-dir", dest, "--", "tsflyte-execute", ...argv(dir, "twice", "wf")],
      { FLYTE_PROJECT_ROOT: "" },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(dest, "lib", "double.js")));
    same(outputs(join(dir, "out", "outputs.pb")).literals.o0, integerLiteral(42n));
  });

  it("runs any other command in the unpacked directory and exits with its status", async () => {
    const dest = join(work, "other");
    const r = await run("tsflyte-fast-execute", [
      "--additional-distribution",
      bundle,
      "--dest-dir",
      dest,
      "--",
      process.execPath,
      "-e",
      'process.exit(require("fs").existsSync("wf.js") && process.env.FLYTE_PROJECT_ROOT === process.cwd() ? 7 : 1)',
    ]);
    assert.equal(r.code, 7, r.stderr);
  });
});

describe("tsflyte-execute against an S3 server", () => {
  let server: S3rver;
  let endpoint: string;
  let dir: string;
  const creds = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "ep-s3-"));
    // No listing happens here, so s3rver's DES continuation tokens (see test/unit/storage) are never used.
    server = new S3rver({
      address: "127.0.0.1",
      port: 0,
      silent: true,
      directory: dir,
      configureBuckets: [{ name: "flyte" }],
    });
    const { port } = await server.run();
    endpoint = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    await server.close();
  });

  it("reads inputs.pb from S3 and writes outputs.pb and raw data there", async () => {
    const s3 = new S3Storage({ endpoint, credentials: creds, retry: { maxAttempts: 2, baseDelayMs: 5 } });
    const prefix = "s3://flyte/metadata/exec-1/n0/data/0";
    await s3.put(
      `${prefix}/inputs.pb`,
      toBinary(LiteralMapSchema, literalMap({ text: stringLiteral("in the bucket") })),
    );
    const r = await run(
      "tsflyte-execute",
      [
        "--inputs",
        `${prefix}/inputs.pb`,
        "--output-prefix",
        prefix,
        "--raw-output-data-prefix",
        "s3://flyte/raw/exec-1",
        "--resolver",
        "flytekit_ts.default_task_resolver",
        "--",
        "task-module",
        MODULE,
        "task-name",
        "writesFile",
      ],
      {
        FLYTE_AWS_ENDPOINT: endpoint,
        FLYTE_AWS_ACCESS_KEY_ID: creds.accessKeyId,
        FLYTE_AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
      },
    );
    assert.equal(r.code, 0, r.stderr);
    const lm = fromBinary(LiteralMapSchema, await s3.get(`${prefix}/outputs.pb`));
    const o0 = lm.literals.o0!;
    const uri =
      o0.value.case === "scalar" && o0.value.value.value.case === "blob" ? o0.value.value.value.value.uri : "";
    assert.match(uri, /^s3:\/\/flyte\/raw\/exec-1\/[0-9a-f]{32}\/out\.txt$/);
    assert.equal(new TextDecoder().decode(await s3.get(uri)), "in the bucket");
  });
});
