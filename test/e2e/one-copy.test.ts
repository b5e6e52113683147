/**
 * One SDK copy per process: user code in a code bundle whose root is itself a package named `flytekit-ts` (with its
 * own dist/, as a bundle of this repository is) imports the entrypoint's copy, not the bundle's. Proven by what only
 * one context store allows: an eager task launches its children through the admin the entrypoint connected (a
 * loopback admin), a dynamic task's nodes serialize into futures.pb. Both through `tsflyte-execute` and through
 * `tsflyte-fast-execute` unpacking the bundle, as in a pod. Needs `npm run build` first.
 */
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { t } from "flytekit-ts";
import { DynamicJobSpecSchema } from "../../src/idl/gen/flyteidl/core/dynamic_job_pb.js";
import { LiteralMapSchema } from "../../src/idl/gen/flyteidl/core/literals_pb.js";
import { integerLiteral, literalMap } from "../../src/idl/literals.js";
import { reachedCopy } from "../../src/entrypoint/one-copy.js";
import { NO_DATA } from "../../src/types/type.js";
import { FakeEagerAdmin } from "../helpers/eager-admin.js";

const repo = resolve(import.meta.dirname, "..", "..");
const EAGER = "test.e2e.fixtures.eager.tasks";
const DYNAMIC = "test.e2e.fixtures.dynamic.dyn";

/**
 * A scratch directory holding `bundle/` (package.json named flytekit-ts, a copy of dist/, the fixtures at their
 * module paths), `bundle.tar.gz` of it, and `node_modules` (the repository's, so the bundle's copy can load).
 */
function makeBundle(): { dir: string; bundle: string; archive: string } {
  assert.ok(existsSync(join(repo, "dist", "index.js")), "dist/ is missing: run `npm run build` first");
  const dir = mkdtempSync(join(tmpdir(), "one-copy-"));
  const bundle = join(dir, "bundle");
  const pkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as Record<string, unknown>;
  mkdirSync(bundle);
  writeFileSync(
    join(bundle, "package.json"),
    JSON.stringify({ name: pkg.name, version: pkg.version, type: "module", exports: pkg.exports }),
  );
  cpSync(join(repo, "dist"), join(bundle, "dist"), { recursive: true });
  for (const sub of ["eager", "dynamic"]) {
    cpSync(join(repo, "test", "e2e", "fixtures", sub), join(bundle, "test", "e2e", "fixtures", sub), {
      recursive: true,
    });
  }
  symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"), "dir");
  const archive = join(dir, "bundle.tar.gz");
  const tar = spawnSync("tar", ["-czf", archive, "-C", bundle, "."], { encoding: "utf8" });
  assert.equal(tar.status, 0, tar.stderr);
  return { dir, bundle, archive };
}

interface Run {
  code: number | null;
  stderr: string;
  out: string;
}

/** Runs `bin/<exe>` of the repository with `args`, from `cwd`, with the pod variables and the admin at `port`. */
function runBin(exe: string, args: string[], cwd: string, exec: string, port: number, n: number): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), "one-copy-run-"));
  writeFileSync(join(dir, "inputs.pb"), toBinary(LiteralMapSchema, literalMap({ n: integerLiteral(BigInt(n)) })));
  const io = ["--inputs", join(dir, "inputs.pb"), "--output-prefix", join(dir, "out")];
  const child = spawn(
    process.execPath,
    [
      join(repo, "bin", exe),
      ...args.flatMap((a) => (a === "@io" ? io : a === "@raw" ? ["--raw-output-data-prefix", join(dir, "raw")] : [a])),
    ],
    {
      cwd,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: dir,
        FLYTE_PLATFORM_URL: `127.0.0.1:${port}`,
        FLYTE_PLATFORM_INSECURE: "true",
        FLYTE_INTERNAL_EXECUTION_PROJECT: "p",
        FLYTE_INTERNAL_EXECUTION_DOMAIN: "development",
        FLYTE_INTERNAL_EXECUTION_ID: exec,
        FLYTE_INTERNAL_TASK_PROJECT: "p",
        FLYTE_INTERNAL_TASK_DOMAIN: "development",
        FLYTE_INTERNAL_TASK_VERSION: "v9",
      },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((done) => child.on("exit", (code) => done({ code, stderr, out: join(dir, "out") })));
}

const executeArgs = (module: string, name: string) => [
  "@io",
  "@raw",
  "--resolver",
  "flytekit_ts.default_task_resolver",
  "--",
  "task-module",
  module,
  "task-name",
  name,
];

describe("one copy of flytekit-ts in a process whose user code sits in a package named flytekit-ts", () => {
  const admin = new FakeEagerAdmin();
  let b: ReturnType<typeof makeBundle>;
  before(async () => {
    b = makeBundle();
    await admin.start();
  });
  after(() => admin.stop());

  it("the bundle reaches its own copy without the entrypoint's pin (the two-copy setting)", () => {
    assert.equal(reachedCopy(b.bundle), b.bundle);
    assert.equal(reachedCopy(join(b.bundle, "test", "e2e")), b.bundle);
  });

  it("tsflyte-execute: an eager task launches its children through the admin", async () => {
    const r = await runBin("tsflyte-execute.js", executeArgs(EAGER, "fan"), b.bundle, "oc-eager1", admin.port, 3);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(r.out), ["deck.html", "outputs.pb"], r.stderr);
    const out = fromBinary(LiteralMapSchema, readFileSync(join(r.out, "outputs.pb")));
    assert.equal(t.int.fromLiteral(out.literals.o0!, NO_DATA), 1006);
    const kids = [...admin.executions.values()].filter((k) => k.labels["eager-exec"] === "oc-eager1");
    assert.deepEqual(kids.map((k) => k.execution.spec?.launchPlan?.name).sort(), [
      "eg.boom",
      "eg.double",
      "eg.double",
      "eg.double",
    ]);
  });

  it("tsflyte-fast-execute: the unpacked bundle's eager task launches through the admin, its dynamic task serializes", async () => {
    const dest = join(b.dir, "pod-root");
    const fast = (name: string, module: string, exec: string, n: number) =>
      runBin(
        "tsflyte-fast-execute.js",
        [
          "--additional-distribution",
          b.archive,
          "--dest-dir",
          dest,
          "--",
          "tsflyte-execute",
          ...executeArgs(module, name),
        ],
        b.dir,
        exec,
        admin.port,
        n,
      );
    const eager = await fast("fan", EAGER, "oc-eager2", 2);
    assert.equal(eager.code, 0, eager.stderr);
    assert.deepEqual(readdirSync(eager.out), ["deck.html", "outputs.pb"], eager.stderr);
    assert.equal(reachedCopy(dest), dest);
    assert.equal([...admin.executions.values()].filter((k) => k.labels["eager-exec"] === "oc-eager2").length, 3);

    const dyn = await fast("fanout", DYNAMIC, "oc-dyn", 2);
    assert.equal(dyn.code, 0, dyn.stderr);
    assert.deepEqual(readdirSync(dyn.out), ["futures.pb"], dyn.stderr);
    const spec = fromBinary(DynamicJobSpecSchema, readFileSync(join(dyn.out, "futures.pb")));
    assert.deepEqual(
      spec.nodes.map((n) => n.id),
      ["dn0", "dn1", "dn2"],
    );
    assert.deepEqual(
      spec.tasks.map((t) => [t.id?.name, t.id?.version]),
      [[`${DYNAMIC}.square`, "v9"]],
    );
  });
});
