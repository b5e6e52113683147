/**
 * A workflow defined under a hidden directory (`test/cluster/fixtures/.flyte/wf.ts`) on the local Flyte: registration
 * names it without an empty module segment, bundles the hidden directory, and the pods load its tasks from the bundle.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { FlyteRemote } from "../../src/remote/remote.js";
import { clusterRemote, entity, repo } from "../helpers/cluster-remote.js";
import { ensureLocalFlyte, type LocalFlyte } from "../helpers/local-flyte.js";

describe("a workflow in a hidden directory on a real Flyte", () => {
  let flyte: LocalFlyte;
  let remote: FlyteRemote;

  before(async () => {
    flyte = await ensureLocalFlyte();
    remote = clusterRemote(flyte);
  });

  after(async () => {
    remote?.clients.close();
    await flyte?.stop();
  });

  test("registers as test.cluster.fixtures.flyte.wf.* and runs from the code bundle", async () => {
    const wf = await entity("test/cluster/fixtures/.flyte/wf.ts", "hiddenWf");
    assert.equal(wf.name, "test.cluster.fixtures.flyte.wf.hiddenWf");
    const reg = await remote.register([wf], { root: repo });
    assert.deepEqual(reg.entities.map((e) => e.name).sort(), [
      "test.cluster.fixtures.flyte.wf.hiddenWf",
      "test.cluster.fixtures.flyte.wf.hiddenWf",
      "test.cluster.fixtures.flyte.wf.tag",
    ]);
    const ex = await remote.execute(wf, { s: "hidden" }, { version: reg.version });
    await ex.wait({ timeout: 300_000 });
    assert.equal(await ex.outputs(), "hidden!!");
  });
});
