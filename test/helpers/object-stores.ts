/**
 * Object-store emulators on loopback for the storage tests, and a fault-injecting HTTP proxy to put in front of them:
 * fake-gcs-server (built into .tools/bin by scripts/setup-emulators.sh) and Azurite (npm devDependency).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const ROOT = resolve(import.meta.dirname, "../..");

/** Where scripts/setup-emulators.sh puts fake-gcs-server. */
export const FAKE_GCS_BIN = join(ROOT, ".tools/bin/fake-gcs-server");
const AZURITE_BIN = join(ROOT, "node_modules/.bin/azurite-blob");

/** Azurite's well-known development account and key (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/** Why fake-gcs-server cannot run here, or `undefined` when it can. */
export function fakeGcsMissing(): string | undefined {
  if (existsSync(FAKE_GCS_BIN)) return undefined;
  const msg = `${FAKE_GCS_BIN} is missing: run scripts/setup-emulators.sh`;
  if (process.env.FLYTEKIT_TS_REQUIRE_ORACLES) throw new Error(msg);
  return msg;
}

/** A running emulator. */
export interface Emulator {
  /** Base URL (`http://127.0.0.1:PORT`, plus `/devstoreaccount1` for Azurite). */
  readonly endpoint: string;
  /** Port it listens on. */
  readonly port: number;
  stop(): Promise<void>;
}

/** A free loopback port (bound and released; the small race is acceptable in tests). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function waitHttp(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`emulator exited with ${child.exitCode}: ${log()}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`emulator at ${url} did not answer within 30 s: ${log()}`);
      await sleep(100);
    }
  }
}

function track(child: ChildProcess): () => string {
  let out = "";
  const add = (b: Buffer) => {
    out = (out + b.toString()).slice(-4000);
  };
  child.stdout?.on("data", add);
  child.stderr?.on("data", add);
  return () => out;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts fake-gcs-server (in-memory) on loopback with `buckets` created. Resumable-session URLs it hands out are built
 * from the request's Host header, so behind {@link startFaultProxy} whole uploads go through the proxy.
 */
export async function startFakeGcs(buckets: readonly string[]): Promise<Emulator> {
  const port = await freePort();
  const args = [
    "-scheme",
    "http",
    "-host",
    "127.0.0.1",
    "-port",
    String(port),
    "-backend",
    "memory",
    "-log-level",
    "error",
  ];
  const child = spawn(FAKE_GCS_BIN, args, { stdio: ["ignore", "pipe", "pipe"] });
  const log = track(child);
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitHttp(`${endpoint}/storage/v1/b`, child, log);
    for (const name of buckets) {
      const res = await fetch(`${endpoint}/storage/v1/b?project=test`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name }),
      });
      if (!res.ok) throw new Error(`creating bucket ${name}: HTTP ${res.status} ${await res.text()}`);
    }
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return { endpoint, port, stop: () => stopChild(child) };
}

/** An Azurite blob service on loopback, with `containers` created; `connectionString` reaches it (or a proxy). */
export interface AzuriteEmulator extends Emulator {
  /** A connection string for the emulator, or for `endpoint` when given (e.g. a proxy in front of it). */
  connectionString(endpoint?: string): string;
}

/** Starts Azurite's blob service (in memory) on loopback and creates `containers`. */
export async function startAzurite(containers: readonly string[]): Promise<AzuriteEmulator> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), "azurite-"));
  const child = spawn(
    process.execPath,
    [
      AZURITE_BIN,
      "--blobHost",
      "127.0.0.1",
      "--blobPort",
      String(port),
      "--inMemoryPersistence",
      "--silent",
      "--skipApiVersionCheck",
      "--disableProductStyleUrl",
    ],
    { stdio: ["ignore", "pipe", "pipe"], cwd: dir },
  );
  const log = track(child);
  const endpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  const connectionString = (ep = endpoint) =>
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${ep};`;
  const stop = async () => {
    await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitHttp(`${endpoint}?comp=list`, child, log);
    const { BlobServiceClient } = await import("@azure/storage-blob");
    const service = BlobServiceClient.fromConnectionString(connectionString());
    for (const c of containers) await service.getContainerClient(c).createIfNotExists();
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint, port, connectionString, stop };
}

/** What the proxy does with one request. */
export type Fault =
  | "pass"
  /** Answer with this status (and `Retry-After` when given) without contacting the target. */
  | {
      readonly status: number;
      readonly retryAfter?: string;
      readonly body?: string;
      readonly headers?: Record<string, string>;
    }
  /** Close the connection without an answer. */
  | "reset"
  /** Forward the request, then cut the response body after `bytes` bytes. */
  | { readonly cutResponseAfter: number }
  /** Wait, then forward. */
  | { readonly delayMs: number };

/** A request the proxy saw, and what it did with it. */
export interface ProxiedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
  readonly bodyBytes: number;
  readonly fault: Fault;
  readonly at: number;
}

/** A fault-injecting HTTP proxy on loopback. */
export interface FaultProxy {
  readonly base: string;
  readonly port: number;
  readonly seen: ProxiedRequest[];
  /** Sets the rule deciding each request's fault (index counts every request since the rule was set). */
  setRule(
    rule: (req: { method: string; url: string; headers: IncomingMessage["headers"] }, index: number) => Fault,
  ): void;
  close(): Promise<void>;
}

/**
 * Starts a proxy on 127.0.0.1 that forwards to `target` (`http://127.0.0.1:PORT`), injecting faults by rule. The
 * request body is read whole before the fault is applied, so a "reset" during an upload drops bytes the client
 * already sent, as a connection lost mid-upload does.
 */
export async function startFaultProxy(target: string, port = 0): Promise<FaultProxy> {
  const t = new URL(target);
  const seen: ProxiedRequest[] = [];
  let rule: Parameters<FaultProxy["setRule"]>[0] = () => "pass";
  let index = 0;
  // fake-gcs-server 1.56 does not answer resumable-upload status queries (`Content-Range: bytes */N`): it finalizes
  // the object with what it holds. The proxy answers them as GCS does, from the range the server last acknowledged.
  const acknowledged = new Map<string, string>();
  const uploadId = (url: string) => new URL(url, "http://x").searchParams.get("upload_id");
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const info = { method: req.method ?? "", url: req.url ?? "", headers: req.headers };
      const fault = rule(info, index++);
      seen.push({ ...info, bodyBytes: body.byteLength, fault, at: Date.now() });
      if (fault === "reset") {
        req.socket.destroy();
        return;
      }
      const id = uploadId(info.url);
      if (fault === "pass" && id !== null && /^bytes \*\/\d+$/.test(String(req.headers["content-range"] ?? ""))) {
        const range = acknowledged.get(id);
        res.writeHead(308, range === undefined ? {} : { range });
        res.end();
        return;
      }
      if (typeof fault === "object" && "status" in fault) {
        res.writeHead(fault.status, {
          "content-type": "application/json",
          ...(fault.retryAfter === undefined ? {} : { "retry-after": fault.retryAfter }),
          ...fault.headers,
        });
        res.end(fault.body ?? JSON.stringify({ error: { code: fault.status, message: "injected fault" } }));
        return;
      }
      const forward = () => {
        // The Host header is kept: servers that build URLs from it (resumable session URLs) then point back here.
        const up = request(
          { host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers },
          (upRes) => {
            const range = upRes.headers.range;
            if (id !== null && upRes.statusCode === 308 && typeof range === "string") acknowledged.set(id, range);
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            if (typeof fault === "object" && "cutResponseAfter" in fault) {
              let sent = 0;
              upRes.on("data", (c: Buffer) => {
                const room = fault.cutResponseAfter - sent;
                if (room <= 0) return;
                res.write(c.subarray(0, room));
                sent += Math.min(room, c.byteLength);
                if (sent >= fault.cutResponseAfter) res.socket?.destroy();
              });
              upRes.on("end", () => res.end());
              return;
            }
            upRes.pipe(res);
          },
        );
        up.on("error", () => res.socket?.destroy());
        up.end(body);
      };
      if (typeof fault === "object" && "delayMs" in fault) setTimeout(forward, fault.delayMs);
      else forward();
    });
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  const bound = (server.address() as AddressInfo).port;
  return {
    base: `http://127.0.0.1:${bound}`,
    port: bound,
    seen,
    setRule(r) {
      rule = r;
      index = 0;
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
