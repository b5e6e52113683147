/**
 * Decks on the local Flyte: examples/decks.ts runs on FlytePropeller; the node of the task with decks carries a deck
 * URI in its execution closure (propeller sets `<output prefix>/deck.html` for tasks whose template says
 * `generates_deck`), the object is there with the page the task rendered, and FlyteAdmin's DataProxy signs a
 * download link for it as the console asks (CreateDownloadLink, ARTIFACT_TYPE_DECK). The node of the task without
 * decks has none. A task with decks that fails still has its deck (the timeline and its own decks).
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { loadEntities } from "../../src/cli/load.js";
import type { Entity } from "../../src/core/entity.js";
import type { NodeExecution } from "../../src/idl/gen/flyteidl/admin/node_execution_pb.js";
import { ArtifactType, CreateDownloadLinkRequestSchema } from "../../src/idl/gen/flyteidl/service/dataproxy_pb.js";
import { createAdminClients } from "../../src/remote/clients.js";
import { FlyteRemote } from "../../src/remote/remote.js";
import { S3Storage } from "../../src/storage/s3.js";
import { ensureLocalFlyte, type LocalFlyte } from "../helpers/local-flyte.js";

const repo = join(import.meta.dirname, "..", "..");
const tabs = (html: string) => [...html.matchAll(/<label for="tab-\d+">([^<]*)<\/label>/g)].map((m) => m[1]);

async function entity(file: string, name: string): Promise<Entity & ((i: never) => Promise<unknown>)> {
  const { entities } = await loadEntities(join(repo, file), repo);
  const e = entities.get(name);
  assert.ok(e, `${file} exports ${name}`);
  return e as never;
}

describe("decks on a real Flyte", () => {
  let flyte: LocalFlyte;
  let remote: FlyteRemote;
  let s3: S3Storage;

  before(async () => {
    assert.ok(existsSync(join(repo, "dist", "cli", "main.js")), "dist/ is missing: run `npm run build` first");
    flyte = await ensureLocalFlyte();
    remote = new FlyteRemote({
      clients: createAdminClients({ endpoint: flyte.adminEndpoint, insecure: true }),
      project: "flytesnacks",
      domain: "development",
    });
    s3 = new S3Storage({
      endpoint: flyte.s3Endpoint,
      credentials: {
        accessKeyId: flyte.podEnv.FLYTE_AWS_ACCESS_KEY_ID!,
        secretAccessKey: flyte.podEnv.FLYTE_AWS_SECRET_ACCESS_KEY!,
      },
    });
    await remote.register(
      [
        await entity("examples/decks.ts", "wf"),
        await entity("test/cluster/fixtures/decks.ts", "failingDeckWf"),
        await entity("test/cluster/fixtures/decks.ts", "cubes"),
      ],
      { root: repo },
    );
  });

  after(async () => {
    remote?.clients.close();
    await flyte?.stop();
  });

  /** The node's deck as the console gets it: a signed link from DataProxy, then a plain GET. */
  async function viaConsole(node: NodeExecution): Promise<{ html: string; type: string | null }> {
    const link = await remote.clients.dataProxy.createDownloadLink(
      create(CreateDownloadLinkRequestSchema, {
        artifactType: ArtifactType.DECK,
        source: { case: "nodeExecutionId", value: node.id! },
        expiresIn: { seconds: 300n },
      }),
    );
    const url = link.preSignedUrls?.signedUrl[0];
    assert.ok(url, "a signed URL");
    const res = await fetch(url);
    assert.equal(res.status, 200, url);
    return { html: await res.text(), type: res.headers.get("content-type") };
  }

  test("the node of the task with decks carries the deck URI; the page is there and signed for the console", async () => {
    const ex = await remote.execute(await entity("examples/decks.ts", "wf"), { n: 120 } as never);
    await ex.wait({ timeout: 300_000 });
    assert.equal(ex.phaseName, "SUCCEEDED");
    const nodes = await ex.nodeExecutions();
    const byId = new Map(nodes.map((n) => [n.id!.nodeId, n]));
    const analyze = byId.get("n1")!;
    const readings = byId.get("n0")!;
    assert.ok(analyze && readings, `nodes: ${[...byId.keys()].join(", ")}`);
    assert.equal(readings.closure!.deckUri, "", "a task without decks has no deck URI");
    const uri = analyze.closure!.deckUri;
    assert.match(uri, /^s3:\/\/.+\/n1\/data\/0\/deck\.html$/);
    assert.equal(
      uri,
      `${analyze.closure!.outputResult.case === "outputUri" ? analyze.closure!.outputResult.value.replace(/outputs\.pb$/, "") : "?/"}deck.html`,
    );
    const html = new TextDecoder().decode(await s3.get(uri));
    assert.deepEqual(tabs(html), ["Timeline", "Report", "Profile", "default", "Input", "Output", "Source Code"]);
    assert.match(html, /120 readings, mean <strong>/);
    const seen = await viaConsole(analyze);
    assert.equal(seen.html, html);
    assert.match(seen.type ?? "", /^text\/html/);
  });

  test("a task with decks that fails still has its deck", async () => {
    const ex = await remote.execute(await entity("test/cluster/fixtures/decks.ts", "failingDeckWf"), {
      why: "<b>no</b>",
    } as never);
    await ex.wait({ timeout: 300_000 });
    assert.equal(ex.phaseName, "FAILED");
    const node = (await ex.nodeExecutions()).find((n) => n.id!.nodeId === "n0")!;
    assert.match(node.closure!.deckUri, /\/n0\/data\/0\/deck\.html$/);
    const { html } = await viaConsole(node);
    // The standard Input and Output decks come after a successful run only, as in flytekit; the rest is there.
    assert.deepEqual(tabs(html), ["Timeline", "Notes"]);
    assert.match(html, /about to fail: <em>&lt;b&gt;no&lt;\/b&gt;<\/em>/);
  });

  test("each element of a map task writes its own deck.html under the array node's output prefix", async () => {
    const ex = await remote.execute(await entity("test/cluster/fixtures/decks.ts", "cubes"), {
      xs: [2, 3, 4],
    } as never);
    await ex.wait({ timeout: 300_000 });
    assert.equal(ex.phaseName, "SUCCEEDED");
    assert.deepEqual(await ex.outputs(), [8, 27, 64]);
    const node = (await ex.nodeExecutions()).find((n) => n.id!.nodeId === "n0")!;
    const out = node.closure!.outputResult.case === "outputUri" ? node.closure!.outputResult.value : "";
    const prefix = out.slice(0, out.indexOf("/n0/") + "/n0/".length);
    assert.ok(prefix.endsWith("/n0/"), out);
    const decks: string[] = [];
    for await (const uri of s3.list(prefix)) if (uri.endsWith("/deck.html")) decks.push(uri);
    assert.equal(decks.length, 3, decks.join("\n"));
    const texts = await Promise.all(
      decks.map(async (u) => /cubing (\d)/.exec(new TextDecoder().decode(await s3.get(u)))![1]),
    );
    assert.deepEqual(texts.sort(), ["2", "3", "4"]);
  });
});
