/**
 * `tsflyte run` of workflows whose nodes fail while others run: under `after-executable-nodes-complete` every node not
 * downstream of a failure runs, in subworkflows and dynamic workflows too, and the run fails with the first error.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { after, describe, test } from "node:test";
import { BIN, cliScratch, ROOT } from "../helpers/cli.js";

const FIXTURE = "test/e2e/fixtures/failure-policy.ts";
const { scratch, env } = cliScratch("tsflyte-failure-policy-");
after(() => rmSync(scratch, { recursive: true, force: true }));

interface RunDoc {
  outputs: unknown;
  run: { status: string; error: { message: string } };
  nodes: { path: string; phase: string }[];
}

function runJson(entity: string): Promise<{ code: number; doc: RunDoc }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [BIN, "run", "--json", FIXTURE, entity],
      { cwd: ROOT, env, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") reject(error);
        else {
          try {
            resolve({ code: error ? (error.code as number) : 0, doc: JSON.parse(stdout) as RunDoc });
          } catch {
            reject(new Error(`tsflyte run ${entity} printed no JSON:\n${stdout}\n${stderr}`));
          }
        }
      },
    );
  });
}

const phases = (doc: RunDoc) => Object.fromEntries(doc.nodes.map((n) => [n.path, n.phase]));

describe("tsflyte run: failure policy", () => {
  test("after-executable-nodes-complete: independent nodes run, at every level; the first error is reported", async () => {
    const { code, doc } = await runJson("keepGoing");
    assert.equal(code, 1);
    assert.equal(doc.run.status, "failed");
    assert.match(doc.run.error.message, /top gave up/);
    const p = phases(doc);
    assert.equal(p.n0, "failed");
    assert.equal(p.n1, "skipped", "downstream of the failed node");
    assert.equal(p.n2, "succeeded");
    assert.equal(p.n3, "succeeded", "the independent chain runs to its end");
    // The subworkflow's own policy is immediate, but the launched workflow's holds inside it.
    assert.equal(p["n4/n0"], "failed");
    assert.equal(p["n4/n2"], "succeeded");
    assert.equal(p.n4, "failed");
    assert.equal(p["n5/dn0"], "failed");
    for (const id of ["dn1", "dn2", "dn3", "dn4"]) assert.equal(p[`n5/${id}`], "succeeded", `n5/${id}`);
    assert.equal(p.n5, "failed");
  });

  test("immediate (the default): nothing starts after the first failure", async () => {
    const { code, doc } = await runJson("stopAtOnce");
    assert.equal(code, 1);
    assert.match(doc.run.error.message, /top gave up/);
    const p = phases(doc);
    assert.equal(p.n0, "failed");
    assert.equal(p.n1, "skipped");
    assert.equal(p.n3, "skipped");
    // Nodes already running when the failure came are left to finish; none downstream of them starts.
    assert.equal(p["n4/n2"], "skipped");
    assert.equal(p["n5/dn2"], "skipped");
    assert.equal(p["n5/dn4"], "skipped");
  });
});
