// Eager tasks in a container: `node bin/tsflyte-execute.js` as propeller runs it, with the admin reached through the
// FLYTE_PLATFORM_* variables a pod gets, here a loopback admin (test/helpers/eager-admin.ts). The children become
// executions of their own; SIGTERM terminates those still running; the efn failure handler, loaded through
// flytekit_ts.eager_failure_task_resolver, terminates the ones a failed parent left. Needs `npm run build` first.
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { ErrorDocumentSchema } from "../../src/idl/gen/flyteidl/core/errors_pb.js";
import { LiteralMapSchema } from "../../src/idl/gen/flyteidl/core/literals_pb.js";
import { integerLiteral, literalMap } from "../../src/idl/literals.js";
import { FakeEagerAdmin } from "../helpers/eager-admin.js";

const repo = resolve(import.meta.dirname, "..", "..");
const MODULE = "test.e2e.fixtures.eager.tasks";

function start(
  admin: FakeEagerAdmin,
  exec: string,
  loader: string[],
  resolver: string,
  n: number,
  env: Record<string, string> = {},
) {
  const dir = mkdtempSync(join(tmpdir(), "eager-e2e-"));
  writeFileSync(join(dir, "inputs.pb"), toBinary(LiteralMapSchema, literalMap({ n: integerLiteral(BigInt(n)) })));
  const child = spawn(
    process.execPath,
    [
      join(repo, "bin", "tsflyte-execute.js"),
      "--inputs",
      join(dir, "inputs.pb"),
      "--output-prefix",
      join(dir, "out"),
      "--raw-output-data-prefix",
      join(dir, "raw"),
      "--resolver",
      resolver,
      "--",
      ...loader,
    ],
    {
      cwd: repo,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: dir,
        FLYTE_PROJECT_ROOT: repo,
        FLYTE_PLATFORM_URL: `127.0.0.1:${admin.port}`,
        FLYTE_PLATFORM_INSECURE: "true",
        FLYTE_INTERNAL_EXECUTION_PROJECT: "p",
        FLYTE_INTERNAL_EXECUTION_DOMAIN: "development",
        FLYTE_INTERNAL_EXECUTION_ID: exec,
        FLYTE_INTERNAL_TASK_VERSION: "v9",
        ...env,
      },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const done = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  const out = join(dir, "out");
  return { child, done, out, stderr: () => stderr, files: () => (existsSync(out) ? readdirSync(out).sort() : []) };
}

describe("eager tasks in tsflyte-execute against a loopback admin", () => {
  const admin = new FakeEagerAdmin();
  before(() => admin.start());
  after(() => admin.stop());

  it("fans out, catches a failed child and writes the outputs; children at the task's version with eager labels", async () => {
    const r = start(
      admin,
      "epfan1",
      ["task-module", MODULE, "task-name", "fan"],
      "flytekit_ts.default_task_resolver",
      4,
    );
    assert.equal(await r.done, 0, r.stderr());
    assert.ok(r.files().includes("outputs.pb"), `${r.files()} ${r.stderr()}`);
    const out = fromBinary(LiteralMapSchema, readFileSync(join(r.out, "outputs.pb")));
    const o0 = out.literals.o0!.value;
    assert.deepEqual(
      o0.case === "scalar" && o0.value.value.case === "primitive" ? o0.value.value.value.value : undefined,
      {
        case: "integer",
        value: 1012n,
      },
    );
    const kids = [...admin.executions.values()].filter((k) => k.labels["eager-exec"] === "epfan1");
    assert.equal(kids.length, 5);
    for (const k of kids) {
      assert.equal(k.execution.spec!.launchPlan!.version, "v9");
      assert.equal(k.envs._F_EE_ROOT, "epfan1");
    }
  });

  it("SIGTERM terminates the running children before the process exits; the live deck showed them running", async () => {
    const r = start(
      admin,
      "epterm1",
      ["task-module", MODULE, "task-name", "hang"],
      "flytekit_ts.default_task_resolver",
      3,
      { FLYTE_EAGER_DECK_INTERVAL: "50ms" },
    );
    while (admin.phases("epterm1").length < 3) {
      if (r.child.exitCode !== null) assert.fail(r.stderr());
      await new Promise((res) => setTimeout(res, 20));
    }
    // The running task publishes its decks: the console shows the calls before the task ends.
    const deck = join(r.out, "deck.html");
    const deadline = Date.now() + 10_000;
    while (!(existsSync(deck) && readFileSync(deck, "utf8").includes("3 calls: 3 running"))) {
      assert.ok(Date.now() < deadline, `no live deck with the running calls: ${r.stderr()}`);
      await new Promise((res) => setTimeout(res, 20));
    }
    assert.ok(!existsSync(join(r.out, "error.pb")) && !existsSync(join(r.out, "outputs.pb")), "still running");
    r.child.kill("SIGTERM");
    assert.equal(await r.done, 0, r.stderr());
    assert.deepEqual(admin.phases("epterm1"), ["ABORTED", "ABORTED", "ABORTED"]);
    const err = fromBinary(ErrorDocumentSchema, readFileSync(join(r.out, "error.pb"))).error!;
    assert.match(err.message, /SIGTERM/);
  });

  it("the failure handler terminates the children a failed parent left running", async () => {
    const parent = start(
      admin,
      "eporph1",
      ["task-module", MODULE, "task-name", "hang"],
      "flytekit_ts.default_task_resolver",
      2,
    );
    while (admin.phases("eporph1").length < 2) await new Promise((res) => setTimeout(res, 20));
    parent.child.kill("SIGKILL");
    await parent.done;
    assert.deepEqual(admin.phases("eporph1"), ["RUNNING", "RUNNING"]);
    const efn = start(admin, "eporph1", ["eager", "failure", "handler"], "flytekit_ts.eager_failure_task_resolver", 2);
    assert.equal(await efn.done, 0, efn.stderr());
    assert.deepEqual(efn.files(), ["outputs.pb"], efn.stderr());
    assert.deepEqual(admin.phases("eporph1"), ["ABORTED", "ABORTED"]);
  });
});
