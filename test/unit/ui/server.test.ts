import assert from "node:assert/strict";
import { request } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { graphOfNodes } from "../../../src/ui/graph.js";
import { startUiServer, type UiServer } from "../../../src/ui/server.js";
import { RunStore } from "../../../src/ui/store.js";

const scratch = mkdtempSync(join(tmpdir(), "ui-server-"));
const store = new RunStore(join(scratch, "runs"));
let ui: UiServer;
let okId = "";
let badId = "";

before(async () => {
  const graph = graphOfNodes([], new Set());
  const ok = store.begin({ entity: { name: "wf.ok", kind: "workflow" }, graph, inputs: { s: "<img src=x>" } })!;
  const deck = join(scratch, "deck.html");
  writeFileSync(deck, "<html><body><script>parent.postMessage('x','*')</script>deck</body></html>");
  ok.node({
    path: "n0",
    nodeId: "n0",
    parent: undefined,
    name: "wf.t",
    kind: "task",
    phase: "succeeded",
    time: Date.now(),
    durationMs: 1,
    attempt: 1,
    retries: 0,
    cacheHit: false,
    deckPath: deck,
  });
  ok.finish({ outputs: 1 });
  okId = ok.id;
  const bad = store.begin({ entity: { name: "wf.<script>bad</script>", kind: "workflow" }, graph })!;
  bad.finish({ error: new Error("boom") });
  badId = bad.id;
  ui = await startUiServer(store, 0);
});
after(async () => {
  await ui.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** A raw request, so the Host header and method can be anything. */
function get(
  path: string,
  opts: { host?: string; method?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: ui.port,
        path,
        method: opts.method ?? "GET",
        headers: { host: opts.host ?? `127.0.0.1:${ui.port}` },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe("tsflyte ui server", () => {
  test("listens on 127.0.0.1 only; serves the page with a strict policy, and its script and styles", async () => {
    assert.match(ui.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await get("/");
    assert.equal(page.status, 200);
    assert.match(page.body, /<script src="\/app\.js"><\/script>/);
    assert.match(String(page.headers["content-security-policy"]), /script-src 'self'/);
    assert.equal(page.headers["x-frame-options"], "DENY");
    assert.equal((await get("/app.js")).headers["content-type"], "text/javascript; charset=utf-8");
    assert.equal((await get("/app.css")).status, 200);
  });

  test("the runs, newest first, filtered by status and name; a run with its layout and logs", async () => {
    const runs = JSON.parse((await get("/api/runs")).body) as { id: string; entity: { name: string } }[];
    assert.deepEqual(
      runs.map((r) => r.id),
      [badId, okId],
    );
    const failed = JSON.parse((await get("/api/runs?status=failed")).body) as { id: string }[];
    assert.deepEqual(
      failed.map((r) => r.id),
      [badId],
    );
    const named = JSON.parse((await get("/api/runs?q=OK")).body) as { id: string }[];
    assert.deepEqual(
      named.map((r) => r.id),
      [okId],
    );
    const one = JSON.parse((await get(`/api/runs/${okId}`)).body) as { run: { nodes: unknown[] }; layout: unknown };
    assert.equal(one.run.nodes.length, 1);
    assert.ok(one.layout);
    assert.deepEqual(JSON.parse((await get(`/api/runs/${okId}/logs`)).body), []);
  });

  test("decks are served in a sandbox, by number only", async () => {
    const deck = await get(`/runs/${okId}/decks/0`);
    assert.equal(deck.status, 200);
    assert.match(deck.body, /deck/);
    assert.match(String(deck.headers["content-security-policy"]), /^sandbox allow-scripts;/);
    assert.equal(deck.headers["x-content-type-options"], "nosniff");
    assert.equal((await get(`/runs/${okId}/decks/1`)).status, 404);
    assert.equal((await get(`/runs/${okId}/decks/..%2F..%2Frun.json`)).status, 400);
    assert.equal((await get(`/runs/${okId}/decks/-1`)).status, 400);
  });

  test("no path reaches outside the store; other hosts and methods are refused", async () => {
    for (const path of ["/api/runs/..%2F..%2Fetc%2Fpasswd", "/api/runs/%E0%A4%A", `/runs/..%2F${okId}/decks/0`]) {
      assert.equal((await get(path)).status, 400, path);
    }
    // Dot segments are resolved by the URL parser first: what remains names nothing.
    assert.equal((await get("/api/runs/%2e%2e/%2e%2e/etc/passwd")).status, 404);
    assert.equal((await get("/api/runs/20990101T000000000Z-00000000")).status, 404);
    assert.equal((await get("/../../etc/passwd")).status, 404);
    assert.equal((await get("/api/runs", { host: "evil.example:80" })).status, 403);
    assert.equal((await get("/api/runs", { host: `localhost:${ui.port}` })).status, 200);
    const post = await get("/api/runs", { method: "POST" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, "GET, HEAD");
  });

  test("a port in use is an error naming the port", async () => {
    await assert.rejects(startUiServer(store, ui.port), new RegExp(`port ${ui.port} on 127\\.0\\.0\\.1 is in use`));
  });
});
