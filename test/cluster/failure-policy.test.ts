/**
 * The workflow failure policy on FlytePropeller, the oracle of the local runner's: the same graph (a node that fails
 * while an independent chain sleeps, and a subworkflow whose own policy is the default) runs on the local Flyte and
 * in-process, and the nodes that succeed are the same. Under `after-executable-nodes-complete` the chain, the
 * subworkflow's and the dynamic workflow's chains finish (the launched workflow's policy holds inside them); under
 * `immediate` no chain's last node runs.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type NodeEvent, observeRun } from "flytekit-ts";
import type { NodeExecution } from "../../src/idl/gen/flyteidl/admin/node_execution_pb.js";
import { NodeExecution_Phase } from "../../src/idl/gen/flyteidl/core/execution_pb.js";
import { enumName } from "../../src/idl/types.js";
import type { FlyteExecution } from "../../src/remote/execution.js";
import type { FlyteRemote } from "../../src/remote/remote.js";
import { clusterRemote, entity, repo, type Runnable } from "../helpers/cluster-remote.js";
import { ensureLocalFlyte, type LocalFlyte } from "../helpers/local-flyte.js";

const FIXTURE = "test/cluster/fixtures/failure-policy.ts";
/** Long enough for the failing pod to fail while the sleeping one still runs. */
const SLEEP_MS = 8000;

/** `path -> phase` of every node that succeeded on the cluster (`n4/n2` for node n2 of subworkflow node n4). */
async function succeededOnCluster(ex: FlyteExecution): Promise<string[]> {
  const out: string[] = [];
  const visit = async (parent: NodeExecution | undefined, prefix: string) => {
    for (const n of await ex.nodeExecutions(parent)) {
      const id = n.metadata?.specNodeId || n.id!.nodeId;
      if (id === "start-node" || id === "end-node") continue;
      const phase = enumName(NodeExecution_Phase, n.closure?.phase ?? 0);
      if (phase === "SUCCEEDED") out.push(`${prefix}${id}`);
      if (n.metadata?.isParentNode) await visit(n, `${prefix}${id}/`);
    }
  };
  await visit(undefined, "");
  return out.sort();
}

/** The nodes that succeeded in a local run of the same workflow. */
async function succeededLocally(wf: Runnable): Promise<{ nodes: string[]; error: string }> {
  const events: NodeEvent[] = [];
  let error = "";
  try {
    await observeRun({ node: (e) => events.push(e), log: () => undefined }, () => wf({ ms: 300 }));
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  const last = new Map<string, string>();
  for (const e of events) last.set(e.path, e.phase);
  return {
    nodes: [...last]
      .filter(([, p]) => p === "succeeded")
      .map(([path]) => path)
      .sort(),
    error,
  };
}

describe("failure policy on a real Flyte", { concurrency: 2 }, () => {
  let flyte: LocalFlyte;
  let remote: FlyteRemote;
  let version: string;
  const wfs: Record<string, Runnable> = {};

  before(async () => {
    flyte = await ensureLocalFlyte();
    remote = clusterRemote(flyte);
    for (const name of ["keepGoing", "stopAtOnce"]) wfs[name] = await entity(FIXTURE, name);
    version = (await remote.register(Object.values(wfs), { root: repo })).version;
  });

  after(async () => {
    remote?.clients.close();
    await flyte?.stop();
  });

  const cases: [name: string, expected: string[]][] = [
    ["keepGoing", ["n2", "n3", "n4/n1", "n4/n2", "n5/dn1", "n5/dn2"]],
    // Propeller aborts the sleeping nodes once the workflow fails; locally they finish on their own, and nothing
    // downstream of them starts either way.
    ["stopAtOnce", []],
  ];
  for (const [name, expected] of cases) {
    test(`${name}: the nodes that succeed on propeller and locally`, async () => {
      const ex = await remote.execute(wfs[name]!, { ms: SLEEP_MS }, { version });
      await ex.wait({ timeout: 300_000 });
      assert.equal(ex.phaseName, "FAILED");
      assert.throws(() => ex.checkSucceeded(), /gave up/);
      const cluster = await succeededOnCluster(ex);
      const local = await succeededLocally(wfs[name]!);
      assert.match(local.error, /gave up/);
      const ends = (paths: string[]) => paths.filter((p) => p === "n3" || p === "n4/n2" || p === "n5/dn2");
      assert.deepEqual(ends(cluster), ends(expected), `on propeller: ${cluster.join(", ")}`);
      assert.deepEqual(ends(local.nodes), ends(expected), `locally: ${local.nodes.join(", ")}`);
      if (name === "keepGoing") {
        assert.deepEqual(cluster, expected);
        assert.deepEqual(local.nodes, expected);
      }
    });
  }
});
