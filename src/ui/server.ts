/**
 * The web server of `tsflyte ui`: a plain `node:http` server bound to 127.0.0.1 that serves the page (`page.ts`), a
 * JSON API over the run store, and the runs' decks. Only GET and HEAD are answered; run ids are checked against
 * the store's id pattern and decks are addressed by number, so no request names a file. Requests whose Host is not
 * this loopback address are refused (a web page elsewhere cannot reach the API through DNS rebinding), and every
 * response forbids framing by other sites and sniffing; decks get a sandbox Content-Security-Policy of their own.
 */
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { layoutGraph } from "./graph.js";
import { APP_CSS, APP_JS, PAGE_HTML } from "./page.js";
import { isRunId, type RunStore } from "./store.js";

/** A running UI server. */
export interface UiServer {
  /** The page's address, `http://127.0.0.1:<port>/`. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/**
 * Decks run their own scripts (tabs), in an opaque origin: no access to the page, the API or cookies. Only the UI's
 * own pages may frame them (named by address: a sandboxed document's own origin is opaque and matches nothing).
 */
function deckCsp(port: number): string {
  return `sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; frame-ancestors http://127.0.0.1:${port} http://localhost:${port}`;
}

/**
 * Serves the UI of `store` on 127.0.0.1 (`port` 0 picks a free port).
 *
 * @example
 * const ui = await startUiServer(new RunStore(defaultRunsDir()), 8700);
 * console.log(ui.url); // http://127.0.0.1:8700/
 */
export async function startUiServer(store: RunStore, port: number): Promise<UiServer> {
  const server: Server = createServer((req, res) => {
    handle(store, req, res, actualPort()).catch((e) => {
      if (!res.headersSent) send(res, 500, "text/plain; charset=utf-8", `internal error: ${String(e)}\n`);
      else res.destroy();
    });
  });
  const actualPort = () => (server.address() as AddressInfo).port;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(
        e.code === "EADDRINUSE"
          ? new Error(`port ${port} on 127.0.0.1 is in use; choose another with --port`, { cause: e })
          : e,
      ),
    );
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const p = actualPort();
  return {
    url: `http://127.0.0.1:${p}/`,
    port: p,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, {
    "content-type": type,
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    ...extra,
  });
  res.end(res.req.method === "HEAD" ? undefined : body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, "application/json; charset=utf-8", JSON.stringify(value));
}

function notFound(res: ServerResponse, what: string): void {
  sendJson(res, 404, { error: `${what} not found` });
}

/** A path segment decoded, or "" when its escapes are malformed (then no id matches). */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return "";
  }
}

async function handle(store: RunStore, req: IncomingMessage, res: ServerResponse, port: number): Promise<void> {
  const host = req.headers.host ?? "";
  if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
    sendJson(res, 403, { error: "this server answers requests for 127.0.0.1 only" });
    return;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    send(res, 405, "application/json; charset=utf-8", JSON.stringify({ error: "only GET and HEAD" }), {
      allow: "GET, HEAD",
    });
    return;
  }
  const url = new URL(req.url ?? "/", `http://127.0.0.1:${port}`);
  const path = url.pathname;
  if (path === "/" || path === "/index.html") {
    send(res, 200, "text/html; charset=utf-8", PAGE_HTML, { "content-security-policy": PAGE_CSP });
    return;
  }
  if (path === "/app.js") return send(res, 200, "text/javascript; charset=utf-8", APP_JS);
  if (path === "/app.css") return send(res, 200, "text/css; charset=utf-8", APP_CSS);
  if (path === "/api/runs") {
    const status = url.searchParams.get("status");
    const q = url.searchParams.get("q")?.toLowerCase();
    const runs = store
      .list()
      .filter((r) => (!status || r.status === status) && (!q || r.entity.name.toLowerCase().includes(q)));
    return sendJson(res, 200, runs);
  }
  const parts = path.split("/").slice(1);
  // /api/runs/<id>, /api/runs/<id>/logs
  if (parts[0] === "api" && parts[1] === "runs" && parts.length >= 3 && parts.length <= 4) {
    const id = decoded(parts[2]!);
    if (!isRunId(id)) return sendJson(res, 400, { error: "not a run id" });
    const run = store.get(id);
    if (!run) return notFound(res, `run ${id}`);
    if (parts.length === 4) {
      if (parts[3] !== "logs") return notFound(res, path);
      return sendJson(res, 200, store.logs(id));
    }
    return sendJson(res, 200, { run, layout: layoutGraph(run.graph), logs: store.logs(id) });
  }
  // /runs/<id>/decks/<n>
  if (parts[0] === "runs" && parts[2] === "decks" && parts.length === 4) {
    const id = decoded(parts[1]!);
    const n = /^[0-9]{1,6}$/.test(parts[3]!) ? Number(parts[3]) : Number.NaN;
    if (!isRunId(id) || Number.isNaN(n)) return sendJson(res, 400, { error: "not a deck address" });
    const file = store.deckPath(id, n);
    if (!file) return notFound(res, `deck ${n} of run ${id}`);
    let html: Buffer;
    try {
      html = await readFile(file);
    } catch {
      return notFound(res, `deck ${n} of run ${id}`);
    }
    return send(res, 200, "text/html; charset=utf-8", html, {
      "content-security-policy": deckCsp(port),
    });
  }
  notFound(res, path);
}
