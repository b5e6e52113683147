/**
 * An eager body run in this process with its calls launched on a cluster (`runEagerLocally`), against the loopback
 * admin of test/helpers/eager-admin.ts, which refuses to launch what is not registered: registration at one version
 * (up front and, for entities first met in the body, before their first launch), the fan-out and its caught failure,
 * the labels and the version of the children, the "Eager Executions" deck on disk, a run of the same name attaching
 * to its children, and cancellation (a throwing body, an aborted signal) terminating every child still running.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { t, task } from "flytekit-ts";
import { createAdminClients } from "../../../src/remote/clients.js";
import { EAGER_EXEC_LABEL } from "../../../src/remote/eager.js";
import {
  EagerLocalRunError,
  eagerTaskOf,
  randomExecutionName,
  runEagerLocally,
} from "../../../src/remote/eager-local.js";
import { FlyteRemote } from "../../../src/remote/remote.js";
import { boom, double, fan, hang, quit, slow } from "../../e2e/fixtures/eager/tasks.js";
import { FakeEagerAdmin } from "../../helpers/eager-admin.js";

describe("runEagerLocally against a loopback admin", () => {
  const admin = new FakeEagerAdmin();
  let remote: FlyteRemote;
  // The code bundle of the registrations: a small directory, not the repository.
  const root = mkdtempSync(join(tmpdir(), "eager-local-"));
  writeFileSync(join(root, "package.json"), '{ "type": "module" }\n');
  const poll = { min: 10, max: 40, maxOnError: 200 };
  const children = (tag: string) => [...admin.executions.values()].filter((k) => k.labels[EAGER_EXEC_LABEL] === tag);

  before(async () => {
    await admin.start();
    admin.requireRegistration = true;
    remote = new FlyteRemote({
      clients: createAdminClients(
        { endpoint: `127.0.0.1:${admin.port}`, insecure: true },
        { retry: { maxAttempts: 1 } },
      ),
      project: "p",
      domain: "development",
      consoleEndpoint: "http://console.test",
    });
  });

  after(async () => {
    remote.clients.close();
    await admin.stop();
  });

  test("registers the called entities at one version, runs the body here and its calls as labelled executions", async () => {
    const r = await runEagerLocally(
      remote,
      fan,
      { n: 4 },
      { register: [fan, double, boom], root, name: "fanlocal1", version: "v1", poll },
    );
    assert.equal(r.outputs, 2 * (0 + 1 + 2 + 3) + 1000);
    assert.equal(r.name, "fanlocal1");
    assert.equal(r.version, "v1");
    for (const e of ["task eg.double@v1", "task eg.boom@v1", "task eg.fan@v1", "workflow eg.fan@v1"])
      assert.ok(admin.registered.includes(e), `${e} in ${admin.registered.join(", ")}`);
    assert.equal(admin.uploads.size, 1);
    const kids = children("fanlocal1");
    assert.equal(kids.length, 5);
    for (const k of kids) {
      assert.equal(k.execution.spec!.launchPlan!.version, "v1");
      assert.deepEqual(k.labels, { "eager-exec": "fanlocal1", "eager-root-exec": "fanlocal1" });
      assert.deepEqual(k.envs, { _F_EE_ROOT: "fanlocal1" });
    }
    assert.deepEqual(
      r.calls.map((c) => `${c.entityName}#${c.index} ${c.status}`),
      [
        "eg.double#0 succeeded",
        "eg.double#1 succeeded",
        "eg.double#2 succeeded",
        "eg.double#3 succeeded",
        "eg.boom#0 failed",
      ],
    );
    const deck = readFileSync(r.deckPath, "utf8");
    assert.match(deck, /Eager Executions/);
    assert.match(deck, /<td>eg\.boom<\/td><td[^>]*>0<\/td><td>x=1<\/td><td>failed<\/td>/);
    assert.match(
      deck,
      /<a href="http:\/\/console\.test\/console\/projects\/p\/domains\/development\/executions\/e-fan-fanlo-/,
    );

    // The same run name attaches to the children launched before: nothing is launched again.
    const launched = admin.created.length;
    const again = await runEagerLocally(
      remote,
      fan,
      { n: 4 },
      { register: [fan], root, name: "fanlocal1", version: "v1", poll },
    );
    assert.equal(again.outputs, 1012);
    assert.equal(admin.created.length, launched);
  });

  test("entities first met in the body are registered at the run's version before their first launch", async () => {
    const r = await runEagerLocally(remote, fan, { n: 2 }, { root, version: "v2", poll });
    assert.equal(r.outputs, 2 + 1000);
    assert.match(r.name, /^[a-z][a-z0-9]{19}$/);
    const v2 = admin.registered.filter((e) => e.endsWith("@v2")).sort();
    assert.deepEqual(v2, [
      "launch plan eg.fan@v2",
      "task eg.boom@v2",
      "task eg.double@v2",
      "task eg.fan-cleanup@v2",
      "task eg.fan@v2",
      "workflow eg.fan@v2",
    ]);
    // Without a version, the version is the digest of what was registered; the workflow of an eager task runs too.
    const viaWorkflow = await runEagerLocally(remote, fan.getAsWorkflow(), { n: 1 }, { root, poll });
    assert.equal(viaWorkflow.outputs, 1000);
    assert.match(viaWorkflow.version, /^ts-[0-9a-f]{20}$/);
  });

  test("a body that throws terminates the children still running; the error carries the calls and the deck", async () => {
    const err = await runEagerLocally(remote, quit, { n: 6 }, { root, version: "v3", name: "quitlocal1", poll }).then(
      () => assert.fail("the run should fail"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof EagerLocalRunError, String(err));
    assert.match(err.message, /eg\.quit \(run quitlocal1\) failed: .*giving up with 6 running/);
    assert.deepEqual(admin.phases("quitlocal1").sort(), [...Array(6).fill("ABORTED"), "SUCCEEDED"]);
    assert.equal(err.calls.filter((c) => c.status === "cancelled").length, 6);
    assert.match(
      readFileSync(err.deckPath, "utf8"),
      /<td>eg\.slow<\/td><td[^>]*>5<\/td><td>x=5<\/td><td>cancelled<\/td>/,
    );
  });

  test("aborting the signal (Ctrl-C) terminates every child and rejects", async () => {
    const abort = new AbortController();
    const deckPath = join(root, "decks", "hang.html");
    const run = runEagerLocally(
      remote,
      hang,
      { n: 5 },
      { root, version: "v4", name: "hanglocal1", signal: abort.signal, poll, deckPath },
    );
    while (children("hanglocal1").length < 5) await new Promise((r) => setTimeout(r, 10));
    abort.abort(new Error("interrupted by SIGINT"));
    await assert.rejects(run, (e: unknown) => e instanceof EagerLocalRunError && /SIGINT/.test(e.message));
    assert.deepEqual(admin.phases("hanglocal1"), Array(5).fill("ABORTED"));
    assert.match(readFileSync(deckPath, "utf8"), /<td>eg\.slow<\/td><td[^>]*>0<\/td><td>x=0<\/td><td>cancelled<\/td>/);
  });

  test("a create that finds an earlier create of its name still in flight attaches once the execution reads back", async () => {
    admin.requireRegistration = false;
    try {
      admin.inFlight.set("inflight1", 3);
      const ex = await remote.execute(double, { x: 4 }, { version: "v1", name: "inflight1" });
      assert.equal(ex.attached, true);
      assert.equal(admin.inFlight.get("inflight1"), 0);
      await ex.wait();
      assert.equal(await ex.outputs(), 8);
    } finally {
      admin.requireRegistration = true;
    }
  });

  test("what is not an eager task, a bad run name and bad inputs are refused before anything launches", async () => {
    assert.throws(() => eagerTaskOf(double), /eg\.double is a task, not an eager task/);
    const plain = task({ name: "eg.plain", inputs: {}, outputs: t.int }, () => 1);
    await assert.rejects(runEagerLocally(remote, plain, {}), /eg\.plain is a task, not an eager task/);
    await assert.rejects(
      runEagerLocally(remote, fan, { n: 1 }, { name: "Bad_Name" }),
      /name "Bad_Name" must be lowercase/,
    );
    const registered = admin.registered.length;
    await assert.rejects(
      runEagerLocally(remote, fan, { n: "four" } as never, { root, version: "v5", poll }),
      /eg\.fan.*n.*int/s,
    );
    assert.equal(admin.registered.length, registered);
    assert.match(randomExecutionName(), /^[a-z][a-z0-9]{19}$/);
    void slow;
  });
});
